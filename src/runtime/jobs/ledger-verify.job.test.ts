import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { createCheckpoint } from '../../modules/ledger/ledger.checkpoints.usecases.js';
import { createNoteVerifier } from '../../modules/ledger/ledger.note-keys.js';
import { sequencePendingEntries } from '../../modules/ledger/ledger.sequencer.js';
import { appendTestEvents } from '../../modules/ledger/ledger.storage.test-utils.js';
import { createSecretBox } from '../../modules/vault/vault.secret-box.js';
import { loadOrCreateSigningKey } from '../../modules/vault/vault.signing-keys.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { startLedgerVerifyJob } from './ledger-verify.job.js';

const origin = 'writ.example.com/ledger';

function captureLogs() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A sleep the test releases by hand, recording what the job asked for. */
function createManualSleep() {
  const asked: number[] = [];
  let wake: () => void = () => undefined;
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      asked.push(ms);
      wake = resolve;
      signal.addEventListener(
        'abort',
        () => {
          resolve();
        },
        { once: true },
      );
    });
  return {
    sleep,
    asked,
    wake: () => {
      wake();
    },
  };
}

describe('the ledger verify job [sqlite]', () => {
  let database: TestDatabase;
  let verifier: ReturnType<typeof createNoteVerifier>;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
    const { db } = database;
    const clock = createTestClock();
    const signer = await loadOrCreateSigningKey({
      db,
      secretBox: createSecretBox({ key: randomBytes(32) }),
      clock,
      name: origin,
    });
    verifier = createNoteVerifier({ name: origin, publicKey: signer.publicKey });
    for (const batch of [0, 1]) {
      await appendTestEvents({ db, clock, count: 12, label: `batch ${batch}` });
      await sequencePendingEntries({ db, clock });
      await createCheckpoint({ db, clock, signer, origin });
    }
  });
  afterAll(async () => {
    await database.destroy();
  });

  test('verifies at start, again after each interval, and logs the first bad index of a tampered row without its content', async () => {
    const { logger, lines } = captureLogs();
    const { sleep, asked, wake } = createManualSleep();
    const job = startLedgerVerifyJob({
      db: database.db,
      origin,
      verifier,
      intervalMinutes: 15,
      logger,
      sleep,
    });
    try {
      await waitFor(() => asked.length === 1);
      expect(lines.map((line) => line.msg)).toEqual(['ledger verified']);
      expect(asked).toEqual([15 * 60_000]);

      // Someone with write access to the database file edits a sequenced entry.
      await sql`update ledger_entries set entry = replace(entry, '"label":"batch', '"label":"Batch') where idx = 17`.execute(
        database.db,
      );
      wake();
      await waitFor(() => asked.length === 2);
      const alert = lines.at(-1);
      expect(alert).toMatchObject({
        level: 50,
        msg: 'ledger verification failed',
        alert: 'ledger_integrity',
        firstBadIndex: 17,
      });
      expect(JSON.stringify(alert)).not.toContain('Batch');
    } finally {
      await job.stop();
    }
    const after = lines.length;
    wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines.length).toBe(after);
  });
});
