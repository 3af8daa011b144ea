import { type Kysely, type Migration, type MigrationResult, Migrator, NO_MIGRATIONS } from 'kysely';
import { createError } from '../shared/errors/errors.js';
import * as m0001 from './0001-foundation.js';
import * as m0002 from './0002-identity.js';
import * as m0003 from './0003-ledger-pending.js';
import * as m0004 from './0004-identity-email.js';
import * as m0005 from './0005-ledger.js';
import * as m0006 from './0006-documents.js';
import * as m0007 from './0007-access.js';
import * as m0008 from './0008-classification-changes.js';
import * as m0009 from './0009-ledger-cosignatures.js';
import * as m0010 from './0010-ssh.js';
import * as m0011 from './0011-matter-parties.js';
import * as m0012 from './0012-user-groups.js';
import * as m0013 from './0013-ledger-pending-order.js';
import * as m0014 from './0014-password-recovered.js';

/**
 * The one registry of migrations, in order. Names are stored in `writ_migrations`: never rename one.
 */
const registry: Record<string, Migration> = {
  '0001-foundation': m0001,
  '0002-identity': m0002,
  '0003-ledger-pending': m0003,
  '0004-identity-email': m0004,
  '0005-ledger': m0005,
  '0006-documents': m0006,
  '0007-access': m0007,
  '0008-classification-changes': m0008,
  '0009-ledger-cosignatures': m0009,
  '0010-ssh': m0010,
  '0011-matter-parties': m0011,
  '0012-user-groups': m0012,
  '0013-ledger-pending-order': m0013,
  '0014-password-recovered': m0014,
};

export const migrationNames: readonly string[] = Object.keys(registry);

function createMigrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(registry) },
    migrationTableName: 'writ_migrations',
    migrationLockTableName: 'writ_migrations_lock',
  });
}

function throwOnFailure(error: unknown, results: MigrationResult[] | undefined): void {
  if (error === undefined) return;
  const failed = results?.find((result) => result.status === 'Error');
  throw createError({
    code: 'db.migration_failed',
    status: 500,
    isInternal: true,
    message: `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
    cause: error,
  });
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<{ applied: string[] }> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  throwOnFailure(error, results);
  return { applied: (results ?? []).map((result) => result.migrationName) };
}

export async function migrateDown<DB>(
  db: Kysely<DB>,
  { all = false }: { all?: boolean } = {},
): Promise<{ reverted: string[] }> {
  const migrator = createMigrator(db);
  const { error, results } = all ? await migrator.migrateTo(NO_MIGRATIONS) : await migrator.migrateDown();
  throwOnFailure(error, results);
  return { reverted: (results ?? []).map((result) => result.migrationName) };
}

export type MigrationStatus = {
  applied: string[];
  pending: string[];
  /** Applied in this database but unknown to this build: the database is newer than the code. */
  unknown: string[];
};

/**
 * Whether the newest migration this release knows is applied: one indexed read, cheap enough for every
 * `/readyz` probe. False, not an error, when the migrations table itself is gone (a schema reverted under a
 * running server).
 */
export async function isSchemaCurrent<DB>(db: Kysely<DB>): Promise<boolean> {
  const newest = migrationNames.at(-1);
  if (newest === undefined) return true;
  try {
    const row = await (db as unknown as Kysely<{ writ_migrations: { name: string } }>)
      .selectFrom('writ_migrations')
      .select('name')
      .where('name', '=', newest)
      .executeTakeFirst();
    return row !== undefined;
  } catch {
    return false;
  }
}

export async function getMigrationStatus<DB>(db: Kysely<DB>): Promise<MigrationStatus> {
  const known = await createMigrator(db).getMigrations();
  const applied = known.filter((info) => info.executedAt !== undefined).map((info) => info.name);
  const pending = known.filter((info) => info.executedAt === undefined).map((info) => info.name);
  const unknown = await listUnknownMigrations(db, applied);
  return { applied, pending, unknown };
}

async function listUnknownMigrations<DB>(db: Kysely<DB>, applied: string[]): Promise<string[]> {
  const tables = await db.introspection.getTables();
  if (!tables.some((table) => table.name === 'writ_migrations')) return [];
  const rows = await (db as unknown as Kysely<{ writ_migrations: { name: string } }>)
    .selectFrom('writ_migrations')
    .select('name')
    .execute();
  return rows
    .map((row) => row.name)
    .filter((name) => !applied.includes(name) && !migrationNames.includes(name));
}
