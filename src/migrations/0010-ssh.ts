import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * SSH: the public keys users register for SFTP sign-in (identity) and the server's SSH host key (vault,
 * its Ed25519 seed sealed by the secret box like the ledger's signing key).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp, bytes } = columnTypes(db);
  await db.schema
    .createTable('identity_ssh_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('algorithm', 'text', (col) => col.notNull())
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('public_key', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('last_used_at', timestamp)
    .execute();
  await db.schema
    .createIndex('identity_ssh_keys_user_fingerprint')
    .on('identity_ssh_keys')
    .columns(['user_id', 'fingerprint'])
    .unique()
    .execute();
  await db.schema
    .createTable('vault_ssh_host_keys')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('public_key', bytes, (col) => col.notNull())
    .addColumn('private_key_sealed', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('vault_ssh_host_keys').execute();
  await db.schema.dropTable('identity_ssh_keys').execute();
}
