import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import { createMemoryMerkleTree } from './ledger.merkle-memory.js';
import { computeTreeRoot, hashLeaf } from './ledger.merkle.js';
import { createLedger } from './ledger.usecases.js';

/** Appends `count` test events, each in its own transaction, through the real `ledger.append`. */
export async function appendTestEvents({
  db,
  clock,
  count,
  label = 'test',
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  count: number;
  label?: string;
}): Promise<string[]> {
  const ledger = createLedger({ clock });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const { entryId } = await db.transaction().execute((trx) =>
      ledger.append({
        db: trx,
        event: { kind: 'test.appended', actor: { type: 'system' }, data: { label, i } },
      }),
    );
    ids.push(entryId);
  }
  return ids;
}

/** Every sequenced entry in index order, and the root recomputed in memory from their text alone. */
export async function recomputeFromEntries({
  db,
}: {
  db: Kysely<WritDatabase>;
}): Promise<{ indexes: number[]; entryIds: string[]; root: Buffer }> {
  const rows = await db
    .selectFrom('ledger_entries')
    .select(['idx', 'entry_id', 'entry'])
    .orderBy('idx')
    .execute();
  const tree = createMemoryMerkleTree({
    leafHashes: rows.map((row) => hashLeaf(Buffer.from(row.entry, 'utf8'))),
  });
  return {
    indexes: rows.map((row) => row.idx),
    entryIds: rows.map((row) => row.entry_id),
    root: computeTreeRoot({ treeSize: tree.size, readSubtreeHash: tree.readSubtreeHash }),
  };
}
