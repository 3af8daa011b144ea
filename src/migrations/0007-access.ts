import { type Kysely, sql } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * Access: classification labels on matters, folders and documents (folders and documents inherit when
 * theirs is null), grants naming an assistant for highly sensitive content, ethical walls (screens),
 * access requests, and the auditors designated as compliance officers.
 * Flags are integers 0/1: one representation on both engines (better-sqlite3 binds no booleans).
 * @NOTE Classification values (`public`, `internal`, `highly_sensitive`) are stored and appear in the
 * Cedar policies: renaming one needs a migration and a policy change together.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .alterTable('matters')
    .addColumn('classification', 'text', (col) => col.notNull().defaultTo('internal'))
    .execute();
  await db.schema.alterTable('folders').addColumn('classification', 'text').execute();
  await db.schema.alterTable('documents').addColumn('classification', 'text').execute();
  await db.schema
    .alterTable('matter_members')
    .addColumn('is_named_for_highly_sensitive', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('access_compliance_officers')
    .addColumn('user_id', 'text', (col) => col.primaryKey().references('users.id'))
    .addColumn('designated_by', 'text', (col) => col.notNull())
    .addColumn('designated_at', timestamp, (col) => col.notNull())
    .execute();

  await db.schema
    .createTable('access_screens')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('lifted_by', 'text')
    .addColumn('lifted_at', timestamp)
    .execute();
  await sql`create unique index access_screens_live on access_screens (matter_id, user_id) where lifted_at is null`.execute(
    db,
  );
  await db.schema.createIndex('access_screens_user').on('access_screens').columns(['user_id']).execute();

  await db.schema
    .createTable('access_requests')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('requester_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('reason_sealed', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', timestamp)
    .addColumn('grant_expires_at', timestamp)
    .execute();
  await db.schema
    .createIndex('access_requests_matter')
    .on('access_requests')
    .columns(['matter_id', 'status'])
    .execute();
  await db.schema
    .createIndex('access_requests_requester')
    .on('access_requests')
    .columns(['requester_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('access_requests').execute();
  await db.schema.dropTable('access_screens').execute();
  await db.schema.dropTable('access_compliance_officers').execute();
  await db.schema.alterTable('matter_members').dropColumn('is_named_for_highly_sensitive').execute();
  await db.schema.alterTable('documents').dropColumn('classification').execute();
  await db.schema.alterTable('folders').dropColumn('classification').execute();
  await db.schema.alterTable('matters').dropColumn('classification').execute();
}
