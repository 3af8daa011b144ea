import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../modules/database.js';
import { sweepAbandonedUploads } from '../../modules/documents/documents.cleanup.usecases.js';
import type { BlobStore } from '../../shared/blobs/blob-store.js';
import type { Clock } from '../../shared/clock/clock.js';
import type { Logger } from '../../shared/logger/logger.js';
import type { RunningJob } from './mail-outbox.job.js';

/**
 * Removes the blobs of uploads that never committed. At start, with a single server (SQLite holds the data
 * directory's lock), every unfinished upload belongs to a process that died, so all are removed; then, and
 * on PostgreSQL where other nodes may be mid-upload, only those older than `abandonedAfterMinutes`.
 */
export async function startUploadSweepJob({
  db,
  clock,
  blobStore,
  logger,
  abandonedAfterMinutes,
  isSingleServer,
  intervalMs = 15 * 60_000,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  blobStore: BlobStore;
  logger: Logger;
  abandonedAfterMinutes: number;
  isSingleServer: boolean;
  intervalMs?: number;
}): Promise<RunningJob> {
  const sweep = async (startedBefore: Date) => {
    const removed = await sweepAbandonedUploads({ db, blobStore, startedBefore });
    if (removed.uploads + removed.incompleteWrites > 0) {
      logger.info({ job: 'upload-sweep', ...removed }, 'abandoned uploads removed');
    }
  };
  const cutoff = () => new Date(clock.now().getTime() - abandonedAfterMinutes * 60_000);
  await sweep(isSingleServer ? clock.now() : cutoff());

  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running !== undefined) return;
    running = sweep(cutoff())
      .catch((error: unknown) => {
        logger.error({ job: 'upload-sweep', err: error }, 'upload sweep failed');
      })
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
