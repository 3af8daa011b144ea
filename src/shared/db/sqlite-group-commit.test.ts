import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { type DatabaseConnection, type Dialect, Kysely, sql } from 'kysely';
import { afterEach, describe, expect, test } from 'vitest';
import { createGroupCommitSqliteDialect } from './sqlite-group-commit.js';

type TestDatabase = { items: { id: number; parent_id: number | null } };

const directories: string[] = [];

afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Kysely keeps every distinct connection object a driver returns: records them as it would. */
function recordingConnections(connections: Set<DatabaseConnection>, dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => {
      const driver = dialect.createDriver();
      const acquire = driver.acquireConnection.bind(driver);
      driver.acquireConnection = async () => {
        const connection = await acquire();
        connections.add(connection);
        return connection;
      };
      return driver;
    },
  };
}

/** A group-commit Kysely on a fresh file, the SQL it runs in order, and a second connection to the file. */
async function openTestDatabase() {
  const dir = mkdtempSync(join(tmpdir(), 'writ-group-commit-'));
  directories.push(dir);
  const path = join(dir, 'test.db');
  const database = new SqliteDatabase(path);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  const statements: string[] = [];
  const connections = new Set<DatabaseConnection>();
  const db = new Kysely<TestDatabase>({
    dialect: recordingConnections(
      connections,
      createGroupCommitSqliteDialect({
        database: {
          get inTransaction() {
            return database.inTransaction;
          },
          prepare: (text) => {
            statements.push(text);
            return database.prepare(text);
          },
          close: () => database.close(),
        },
      }),
    ),
  });
  await sql`create table parents (id integer primary key)`.execute(db);
  await sql`insert into parents (id) values (1)`.execute(db);
  await sql`create table items (id integer primary key, parent_id integer references parents (id) deferrable initially deferred)`.execute(
    db,
  );
  statements.length = 0;
  const other = new SqliteDatabase(path, { readonly: true });
  const committedIds = () =>
    (other.prepare('select id from items order by id').all() as { id: number }[]).map((row) => row.id);
  return {
    db,
    statements,
    connections,
    committedIds,
    close: async () => {
      other.close();
      await db.destroy();
    },
  };
}

const insertItem = (db: Kysely<TestDatabase>, id: number, parentId: number | null = null) =>
  db.transaction().execute(async (trx) => {
    await trx.insertInto('items').values({ id, parent_id: parentId }).execute();
    return id;
  });

describe('SQLite group commit', () => {
  test('concurrent transactions share commits, and each resolves only once its row is committed', async () => {
    const { db, statements, committedIds, close } = await openTestDatabase();
    try {
      const seenAtResolve: boolean[] = [];
      await Promise.all(
        Array.from({ length: 16 }, (_, id) =>
          insertItem(db, id).then(() => seenAtResolve.push(committedIds().includes(id))),
        ),
      );
      expect(seenAtResolve).toEqual(Array.from({ length: 16 }, () => true));
      expect(committedIds()).toHaveLength(16);
      const streamed: number[] = [];
      for await (const row of db.selectFrom('items').select('id').orderBy('id').stream())
        streamed.push(row.id);
      expect(streamed).toEqual(committedIds());
      const commits = statements.filter((text) => text === 'commit').length;
      expect(commits).toBeGreaterThanOrEqual(1);
      expect(commits).toBeLessThan(16);
    } finally {
      await close();
    }
  });

  test('the connection objects handed to Kysely are reused, so that its set of them stays small', async () => {
    const { db, connections, committedIds, close } = await openTestDatabase();
    try {
      for (let index = 0; index < 200; index++) await db.selectFrom('items').select('id').execute();
      expect(connections.size).toBe(1);
      for (let round = 0; round < 5; round++) {
        await Promise.all(Array.from({ length: 20 }, (_, index) => insertItem(db, round * 20 + index)));
      }
      expect(committedIds()).toHaveLength(100);
      // One per transaction waiting for its group's commit, and the holder: never one per query.
      expect(connections.size).toBeLessThanOrEqual(21);
      const afterGroups = connections.size;
      for (let index = 0; index < 200; index++) await db.selectFrom('items').select('id').execute();
      expect(connections.size).toBe(afterGroups);
    } finally {
      await close();
    }
  });

  test('a transaction that fails rolls back its own work only', async () => {
    const { db, committedIds, close } = await openTestDatabase();
    try {
      const results = await Promise.allSettled([
        insertItem(db, 1),
        db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values({ id: 2, parent_id: null }).execute();
          throw new Error('the use-case failed after its insert');
        }),
        insertItem(db, 1),
        insertItem(db, 3),
      ]);
      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      expect(committedIds()).toEqual([1, 3]);
      // The first of a group runs without a savepoint: its failure ends the transaction before anyone joins.
      const afterFirstFails = await Promise.allSettled([
        db.transaction().execute(async (trx) => {
          await trx.insertInto('items').values({ id: 4, parent_id: null }).execute();
          throw new Error('the first use-case failed');
        }),
        insertItem(db, 5),
        insertItem(db, 6),
      ]);
      expect(afterFirstFails.map((result) => result.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect(committedIds()).toEqual([1, 3, 5, 6]);
    } finally {
      await close();
    }
  });

  test('a query outside a transaction commits the open group before it runs, so it never reads uncommitted work', async () => {
    const { db, statements, close } = await openTestDatabase();
    try {
      const [, rows] = await Promise.all([insertItem(db, 7), db.selectFrom('items').select('id').execute()]);
      expect(rows).toEqual([{ id: 7 }]);
      const select = statements.findIndex((text) => text.startsWith('select'));
      expect(statements.slice(0, select)).toEqual([
        'begin',
        'insert into "items" ("id", "parent_id") values (?, ?)',
        'commit',
      ]);
    } finally {
      await close();
    }
  });

  test('when the shared commit fails, every member of the group is rejected and none is recorded', async () => {
    const { db, committedIds, close } = await openTestDatabase();
    try {
      // A deferred foreign key is checked at COMMIT: the one failure SQLite reports there.
      const results = await Promise.allSettled([insertItem(db, 1), insertItem(db, 2, 99), insertItem(db, 3)]);
      expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(committedIds()).toEqual([]);
      await insertItem(db, 4);
      expect(committedIds()).toEqual([4]);
    } finally {
      await close();
    }
  });
});
