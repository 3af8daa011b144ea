import { type Kysely, sql } from 'kysely';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import type { WritDatabase } from '../database.js';
import { createCheckpoint } from './ledger.checkpoints.usecases.js';
import { createNoteVerifier } from './ledger.note-keys.js';
import { sequencePendingEntries } from './ledger.sequencer.js';
import { appendTestEvents } from './ledger.storage.test-utils.js';
import { createTestNoteSigner } from './ledger.test-utils.js';
import { type LedgerVerificationReport, verifyStoredLedger } from './ledger.verify.js';

const origin = 'verify.example/ledger';
const signer = createTestNoteSigner({ name: origin });
const verifier = createNoteVerifier({ name: origin, publicKey: signer.publicKey });

class Rollback extends Error {}

describeOnDatabases('ledger verification of stored subtrees, page by page', ({ getDb }) => {
  let isFilled = false;
  async function fill(): Promise<Kysely<WritDatabase>> {
    const db = getDb();
    if (!isFilled) {
      const clock = createTestClock();
      await appendTestEvents({ db, clock, count: 37 });
      await sequencePendingEntries({ db, clock, maxBatch: 20 });
      await createCheckpoint({ db, clock, signer, origin });
      await sequencePendingEntries({ db, clock, maxBatch: 100 });
      await createCheckpoint({ db, clock, signer, origin });
      isFilled = true;
    }
    return db;
  }

  /** Verifies after `tamper`, in a transaction that is then rolled back. */
  async function verifyTampered(
    tamper: (trx: Kysely<WritDatabase>) => Promise<unknown>,
    subtreePageSize = 4,
  ): Promise<LedgerVerificationReport> {
    const db = await fill();
    let report: LedgerVerificationReport | undefined;
    await db
      .transaction()
      .execute(async (trx) => {
        await tamper(trx);
        report = await verifyStoredLedger({ db: trx, origin, verifier, subtreePageSize });
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
    if (report === undefined) throw new Error('no report');
    return report;
  }

  test('an untouched log verifies with small pages and with the default', async () => {
    const db = await fill();
    for (const subtreePageSize of [1, 3, 4, 8192]) {
      const report = await verifyStoredLedger({ db, origin, verifier, subtreePageSize });
      expect(report).toMatchObject({ entryCount: 37, claimedSize: 37, checkpointsChecked: 2, failures: [] });
    }
  });

  test('an altered leaf hash in the middle of a page is named by its index', async () => {
    const report = await verifyTampered((trx) =>
      sql`update ledger_subtrees set hash = ${Buffer.alloc(32, 9)} where level = 0 and idx = 21`.execute(trx),
    );
    expect(report.failures).toEqual([expect.objectContaining({ code: 'entry_altered', index: 21 })]);
  });

  test('a stored hash of the wrong length is caught', async () => {
    const report = await verifyTampered((trx) =>
      sql`update ledger_subtrees set hash = ${Buffer.alloc(33, 1)} where level = 0 and idx = 5`.execute(trx),
    );
    expect(report.failures).toEqual([expect.objectContaining({ code: 'entry_altered', index: 5 })]);
  });

  test('an altered higher subtree is named as the range of entries it covers', async () => {
    const report = await verifyTampered((trx) =>
      sql`update ledger_subtrees set hash = ${Buffer.alloc(32, 9)} where level = 2 and idx = 3`.execute(trx),
    );
    expect(report.failures).toEqual([
      expect.objectContaining({ code: 'subtree_altered', index: 12, throughIndex: 15 }),
    ]);
  });

  test('a missing subtree row is named, whether the page size divides the level or not', async () => {
    for (const subtreePageSize of [3, 4]) {
      const report = await verifyTampered(
        (trx) => sql`delete from ledger_subtrees where level = 1 and idx = 9`.execute(trx),
        subtreePageSize,
      );
      expect(report.failures.map(({ code, message }) => ({ code, message }))).toEqual([
        { code: 'subtree_altered', message: 'The stored hash of subtree 1/9 is missing.' },
      ]);
    }
  });

  test('an altered entry is named by its index and breaks the signed root', async () => {
    const report = await verifyTampered((trx) =>
      sql`update ledger_entries set entry = ${'{"tampered":true}'} where idx = 30`.execute(trx),
    );
    expect(report.failures.map((failure) => failure.code)).toEqual([
      'entry_altered',
      'checkpoint_root_mismatch',
    ]);
    expect(report.firstBadIndex).toEqual({ index: 30, throughIndex: undefined });
  });
});
