import type SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';

/** What the driver needs of a better-sqlite3 database: cached statements and the transaction flag. */
export type GroupCommitDatabase = {
  prepare(sql: string): SqliteDatabase.Statement;
  readonly inTransaction: boolean;
  close(): void;
};

// Transactions that join one commit at most; bounds how long the first of them waits for the others.
const maxGroupMembers = 128;
const memberSavepoint = 'writ_group_member';

type Member = { resolve: () => void; reject: (error: unknown) => void };

/** One use of the single connection, from acquire to release. */
type Lease = DatabaseConnection & {
  state: 'idle' | 'member' | 'joined';
  /** Only a transaction joining others runs in a savepoint; the first of a group owns the whole transaction. */
  hasSavepoint: boolean;
  /** The mutex was handed to the next waiter at commit: release must not unlock it again. */
  handedOver: boolean;
};

/**
 * Kysely's SQLite driver, plus group commit: transactions that queue for the single connection while one
 * runs share that one's outer transaction and its durable COMMIT (one fsync with `synchronous = FULL`).
 * @NOTE What each transaction keeps: a joining one runs in a savepoint of its own (the first owns the
 * transaction), so its rollback undoes only its own work; its `commit` resolves only after the shared
 * COMMIT is durable, and rejects, with every other member's, if that COMMIT fails, in which case none of them
 * was recorded. Members run one after another, each seeing the ones before it, exactly as if each had
 * committed: the group commits in that serial order or not at all. A query outside a transaction commits the
 * open group before it runs, so it never reads work that is not yet durable. The cost: a transaction's commit
 * waits for the members that joined after it (at most `maxGroupMembers`), never for a timer; so a
 * transaction must not await, inside its callback, the outcome of another top-level transaction (it could be
 * an earlier member waiting for this one), which on one SQLite connection was already a hazard.
 */
export function createGroupCommitSqliteDialect({ database }: { database: GroupCommitDatabase }): Dialect {
  return {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => createGroupCommitSqliteDriver({ database }),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  };
}

function createMutex() {
  let isLocked = false;
  const waiters: (() => void)[] = [];
  return {
    async lock(): Promise<void> {
      if (!isLocked) {
        isLocked = true;
        return;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    },
    /** Hands the lock straight to the first waiter, so that nobody can slip in between. */
    unlock(): void {
      const next = waiters.shift();
      if (next === undefined) isLocked = false;
      else next();
    },
    hasWaiters: () => waiters.length > 0,
  };
}

function runStatement(database: GroupCommitDatabase, query: CompiledQuery): QueryResult<unknown> {
  const statement = database.prepare(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** One row a chunk, as Kysely's SQLite driver streams. */
function streamRows<R>(rows: Iterable<R>): AsyncIterableIterator<QueryResult<R>> {
  const source = rows[Symbol.iterator]();
  const stream: AsyncIterableIterator<QueryResult<R>> = {
    next: () => {
      const step = source.next();
      return Promise.resolve(
        step.done === true
          ? { done: true, value: undefined }
          : { done: false, value: { rows: [step.value] } },
      );
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

export function createGroupCommitSqliteDriver({ database }: { database: GroupCommitDatabase }): Driver {
  const mutex = createMutex();
  let group: Member[] | undefined;

  const exec = (sqlText: string) => runStatement(database, CompiledQuery.raw(sqlText));

  const commitGroup = (): void => {
    const members = group;
    if (members === undefined) return;
    group = undefined;
    try {
      exec('commit');
    } catch (error) {
      // The members learn of the commit's failure; a rollback error thrown from here would leave them
      // unsettled and the connection locked.
      try {
        if (database.inTransaction) exec('rollback');
      } catch {
        // The commit's error is the one reported.
      }
      for (const member of members) member.reject(error);
      return;
    }
    for (const member of members) member.resolve();
  };

  /** SQLite rolled the whole transaction back (an I/O error, a full disk): every member's work is gone. */
  const failGroup = (error: unknown): void => {
    const members = group ?? [];
    group = undefined;
    for (const member of members) member.reject(error);
  };

  /**
   * Leases are recycled: Kysely keeps every distinct connection object its driver ever returned, for the life
   * of the Kysely instance, so a fresh object per acquire would grow that set by one for every query. At most
   * one lease per group member plus the holder is ever out at once.
   */
  const freeLeases: Lease[] = [];
  const takeLease = (): Lease => {
    const lease = freeLeases.pop();
    if (lease === undefined) return createLease();
    lease.state = 'idle';
    lease.hasSavepoint = false;
    lease.handedOver = false;
    return lease;
  };

  const createLease = (): Lease => {
    const lease: Lease = {
      state: 'idle',
      hasSavepoint: false,
      handedOver: false,
      executeQuery: <R>(query: CompiledQuery) => {
        if (lease.state !== 'member') commitGroup();
        return Promise.resolve(runStatement(database, query) as QueryResult<R>);
      },
      streamQuery: <R>(query: CompiledQuery) => {
        if (lease.state !== 'member') commitGroup();
        if (!SelectQueryNode.is(query.query)) throw new Error('SQLite streams select queries only.');
        return streamRows(database.prepare(query.sql).iterate(query.parameters) as Iterable<R>);
      },
    };
    return lease;
  };

  // A caller's own savepoints nest inside its member savepoint.
  const savepointCommand = (command: string, name: string): CompiledQuery =>
    CompiledQuery.raw(`${command} "${name.replaceAll('"', '""')}"`);

  return {
    init: () => Promise.resolve(),

    async acquireConnection() {
      await mutex.lock();
      return takeLease();
    },

    beginTransaction(connection) {
      const lease = connection as Lease;
      if (group === undefined) {
        exec('begin');
        group = [];
      } else {
        exec(`savepoint ${memberSavepoint}`);
        lease.hasSavepoint = true;
      }
      lease.state = 'member';
      return Promise.resolve();
    },

    async commitTransaction(connection) {
      const lease = connection as Lease;
      if (lease.hasSavepoint) exec(`release ${memberSavepoint}`);
      lease.state = 'joined';
      const members = group ?? [];
      const committed = new Promise<void>((resolve, reject) => members.push({ resolve, reject }));
      if (mutex.hasWaiters() && members.length < maxGroupMembers) {
        lease.handedOver = true;
        mutex.unlock();
      } else {
        commitGroup();
      }
      await committed;
    },

    rollbackTransaction(connection) {
      const lease = connection as Lease;
      // After its commit was tried, a member has nothing of its own left to undo.
      if (lease.state !== 'member') return Promise.resolve();
      lease.state = 'idle';
      if (!database.inTransaction) {
        failGroup(new Error('SQLite rolled back the shared transaction.'));
        return Promise.resolve();
      }
      if (lease.hasSavepoint) {
        exec(`rollback to ${memberSavepoint}`);
        exec(`release ${memberSavepoint}`);
      } else {
        // The first of a group: nobody has joined yet, so the whole transaction is its own.
        exec('rollback');
        group = undefined;
      }
      return Promise.resolve();
    },

    async savepoint(connection, name) {
      await connection.executeQuery(savepointCommand('savepoint', name));
    },
    async rollbackToSavepoint(connection, name) {
      await connection.executeQuery(savepointCommand('rollback to', name));
    },
    async releaseSavepoint(connection, name) {
      await connection.executeQuery(savepointCommand('release', name));
    },

    releaseConnection(connection) {
      const lease = connection as Lease;
      // Its holder is done with it (a handed-over one has seen its commit): the next acquire may reuse it.
      freeLeases.push(lease);
      if (lease.handedOver) return Promise.resolve();
      // The last holder with nobody behind it commits what the group holds.
      if (!mutex.hasWaiters()) commitGroup();
      mutex.unlock();
      return Promise.resolve();
    },

    destroy() {
      // A group is open only while a transaction holds the connection: closing abandons it, uncommitted.
      if (group !== undefined) {
        if (database.inTransaction) exec('rollback');
        failGroup(new Error('The database was closed before the transaction committed.'));
      }
      database.close();
      return Promise.resolve();
    },
  };
}
