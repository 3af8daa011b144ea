import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * Where notification mail goes, and the outbox's delivery state.
 * `users.email_sealed` holds the address sealed by the vault's secret box (purpose `email:<user id>`): personal
 * data is encrypted at rest. `mail_attempts` and `mail_next_attempt_at` let several nodes share the outbox:
 * a node claims a notification by moving `mail_next_attempt_at` forward, and backs off the same way.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema.alterTable('users').addColumn('email_sealed', 'text').execute();
  await db.schema
    .alterTable('notifications')
    .addColumn('mail_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('notifications').addColumn('mail_next_attempt_at', timestamp).execute();
  await db.schema
    .createIndex('notifications_outbox_idx')
    .on('notifications')
    .columns(['mailed_at', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('notifications_outbox_idx').execute();
  await db.schema.alterTable('notifications').dropColumn('mail_next_attempt_at').execute();
  await db.schema.alterTable('notifications').dropColumn('mail_attempts').execute();
  await db.schema.alterTable('users').dropColumn('email_sealed').execute();
}
