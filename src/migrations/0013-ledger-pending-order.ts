import type { Kysely } from 'kysely';

/**
 * The sequencer takes pending entries in (recorded_at, id) order, a batch at a time. Without an index each
 * batch sorted the whole backlog, so sequencing slowed down exactly when it fell behind.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('ledger_pending_entries_order')
    .on('ledger_pending_entries')
    .columns(['recorded_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('ledger_pending_entries_order').execute();
}
