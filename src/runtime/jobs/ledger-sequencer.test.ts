import { randomBytes } from 'node:crypto';
import { expect, test, vi } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { openCheckpoint } from '../../modules/ledger/ledger.checkpoint.js';
import { readLatestCheckpoint, listCheckpoints } from '../../modules/ledger/ledger.checkpoints.usecases.js';
import { parseVerifierKey } from '../../modules/ledger/ledger.note-keys.js';
import { appendTestEvents, recomputeFromEntries } from '../../modules/ledger/ledger.storage.test-utils.js';
import { createSecretBox } from '../../modules/vault/vault.secret-box.js';
import { loadOrCreateSigningKey } from '../../modules/vault/vault.signing-keys.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { startLedgerSequencer } from './ledger-sequencer.js';

const origin = 'writ.example.com/ledger';

describeOnDatabases('ledger sequencer job', ({ getDb }) => {
  test('while the log grows, entries are sequenced and a signed checkpoint of the new size follows within the interval', async () => {
    const db = getDb();
    const clock = createTestClock();
    const signer = await loadOrCreateSigningKey({
      db,
      secretBox: createSecretBox({ key: randomBytes(32) }),
      clock,
      name: origin,
    });
    const sleeps: number[] = [];
    const job = startLedgerSequencer({
      db,
      clock,
      signer,
      origin,
      checkpointSeconds: 10,
      logger: createLogger({ level: 'silent' }),
      pollMs: 1000,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advanceBy({ ms });
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    try {
      await appendTestEvents({ db, clock, count: 5 });
      await vi.waitFor(
        async () => {
          expect((await readLatestCheckpoint({ db }))?.size).toBe(5);
        },
        { timeout: 10_000 },
      );
    } finally {
      await job.stop();
    }
    const latest = await readLatestCheckpoint({ db });
    const { checkpoint } = openCheckpoint({
      note: latest?.note ?? '',
      origin,
      verifiers: [parseVerifierKey(signer.verifierKey)],
    });
    expect(checkpoint.rootHash.equals((await recomputeFromEntries({ db })).root)).toBe(true);
    expect(sleeps.every((ms) => ms === 1000)).toBe(true);
    const sizes = (await listCheckpoints({ db })).map((stored) => stored.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
  });

  test('after stop resolves, nothing more is sequenced', async () => {
    const db = getDb();
    const clock = createTestClock();
    const signer = await loadOrCreateSigningKey({
      db,
      secretBox: createSecretBox({ key: randomBytes(32) }),
      clock,
      name: 'stopped.example/ledger',
    });
    const job = startLedgerSequencer({
      db,
      clock,
      signer,
      origin: 'stopped.example/ledger',
      checkpointSeconds: 10,
      logger: createLogger({ level: 'silent' }),
      pollMs: 5,
    });
    await job.stop();
    await appendTestEvents({ db, clock, count: 2 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await db.selectFrom('ledger_pending_entries').select('id').execute()).toHaveLength(2);
  });
});
