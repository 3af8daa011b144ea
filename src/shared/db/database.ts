import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createError } from '../errors/errors.js';
import { createGroupCommitSqliteDialect, type GroupCommitDatabase } from './sqlite-group-commit.js';

export type DatabaseDialect = 'sqlite' | 'postgres';

export type DatabaseTarget =
  { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; connectionString: string; password?: string };

export type DatabaseConnection<DB> = {
  readonly db: Kysely<DB>;
  readonly dialect: DatabaseDialect;
  /** A printable description of where the data lives; never contains a password. */
  readonly description: string;
  close(): Promise<void>;
};

export const createDatabaseUrlInvalidError = (message: string) =>
  createError({ code: 'db.url_invalid', status: 500, message });

/** `sqlite:<path>` (relative to `baseDir`) or `postgres://user@host:port/db`. */
export function parseDatabaseUrl({ url, baseDir }: { url: string; baseDir: string }): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '' || path.includes('\0'))
      throw createDatabaseUrlInvalidError('The SQLite URL names no file.');
    return { dialect: 'sqlite', path: resolve(baseDir, path) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw createDatabaseUrlInvalidError('The PostgreSQL URL cannot be parsed.');
    }
    // node-postgres also takes a password from the query string (`?password=`, `?sslpassword=`).
    const queryPasswords = ['password', 'sslpassword'].filter((name) => parsed.searchParams.has(name));
    if (parsed.password !== '' || queryPasswords.length > 0) {
      throw createDatabaseUrlInvalidError(
        'The database URL contains a password. Put the password in a file named by WRIT_DATABASE_PASSWORD_FILE instead, so that it never appears in process listings or printed configuration.',
      );
    }
    if (parsed.hostname === '') throw createDatabaseUrlInvalidError('The PostgreSQL URL names no host.');
    if (parsed.username === '') {
      throw createDatabaseUrlInvalidError(
        'The PostgreSQL URL names no user: write it as postgres://USER@host:port/database.',
      );
    }
    return { dialect: 'postgres', connectionString: url };
  }
  if (/^postgres(ql)?:/.test(url)) {
    throw createDatabaseUrlInvalidError(
      'The PostgreSQL URL is malformed: it starts with postgres:// (two slashes), as in postgres://user@host:port/database.',
    );
  }
  throw createDatabaseUrlInvalidError(
    `Unsupported database URL scheme in "${url.split(':')[0] ?? ''}:". Use sqlite:<file> or postgres://user@host:port/database.`,
  );
}

export function describeDatabaseTarget(target: DatabaseTarget): string {
  if (target.dialect === 'sqlite') return `sqlite:${target.path}`;
  const url = new URL(target.connectionString);
  url.password = '';
  return url.toString();
}

const int8TypeId = 20;

// @NOTE bigint columns hold epoch milliseconds and counters; they fit in a double until the year 287396.
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new Error(`bigint value ${value} exceeds the safe integer range`);
  return parsed;
}

const statementCacheSize = 500;

/**
 * Kysely prepares every SQLite statement anew; preparing costs more than running a small query. Statements
 * are kept by SQL text (parameters are bound, never interpolated) in a small least-recently-used cache.
 * @NOTE Safe because Kysely runs one query at a time on the single SQLite connection.
 */
function withStatementCache(database: SqliteDatabase.Database): GroupCommitDatabase {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    get inTransaction() {
      return database.inTransaction;
    },
    close: () => {
      statements.clear();
      database.close();
    },
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = database.prepare(text);
        if (statements.size >= statementCacheSize) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
      } else {
        statements.delete(text);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

function openSqlite<DB>(target: { path: string }): DatabaseConnection<DB> {
  mkdirSync(dirname(target.path), { recursive: true, mode: 0o700 });
  const database = new SqliteDatabase(target.path);
  database.pragma('journal_mode = WAL');
  // A document exchange cannot lose a committed upload on power loss, so FULL rather than WAL's usual NORMAL.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // Concurrent transactions share one durable commit (see sqlite-group-commit.ts): same guarantees, fewer fsyncs.
  const db = new Kysely<DB>({
    dialect: createGroupCommitSqliteDialect({ database: withStatementCache(database) }),
  });
  return {
    db,
    dialect: 'sqlite',
    description: describeDatabaseTarget({ dialect: 'sqlite', ...target }),
    close: () => db.destroy(),
  };
}

/** pg (some 5 MB of memory) is loaded only by installations that use PostgreSQL. */
async function openPostgres<DB>(target: {
  connectionString: string;
  password?: string;
}): Promise<DatabaseConnection<DB>> {
  const { default: pg } = await import('pg');
  const { parseIntoClientConfig } = await import('pg-connection-string');
  const types = new pg.TypeOverrides();
  types.setTypeParser(int8TypeId, parseInt8);
  // Parsed here rather than passed as `connectionString`: node-postgres lets the URL's fields override the
  // others, and the URL's empty password would override the one read from WRIT_DATABASE_PASSWORD_FILE.
  const pool = new pg.Pool({
    ...parseIntoClientConfig(target.connectionString),
    ...(target.password === undefined ? {} : { password: target.password }),
    connectionTimeoutMillis: 5000,
    max: 10,
    types,
  });
  // An idle client losing its server must not crash the process; the next query reports the failure.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    description: describeDatabaseTarget({ dialect: 'postgres', ...target }),
    close: () => db.destroy(),
  };
}

/** Opens the database and proves it answers, so that a bad URL fails at start rather than at the first request. */
export async function openDatabase<DB>(target: DatabaseTarget): Promise<DatabaseConnection<DB>> {
  const connection = target.dialect === 'sqlite' ? openSqlite<DB>(target) : await openPostgres<DB>(target);
  try {
    await sql`select 1`.execute(connection.db);
  } catch (cause) {
    await connection.close().catch(() => undefined);
    throw createError({
      code: 'db.unreachable',
      status: 503,
      message: `Cannot reach the database at ${connection.description}: ${describeDriverError(cause)}`,
      cause,
    });
  }
  return connection;
}

function describeDriverError(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describeDriverError(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code)
      ? `${cause.message} (${code})`
      : cause.message;
  }
  return String(cause);
}
