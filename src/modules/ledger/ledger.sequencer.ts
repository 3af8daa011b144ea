import { type Kysely, sql } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import { createSubtreeUnavailableError } from './ledger.errors.js';
import { hashChildren, hashLeafText, planTreeRoot } from './ledger.merkle.js';
import { isPostgres, readSubtreeHashes } from './ledger.tree-store.js';

// Rows per statement: 5 columns × 1,000 stays far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
const insertChunk = 1000;

/**
 * Gives pending entries their place in the log: in one transaction, locks the state row, takes up to
 * `maxBatch` pending entries in (recorded_at, id) order, assigns the next consecutive indexes, stores every
 * perfect subtree hash the new leaves complete, and removes them from pending.
 * @NOTE The state row is the lock: on PostgreSQL `SELECT … FOR UPDATE` serialises sequencers across
 * processes; on SQLite a write to it takes the database's write lock first. Either way a second sequencer
 * waits, then sees the first one's size, so indexes stay unique and gap-free.
 */
export async function sequencePendingEntries({
  db,
  clock,
  maxBatch = 1000,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  maxBatch?: number;
}): Promise<{ sequenced: number; treeSize: number; sequencedAt: Date }> {
  return db.transaction().execute(async (trx) => {
    const oldSize = await lockTreeSize(trx);
    const pending = await trx
      .selectFrom('ledger_pending_entries')
      .select(['id', 'kind', 'entry', 'recorded_at'])
      .orderBy('recorded_at')
      .orderBy('id')
      .limit(maxBatch)
      .execute();
    const sequencedAt = clock.now();
    if (pending.length === 0) return { sequenced: 0, treeSize: oldSize, sequencedAt };

    const entries = pending.map((row, offset) => ({
      idx: oldSize + offset,
      entry_id: row.id,
      kind: row.kind,
      entry: row.entry,
      recorded_at: row.recorded_at,
    }));
    const leafHashes = entries.map((entry) => hashLeafText(entry.entry));
    const newSize = oldSize + entries.length;
    const subtrees = await computeNewSubtrees({ db: trx, oldSize, newSize, leafHashes });

    for (let start = 0; start < entries.length; start += insertChunk) {
      await trx
        .insertInto('ledger_entries')
        .values(entries.slice(start, start + insertChunk))
        .execute();
    }
    for (let start = 0; start < subtrees.length; start += insertChunk) {
      await trx
        .insertInto('ledger_subtrees')
        .values(subtrees.slice(start, start + insertChunk))
        .execute();
    }
    const ids = pending.map((row) => row.id);
    for (let start = 0; start < ids.length; start += insertChunk) {
      await trx
        .deleteFrom('ledger_pending_entries')
        .where('id', 'in', ids.slice(start, start + insertChunk))
        .execute();
    }
    await trx.updateTable('ledger_state').set({ next_index: newSize }).where('id', '=', 1).execute();
    return { sequenced: entries.length, treeSize: newSize, sequencedAt };
  });
}

async function lockTreeSize(trx: Kysely<WritDatabase>): Promise<number> {
  if (isPostgres(trx)) {
    const row = await trx
      .selectFrom('ledger_state')
      .select('next_index')
      .where('id', '=', 1)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return row.next_index;
  }
  // A deferred SQLite transaction that reads first could fail to upgrade to a writer: write first.
  await trx
    .updateTable('ledger_state')
    .set({ next_index: sql<number>`next_index` })
    .where('id', '=', 1)
    .execute();
  const row = await trx
    .selectFrom('ledger_state')
    .select('next_index')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return row.next_index;
}

/**
 * Every node (level ≥ 0) complete at newSize but not at oldSize. Left children completed earlier are the
 * perfect subtrees of the old root (its frontier), read from storage; everything else was just computed.
 */
async function computeNewSubtrees({
  db,
  oldSize,
  newSize,
  leafHashes,
}: {
  db: Kysely<WritDatabase>;
  oldSize: number;
  newSize: number;
  leafHashes: readonly Buffer[];
}): Promise<{ level: number; idx: number; hash: Buffer }[]> {
  const frontier = planTreeRoot({ treeSize: oldSize });
  const readStored = await readSubtreeHashes({ db, ids: frontier });
  const known = new Map<string, Buffer>();
  for (const id of frontier) known.set(`${id.level}/${id.index}`, readStored(id));
  const created: { level: number; idx: number; hash: Buffer }[] = [];
  leafHashes.forEach((hash, offset) => {
    known.set(`0/${oldSize + offset}`, hash);
    created.push({ level: 0, idx: oldSize + offset, hash });
  });
  for (let level = 1; 2 ** level <= newSize; level += 1) {
    const width = 2 ** level;
    const first = Math.floor(oldSize / width);
    const end = Math.floor(newSize / width);
    for (let index = first; index < end; index += 1) {
      const left = known.get(`${level - 1}/${2 * index}`);
      const right = known.get(`${level - 1}/${2 * index + 1}`);
      if (left === undefined || right === undefined) {
        throw createSubtreeUnavailableError({
          message: `The children of subtree ${level}/${index} are missing.`,
        });
      }
      const hash = hashChildren(left, right);
      known.set(`${level}/${index}`, hash);
      created.push({ level, idx: index, hash });
    }
  }
  return created;
}
