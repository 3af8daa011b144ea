import { createRoleNameInvalidError } from './ledger.errors.js';

/**
 * Ledger tables that are only ever inserted into and read: the sequencer writes each row once, checkpoints
 * are inserted with `on conflict do nothing`. `ledger_state` (the tree size) and `ledger_pending_entries`
 * (deleted once sequenced) stay writable.
 */
export const appendOnlyLedgerTables = ['ledger_entries', 'ledger_subtrees', 'ledger_checkpoints'] as const;

const roleNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * The SQL a PostgreSQL database owner runs, connected to Writ's database, so that `role` can run Writ but
 * never rewrite the ledger: everything on every table, minus UPDATE, DELETE and TRUNCATE on the append-only
 * ledger tables. The role name is quoted, so it is case-sensitive as given.
 * @NOTE Grants cover the tables that exist when it runs: run it again after migrations add tables. The role
 * must not own the tables (an owner can always rewrite them), so migrations run as the owner.
 */
export function formatLedgerGrants({ role }: { role: string }): string {
  if (!roleNamePattern.test(role)) throw createRoleNameInvalidError();
  const quoted = `"${role}"`;
  const appendOnly = appendOnlyLedgerTables.join(', ');
  return [
    `-- Run as the owner of Writ's tables, connected to Writ's database.`,
    `DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), '${role}'); END $$;`,
    `GRANT USAGE ON SCHEMA public TO ${quoted};`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${quoted};`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${quoted};`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${appendOnly} FROM ${quoted};`,
    `REVOKE UPDATE, DELETE, TRUNCATE ON ${appendOnly} FROM PUBLIC;`,
    '',
  ].join('\n');
}
