import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { WritDatabase } from '../../src/modules/database.js';
import { isErrorWithCode } from '../../src/shared/errors/errors.js';

export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isErrorWithCode({ error, code }), `expected ${code}, got ${String(error)}`).toBe(true);
}

export async function countLedgerEntries(db: Kysely<WritDatabase>): Promise<number> {
  return (await db.selectFrom('ledger_pending_entries').select('id').execute()).length;
}

/** The parsed ledger entries of one kind; entries recorded at the same instant come in no set order. */
export async function ledgerEntries(db: Kysely<WritDatabase>, kind: string) {
  const rows = await db
    .selectFrom('ledger_pending_entries')
    .select(['entry'])
    .where('kind', '=', kind)
    .orderBy('recorded_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => JSON.parse(row.entry) as { actor: unknown; data: Record<string, unknown> });
}
