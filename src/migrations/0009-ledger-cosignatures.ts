import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 `cosignature/v1`) on the ledger's checkpoints,
 * served appended to the checkpoint note. One per witness key and checkpoint; the first accepted is kept.
 * @NOTE `timestamp` is the witness's POSIX time in seconds (signed over), not Writ's epoch milliseconds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { bytes } = columnTypes(db);
  await db.schema
    .createTable('ledger_cosignatures')
    .addColumn('checkpoint_size', 'bigint', (col) => col.notNull().references('ledger_checkpoints.size'))
    .addColumn('witness_name', 'text', (col) => col.notNull())
    .addColumn('key_id', bytes, (col) => col.notNull())
    .addColumn('timestamp', 'bigint', (col) => col.notNull())
    .addColumn('signature', bytes, (col) => col.notNull())
    .addPrimaryKeyConstraint('ledger_cosignatures_pk', ['checkpoint_size', 'witness_name', 'key_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('ledger_cosignatures').execute();
}
