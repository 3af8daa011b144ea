import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createStandaloneLedger } from './ledger.group-commit.js';
import { generateLedgerEntryId, maxEntryBytes } from './ledger.models.js';

const event = (i: number) => ({
  kind: 'test.standalone' as const,
  actor: { type: 'system' as const },
  data: { i },
});

describeOnDatabases('ledger standalone appends (group commit)', ({ getDb }) => {
  async function countPending(ids: readonly string[]): Promise<number> {
    const rows = await getDb()
      .selectFrom('ledger_pending_entries')
      .select('id')
      .where('id', 'in', ids)
      .execute();
    return rows.length;
  }

  test('concurrent calls all land, each exactly once, in fewer transactions than calls', async () => {
    const db = getDb();
    let transactions = 0;
    const counting = new Proxy(db, {
      get(target, property) {
        if (property === 'transaction') transactions += 1;
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const ledger = createStandaloneLedger({ db: counting, clock: createTestClock(), maxBatch: 16 });

    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ledger.appendStandalone(event(i))),
    );

    const ids = results.map((result) => result.entryId);
    expect(new Set(ids).size).toBe(50);
    const rows = await db
      .selectFrom('ledger_pending_entries')
      .select(['id', 'entry'])
      .where('id', 'in', ids)
      .execute();
    expect(rows).toHaveLength(50);
    expect(
      rows.map((row) => (JSON.parse(row.entry) as { data: { i: number } }).data.i).sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 50 }, (_, i) => i));
    // 50 calls made in one tick: batches of at most 16.
    expect(transactions).toBe(4);
  });

  test('a failure of the shared transaction rejects every call in it and records none of them', async () => {
    const db = getDb();
    // The third and fourth calls get the same id: the batch's insert violates the primary key.
    const duplicate = generateLedgerEntryId();
    const ids = [generateLedgerEntryId(), generateLedgerEntryId(), duplicate, duplicate];
    const generated = [...ids];
    const ledger = createStandaloneLedger({
      db,
      clock: createTestClock(),
      generateId: () => generated.shift() ?? generateLedgerEntryId(),
    });

    const outcomes = await Promise.allSettled(ids.map((_, i) => ledger.appendStandalone(event(i))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(await countPending(ids)).toBe(0);
    // The writer carries on: the next call commits on its own.
    const { entryId } = await ledger.appendStandalone(event(99));
    expect(await countPending([entryId])).toBe(1);
  });

  test('an event too large to record rejects alone; the calls beside it commit', async () => {
    const db = getDb();
    const ledger = createStandaloneLedger({ db, clock: createTestClock() });
    const tooLarge = { ...event(1), data: { text: 'x'.repeat(maxEntryBytes) } };

    const [first, large, last] = await Promise.allSettled([
      ledger.appendStandalone(event(0)),
      ledger.appendStandalone(tooLarge),
      ledger.appendStandalone(event(2)),
    ]);

    expect(large).toMatchObject({ status: 'rejected', reason: { code: 'ledger.entry_too_large' } });
    if (first.status !== 'fulfilled' || last.status !== 'fulfilled')
      throw new Error('expected both to commit');
    expect(await countPending([first.value.entryId, last.value.entryId])).toBe(2);
  });

  test('calls made while a batch commits go in the next one, and settled() waits for both', async () => {
    const db = getDb();
    const ledger = createStandaloneLedger({ db, clock: createTestClock() });
    const first = ledger.appendStandalone(event(0));
    await Promise.resolve();
    await Promise.resolve();
    const second = ledger.appendStandalone(event(1));
    await ledger.settled();
    const ids = [(await first).entryId, (await second).entryId];
    expect(await countPending(ids)).toBe(2);
  });
});
