import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { createIdentityFixtures } from '../../modules/identity/identity.admin.test-utils.js';
import type { Mailer } from '../../modules/identity/identity.mailer.js';
import { recordNotification, setMyEmail } from '../../modules/identity/identity.notifications.usecases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { startMailOutboxJob } from './mail-outbox.job.js';

/**
 * @NOTE Not real here: mail delivery. The mailer is a fake that records messages or fails on demand; the
 * SMTP implementation has its own test against a real local SMTP server.
 */
function createGatedMailer() {
  const sent: string[] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const mailer: Mailer & { hold(): void; open(): void } = {
    async send({ to, subject }) {
      await gate;
      if (subject.includes('locked')) throw Object.assign(new Error(`rejected ${to}`), { code: 'EENVELOPE' });
      sent.push(to);
    },
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    open: () => {
      release();
    },
  };
  return { mailer, sent };
}

function captureLogs() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('the mail outbox job', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterAll(async () => {
    await database.destroy();
  });

  test('sends after commit, and stop() waits for the message in flight and sends no other', async () => {
    const { db } = database;
    const clock = createTestClock();
    const fixtures = createIdentityFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer' });
    const { principal } = await fixtures.session(user);
    await setMyEmail({ ...fixtures.deps, principal, email: 'private.person@firm.example' });
    clock.advanceBy({ seconds: 1 });
    await db.transaction().execute((trx) =>
      recordNotification({
        db: trx,
        clock,
        userId: user.id,
        kind: 'account_locked',
        payload: { blockedUntil: 'soon' },
      }),
    );
    const { mailer, sent } = createGatedMailer();
    const { logger, lines } = captureLogs();
    const start = () =>
      startMailOutboxJob({
        db,
        clock,
        secretBox: fixtures.deps.secretBox,
        mailer,
        getPublicUrl: () => 'https://writ.firm.example',
        logger,
        intervalMs: 20,
      });
    mailer.hold();
    const job = start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    let isStopped = false;
    const stopping = job.stop().then(() => (isStopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isStopped).toBe(false);
    mailer.open();
    await stopping;
    expect(sent).toEqual(['private.person@firm.example']);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sent).toHaveLength(1);
    expect(lines.join('')).toContain('"sent":1');

    // The next server run picks up the rest: here a refused message, logged by code only.
    const next = start();
    await waitFor(() => lines.join('').includes('notification mail failed'));
    await next.stop();
    const log = lines.join('');
    expect(log).toContain('"reason":"EENVELOPE"');
    expect(log).not.toContain('private.person');
    expect(log).not.toContain('locked until');
    expect(log).not.toContain('firm.example');
  });
});
