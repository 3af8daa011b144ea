import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { createError } from '../../shared/errors/errors.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import { canonicalJson } from './ledger.canonical-json.js';
import { type DomainEvent, generateLedgerEntryId, maxEntryBytes } from './ledger.models.js';
import type { LedgerPendingEntriesTable } from './ledger.tables.js';

/** A module narrows the events it may append: `Pick<Ledger<IdentityEvent>, 'append'>`. */
export type Ledger<E extends DomainEvent = DomainEvent> = {
  /**
   * Records `event` inside the caller's transaction, so that the change and its event commit or roll back
   * together. Refuses to run outside a transaction.
   */
  append(args: { db: Kysely<WritDatabase>; event: E }): Promise<{ entryId: string }>;
};

/** The pending row for `event`, recorded now: canonical JSON, size-checked, with a new entry id. */
export function preparePendingEntry({
  clock,
  generateId,
  event,
}: {
  clock: Clock;
  generateId: IdGenerator;
  event: DomainEvent;
}): LedgerPendingEntriesTable {
  const recordedAt = clock.now();
  const entry = canonicalJson({
    kind: event.kind,
    at: recordedAt.toISOString(),
    actor: event.actor,
    data: event.data,
  });
  if (Buffer.byteLength(entry) > maxEntryBytes) {
    throw createError({
      code: 'ledger.entry_too_large',
      status: 500,
      isInternal: true,
      message: `A ${event.kind} entry exceeds ${maxEntryBytes} bytes.`,
    });
  }
  return { id: generateId(), kind: event.kind, entry, recorded_at: recordedAt.getTime() };
}

export function createLedger({
  clock,
  generateId = generateLedgerEntryId,
}: {
  clock: Clock;
  generateId?: IdGenerator;
}): Ledger {
  return {
    async append({ db, event }) {
      if (!db.isTransaction) {
        throw createError({
          code: 'ledger.outside_transaction',
          status: 500,
          isInternal: true,
          message: `The ${event.kind} event must be appended in the transaction of the change it records.`,
        });
      }
      const row = preparePendingEntry({ clock, generateId, event });
      await db.insertInto('ledger_pending_entries').values(row).execute();
      return { entryId: row.id };
    },
  };
}
