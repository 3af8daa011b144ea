import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import {
  createArgon2PasswordHasher,
  type PasswordHasher,
  parseArgon2Parameters,
} from './identity.passwords.js';
import {
  browser,
  countLedgerEntries,
  createSessionFixtures,
  expectCode,
  goodPassword,
  ledgerEntries,
} from './identity.sessions.test-utils.js';
import { authenticateSession } from './identity.sessions.usecases.js';
import { signInWithPassword } from './identity.sign-in.usecases.js';
import { clientNetworkOf } from './identity.throttle.js';

/** The real hasher, counting which hashes each verification was against. */
function createCountingHasher(real: PasswordHasher): PasswordHasher & { verifiedAgainst: string[] } {
  const verifiedAgainst: string[] = [];
  return {
    ...real,
    dummyHash: real.dummyHash,
    verifiedAgainst,
    verify: (passwordHash, password) => {
      verifiedAgainst.push(passwordHash);
      return real.verify(passwordHash, password);
    },
  };
}

async function failureOf(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: unknown }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!isErrorWithCode({ error, code: ['identity.sign_in_failed', 'identity.sign_in_throttled'] }))
    throw new Error(`expected a sign-in refusal, got ${String(error)}`);
  const { code, message, details } = error as { code: string; message: string; details?: unknown };
  return { code, message, details };
}

describeOnDatabases('signing in with a password', ({ getDb }) => {
  test('the right password starts a session, with its event; a client without a factor needs no second one', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'client', username: 'carla-client' });
    const before = await countLedgerEntries(db);

    const { token, description, session } = await fixtures.signIn({ username: ' Carla-Client ' });
    expect(description).toMatchObject({
      user: { id: user.id, username: 'carla-client', role: 'client' },
      isSecondFactorRequired: false,
      isEnrolmentRequired: false,
      availableFactors: [],
    });
    expect(session.deviceLabel).toBe('Firefox on Linux');
    expect(await authenticateSession({ ...fixtures.deps, token })).toMatchObject({
      principal: { userId: user.id, via: 'session', sessionId: session.id },
    });
    expect(await countLedgerEntries(db)).toBe(before + 1);
    expect(await ledgerEntries(db, 'identity.sign_in_succeeded')).toEqual([
      expect.objectContaining({
        data: { userId: user.id, sessionId: session.id, method: 'password', isNewDevice: true },
      }),
    ]);
  });

  test('a lawyer without a second factor is signed in only to enrol one', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    await fixtures.user({ role: 'lawyer', username: 'lena-lawyer' });
    const { description } = await fixtures.signIn({ username: 'lena-lawyer' });
    expect(description).toMatchObject({ isEnrolmentRequired: true, isSecondFactorRequired: false });
  });

  test('an unknown name, a wrong password and a disabled account answer alike, each after one Argon2id verification', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const hasher = createCountingHasher(fixtures.deps.passwordHasher);
    const user = await fixtures.user({ username: 'walter-wrong' });
    const disabled = await fixtures.user({ username: 'dora-disabled' });
    await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled.id).execute();
    const attempt = (username: string, password: string) =>
      failureOf(
        signInWithPassword({ ...fixtures.deps, passwordHasher: hasher, username, password, device: browser }),
      );

    const unknown = await attempt('nobody-here', goodPassword);
    const wrong = await attempt('walter-wrong', 'not the password at all');
    const disabledAnswer = await attempt('dora-disabled', goodPassword);
    expect(unknown).toEqual({ code: 'identity.sign_in_failed', message: wrong.message, details: undefined });
    expect(wrong).toEqual(unknown);
    expect(disabledAnswer).toEqual(unknown);

    const [userHash] = await db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .execute();
    expect(hasher.verifiedAgainst).toHaveLength(3);
    expect(hasher.verifiedAgainst[0]).toBe(hasher.dummyHash);
    expect(hasher.verifiedAgainst[1]).toBe(userHash?.password_hash);
    expect(parseArgon2Parameters(hasher.dummyHash)).toEqual(
      parseArgon2Parameters(userHash?.password_hash ?? ''),
    );

    const reasons = (await ledgerEntries(db, 'identity.sign_in_failed')).map((entry) => entry.data.reason);
    expect(reasons.sort()).toEqual(['account_disabled', 'unknown_user', 'wrong_password']);
  });

  test('ledger entries of attempts hold ids and keyed hashes, never the name, address or password', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    await expectCode(fixtures.signIn({ username: 'ghost-of-nobody' }), 'identity.sign_in_failed');
    const entries = await db.selectFrom('ledger_pending_entries').select('entry').execute();
    const text = JSON.stringify(entries);
    expect(text).not.toContain('ghost-of-nobody');
    expect(text).not.toContain(browser.clientAddress);
    expect(text).not.toContain(goodPassword);
  });

  test('a hash made with other Argon2id parameters is redone at sign-in, and the password still works', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ username: 'old-hash-olga' });
    const older = createArgon2PasswordHasher({ memoryCost: 512, timeCost: 1, parallelism: 1 });
    await db
      .updateTable('users')
      .set({ password_hash: await older.hash(goodPassword) })
      .where('id', '=', user.id)
      .execute();

    await fixtures.signIn({ username: 'old-hash-olga' });
    const [row] = await db.selectFrom('users').select(['password_hash', 'password_changed_at']).execute();
    expect(parseArgon2Parameters(row?.password_hash ?? '')).toEqual({
      memoryCost: 1024,
      timeCost: 1,
      parallelism: 1,
    });
    expect(row?.password_changed_at).toBeNull();
    await fixtures.signIn({ username: 'old-hash-olga' });
  });
});

describeOnDatabases('brute-force defence of password sign-in', ({ getDb }) => {
  test('after signInMaxFailures failures an attempt is refused without checking the password, even the right one', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({
      db,
      clock,
      settings: { signInMaxFailures: 3, signInLockoutMinutes: 15 },
    });
    const hasher = createCountingHasher(fixtures.deps.passwordHasher);
    await fixtures.user({ username: 'tom-target' });
    const attempt = (password: string) =>
      signInWithPassword({
        ...fixtures.deps,
        passwordHasher: hasher,
        username: 'tom-target',
        password,
        device: browser,
      });

    for (let failure = 0; failure < 3; failure += 1)
      await expectCode(attempt('wrong guess number'), 'identity.sign_in_failed');
    expect(hasher.verifiedAgainst).toHaveLength(3);
    const throttled = await failureOf(attempt(goodPassword));
    expect(throttled).toMatchObject({
      code: 'identity.sign_in_throttled',
      details: { retryAfterSeconds: 60 },
    });
    expect(hasher.verifiedAgainst).toHaveLength(3);
    const reasons = (await ledgerEntries(db, 'identity.sign_in_failed')).map((entry) => entry.data.reason);
    expect(reasons.filter((reason) => reason === 'throttled')).toHaveLength(1);
  });

  test('an unknown name is throttled exactly like a real account, with the same answer', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { signInMaxFailures: 3 } });
    await fixtures.user({ username: 'real-rita' });
    const answers = [];
    for (const username of ['real-rita', 'fake-fiona']) {
      for (let failure = 0; failure < 3; failure += 1)
        await expectCode(
          signInWithPassword({ ...fixtures.deps, username, password: 'a wrong password', device: browser }),
          'identity.sign_in_failed',
        );
      answers.push(
        await failureOf(
          signInWithPassword({ ...fixtures.deps, username, password: goodPassword, device: browser }),
        ),
      );
    }
    expect(answers[0]).toMatchObject({ code: 'identity.sign_in_throttled' });
    expect(answers[1]).toEqual(answers[0]);
  });

  test('each further failure doubles the wait up to signInLockoutMinutes; the lockout is recorded and notified once; waiting releases it', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({
      db,
      clock,
      settings: { signInMaxFailures: 2, signInLockoutMinutes: 5 },
    });
    const user = await fixtures.user({ username: 'lucy-locked' });
    const wrong = () =>
      signInWithPassword({
        ...fixtures.deps,
        username: 'lucy-locked',
        password: 'wrong wrong wrong',
        device: browser,
      });

    const waits: unknown[] = [];
    await expectCode(wrong(), 'identity.sign_in_failed');
    for (let round = 0; round < 5; round += 1) {
      await expectCode(wrong(), 'identity.sign_in_failed');
      const throttled = await failureOf(wrong());
      const retryAfterSeconds = (throttled.details as { retryAfterSeconds: number }).retryAfterSeconds;
      waits.push(retryAfterSeconds);
      clock.advanceBy({ seconds: retryAfterSeconds - 1 });
      await expectCode(wrong(), 'identity.sign_in_throttled');
      clock.advanceBy({ seconds: 1 });
    }
    expect(waits).toEqual([60, 120, 240, 300, 300]);
    const locks = await ledgerEntries(db, 'identity.account_locked');
    expect(locks).toHaveLength(1);
    expect(locks[0]?.data).toMatchObject({ account: user.id, lock: 'sign_in' });
    const notices = await db
      .selectFrom('notifications')
      .select(['kind', 'user_id'])
      .where('kind', '=', 'account_locked')
      .execute();
    expect(notices).toEqual([{ kind: 'account_locked', user_id: user.id }]);

    const { description } = await fixtures.signIn({ username: 'lucy-locked' });
    expect(description.user.id).toBe(user.id);
  });

  test('a successful sign-in resets the account counter', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { signInMaxFailures: 3 } });
    await fixtures.user({ username: 'sam-success' });
    const wrong = () =>
      signInWithPassword({
        ...fixtures.deps,
        username: 'sam-success',
        password: 'wrong wrong wrong',
        device: browser,
      });
    for (let failure = 0; failure < 2; failure += 1) await expectCode(wrong(), 'identity.sign_in_failed');
    await fixtures.signIn({ username: 'sam-success' });
    for (let failure = 0; failure < 2; failure += 1) await expectCode(wrong(), 'identity.sign_in_failed');
    await fixtures.signIn({ username: 'sam-success' });
  });

  test('one address failing across many names is throttled at four times the account allowance', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({
      db,
      clock: createTestClock(),
      settings: { signInMaxFailures: 2 },
    });
    for (let name = 0; name < 8; name += 1)
      await expectCode(fixtures.signIn({ username: `sprayed-${name}` }), 'identity.sign_in_failed');
    await expectCode(fixtures.signIn({ username: 'sprayed-next' }), 'identity.sign_in_throttled');
    const elsewhere = { ...browser, clientAddress: '198.51.100.4' };
    await expectCode(
      fixtures.signIn({ username: 'sprayed-next', device: elsewhere }),
      'identity.sign_in_failed',
    );
  });

  test('simultaneous guesses cannot get more password checks than the allowance', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({
      db,
      clock: createTestClock(),
      settings: { signInMaxFailures: 3 },
    });
    const hasher = createCountingHasher(fixtures.deps.passwordHasher);
    await fixtures.user({ username: 'parallel-pat' });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, index) =>
        signInWithPassword({
          ...fixtures.deps,
          passwordHasher: hasher,
          username: 'parallel-pat',
          password: `guess number ${index}`,
          device: browser,
        }),
      ),
    );
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(hasher.verifiedAgainst.length).toBeLessThanOrEqual(3);
  });
});

test('a client is counted by its IPv4 address or its IPv6 /64, never by a raw address', () => {
  expect(clientNetworkOf('203.0.113.7')).toBe('203.0.113.7');
  expect(clientNetworkOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(clientNetworkOf('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
  expect(clientNetworkOf('2001:0db8:0001:0002::1')).toBe('2001:db8:1:2::/64');
  expect(clientNetworkOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(clientNetworkOf('::1:2:3:4:5:6:7')).toBe('0:1:2:3::/64');
  expect(clientNetworkOf('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  expect(clientNetworkOf('::1')).toBe('0:0:0:0::/64');
});
