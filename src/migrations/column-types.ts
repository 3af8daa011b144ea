import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Column types that mean the same on both engines.
 * @NOTE Timestamps are epoch milliseconds in a bigint: one representation, comparable and sortable on both
 * engines (ADR 0002). Changing it needs a migration of every table.
 */
export function columnTypes(db: Kysely<unknown>) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    isPostgres,
    timestamp: isPostgres ? ('bigint' as const) : ('integer' as const),
    bytes: isPostgres ? ('bytea' as const) : ('blob' as const),
  };
}
