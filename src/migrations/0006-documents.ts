import { type Kysely, sql } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * The vault's key hierarchy and the documents module's matters, folders, documents and versions.
 * @NOTE `vault_keys` holds every wrapped key: the installation key and matter keys wrapped by the root key,
 * data keys (document versions, matter metadata) wrapped by a matter key. `parent_key_id` names the wrapping
 * key, so rotation re-wraps exactly the rows under the old key and can resume where it stopped.
 * Names and other free text are sealed (`*_sealed`); `name_lookup` is a keyed hash under the matter's
 * metadata key, so a name can be found and kept unique in its folder without being stored readable.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .createTable('vault_keys')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('purpose', 'text', (col) => col.notNull())
    .addColumn('matter_id', 'text')
    .addColumn('parent_key_id', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull())
    .addColumn('wrapped', 'text')
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('destroyed_at', timestamp)
    .execute();
  await db.schema.createIndex('vault_keys_parent').on('vault_keys').columns(['parent_key_id']).execute();
  await db.schema
    .createIndex('vault_keys_matter')
    .on('vault_keys')
    .columns(['matter_id', 'purpose', 'state'])
    .execute();

  await db.schema
    .createTable('matters')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name_sealed', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) => col.notNull())
    .addColumn('root_folder_id', 'text', (col) => col.notNull())
    .addColumn('quota_bytes', 'bigint')
    .addColumn('used_bytes', 'bigint', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('updated_at', timestamp, (col) => col.notNull())
    .addColumn('shredded_at', timestamp)
    .execute();
  await db.schema
    .createTable('matter_members')
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id'))
    .addColumn('role', 'text', (col) => col.notNull())
    .addColumn('added_by', 'text', (col) => col.notNull())
    .addColumn('added_at', timestamp, (col) => col.notNull())
    .addColumn('expires_at', timestamp)
    .addPrimaryKeyConstraint('matter_members_pk', ['matter_id', 'user_id'])
    .execute();
  await db.schema.createIndex('matter_members_user').on('matter_members').columns(['user_id']).execute();

  await db.schema
    .createTable('folders')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('parent_id', 'text', (col) => col.references('folders.id'))
    .addColumn('name_sealed', 'text', (col) => col.notNull())
    .addColumn('name_lookup', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('updated_at', timestamp, (col) => col.notNull())
    .addColumn('trashed_at', timestamp)
    .execute();
  await db.schema.createIndex('folders_matter').on('folders').columns(['matter_id']).execute();
  await sql`create unique index folders_live_name on folders (parent_id, name_lookup) where trashed_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('documents')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('folder_id', 'text', (col) => col.notNull().references('folders.id'))
    .addColumn('name_sealed', 'text', (col) => col.notNull())
    .addColumn('name_lookup', 'text', (col) => col.notNull())
    .addColumn('current_version', 'integer', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addColumn('updated_at', timestamp, (col) => col.notNull())
    .addColumn('trashed_at', timestamp)
    .execute();
  await db.schema.createIndex('documents_matter').on('documents').columns(['matter_id']).execute();
  await sql`create unique index documents_live_name on documents (folder_id, name_lookup) where trashed_at is null`.execute(
    db,
  );

  await db.schema
    .createTable('document_versions')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('document_id', 'text', (col) => col.notNull().references('documents.id').onDelete('cascade'))
    .addColumn('matter_id', 'text', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('size', 'bigint', (col) => col.notNull())
    .addColumn('ciphertext_size', 'bigint', (col) => col.notNull())
    .addColumn('sha256_sealed', 'text', (col) => col.notNull())
    .addColumn('media_type_sealed', 'text', (col) => col.notNull())
    .addColumn('blob_key', 'text', (col) => col.notNull())
    .addColumn('data_key_id', 'text', (col) => col.notNull())
    .addColumn('uploaded_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .addUniqueConstraint('document_versions_number', ['document_id', 'version'])
    .execute();

  await db.schema
    .createTable('document_uploads')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull())
    .addColumn('blob_key', 'text', (col) => col.notNull())
    .addColumn('started_by', 'text', (col) => col.notNull())
    .addColumn('started_at', timestamp, (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('document_uploads').execute();
  await db.schema.dropTable('document_versions').execute();
  await db.schema.dropTable('documents').execute();
  await db.schema.dropTable('folders').execute();
  await db.schema.dropTable('matter_members').execute();
  await db.schema.dropTable('matters').execute();
  await db.schema.dropTable('vault_keys').execute();
}
