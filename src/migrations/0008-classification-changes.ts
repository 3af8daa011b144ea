import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * Classification changes on matters, folders and documents: who changed which label, from what to what
 * (effective values), and the reason, sealed under the matter's key (lowering needs one). The ledger
 * records the change without the reason, as it holds no free text.
 * @NOTE `item_type` values (`matter`, `folder`, `document`) and the classification values are stored.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .createTable('classification_changes')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('matter_id', 'text', (col) => col.notNull().references('matters.id').onDelete('cascade'))
    .addColumn('item_type', 'text', (col) => col.notNull())
    .addColumn('item_id', 'text', (col) => col.notNull())
    .addColumn('from_value', 'text', (col) => col.notNull())
    .addColumn('to_value', 'text', (col) => col.notNull())
    .addColumn('is_inherited', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('reason_sealed', 'text')
    .addColumn('changed_by', 'text', (col) => col.notNull())
    .addColumn('changed_at', timestamp, (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('classification_changes_item')
    .on('classification_changes')
    .columns(['matter_id', 'item_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('classification_changes').execute();
}
