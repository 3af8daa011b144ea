import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createMemoryMerkleTree } from './ledger.merkle-memory.js';
import { verifyConsistency, verifyInclusion } from './ledger.merkle-verify.js';
import { computeTreeRoot, hashLeaf } from './ledger.merkle.js';
import { sequencePendingEntries } from './ledger.sequencer.js';
import { appendTestEvents, recomputeFromEntries } from './ledger.storage.test-utils.js';
import { readConsistencyProof, readInclusionProof, readTreeRoot, readTreeSize } from './ledger.tree-store.js';

const runFile = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

describeOnDatabases('ledger sequencer', ({ dialect, getDb, getDatabase }) => {
  test('pending entries get consecutive indexes from 0 in the order they were recorded, and leave pending', async () => {
    const db = getDb();
    const clock = createTestClock();
    const ids = await appendTestEvents({ db, clock, count: 5 });
    clock.advanceBy({ seconds: 1 });
    ids.push(...(await appendTestEvents({ db, clock, count: 4, label: 'later' })));

    const first = await sequencePendingEntries({ db, clock, maxBatch: 6 });
    const second = await sequencePendingEntries({ db, clock, maxBatch: 6 });
    const third = await sequencePendingEntries({ db, clock, maxBatch: 6 });

    expect([first.sequenced, second.sequenced, third.sequenced]).toEqual([6, 3, 0]);
    expect(third.treeSize).toBe(9);
    const { indexes, entryIds } = await recomputeFromEntries({ db });
    expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const firstFive = [...ids.slice(0, 5)].sort();
    expect(entryIds.slice(0, 5)).toEqual(firstFive);
    expect(entryIds.slice(5).sort()).toEqual([...ids.slice(5)].sort());
    expect(await db.selectFrom('ledger_pending_entries').selectAll().execute()).toEqual([]);
  });

  test('the stored roots and proofs at every size equal those of a tree recomputed from the entries', async () => {
    const db = getDb();
    const clock = createTestClock();
    const sizes: number[] = [await readTreeSize({ db })];
    for (const count of [1, 2, 5, 8, 13]) {
      await appendTestEvents({ db, clock, count });
      await sequencePendingEntries({ db, clock, maxBatch: 4 });
      await sequencePendingEntries({ db, clock, maxBatch: 100 });
      sizes.push(await readTreeSize({ db }));
    }
    const rows = await db.selectFrom('ledger_entries').select('entry').orderBy('idx').execute();
    const leafHashes = rows.map((row) => hashLeaf(Buffer.from(row.entry, 'utf8')));
    const finalSize = sizes.at(-1) ?? 0;
    expect(leafHashes).toHaveLength(finalSize);

    for (const size of sizes) {
      const tree = createMemoryMerkleTree({ leafHashes: leafHashes.slice(0, size) });
      const expected = computeTreeRoot({ treeSize: size, readSubtreeHash: tree.readSubtreeHash });
      const root = await readTreeRoot({ db, treeSize: size });
      expect(root.toString('hex')).toBe(expected.toString('hex'));
      for (let leafIndex = 0; leafIndex < size; leafIndex += 3) {
        const proof = await readInclusionProof({ db, leafIndex, treeSize: size });
        const leafHash = leafHashes[leafIndex] ?? Buffer.alloc(0);
        expect(verifyInclusion({ leafHash, leafIndex, treeSize: size, proof, rootHash: root })).toBe(true);
      }
      const newRoot = await readTreeRoot({ db, treeSize: finalSize });
      const proof = await readConsistencyProof({ db, oldSize: size, newSize: finalSize });
      expect(verifyConsistency({ oldSize: size, newSize: finalSize, oldRoot: root, newRoot, proof })).toBe(
        true,
      );
    }
  });

  // Several writing processes exist only on PostgreSQL: on SQLite the data-directory lock admits one.
  if (dialect === 'postgres')
    test('two processes appending and sequencing at once leave indexes unique and gap-free, and the root matches', async () => {
      const db = getDb();
      const before = await readTreeSize({ db });
      const perWorker = 60;
      const worker = (label: string) =>
        runFile(
          process.execPath,
          [
            '--import',
            'tsx',
            'test/support/ledger-sequencer-worker.ts',
            getDatabase().url,
            String(perWorker),
            label,
          ],
          { cwd: repoRoot, timeout: 60_000 },
        );
      await Promise.all([worker('a'), worker('b')]);
      await sequencePendingEntries({ db, clock: createTestClock(), maxBatch: 1000 });

      const size = await readTreeSize({ db });
      expect(size).toBe(before + 2 * perWorker);
      const { indexes, root } = await recomputeFromEntries({ db });
      expect(indexes).toEqual(Array.from({ length: size }, (_, i) => i));
      expect((await readTreeRoot({ db, treeSize: size })).toString('hex')).toBe(root.toString('hex'));
    }, 90_000);
});
