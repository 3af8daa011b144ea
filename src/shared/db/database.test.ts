import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { isErrorWithCode } from '../errors/errors.js';
import { openDatabase, parseDatabaseUrl } from './database.js';

describe('database URLs', () => {
  test('SQLite paths resolve against the data directory; PostgreSQL URLs pass through', () => {
    expect(parseDatabaseUrl({ url: 'sqlite:writ.db', baseDir: '/srv/data' })).toEqual({
      dialect: 'sqlite',
      path: '/srv/data/writ.db',
    });
    expect(parseDatabaseUrl({ url: 'sqlite:///var/lib/writ.db', baseDir: '/srv' })).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/writ.db',
    });
    expect(parseDatabaseUrl({ url: 'postgres://writ@db:5432/writ', baseDir: '/srv' })).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://writ@db:5432/writ',
    });
  });

  test('a password in the URL, an unknown scheme or an empty path is refused with a specific reason', () => {
    const refusal = (url: string) => {
      try {
        parseDatabaseUrl({ url, baseDir: '/srv' });
      } catch (error) {
        expect(isErrorWithCode({ error, code: 'db.url_invalid' })).toBe(true);
        return (error as Error).message;
      }
      throw new Error(`${url} was accepted`);
    };
    expect(refusal('postgres://writ:hunter2@db/writ')).toContain('WRIT_DATABASE_PASSWORD_FILE');
    expect(refusal('postgres://writ:hunter2@db/writ')).not.toContain('hunter2');
    // node-postgres would take these as the password too, and they would be printed with the URL.
    for (const url of [
      'postgres://writ@db/writ?password=hunter2',
      'postgres://writ@db/writ?sslpassword=hunter2',
    ]) {
      expect(refusal(url)).toContain('WRIT_DATABASE_PASSWORD_FILE');
      expect(refusal(url)).not.toContain('hunter2');
    }
    expect(refusal('postgres://db.example/writ')).toContain('names no user');
    expect(refusal('postgres:/db/writ')).toContain('two slashes');
    expect(refusal('mysql://db/writ')).toContain('Unsupported database URL scheme');
    expect(refusal('sqlite:')).toContain('names no file');
  });
});

describe('SQLite connection', () => {
  test('runs in WAL mode with foreign keys, and cached statements stay correct past the cache size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-db-'));
    const connection = await openDatabase({ dialect: 'sqlite', path: join(dir, 'test.db') });
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(connection.db);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      const keys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(connection.db);
      expect(keys.rows[0]?.foreign_keys).toBe(1);
      for (let round = 0; round < 2; round += 1) {
        for (let i = 0; i < 600; i += 1) {
          const result = await sql<{ value: number }>`select ${sql.lit(i)} + ${round} as value`.execute(
            connection.db,
          );
          expect(result.rows[0]?.value).toBe(i + round);
        }
      }
    } finally {
      await connection.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unreachable PostgreSQL server is reported as db.unreachable with the address and no password', async () => {
    let error: unknown;
    try {
      await openDatabase({
        dialect: 'postgres',
        connectionString: 'postgres://writ@127.0.0.1:1/writ',
        password: 'hunter2',
      });
    } catch (caught) {
      error = caught;
    }
    expect(isErrorWithCode({ error, code: 'db.unreachable' })).toBe(true);
    expect((error as Error).message).toContain(
      'Cannot reach the database at postgres://writ@127.0.0.1:1/writ',
    );
    expect((error as Error).message).not.toContain('hunter2');
  });
});

/**
 * A PostgreSQL server that asks for a cleartext password (AuthenticationCleartextPassword) and records what
 * the client answers, then refuses: enough of the protocol to see which password a connection sends.
 */
async function startPasswordRecorder(): Promise<{ port: number; passwords: string[]; close(): void }> {
  const passwords: string[] = [];
  const server = createServer((socket) => {
    let buffered = Buffer.alloc(0);
    let isStarted = false;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (!isStarted && buffered.length >= 4 && buffered.length >= buffered.readInt32BE(0)) {
        isStarted = true;
        buffered = buffered.subarray(buffered.readInt32BE(0));
        const askPassword = Buffer.alloc(9);
        askPassword.write('R', 0);
        askPassword.writeInt32BE(8, 1);
        askPassword.writeInt32BE(3, 5);
        socket.write(askPassword);
      }
      if (isStarted && buffered.length >= 5 && buffered.length >= 1 + buffered.readInt32BE(1)) {
        passwords.push(buffered.subarray(5, buffered.readInt32BE(1)).toString('utf8'));
        socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, passwords, close: () => server.close() };
}

describe('PostgreSQL connection', () => {
  test('the password from WRIT_DATABASE_PASSWORD_FILE is the one sent, although the URL has none', async () => {
    const recorder = await startPasswordRecorder();
    try {
      await expect(
        openDatabase({
          dialect: 'postgres',
          connectionString: `postgres://writ@127.0.0.1:${recorder.port}/writ?sslmode=disable`,
          password: 'from the secret file',
        }),
      ).rejects.toMatchObject({ code: 'db.unreachable' });
      expect(recorder.passwords).toEqual(['from the secret file']);
    } finally {
      recorder.close();
    }
  });
});
