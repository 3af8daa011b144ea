import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanupCli, createCliWorkspace, type CliResult, runWrit, startWritServer } from '../support/cli.js';

const quiet = { WRIT_LOG_LEVEL: 'warn' };

function serve(
  dataDir: string,
  { args = [], env = {} }: { args?: string[]; env?: Record<string, string> } = {},
) {
  return runWrit(['serve', '--data-dir', dataDir, '--port', '0', ...args], {
    env: { ...quiet, ...env },
    timeoutMs: 20_000,
  });
}

/** The refusal every test here expects: the process ended by itself, non-zero, before serving anything. */
function expectRefusedToStart(result: CliResult): void {
  expect(result.isTimedOut).toBe(false);
  expect(result.signal).toBeNull();
  expect(result.exitCode).not.toBe(0);
  expect(result.stdout).not.toContain('is running.');
  expect(result.stdout).not.toContain('Web:');
  expect(result.stderr).toMatch(/^writ: /);
  expect(result.stderr).not.toContain('unexpected failure');
}

/**
 * As root (the development machines and CI): a fresh directory given to `nobody` (uid 65534). Any other user
 * cannot give a directory away, but `/` belongs to root and is just as foreign to them.
 */
function createDirectoryOfAnotherUser(): string {
  if (process.getuid?.() !== 0) return '/';
  const { dataDir } = createCliWorkspace();
  mkdirSync(dataDir, { mode: 0o700 });
  chownSync(dataDir, 65534, 65534);
  return dataDir;
}

describe('writ serve refuses to start on an unsafe installation', () => {
  afterEach(cleanupCli);

  test('a root key file other users can read is refused with the chmod 600 fix, and the file is left as it was', async () => {
    const { dataDir } = createCliWorkspace();
    await (await startWritServer({ dataDir })).stop();
    const keyFile = join(dataDir, 'keys', 'root.key');
    const key = readFileSync(keyFile, 'utf8');
    chmodSync(keyFile, 0o644);

    const result = await serve(dataDir);
    expectRefusedToStart(result);
    expect(result.stderr).toContain('WRIT_ROOT_KEY_FILE');
    expect(result.stderr).toContain(`${keyFile} is readable or writable by other users (mode 644)`);
    expect(result.stderr).toContain(`chmod 600 ${keyFile}`);
    const keyBody = key.split(' ')[1]?.trim() ?? '';
    expect(keyBody).toHaveLength(43);
    expect(result.stderr + result.stdout).not.toContain(keyBody);
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
    expect(statSync(keyFile).mode & 0o777).toBe(0o644);
    expect(existsSync(join(dataDir, 'writ.pid'))).toBe(false);
  });

  test('plain HTTP (WRIT_BEHIND_TLS_PROXY) on a non-loopback address is refused before the data directory is created', async () => {
    const { dataDir } = createCliWorkspace();
    const result = await serve(dataDir, {
      args: ['--host', '0.0.0.0'],
      env: { WRIT_BEHIND_TLS_PROXY: 'true' },
    });
    expectRefusedToStart(result);
    expect(result.stderr).toContain('Plain HTTP on 0.0.0.0');
    expect(result.stderr).toContain('WRIT_HOST=127.0.0.1');
    expect(result.stderr).toContain('unset WRIT_BEHIND_TLS_PROXY');
    expect(existsSync(dataDir)).toBe(false);
  });

  test('a data directory owned by another user is refused with the chown fix, and nothing is written into it', async () => {
    const dataDir = createDirectoryOfAnotherUser();
    const owner = statSync(dataDir).uid;
    const entriesBefore = readdirSync(dataDir);

    const result = await serve(dataDir);
    expectRefusedToStart(result);
    expect(result.stderr).toContain(`Unsafe data directory: ${dataDir} belongs to user id ${owner}`);
    expect(result.stderr).toContain(`chown -R ${process.getuid?.() ?? 0} ${dataDir}`);
    expect(readdirSync(dataDir)).toEqual(entriesBefore);
    expect(statSync(dataDir).uid).toBe(owner);
  });

  test('a data directory other users can enter is refused with the chmod 700 fix', async () => {
    const { dataDir } = createCliWorkspace();
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);

    const result = await serve(dataDir);
    expectRefusedToStart(result);
    expect(result.stderr).toMatch(
      new RegExp(`Unsafe data directory: ${dataDir} is accessible to .* \\(mode 755\\)`),
    );
    expect(result.stderr).toContain(`chmod 700 ${dataDir}`);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  test('invalid configuration values are refused together, each named by its variable, before anything is created', async () => {
    const { dataDir } = createCliWorkspace();
    const result = await serve(dataDir, {
      args: ['--port', '70000'],
      env: { WRIT_LOG_LEVEL: 'loud', WRIT_PUBLIC_URL: 'http://x' },
    });
    expectRefusedToStart(result);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toContain('WRIT_PORT: 70000 is outside 0–65535');
    expect(result.stderr).toContain('WRIT_LOG_LEVEL: "loud" is not one of');
    expect(result.stderr).toContain('WRIT_PUBLIC_URL: must start with https://');
    expect(existsSync(dataDir)).toBe(false);
  });

  test('a database URL holding a password is refused, pointing to WRIT_DATABASE_PASSWORD_FILE and not repeating it', async () => {
    const { dataDir } = createCliWorkspace();
    const password = 's3cret-in-the-url';
    const result = await serve(dataDir, {
      env: { WRIT_DATABASE_URL: `postgres://writ:${password}@127.0.0.1:5432/writ` },
    });
    expectRefusedToStart(result);
    expect(result.stderr).toContain('The database URL contains a password');
    expect(result.stderr).toContain('WRIT_DATABASE_PASSWORD_FILE');
    expect(result.stderr + result.stdout).not.toContain(password);
  });

  test('an unreachable database is reported as "Cannot reach the database" and the process ends', async () => {
    const { dataDir } = createCliWorkspace();
    const result = await serve(dataDir, {
      env: { WRIT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
    });
    expectRefusedToStart(result);
    expect(result.stderr).toContain('Cannot reach the database at postgres://postgres@127.0.0.1:1/none');
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(existsSync(join(dataDir, 'writ.pid'))).toBe(false);
  });

  test('an SFTP port already in use is refused by name, with the setting that changes it', async () => {
    const { dataDir } = createCliWorkspace();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await serve(dataDir, { args: ['--sftp-port', String(port)] });
      expectRefusedToStart(result);
      expect(result.stderr).toContain(`The SFTP port 127.0.0.1:${port} is already in use`);
      expect(result.stderr).toContain('WRIT_SFTP_PORT');
    } finally {
      await new Promise<void>((resolve) => {
        taken.close(() => {
          resolve();
        });
      });
    }
  });

  test('an HTTPS port already in use is refused in one line naming the address and the setting, not a stack trace', async () => {
    const { dataDir } = createCliWorkspace();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await serve(dataDir, { args: ['--port', String(port)] });
      expectRefusedToStart(result);
      expect(result.stderr).toContain(`writ: 127.0.0.1:${port} is already in use by another program.`);
      expect(result.stderr).toContain('WRIT_PORT');
      expect(result.stderr).not.toContain('unexpected failure');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise<void>((resolve) => {
        taken.close(() => {
          resolve();
        });
      });
    }
  });
});
