import type { Kysely } from 'kysely';

/**
 * Runs `work` in a transaction, or inside the caller's when `db` already is one, so that a use-case
 * composed into another commits or rolls back with it.
 */
export async function inTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Kysely<DB>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return work(db);
  return db.transaction().execute(work);
}
