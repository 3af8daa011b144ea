import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.js';

/**
 * When the password was last set with a recovery code, until the user next proves a second factor other
 * than a recovery code: meanwhile a recovery code does not complete a sign-in, so that a recovery sheet alone
 * does not take over an account (ADR 0004).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema.alterTable('users').addColumn('password_recovered_at', timestamp).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('password_recovered_at').execute();
}
