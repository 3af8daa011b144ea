import type { Kysely } from 'kysely';
import type { BlobStore } from '../../shared/blobs/blob-store.js';
import type { WritDatabase } from '../database.js';
import { createDocumentsRepository } from './documents.repository.js';

/**
 * Removes what uploads that never committed left behind: their blobs and the store's incomplete writes.
 * An upload row exists from before the first byte is stored until the version commits, so a row older
 * than `startedBefore` belongs to an upload that was cut off (disconnect, crash, SIGKILL).
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
  for (const upload of abandoned) {
    // A committed version never points at an upload's blob, but a bug must not cost a document.
    if (!(await repository.isBlobReferenced({ blobKey: upload.blob_key }))) {
      await blobStore.delete({ key: upload.blob_key });
    }
    await repository.deleteUpload({ uploadId: upload.id });
  }
  const { removed } = await blobStore.sweepIncomplete({ olderThan: startedBefore });
  return { uploads: abandoned.length, incompleteWrites: removed };
}
