import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createSequentialIdGenerator } from '../../shared/ids/ids.js';
import {
  createIdentityFixtures,
  expectCode,
  ledgerEntries,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { emailSealPurpose, normalizeEmailAddress } from './identity.notifications.models.js';
import {
  listMyNotifications,
  markNotificationRead,
  recordNotification,
  setMyEmail,
} from './identity.notifications.usecases.js';

describeOnDatabases('notifications', ({ getDb }) => {
  const clock = createTestClock();
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const user = await fixtures.user({ role: 'client' });
    const { principal } = await fixtures.session(user);
    const other = await fixtures.user({ role: 'client' });
    const { principal: otherPrincipal } = await fixtures.session(other);
    return { db, fixtures, user, principal, other, otherPrincipal };
  };

  test('a user sees their own notifications newest first, page by page, and marks them read', async () => {
    const { db, user, principal, other } = await setup();
    const generateId = createSequentialIdGenerator({ prefix: 'ntf' });
    const at = createTestClock({ now: clock.now() });
    await db.transaction().execute(async (trx) => {
      for (const device of ['one', 'two', 'three']) {
        at.advanceBy({ minutes: 1 });
        await recordNotification({
          db: trx,
          clock: at,
          userId: user.id,
          kind: 'new_device_sign_in',
          payload: { device },
          generateId,
        });
      }
      await recordNotification({
        db: trx,
        clock: at,
        userId: other.id,
        kind: 'mfa_reset',
        payload: {},
        generateId,
      });
    });
    const first = await listMyNotifications({ db, principal, limit: 2 });
    expect(first.notifications.map((item) => item.payload)).toEqual([{ device: 'three' }, { device: 'two' }]);
    expect(first.unreadCount).toBe(3);
    const second = await listMyNotifications({ db, principal, limit: 2, before: first.nextBefore });
    expect(second.notifications.map((item) => item.payload)).toEqual([{ device: 'one' }]);
    expect(second.nextBefore).toBeUndefined();

    const oldest = second.notifications[0]?.id ?? '';
    await markNotificationRead({ db, clock, principal, notificationId: oldest });
    const readAt = clock.now();
    const later = createTestClock({ now: clock.now() });
    later.advanceBy({ hours: 1 });
    await markNotificationRead({ db, clock: later, principal, notificationId: oldest });
    const again = await listMyNotifications({ db, principal });
    expect(again.notifications.find((item) => item.id === oldest)?.readAt).toEqual(readAt);
    expect(again.unreadCount).toBe(2);
  });

  test("another user's notification is not found, to read, to mark or to page from", async () => {
    const { db, user, principal, otherPrincipal } = await setup();
    const { notificationId } = await db
      .transaction()
      .execute((trx) =>
        recordNotification({ db: trx, clock, userId: user.id, kind: 'mfa_reset', payload: {} }),
      );
    const before = await snapshotTables(db, ['notifications']);
    await expectCode(
      markNotificationRead({ db, clock, principal: otherPrincipal, notificationId }),
      'identity.notification_not_found',
    );
    await expectCode(
      listMyNotifications({ db, principal: otherPrincipal, before: notificationId }),
      'identity.notification_not_found',
    );
    expect((await listMyNotifications({ db, principal: otherPrincipal })).notifications).toEqual([]);
    await expectCode(
      markNotificationRead({ db, clock, principal, notificationId: 'ntf_missing' }),
      'identity.notification_not_found',
    );
    expect(await snapshotTables(db, ['notifications'])).toEqual(before);
  });

  test('an API token of the owner can neither read nor mark their notifications', async () => {
    const { db, user, principal } = await setup();
    const { notificationId } = await db
      .transaction()
      .execute((trx) =>
        recordNotification({ db: trx, clock, userId: user.id, kind: 'mfa_reset', payload: {} }),
      );
    const tokenCaller = {
      ...principal,
      via: 'api_token' as const,
      sessionId: undefined,
      scopes: ['documents:read'],
    };
    await expectCode(listMyNotifications({ db, principal: tokenCaller }), 'identity.session_required');
    await expectCode(
      markNotificationRead({ db, clock, principal: tokenCaller, notificationId }),
      'identity.session_required',
    );
  });

  test('the notification address is sealed for its owner, recorded without the address, and can be removed', async () => {
    const { db, fixtures, user, principal } = await setup();
    expect(await setMyEmail({ ...fixtures.deps, principal, email: ' Ada@Example.COM ' })).toEqual({
      hasEmail: true,
    });
    const row = await db
      .selectFrom('users')
      .select('email_sealed')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row.email_sealed).toMatch(/^s1\./);
    expect(
      fixtures.deps.secretBox
        .open({ sealed: row.email_sealed ?? '', purpose: emailSealPurpose(user.id) })
        .toString(),
    ).toBe('Ada@example.com');
    expect(() =>
      fixtures.deps.secretBox.open({
        sealed: row.email_sealed ?? '',
        purpose: emailSealPurpose('usr_other'),
      }),
    ).toThrow();
    const entries = await ledgerEntries(db, 'identity.email_changed');
    expect(entries).toContainEqual(expect.objectContaining({ data: { userId: user.id, hasEmail: true } }));
    expect(JSON.stringify(await db.selectFrom('ledger_pending_entries').selectAll().execute())).not.toMatch(
      /example/i,
    );

    await setMyEmail({ ...fixtures.deps, principal, email: null });
    const cleared = await db
      .selectFrom('users')
      .select('email_sealed')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(cleared.email_sealed).toBeNull();
  });

  test('a bad address, an API token caller or a stale second factor changes no address', async () => {
    const { db, fixtures, principal } = await setup();
    const before = await snapshotTables(db, ['users', 'notifications', 'ledger_pending_entries']);
    for (const email of [
      '',
      'no-at-sign',
      'a@b',
      'a@b.c\r\nBcc: x@y.z',
      '"quoted"@example.com',
      `${'x'.repeat(65)}@example.com`,
      `a@${'x'.repeat(250)}.com`,
    ]) {
      await expectCode(setMyEmail({ ...fixtures.deps, principal, email }), 'identity.email_invalid');
    }
    const tokenCaller = { ...principal, via: 'api_token' as const, sessionId: undefined };
    await expectCode(
      setMyEmail({ ...fixtures.deps, principal: tokenCaller, email: 'a@example.com' }),
      'identity.session_required',
    );
    const stale = { ...principal, secondFactorAt: new Date(0) };
    await expectCode(
      setMyEmail({ ...fixtures.deps, principal: stale, email: 'a@example.com' }),
      'identity.step_up_required',
    );
    expect(await snapshotTables(db, ['users', 'notifications', 'ledger_pending_entries'])).toEqual(before);
  });
});

test('addresses are normalised to a lower-case domain and refused when a header could break on them', () => {
  expect(normalizeEmailAddress(' Bob.Smith+writ@Firm.Example ')).toBe('Bob.Smith+writ@firm.example');
  for (const bad of [
    'bob@firm',
    'bob@@firm.example',
    'bob smith@firm.example',
    'bob@firm.example>',
    'bøb@firm.example',
    '.bob@firm.example',
  ]) {
    expect(normalizeEmailAddress(bad), bad).toBeUndefined();
  }
});
