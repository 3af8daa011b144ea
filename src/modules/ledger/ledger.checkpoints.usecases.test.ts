import { expect, test } from 'vitest';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { openCheckpoint } from './ledger.checkpoint.js';
import { expectCode } from '../../../test/support/assertions.js';
import {
  createCheckpoint,
  listCheckpoints,
  readLedgerOrigin,
  settleLedgerOrigin,
} from './ledger.checkpoints.usecases.js';
import { hashEmptyTree } from './ledger.merkle.js';
import { createNoteVerifier } from './ledger.note-keys.js';
import { sequencePendingEntries } from './ledger.sequencer.js';
import { appendTestEvents, recomputeFromEntries } from './ledger.storage.test-utils.js';
import { createTestNoteSigner } from './ledger.test-utils.js';

const origin = 'writ.example.com/ledger';

describeOnDatabases('ledger checkpoints', ({ getDb }) => {
  const signer = createTestNoteSigner({ name: origin });
  const verifier = createNoteVerifier({ name: origin, publicKey: signer.publicKey });

  test('the first checkpoint is of the empty log; a new one is signed only once the log grew', async () => {
    const db = getDb();
    const clock = createTestClock();
    const empty = await createCheckpoint({ db, clock, signer, origin });
    expect(empty.isNew).toBe(true);
    expect(empty.checkpoint.size).toBe(0);
    expect(empty.checkpoint.rootHash.equals(hashEmptyTree())).toBe(true);

    const unchanged = await createCheckpoint({ db, clock, signer, origin });
    expect(unchanged).toMatchObject({ isNew: false, checkpoint: { size: 0 } });

    await appendTestEvents({ db, clock, count: 3 });
    const pendingOnly = await createCheckpoint({ db, clock, signer, origin });
    expect(pendingOnly.isNew).toBe(false);

    await sequencePendingEntries({ db, clock });
    const grown = await createCheckpoint({ db, clock, signer, origin });
    expect(grown.isNew).toBe(true);
    const { checkpoint } = openCheckpoint({ note: grown.checkpoint.note, origin, verifiers: [verifier] });
    expect(checkpoint.size).toBe(3);
    expect(checkpoint.rootHash.equals((await recomputeFromEntries({ db })).root)).toBe(true);
    expect((await listCheckpoints({ db })).map((stored) => stored.size)).toEqual([0, 3]);
  });
});

describeOnDatabases('the ledger keeps its name', ({ getDb }) => {
  test('a ledger is named by its configuration until its first checkpoint, and by that checkpoint after', async () => {
    const db = getDb();
    const clock = createTestClock();
    expect(await readLedgerOrigin({ db })).toBeUndefined();
    expect(await settleLedgerOrigin({ db, configured: undefined, derived: 'localhost:8443/ledger' })).toBe(
      'localhost:8443/ledger',
    );
    expect(await settleLedgerOrigin({ db, configured: origin, derived: 'localhost:8443/ledger' })).toBe(
      origin,
    );

    await createCheckpoint({ db, clock, signer: createTestNoteSigner({ name: origin }), origin });
    expect(await readLedgerOrigin({ db })).toBe(origin);
    // Another public URL or port later (the default name derives from it) does not rename the log.
    expect(await settleLedgerOrigin({ db, configured: undefined, derived: 'writ.firm.example/ledger' })).toBe(
      origin,
    );
    expect(await settleLedgerOrigin({ db, configured: origin, derived: 'writ.firm.example/ledger' })).toBe(
      origin,
    );
    // A different name set on purpose is refused, with both names in the message.
    const renamed = settleLedgerOrigin({ db, configured: 'other.example/ledger', derived: 'x/ledger' });
    await expectCode(renamed, 'ledger.origin_changed');
    await expect(renamed).rejects.toThrow(/other\.example\/ledger.*writ\.example\.com\/ledger/);
  });
});
