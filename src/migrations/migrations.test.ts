import type { Kysely } from 'kysely';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../test/support/databases.js';
import { getMigrationStatus, migrateDown, migrateToLatest, migrationNames } from './migrations.js';

async function tableNames<DB>(db: Kysely<DB>): Promise<string[]> {
  const tables = await db.introspection.getTables();
  return tables
    .map((table) => table.name)
    .filter((name) => !name.startsWith('writ_migrations'))
    .sort();
}

describeOnDatabases('migrations', ({ getDb }) => {
  test('a fresh database has every migration applied and none pending', async () => {
    const status = await getMigrationStatus(getDb());
    expect(status).toEqual({ applied: [...migrationNames], pending: [], unknown: [] });
  });

  test('every migration goes down and up again, leaving the same tables', async () => {
    const db = getDb();
    const before = await tableNames(db);
    expect(before).toEqual(expect.arrayContaining(['users', 'setup_tokens']));

    const { reverted } = await migrateDown(db, { all: true });
    expect(reverted).toEqual([...migrationNames].reverse());
    expect(await tableNames(db)).toEqual([]);
    expect((await getMigrationStatus(db)).pending).toEqual([...migrationNames]);

    const { applied } = await migrateToLatest(db);
    expect(applied).toEqual([...migrationNames]);
    expect(await tableNames(db)).toEqual(before);
  });

  test('migrating an up-to-date database applies nothing', async () => {
    expect(await migrateToLatest(getDb())).toEqual({ applied: [] });
  });
});
