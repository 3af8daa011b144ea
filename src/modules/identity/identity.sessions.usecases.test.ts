import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { hashSecretToken } from '../../shared/random/tokens.js';
import { listMySessions, revokeMySession, signOut } from './identity.my-sessions.usecases.js';
import { summarizeUserAgent } from './identity.sessions.models.js';
import {
  browser,
  countLedgerEntries,
  createSessionFixtures,
  expectCode,
  ledgerEntries,
} from './identity.sessions.test-utils.js';
import {
  authenticateSession,
  markSecondFactor,
  recordSessionActivity,
  revokeAllUserSessions,
} from './identity.sessions.usecases.js';

describeOnDatabases('sessions', ({ getDb }) => {
  test('a session token is 256 random bits, stored only as its SHA-256, beside a separate CSRF token', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    await fixtures.user({ username: 'token-tina' });
    const { token, session, description } = await fixtures.signIn({ username: 'token-tina' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(description.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(description.csrfToken).not.toBe(token);
    const rows = await db.selectFrom('sessions').selectAll().where('id', '=', session.id).execute();
    expect(rows[0]?.token_hash).toBe(hashSecretToken(token));
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  test('a browser never seen gets a new-device notice; the same device cookie later does not', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    const user = await fixtures.user({ username: 'device-dan' });
    const first = await fixtures.signIn({ username: 'device-dan' });
    await fixtures.signIn({ username: 'device-dan', device: { ...browser, deviceToken: first.deviceToken } });
    const other = await fixtures.signIn({
      username: 'device-dan',
      device: { ...browser, deviceToken: undefined },
    });
    expect(other.deviceToken).not.toBe(first.deviceToken);
    const flags = (await ledgerEntries(db, 'identity.sign_in_succeeded'))
      .filter((entry) => entry.data.userId === user.id)
      .map((entry) => entry.data.isNewDevice);
    expect(flags.sort()).toEqual([false, true, true]);
    const notices = await db
      .selectFrom('notifications')
      .select(['kind', 'payload'])
      .where('user_id', '=', user.id)
      .execute();
    expect(notices).toEqual([
      { kind: 'new_device_sign_in', payload: JSON.stringify({ device: 'Firefox on Linux' }) },
      { kind: 'new_device_sign_in', payload: JSON.stringify({ device: 'Firefox on Linux' }) },
    ]);
  });

  test('an idle session ends after sessionIdleMinutes; activity, written at most once a minute, slides it', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { sessionIdleMinutes: 30 } });
    await fixtures.user({ username: 'idle-ida' });
    const { token } = await fixtures.signIn({ username: 'idle-ida' });

    clock.advanceBy({ seconds: 59 });
    expect((await authenticateSession({ ...fixtures.deps, token }))?.isActivityDue).toBe(false);
    clock.advanceBy({ minutes: 20 });
    const active = await authenticateSession({ ...fixtures.deps, token });
    expect(active?.isActivityDue).toBe(true);
    await recordSessionActivity({ ...fixtures.deps, sessionId: active?.principal.sessionId ?? '' });
    clock.advanceBy({ minutes: 29 });
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeDefined();
    clock.advanceBy({ minutes: 1 });
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeUndefined();
  });

  test('a session ends sessionAbsoluteHours after sign-in, however active', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({
      db,
      clock,
      settings: { sessionIdleMinutes: 30, sessionAbsoluteHours: 2 },
    });
    await fixtures.user({ username: 'busy-bea' });
    const { token } = await fixtures.signIn({ username: 'busy-bea' });
    for (let minutes = 10; minutes <= 110; minutes += 10) {
      clock.advanceBy({ minutes: 10 });
      const session = await authenticateSession({ ...fixtures.deps, token });
      expect(session).toBeDefined();
      await recordSessionActivity({ ...fixtures.deps, sessionId: session?.principal.sessionId ?? '' });
    }
    clock.advanceBy({ minutes: 9, seconds: 59 });
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeDefined();
    clock.advanceBy({ seconds: 1 });
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeUndefined();
  });

  test('completing sign-in with a second factor gives the session a new token; the old one opens nothing', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: 'rotating-rosa' });
    const { token: oldToken, session } = await fixtures.signIn({ username: 'rotating-rosa' });
    const { rotation } = await markSecondFactor({
      ...fixtures.deps,
      sessionId: session.id,
      userId: user.id,
      method: 'totp',
      purpose: 'sign_in',
    });
    expect(rotation?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await authenticateSession({ ...fixtures.deps, token: oldToken })).toBeUndefined();
    expect(await authenticateSession({ ...fixtures.deps, token: rotation?.token ?? '' })).toMatchObject({
      principal: { sessionId: session.id, secondFactorAt: clock.now() },
      csrfToken: rotation?.csrfToken,
    });

    const { rotation: none } = await markSecondFactor({
      ...fixtures.deps,
      sessionId: session.id,
      userId: user.id,
      method: 'totp',
      purpose: 'step_up',
    });
    expect(none).toBeUndefined();
    expect(await authenticateSession({ ...fixtures.deps, token: rotation?.token ?? '' })).toBeDefined();
  });

  test('a sign-in still waiting for its second factor after ten minutes is over', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    await fixtures.user({ role: 'lawyer', username: 'halfway-hal' });
    await fixtures.enrolTotp({ username: 'halfway-hal' });
    const { token, description } = await fixtures.signIn({ username: 'halfway-hal' });
    expect(description.isSecondFactorRequired).toBe(true);
    clock.advanceBy({ minutes: 9 });
    expect(await authenticateSession({ ...fixtures.deps, token })).toMatchObject({
      isSecondFactorRequired: true,
    });
    clock.advanceBy({ minutes: 1 });
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeUndefined();
  });

  test('a user sees their live sessions only, the current one marked, and can end another or sign out', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    await fixtures.user({ username: 'multi-mia' });
    await fixtures.user({ username: 'other-otto' });
    const laptop = await fixtures.signIn({ username: 'multi-mia' });
    const phone = await fixtures.signIn({
      username: 'multi-mia',
      device: {
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1',
        clientAddress: '192.0.2.1',
      },
    });
    await fixtures.signIn({ username: 'other-otto' });
    const principal = await fixtures.principalOf(laptop.token);

    const { sessions } = await listMySessions({ ...fixtures.deps, principal });
    expect(sessions.map((session) => [session.deviceLabel, session.isCurrent]).sort()).toEqual([
      ['Firefox on Linux', true],
      ['Safari on iOS', false],
    ]);
    expect(await revokeMySession({ ...fixtures.deps, principal, sessionId: phone.session.id })).toEqual({
      isCurrent: false,
    });
    expect(await authenticateSession({ ...fixtures.deps, token: phone.token })).toBeUndefined();
    await signOut({ ...fixtures.deps, principal });
    expect(await authenticateSession({ ...fixtures.deps, token: laptop.token })).toBeUndefined();
    expect(await ledgerEntries(db, 'identity.session_revoked')).toHaveLength(2);
  });

  test("another user's session id answers not-found, ends nothing and leaves the ledger as it was", async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    await fixtures.user({ username: 'nosy-nick' });
    await fixtures.user({ username: 'victim-vera' });
    const nick = await fixtures.signIn({ username: 'nosy-nick' });
    const vera = await fixtures.signIn({ username: 'victim-vera' });
    const before = await countLedgerEntries(db);
    await expectCode(
      revokeMySession({
        ...fixtures.deps,
        principal: await fixtures.principalOf(nick.token),
        sessionId: vera.session.id,
      }),
      'identity.session_not_found',
    );
    expect(await authenticateSession({ ...fixtures.deps, token: vera.token })).toBeDefined();
    expect(await countLedgerEntries(db)).toBe(before);
  });

  test('revoking all of a user’s sessions ends every live one with one event naming how many', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    const user = await fixtures.user({ username: 'revoked-rex' });
    const admin = await fixtures.user({ role: 'admin', username: 'admin-ada' });
    const tokens = [
      await fixtures.signIn({ username: 'revoked-rex' }),
      await fixtures.signIn({ username: 'revoked-rex' }),
    ];
    const { count } = await revokeAllUserSessions({
      ...fixtures.deps,
      actor: { type: 'user', id: admin.id },
      userId: user.id,
    });
    expect(count).toBe(2);
    for (const { token } of tokens)
      expect(await authenticateSession({ ...fixtures.deps, token })).toBeUndefined();
    expect(await ledgerEntries(db, 'identity.sessions_revoked_all')).toEqual([
      expect.objectContaining({ actor: { type: 'user', id: admin.id }, data: { userId: user.id, count: 2 } }),
    ]);
  });

  test('a disabled account’s sessions open nothing', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    const user = await fixtures.user({ username: 'disabled-desi' });
    const { token } = await fixtures.signIn({ username: 'disabled-desi' });
    await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeUndefined();
  });
});

test('a device label names the browser and the system, never the raw User-Agent', () => {
  expect(
    summarizeUserAgent(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0',
    ),
  ).toBe('Edge on Windows');
  expect(
    summarizeUserAgent(
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    ),
  ).toBe('Safari on macOS');
  expect(summarizeUserAgent('curl/8.5.0')).toBe('curl');
  expect(summarizeUserAgent(undefined)).toBe('Unknown device');
});
