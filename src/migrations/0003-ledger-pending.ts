import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * Events recorded in the same transaction as the change they describe, before the ledger's sequencer
 * assigns them an index in its Merkle tree.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .createTable('ledger_pending_entries')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('entry', 'text', (col) => col.notNull())
    .addColumn('recorded_at', timestamp, (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ledger_pending_entries').execute();
}
