import type { Kysely } from 'kysely';
import type { BlobStore } from '../../shared/blobs/blob-store.js';
import type { WritDatabase } from '../database.js';
import { createDocumentsRepository } from './documents.repository.js';

/**
 * Removes what uploads that never committed left behind: their blobs and the store's incomplete writes.
 * An upload row exists from before the first byte is stored until the version commits, so a row older
 * than `startedBefore` belongs to an upload that was cut off (disconnect, crash, SIGKILL), or to one still
 * running that slow: the row decides which of the sweep and the commit gets the blob.
 */
export async function sweepAbandonedUploads({
  db,
  blobStore,
  startedBefore,
}: {
  db: Kysely<WritDatabase>;
  blobStore: BlobStore;
  startedBefore: Date;
}): Promise<{ uploads: number; incompleteWrites: number }> {
  const repository = createDocumentsRepository({ db });
  const abandoned = await repository.listUploadsStartedBefore({ before: startedBefore });
  let uploads = 0;
  for (const upload of abandoned) {
    // @NOTE The row goes before the blob, and only a sweep that deleted it touches the blob: an upload
    // committing meanwhile deletes the same row in its transaction and fails when it finds it gone, so a
    // version never points at a removed blob. A crash between the two leaves the blob without a row: disk,
    // where deleting the blob first could cost a document.
    if (!(await repository.deleteUpload({ uploadId: upload.id }))) continue;
    uploads += 1;
    // A committed version never points at an upload's blob, but a bug must not cost a document.
    if (!(await repository.isBlobReferenced({ blobKey: upload.blob_key }))) {
      await blobStore.delete({ key: upload.blob_key });
    }
  }
  const { removed } = await blobStore.sweepIncomplete({ olderThan: startedBefore });
  return { uploads, incompleteWrites: removed };
}
