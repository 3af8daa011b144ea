import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createIdentityFixtures } from './identity.admin.test-utils.js';
import type { Mailer } from './identity.mailer.js';
import {
  deliverPendingNotificationMail,
  outboxBackoffMs,
  outboxPolicy,
} from './identity.notifications.outbox.usecases.js';
import { recordNotification, setMyEmail } from './identity.notifications.usecases.js';

/**
 * @NOTE Not real here: mail delivery. The fake mailer records messages (or fails on demand) instead of
 * speaking SMTP; identity.mailer.test.ts tests the SMTP implementation against a real local server.
 */
function createFakeMailer({ failures = 0 }: { failures?: number } = {}) {
  const sent: { to: string; subject: string; text: string }[] = [];
  let remainingFailures = failures;
  const mailer: Mailer = {
    send: (message) => {
      if (remainingFailures > 0) {
        remainingFailures -= 1;
        const error = Object.assign(new Error(`550 mailbox ${message.to} unavailable`), {
          code: 'EENVELOPE',
          responseCode: 550,
        });
        return Promise.reject(error);
      }
      sent.push(message);
      return Promise.resolve();
    },
  };
  return { mailer, sent };
}

describeOnDatabases('the notification mail outbox', ({ getDb }) => {
  const setup = async () => {
    const db = getDb();
    await db.deleteFrom('notifications').execute();
    const clock = createTestClock();
    const fixtures = createIdentityFixtures({ db, clock });
    const withAddress = await fixtures.user({ role: 'lawyer' });
    const { principal } = await fixtures.session(withAddress);
    await setMyEmail({ ...fixtures.deps, principal, email: 'lawyer@firm.example' });
    const withoutAddress = await fixtures.user({ role: 'client' });
    const notify = (userId: string) =>
      db.transaction().execute((trx) =>
        recordNotification({
          db: trx,
          clock,
          userId,
          kind: 'account_locked',
          payload: { blockedUntil: '2026-01-15T09:15:00.000Z' },
        }),
      );
    const deliver = (mailer: Mailer) =>
      deliverPendingNotificationMail({ ...fixtures.deps, mailer, publicUrl: 'https://writ.firm.example' });
    return { db, clock, withAddress, withoutAddress, notify, deliver };
  };

  test('each notification of a user with an address is mailed to them once, with a fixed text and no secret', async () => {
    const { db, withAddress, withoutAddress, notify, deliver } = await setup();
    const { notificationId } = await notify(withAddress.id);
    await notify(withoutAddress.id);
    const { mailer, sent } = createFakeMailer();
    expect(await deliver(mailer)).toEqual({ sent: 2, failures: [] });
    // The address change itself was notified too, to the new address.
    expect(sent.map((message) => [message.to, message.subject]).sort()).toEqual([
      ['lawyer@firm.example', 'Writ: your account was locked after failed sign-ins'],
      ['lawyer@firm.example', 'Writ: your notification address was changed'],
    ]);
    const lockout = sent.find((message) => message.subject.includes('locked'));
    expect(lockout?.text).toContain('locked until 2026-01-15T09:15:00.000Z');
    expect(lockout?.text).toContain('https://writ.firm.example/');
    expect(sent.map((message) => message.text).join('')).not.toMatch(/token|s1\.|password_hash/i);
    const row = await db
      .selectFrom('notifications')
      .select(['mailed_at', 'mail_attempts'])
      .where('id', '=', notificationId)
      .executeTakeFirst();
    expect(row).toEqual({ mailed_at: expect.any(Number) as number, mail_attempts: 1 });
    expect(await deliver(mailer)).toEqual({ sent: 0, failures: [] });
    expect(sent).toHaveLength(2);
  });

  test('a failed send waits out a doubling backoff, is retried, and gives up after the last attempt', async () => {
    const { clock, withAddress, notify, deliver, db } = await setup();
    await db.transaction().execute((trx) => trx.updateTable('notifications').set({ mailed_at: 1 }).execute());
    const { notificationId } = await notify(withAddress.id);
    const { mailer, sent } = createFakeMailer({ failures: outboxPolicy.maxAttempts });
    const first = await deliver(mailer);
    expect(first).toEqual({ sent: 0, failures: [{ notificationId, reason: 'EENVELOPE 550' }] });
    expect(JSON.stringify(first)).not.toContain('lawyer@');
    clock.advanceBy({ ms: outboxBackoffMs(1) - 1 });
    expect((await deliver(mailer)).failures).toEqual([]);
    for (let attempt = 1; attempt < outboxPolicy.maxAttempts; attempt += 1) {
      clock.advanceBy({ ms: outboxBackoffMs(attempt) });
      expect((await deliver(mailer)).failures).toHaveLength(1);
    }
    clock.advanceBy({ ms: outboxPolicy.maxBackoffMs });
    expect(await deliver(mailer)).toEqual({ sent: 0, failures: [] });
    expect(sent).toEqual([]);
    expect([outboxBackoffMs(1), outboxBackoffMs(2), outboxBackoffMs(20)]).toEqual([
      30_000, 60_000, 3_600_000,
    ]);
  });

  test('a message that fails once is sent on the retry', async () => {
    const { clock, withAddress, notify, deliver } = await setup();
    await notify(withAddress.id);
    const { mailer, sent } = createFakeMailer({ failures: 1 });
    expect((await deliver(mailer)).sent).toBe(1);
    clock.advanceBy({ ms: outboxBackoffMs(1) });
    expect((await deliver(mailer)).sent).toBe(1);
    expect(sent).toHaveLength(2);
  });

  test('two nodes delivering at once send every message exactly once', async () => {
    const { withAddress, notify, deliver } = await setup();
    for (let index = 0; index < 5; index += 1) await notify(withAddress.id);
    const { mailer, sent } = createFakeMailer();
    const results = await Promise.all([deliver(mailer), deliver(mailer)]);
    expect(results[0].sent + results[1].sent).toBe(6);
    expect(sent).toHaveLength(6);
  });

  test('notifications older than two days are left to be read in Writ', async () => {
    const { clock, withAddress, notify, deliver } = await setup();
    const { mailer: first } = createFakeMailer();
    await deliver(first);
    await notify(withAddress.id);
    clock.advanceBy({ ms: outboxPolicy.maxAgeMs + 1 });
    const { mailer, sent } = createFakeMailer();
    expect(await deliver(mailer)).toEqual({ sent: 0, failures: [] });
    expect(sent).toEqual([]);
  });
});
