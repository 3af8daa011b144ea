import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../modules/database.js';
import type { NoteVerifier } from '../../modules/ledger/ledger.note-keys.js';
import { verifyStoredLedger } from '../../modules/ledger/ledger.verify.js';
import type { Logger } from '../../shared/logger/logger.js';
import { type Sleep, sleepUnlessAborted } from './ledger-sequencer.js';

export type RunningLedgerVerifyJob = {
  /** Stops scheduling and resolves once the verification in progress, if any, has finished. */
  stop(): Promise<void>;
};

/**
 * Runs the verification `writ ledger verify` runs, at start and then every `intervalMinutes`: on SQLite no
 * grant can make the ledger tables append-only, so this is how an edit to the database file is noticed.
 * A mismatch is logged at error level with the first bad index and the failure codes; that log line is the
 * alert (operators route `ledger verification failed` from their log collector).
 * Verification reads in one transaction; on SQLite give it its own connection so that WAL keeps that read
 * snapshot from blocking the server's writes.
 * @NOTE Never logs entry contents or failure messages, only indexes, counts and codes.
 */
export function startLedgerVerifyJob({
  db,
  origin,
  verifier,
  intervalMinutes,
  logger,
  onOutcome,
  sleep = sleepUnlessAborted,
}: {
  db: Kysely<WritDatabase>;
  origin: string;
  verifier: NoteVerifier;
  intervalMinutes: number;
  logger: Logger;
  /** Each run's outcome, for the metrics. */
  onOutcome?: (outcome: 'verified' | 'failed' | 'error') => void;
  sleep?: Sleep;
}): RunningLedgerVerifyJob {
  const abort = new AbortController();

  const runOnce = async (): Promise<void> => {
    try {
      // One snapshot: entries, state and checkpoints read while the sequencer runs must agree.
      const report = await db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute((trx) => verifyStoredLedger({ db: trx, origin, verifier }));
      onOutcome?.(report.failures.length === 0 ? 'verified' : 'failed');
      if (report.failures.length === 0) {
        logger.info(
          { job: 'ledger-verify', entryCount: report.entryCount, checkpoints: report.checkpointsChecked },
          'ledger verified',
        );
        return;
      }
      logger.error(
        {
          job: 'ledger-verify',
          alert: 'ledger_integrity',
          firstBadIndex: report.firstBadIndex?.index,
          firstBadThroughIndex: report.firstBadIndex?.throughIndex,
          failureCodes: [...new Set(report.failures.map((failure) => failure.code))],
          entryCount: report.entryCount,
        },
        'ledger verification failed',
      );
    } catch (error) {
      onOutcome?.('error');
      const code = (error as { code?: unknown } | null)?.code;
      logger.error(
        { job: 'ledger-verify', code: typeof code === 'string' ? code : undefined },
        'ledger verification could not run; will retry',
      );
    }
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      await runOnce();
      if (!abort.signal.aborted) await sleep(intervalMinutes * 60_000, abort.signal);
    }
  })();

  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
