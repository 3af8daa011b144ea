import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, inject } from 'vitest';
import { migrateToLatest } from '../../src/migrations/migrations.js';
import type { WritDatabase } from '../../src/modules/database.js';
import { type DatabaseConnection, type DatabaseDialect, openDatabase } from '../../src/shared/db/database.js';
import { databaseUrl, withPostgresClient } from './postgres-server.js';

export const testDialects: readonly DatabaseDialect[] = ['sqlite', 'postgres'];

export type TestDatabase = DatabaseConnection<WritDatabase> & { url: string; destroy(): Promise<void> };

/** A fresh, migrated database: a temporary SQLite file, or a PostgreSQL clone of the run's template. */
export async function createTestDatabase(dialect: DatabaseDialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'writ-sqlite-'));
    const path = join(dir, 'writ.db');
    const connection = await openDatabase<WritDatabase>({ dialect: 'sqlite', path });
    await migrateToLatest(connection.db);
    return {
      ...connection,
      url: `sqlite:${path}`,
      destroy: async () => {
        await connection.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const serverUrl = inject('postgresServerUrl');
  const template = inject('postgresTemplate');
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  await withPostgresClient(serverUrl, (client) =>
    client.query(`create database ${name} template ${template}`),
  );
  const url = databaseUrl(serverUrl, name);
  const connection = await openDatabase<WritDatabase>({ dialect: 'postgres', connectionString: url });
  return {
    ...connection,
    url,
    destroy: async () => {
      await connection.close();
      await withPostgresClient(serverUrl, (client) =>
        client.query(`drop database if exists ${name} with (force)`),
      );
    },
  };
}

/**
 * Declares the same tests once per engine, each on its own fresh database.
 * `getDb()` is valid inside tests and hooks.
 */
export function describeOnDatabases(
  title: string,
  body: (context: {
    dialect: DatabaseDialect;
    getDb: () => Kysely<WritDatabase>;
    getDatabase: () => TestDatabase;
  }) => void,
): void {
  for (const dialect of testDialects) {
    describe(`${title} [${dialect}]`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(dialect);
      });
      afterAll(async () => {
        await database?.destroy();
      });
      const getDatabase = () => {
        if (database === undefined) throw new Error('the test database is not ready yet');
        return database;
      };
      body({ dialect, getDb: () => getDatabase().db, getDatabase });
    });
  }
}
