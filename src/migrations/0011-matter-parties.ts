import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * The client and the other parties of a matter; their names are sealed under the matter's metadata key.
 * @NOTE `kind` values (`client`, `opposing_party`, `other`) are published in the API.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .createTable('matter_parties')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('kind', 'text', (col) => col.notNull())
    .addColumn('name_sealed', 'text', (col) => col.notNull())
    .addColumn('created_by', 'text', (col) => col.notNull())
    .addColumn('created_at', timestamp, (col) => col.notNull())
    .execute();
  await db.schema.createIndex('matter_parties_matter').on('matter_parties').columns(['matter_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('matter_parties').execute();
}
