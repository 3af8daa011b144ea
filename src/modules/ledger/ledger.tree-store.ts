import { type Kysely, PostgresAdapter } from 'kysely';
import type { WritDatabase } from '../database.js';
import { createSubtreeUnavailableError } from './ledger.errors.js';
import {
  buildProof,
  hashSubtrees,
  planConsistencyProof,
  planInclusionProof,
  planTreeRoot,
  type ProofPlan,
  type SubtreeId,
} from './ledger.merkle.js';

/** Reads of the sequenced tree: its size, stored subtree hashes, roots and proofs, each O(log n) rows. */

export function isPostgres(db: Kysely<WritDatabase>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

function subtreeKey({ level, index }: SubtreeId): string {
  return `${level}/${index}`;
}

const subtreeReadChunk = 100;

/** Loads the stored hashes of `ids`; a missing one throws `ledger.subtree_unavailable` when read. */
export async function readSubtreeHashes({
  db,
  ids,
}: {
  db: Kysely<WritDatabase>;
  ids: readonly SubtreeId[];
}): Promise<(id: SubtreeId) => Buffer> {
  const hashes = new Map<string, Buffer>();
  const unique = [...new Map(ids.map((id) => [subtreeKey(id), id])).values()];
  for (let start = 0; start < unique.length; start += subtreeReadChunk) {
    const chunk = unique.slice(start, start + subtreeReadChunk);
    const rows = await db
      .selectFrom('ledger_subtrees')
      .select(['level', 'idx', 'hash'])
      .where((eb) => eb.or(chunk.map((id) => eb.and([eb('level', '=', id.level), eb('idx', '=', id.index)]))))
      .execute();
    for (const row of rows) hashes.set(subtreeKey({ level: row.level, index: row.idx }), row.hash);
  }
  return (id) => {
    const hash = hashes.get(subtreeKey(id));
    if (hash === undefined) {
      throw createSubtreeUnavailableError({ message: `Subtree ${id.level}/${id.index} is not stored.` });
    }
    return hash;
  };
}

/** The committed tree size. Subtree rows for it committed in the same transaction, so reads need no lock. */
export async function readTreeSize({ db }: { db: Kysely<WritDatabase> }): Promise<number> {
  const row = await db
    .selectFrom('ledger_state')
    .select('next_index')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow();
  return row.next_index;
}

export async function readTreeRoot({
  db,
  treeSize,
}: {
  db: Kysely<WritDatabase>;
  treeSize: number;
}): Promise<Buffer> {
  const ids = planTreeRoot({ treeSize });
  return hashSubtrees({ ids, readSubtreeHash: await readSubtreeHashes({ db, ids }) });
}

async function readProof({ db, plan }: { db: Kysely<WritDatabase>; plan: ProofPlan }): Promise<Buffer[]> {
  return buildProof({ plan, readSubtreeHash: await readSubtreeHashes({ db, ids: plan.flat() }) });
}

export async function readInclusionProof({
  db,
  leafIndex,
  treeSize,
}: {
  db: Kysely<WritDatabase>;
  leafIndex: number;
  treeSize: number;
}): Promise<Buffer[]> {
  return readProof({ db, plan: planInclusionProof({ leafIndex, treeSize }) });
}

export async function readConsistencyProof({
  db,
  oldSize,
  newSize,
}: {
  db: Kysely<WritDatabase>;
  oldSize: number;
  newSize: number;
}): Promise<Buffer[]> {
  return readProof({ db, plan: planConsistencyProof({ oldSize, newSize }) });
}
