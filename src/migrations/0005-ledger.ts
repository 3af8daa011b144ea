import { type Kysely, sql } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * The sequenced ledger: entries with gap-free indexes, every perfect subtree hash of their Merkle tree, the
 * one state row sequencers lock, signed checkpoints; and the vault's sealed signing keys.
 * @NOTE `ledger_subtrees` holds the hash of every complete node (level, index): proofs and tiles read
 * O(log n) rows. Rows of these tables are never updated once written.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp, bytes } = columnTypes(db);
  await db.schema
    .createTable('ledger_entries')
    .addColumn('idx', 'bigint', (col) => col.primaryKey())
    .addColumn('entry_id', 'text', (col) => col.notNull().unique())
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('entry', 'text', (col) => col.notNull())
    .addColumn('recorded_at', timestamp, (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('ledger_subtrees')
    .addColumn('level', 'integer', (col) => col.notNull())
    .addColumn('idx', 'bigint', (col) => col.notNull())
    .addColumn('hash', bytes, (col) => col.notNull())
    .addPrimaryKeyConstraint('ledger_subtrees_pk', ['level', 'idx'])
    .execute();
  await db.schema
    .createTable('ledger_state')
    .addColumn('id', 'integer', (col) => col.primaryKey().check(sqlIdIsOne()))
    .addColumn('next_index', 'bigint', (col) => col.notNull())
    .execute();
  await (db as Kysely<{ ledger_state: { id: number; next_index: number } }>)
    .insertInto('ledger_state')
    .values({ id: 1, next_index: 0 })
    .execute();
  await db.schema
    .createTable('ledger_checkpoints')
    .addColumn('size', 'bigint', (col) => col.primaryKey())
    .addColumn('root_hash', bytes, (col) => col.notNull())
    .addColumn('note', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();
  await db.schema
    .createTable('vault_signing_keys')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('public_key', bytes, (col) => col.notNull())
    .addColumn('private_key_sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();
}

function sqlIdIsOne() {
  return sql`id = 1`;
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('vault_signing_keys').execute();
  await db.schema.dropTable('ledger_checkpoints').execute();
  await db.schema.dropTable('ledger_state').execute();
  await db.schema.dropTable('ledger_subtrees').execute();
  await db.schema.dropTable('ledger_entries').execute();
}
