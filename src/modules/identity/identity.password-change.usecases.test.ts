import { describe, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { changePassword } from './identity.password-change.usecases.js';
import {
  assertPasswordAcceptable,
  createArgon2PasswordHasher,
  defaultArgon2Parameters,
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

const newPassword = 'velvet anchor orbits quietly';

describe('password strength', () => {
  test('a common password is refused with zxcvbn’s reason', () => {
    let error: unknown;
    try {
      assertPasswordAcceptable({ password: 'Password1234!', username: 'alice' });
    } catch (caught) {
      error = caught;
    }
    expect(isErrorWithCode({ error, code: 'identity.password_too_weak' })).toBe(true);
    expect((error as Error).message).toMatch(
      /^This password is too easy to guess\. This is similar to a commonly used password\./,
    );
  });

  test('a few unrelated words pass; the username and "writ" count as guessable words', () => {
    expect(() => {
      assertPasswordAcceptable({ password: goodPassword, username: 'alice' });
    }).not.toThrow();
    expect(() => {
      assertPasswordAcceptable({ password: 'writwritwrit2024', username: 'alice' });
    }).toThrow(expect.objectContaining({ code: 'identity.password_too_weak' }));
    expect(() => {
      assertPasswordAcceptable({ password: 'x'.repeat(11), username: 'alice' });
    }).toThrow(expect.objectContaining({ code: 'identity.password_too_weak' }));
  });

  test('the PHC parameters are read back, and a hash with other ones needs rehashing', async () => {
    const hasher = createArgon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const hash = await hasher.hash(goodPassword);
    expect(parseArgon2Parameters(hash)).toEqual({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect(hasher.needsRehash(hash)).toBe(false);
    expect(
      createArgon2PasswordHasher({ memoryCost: 2048, timeCost: 1, parallelism: 1 }).needsRehash(hash),
    ).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')).toBe(true);
    expect(await hasher.verify(hasher.dummyHash, '')).toBe(false);
    expect(defaultArgon2Parameters).toEqual({ memoryCost: 163840, timeCost: 2, parallelism: 1 });
  });
});

describeOnDatabases('changing one’s password', ({ getDb }) => {
  test('the current password is required; the session gets a new token and the user’s other sessions end', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ username: 'changing-chen' });
    const here = await fixtures.signIn({ username: 'changing-chen' });
    const elsewhere = await fixtures.signIn({ username: 'changing-chen' });

    const changed = await changePassword({
      ...fixtures.deps,
      principal: await fixtures.principalOf(here.token),
      currentPassword: goodPassword,
      newPassword,
      clientAddress: browser.clientAddress,
    });
    expect(changed.revokedSessionCount).toBe(1);
    expect(await authenticateSession({ ...fixtures.deps, token: here.token })).toBeUndefined();
    expect(await authenticateSession({ ...fixtures.deps, token: elsewhere.token })).toBeUndefined();
    expect(await authenticateSession({ ...fixtures.deps, token: changed.token })).toMatchObject({
      principal: { sessionId: here.session.id },
      csrfToken: changed.csrfToken,
    });
    expect(await ledgerEntries(db, 'identity.password_changed')).toEqual([
      expect.objectContaining({ data: { userId: user.id, via: 'self' } }),
    ]);
    await expectCode(fixtures.signIn({ username: 'changing-chen' }), 'identity.sign_in_failed');
    await signInWithPassword({
      ...fixtures.deps,
      username: 'changing-chen',
      password: newPassword,
      device: browser,
    });
  });

  test('a wrong current password changes nothing, is recorded, and counts toward the account lockout', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { signInMaxFailures: 2 } });
    await fixtures.user({ username: 'stolen-session-stu' });
    const { token } = await fixtures.signIn({ username: 'stolen-session-stu' });
    const principal = await fixtures.principalOf(token);
    const hashBefore = await db.selectFrom('users').select('password_hash').execute();
    const attempt = () =>
      changePassword({
        ...fixtures.deps,
        principal,
        currentPassword: 'a guess at the password',
        newPassword,
        clientAddress: browser.clientAddress,
      });
    await expectCode(attempt(), 'identity.password_incorrect');
    await expectCode(attempt(), 'identity.password_incorrect');
    const before = await countLedgerEntries(db);
    await expectCode(attempt(), 'identity.sign_in_throttled');
    expect(await countLedgerEntries(db)).toBe(before + 1);
    await expectCode(fixtures.signIn({ username: 'stolen-session-stu' }), 'identity.sign_in_throttled');
    expect(await db.selectFrom('users').select('password_hash').execute()).toEqual(hashBefore);
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeDefined();
  });

  test('a weak new password is refused with its reason before anything is checked or counted', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    await fixtures.user({ username: 'weak-walt' });
    const { token } = await fixtures.signIn({ username: 'weak-walt' });
    const before = await countLedgerEntries(db);
    const throttlesBefore = await db.selectFrom('sign_in_throttles').selectAll().execute();
    await expectCode(
      changePassword({
        ...fixtures.deps,
        principal: await fixtures.principalOf(token),
        currentPassword: goodPassword,
        newPassword: 'Password1234!',
        clientAddress: browser.clientAddress,
      }),
      'identity.password_too_weak',
    );
    expect(await countLedgerEntries(db)).toBe(before);
    expect(await db.selectFrom('sign_in_throttles').selectAll().execute()).toEqual(throttlesBefore);
  });
});
