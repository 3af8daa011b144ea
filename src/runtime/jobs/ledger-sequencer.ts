import { setTimeout as delay } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../modules/database.js';
import { createCheckpoint } from '../../modules/ledger/ledger.checkpoints.usecases.js';
import type { NoteSigner } from '../../modules/ledger/ledger.note-keys.js';
import { sequencePendingEntries } from '../../modules/ledger/ledger.sequencer.js';
import type { Clock } from '../../shared/clock/clock.js';
import type { Logger } from '../../shared/logger/logger.js';

export type RunningLedgerSequencer = {
  /** Stops the loop and resolves once the run in progress, if any, has finished. */
  stop(): Promise<void>;
};

/** Waits `ms` or until `signal` aborts, whichever comes first; never rejects. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const sleepUnlessAborted: Sleep = async (ms, signal) => {
  await delay(ms, undefined, { signal }).catch(() => undefined);
};

/**
 * Sequences pending ledger entries every `pollMs` (at once again after a full batch), and signs a checkpoint
 * whenever the log grew and `checkpointSeconds` passed since the last one: the log is checkpointed at least
 * that often while it grows. Every node may run it; the state row lock keeps them from colliding.
 * @NOTE Logs carry counts, sizes and error codes only, never entry contents.
 */
export function startLedgerSequencer({
  db,
  clock,
  signer,
  origin,
  checkpointSeconds,
  logger,
  onFailure,
  pollMs = 200,
  maxBatch = 1000,
  sleep = sleepUnlessAborted,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  signer: NoteSigner;
  origin: string;
  checkpointSeconds: number;
  logger: Logger;
  /** Each failed run, for the metrics. */
  onFailure?: () => void;
  pollMs?: number;
  maxBatch?: number;
  sleep?: Sleep;
}): RunningLedgerSequencer {
  const abort = new AbortController();
  let lastCheckpointAt = Number.NEGATIVE_INFINITY;

  const runOnce = async (): Promise<boolean> => {
    try {
      const { sequenced } = await sequencePendingEntries({ db, clock, maxBatch });
      const now = clock.now().getTime();
      if (now - lastCheckpointAt >= checkpointSeconds * 1000) {
        const { checkpoint, isNew } = await createCheckpoint({ db, clock, signer, origin });
        lastCheckpointAt = now;
        if (isNew)
          logger.info({ job: 'ledger-sequencer', size: checkpoint.size }, 'ledger checkpoint signed');
      }
      return sequenced >= maxBatch;
    } catch (error) {
      onFailure?.();
      const code = (error as { code?: unknown } | null)?.code;
      logger.error(
        { job: 'ledger-sequencer', code: typeof code === 'string' ? code : undefined },
        'ledger sequencing failed; will retry',
      );
      return false;
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      const hasMore = await runOnce();
      if (!hasMore && !abort.signal.aborted) await sleep(pollMs, abort.signal);
    }
  })();

  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
