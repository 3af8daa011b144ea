import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, inject, test } from 'vitest';
import { migrationNames } from '../../src/migrations/migrations.js';
import { configSchema } from '../../src/runtime/config/config.schema.js';
import {
  cleanupCli,
  createCliWorkspace,
  querySqlite,
  requestHttps,
  runWrit,
  startWritServer,
} from '../support/cli.js';
import { databaseUrl, withPostgresClient } from '../support/postgres-server.js';

const quiet = { WRIT_LOG_LEVEL: 'warn' };
const appliedLine = `Applied: ${migrationNames.join(', ')}\n`;
const lastMigration = migrationNames[migrationNames.length - 1] ?? '';

/** `writ migrate --status` output when the first `appliedCount` migrations are applied. */
function statusLines(appliedCount: number): string {
  return (
    migrationNames
      .map((name, index) => `${index < appliedCount ? 'applied' : 'pending'}  ${name}`)
      .join('\n') + '\n'
  );
}

function configLines(stdout: string): Map<string, { value: string; notes: string }> {
  const lines = new Map<string, { value: string; notes: string }>();
  for (const line of stdout.trimEnd().split('\n')) {
    const match = /^(WRIT_[A-Z0-9_]+)=(.*?) {2}# (.+)$/.exec(line);
    expect(match, line).not.toBeNull();
    if (match?.[1] !== undefined) lines.set(match[1], { value: match[2] ?? '', notes: match[3] ?? '' });
  }
  return lines;
}

describe('writ config print', () => {
  afterEach(cleanupCli);

  test('prints every WRIT_* variable with its effective value and source, flags winning over the environment', async () => {
    const { root, dataDir } = createCliWorkspace();
    const result = await runWrit(['config', 'print', '--data-dir', dataDir, '--port', '9999'], {
      env: { WRIT_PORT: '1234', WRIT_LOG_LEVEL: 'debug' },
      cwd: root,
    });
    expect(result.exitCode).toBe(0);
    const lines = configLines(result.stdout);
    expect([...lines.keys()].sort()).toEqual(
      Object.values(configSchema)
        .map((entry) => entry.env)
        .sort(),
    );
    expect(lines.get('WRIT_PORT')).toEqual({ value: '9999', notes: 'flag' });
    expect(lines.get('WRIT_DATA_DIR')).toEqual({ value: dataDir, notes: 'flag' });
    expect(lines.get('WRIT_LOG_LEVEL')).toEqual({ value: 'debug', notes: 'environment' });
    expect(lines.get('WRIT_SFTP_PORT')).toEqual({ value: '2222', notes: 'default' });
    expect(lines.get('WRIT_PUBLIC_URL')).toEqual({ value: 'https://localhost:9999', notes: 'default' });
    expect(lines.get('WRIT_ROOT_KEY_FILE')).toEqual({
      value: join(dataDir, 'keys', 'root.key'),
      notes: 'default; secret file: content not shown',
    });
    expect(existsSync(dataDir)).toBe(false);
  });

  test('names secret files without printing their content, the root key included', async () => {
    const { root, dataDir } = createCliWorkspace();
    await (await startWritServer({ dataDir })).stop();
    const rootKey = readFileSync(join(dataDir, 'keys', 'root.key'), 'utf8');
    const rootKeyBody = rootKey.split(' ')[1]?.trim() ?? '';
    expect(rootKeyBody).toHaveLength(43);
    const passwordFile = join(root, 'database-password');
    writeFileSync(passwordFile, 'pg-password-that-must-not-print\n', { mode: 0o600 });
    const tokenFile = join(root, 'metrics-token');
    writeFileSync(tokenFile, 'metrics-token-that-must-not-print\n', { mode: 0o600 });

    const result = await runWrit(['config', 'print', '--data-dir', dataDir], {
      env: { WRIT_DATABASE_PASSWORD_FILE: passwordFile, WRIT_METRICS_TOKEN_FILE: tokenFile },
      cwd: root,
    });
    expect(result.exitCode).toBe(0);
    const lines = configLines(result.stdout);
    expect(lines.get('WRIT_DATABASE_PASSWORD_FILE')).toEqual({
      value: passwordFile,
      notes: 'environment; secret file: content not shown',
    });
    expect(lines.get('WRIT_METRICS_TOKEN_FILE')?.notes).toBe('environment; secret file: content not shown');
    expect(lines.get('WRIT_TLS_KEY_FILE')?.notes).toBe('default; secret file: content not shown');
    for (const secret of [
      rootKeyBody,
      'WRIT-ROOT-KEY-1',
      'pg-password-that-must-not-print',
      'metrics-token-that-must-not-print',
    ]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
    expect(result.stdout + result.stderr).not.toContain('PRIVATE KEY');
  });

  test('an invalid value makes config print fail naming the variable', async () => {
    const { root, dataDir } = createCliWorkspace();
    const result = await runWrit(['config', 'print', '--data-dir', dataDir], {
      env: { WRIT_RATE_LIMIT_PER_MINUTE: 'lots' },
      cwd: root,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('WRIT_RATE_LIMIT_PER_MINUTE: "lots" is not a whole number');
    expect(result.stdout).toBe('');
  });
});

describe('writ migrate on the embedded SQLite database', () => {
  afterEach(cleanupCli);

  function tableNames(dataDir: string): string[] {
    return querySqlite<{ name: string }>(
      dataDir,
      `select name from sqlite_master where type = 'table' order by name`,
    ).map((row) => row.name);
  }

  test('applies every migration, lists them, reverts the last with --down, all with --down --all, and applies them again', async () => {
    const { dataDir } = createCliWorkspace();
    const migrate = (...args: string[]) =>
      runWrit(['migrate', '--data-dir', dataDir, ...args], { env: quiet });

    expect(await migrate()).toMatchObject({ exitCode: 0, stdout: appliedLine });
    expect(tableNames(dataDir)).toEqual(expect.arrayContaining(['users', 'setup_tokens', 'writ_migrations']));
    expect(await migrate('--status')).toMatchObject({
      exitCode: 0,
      stdout: statusLines(migrationNames.length),
    });
    expect(await migrate()).toMatchObject({ exitCode: 0, stdout: 'The database is up to date.\n' });

    // Reverting destroys data: without the confirmation (or with a wrong one), nothing changes.
    for (const attempt of [
      ['--down'],
      ['--down', '--confirm', 'yes'],
      ['--down', '--all', '--confirm', lastMigration],
    ]) {
      const refused = await migrate(...attempt);
      expect(refused.exitCode, attempt.join(' ')).toBe(1);
      expect(refused.stderr).toMatch(/Back up first, then repeat with --confirm (all|\S+)\.\n$/);
    }
    expect(await migrate('--status')).toMatchObject({ stdout: statusLines(migrationNames.length) });
    expect(await migrate('--down', '--confirm', lastMigration)).toMatchObject({
      exitCode: 0,
      stdout: `Reverted: ${lastMigration}\n`,
    });
    expect(await migrate('--status')).toMatchObject({
      exitCode: 0,
      stdout: statusLines(migrationNames.length - 1),
    });
    const refusedAll = await migrate('--down', '--all');
    expect(refusedAll).toMatchObject({ exitCode: 1 });
    expect(refusedAll.stderr).toContain('repeat with --confirm all.');
    expect(tableNames(dataDir)).toContain('users');
    expect(await migrate('--down', '--all', '--confirm', 'all')).toMatchObject({ exitCode: 0 });
    expect(tableNames(dataDir)).not.toContain('users');
    expect(await migrate('--status')).toMatchObject({ exitCode: 0, stdout: statusLines(0) });
    expect(await migrate('--down')).toMatchObject({ exitCode: 0, stdout: 'Nothing to revert.\n' });

    expect(await migrate()).toMatchObject({ exitCode: 0, stdout: appliedLine });
    expect(tableNames(dataDir)).toContain('users');
  });

  test('refuses flags that do not go together, before touching anything', async () => {
    const { dataDir } = createCliWorkspace();
    for (const [args, message] of [
      [['--all'], '--all only goes with --down.'],
      [['--status', '--down'], '--status changes nothing: it cannot be combined with --down or --confirm.'],
      [['--confirm', 'all'], '--confirm only goes with --down.'],
    ] as const) {
      const result = await runWrit(['migrate', '--data-dir', dataDir, ...args], { env: quiet });
      expect(result, args.join(' ')).toMatchObject({ exitCode: 1, stderr: `writ: ${message}\n` });
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  test('refuses to change the schema under a running server, and leaves it intact', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir, env: quiet });
    const refused = await runWrit(['migrate', '--down', '--all', '--confirm', 'all', '--data-dir', dataDir], {
      env: quiet,
    });
    expect(refused.exitCode).not.toBe(0);
    expect(refused.stderr).toMatch(/Another Writ process .* is using the data directory/);
    // Not "give this one its own data directory": on a shared database that would not keep it off the server.
    expect(refused.stderr).toContain(
      'Stop it first: writ migrate must not run while a server uses this installation',
    );
    expect(refused.stderr).not.toContain('its own WRIT_DATA_DIR');
    await server.stop();
    expect(tableNames(dataDir)).toContain('users');
    expect(await runWrit(['migrate', '--status', '--data-dir', dataDir], { env: quiet })).toMatchObject({
      exitCode: 0,
      stdout: statusLines(migrationNames.length),
    });
  });
});

describe('writ migrate on PostgreSQL', () => {
  const serverUrl = inject('postgresServerUrl');
  const created: string[] = [];

  async function createEmptyDatabase(): Promise<string> {
    const name = `writ_cli_migrate_${randomBytes(4).toString('hex')}`;
    await withPostgresClient(serverUrl, (client) => client.query(`create database ${name}`));
    created.push(name);
    return databaseUrl(serverUrl, name);
  }

  afterAll(async () => {
    await cleanupCli();
    await withPostgresClient(serverUrl, async (client) => {
      for (const name of created) await client.query(`drop database if exists ${name} with (force)`);
    });
  });

  test('applies every migration to an empty database, lists them, reverts them and applies them again', async () => {
    const { dataDir } = createCliWorkspace();
    const url = await createEmptyDatabase();
    const migrate = (...args: string[]) =>
      runWrit(['migrate', '--data-dir', dataDir, ...args], { env: { ...quiet, WRIT_DATABASE_URL: url } });
    const appliedNames = () =>
      withPostgresClient(url, async (client) => {
        const { rows } = await client.query<{ name: string }>(
          `select name from writ_migrations where exists (select 1 from information_schema.tables where table_name = 'users') order by name`,
        );
        return rows.map((row) => row.name);
      });

    expect(await migrate('--status')).toMatchObject({ exitCode: 0, stdout: statusLines(0) });
    expect(await migrate()).toMatchObject({ exitCode: 0, stdout: appliedLine });
    expect(await appliedNames()).toEqual([...migrationNames]);
    expect(await migrate('--status')).toMatchObject({
      exitCode: 0,
      stdout: statusLines(migrationNames.length),
    });

    expect(await migrate('--down', '--all')).toMatchObject({ exitCode: 1 });
    expect(await appliedNames()).toEqual([...migrationNames]);
    expect(await migrate('--down', '--all', '--confirm', 'all')).toMatchObject({ exitCode: 0 });
    expect(await appliedNames()).toEqual([]);
    expect(await migrate()).toMatchObject({ exitCode: 0, stdout: appliedLine });
    expect(await appliedNames()).toEqual([...migrationNames]);
    expect(existsSync(join(dataDir, 'writ.db'))).toBe(false);
  });

  test(
    'a server whose schema is reverted under it stops answering ready, and is ready again once migrated',
    { timeout: 120_000 },
    async () => {
      const url = await createEmptyDatabase();
      const env = { ...quiet, WRIT_DATABASE_URL: url };
      const { dataDir } = createCliWorkspace();
      const server = await startWritServer({ dataDir, env });
      const ca = readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8');
      const readiness = async () => (await requestHttps({ url: `${server.url}/readyz`, ca })).status;
      expect(await readiness()).toBe(200);
      // From another machine's data directory: nothing on this one keeps it off the shared database.
      const elsewhere = createCliWorkspace();
      const reverted = await runWrit(
        ['migrate', '--down', '--confirm', lastMigration, '--data-dir', elsewhere.dataDir],
        {
          env,
        },
      );
      expect(reverted.exitCode, reverted.stderr).toBe(0);
      expect(await readiness()).toBe(503);
      expect((await runWrit(['migrate', '--data-dir', elsewhere.dataDir], { env })).exitCode).toBe(0);
      expect(await readiness()).toBe(200);
      await server.stop();
    },
  );
});
