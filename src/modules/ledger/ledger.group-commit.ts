import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import { type DomainEvent, generateLedgerEntryId } from './ledger.models.js';
import type { LedgerPendingEntriesTable } from './ledger.tables.js';
import { preparePendingEntry } from './ledger.usecases.js';

/** A module narrows the events it may append alone: `StandaloneLedger<DownloadEvent>`. */
export type StandaloneLedger<E extends DomainEvent = DomainEvent> = {
  /**
   * Records an event that goes with no other change in the database (a download, a failed sign-in, an
   * integrity alarm): the ledger owns the transaction. Concurrent calls share one transaction and one commit;
   * each promise resolves once that commit is durable, and rejects, with every other call in the batch, if
   * it fails, in which case none of them was recorded.
   * @NOTE An event that records a change must use `Ledger.append` in the change's transaction instead.
   */
  appendStandalone(event: E): Promise<{ entryId: string }>;
  /** Resolves once every call made so far has settled. */
  settled(): Promise<void>;
};

type Waiter = {
  row: LedgerPendingEntriesTable;
  resolve: (value: { entryId: string }) => void;
  reject: (error: unknown) => void;
};

const insertChunk = 500;

/**
 * Group commit for standalone events: while one transaction commits, the calls that arrive wait and then go
 * together in the next, up to `maxBatch` a transaction. No timer delays a lone call: batches form only from
 * calls that would otherwise queue for the database anyway.
 */
export function createStandaloneLedger({
  db,
  clock,
  generateId = generateLedgerEntryId,
  maxBatch = 1000,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  generateId?: IdGenerator;
  maxBatch?: number;
}): StandaloneLedger {
  let queue: Waiter[] = [];
  let flushing: Promise<void> | undefined;

  const commit = async (batch: readonly Waiter[]): Promise<void> => {
    try {
      await db.transaction().execute(async (trx) => {
        for (let start = 0; start < batch.length; start += insertChunk) {
          await trx
            .insertInto('ledger_pending_entries')
            .values(batch.slice(start, start + insertChunk).map((waiter) => waiter.row))
            .execute();
        }
      });
    } catch (error) {
      for (const waiter of batch) waiter.reject(error);
      return;
    }
    for (const waiter of batch) waiter.resolve({ entryId: waiter.row.id });
  };

  const flush = async (): Promise<void> => {
    // Calls made in the same tick as the first join its batch.
    await Promise.resolve();
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      await commit(batch);
    }
    flushing = undefined;
  };

  return {
    appendStandalone(event) {
      return new Promise((resolve, reject) => {
        // Validation failures reject this call alone, before it joins a batch.
        const row = preparePendingEntry({ clock, generateId, event });
        queue.push({ row, resolve, reject });
        flushing ??= flush();
      });
    },
    async settled() {
      while (flushing !== undefined) await flushing;
    },
  };
}
