import { describe, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { createSequentialIdGenerator } from '../../shared/ids/ids.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { createArgon2PasswordHasher } from './identity.passwords.js';
import { completeSetup, createSetupStatus, isSetupRequired, issueSetupToken } from './identity.usecases.js';

// Real argon2id with small parameters: the real code path, fast enough for tests.
const passwordHasher = createArgon2PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 });
const goodPassword = 'correct horse battery staple';
const ledger = createLedger({ clock: createTestClock() });

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isErrorWithCode({ error, code }), `expected ${code}, got ${String(error)}`).toBe(true);
}

async function countUsers(db: Parameters<typeof isSetupRequired>[0]['db']): Promise<number> {
  const rows = await db.selectFrom('users').select('id').execute();
  return rows.length;
}

describeOnDatabases('first administrator setup', ({ getDb }) => {
  const clock = createTestClock();

  test('a fresh installation requires setup and issues a 256-bit token stored only as its hash', async () => {
    const db = getDb();
    expect(await isSetupRequired({ db })).toBe(true);
    const { setupToken } = await issueSetupToken({ db, clock, ttlMinutes: 60 });
    expect(setupToken?.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(setupToken?.expiresAt.getTime()).toBe(clock.now().getTime() + 60 * 60_000);
    const stored = await db.selectFrom('setup_tokens').select('token_hash').execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).not.toContain(setupToken?.token ?? 'missing');
  });

  test('issuing a new token invalidates the earlier one', async () => {
    const db = getDb();
    const first = (await issueSetupToken({ db, clock, ttlMinutes: 60 })).setupToken;
    await issueSetupToken({ db, clock, ttlMinutes: 60 });
    await expectCode(
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token: first?.token ?? '',
        username: 'admin',
        password: goodPassword,
      }),
      'identity.setup_link_invalid',
    );
    expect(await countUsers(db)).toBe(0);
  });

  test('an expired token is refused as expired and creates nobody', async () => {
    const db = getDb();
    const { setupToken } = await issueSetupToken({ db, clock, ttlMinutes: 10 });
    const later = createTestClock({ now: clock.now() });
    later.advanceBy({ minutes: 10 });
    await expectCode(
      completeSetup({
        db,
        clock: later,
        ledger,
        passwordHasher,
        token: setupToken?.token ?? '',
        username: 'admin',
        password: goodPassword,
      }),
      'identity.setup_link_expired',
    );
    expect(await countUsers(db)).toBe(0);
  });

  test('a forged token, a bad username and a weak password are refused and create nobody', async () => {
    const db = getDb();
    const { setupToken } = await issueSetupToken({ db, clock, ttlMinutes: 60 });
    const token = setupToken?.token ?? '';
    await expectCode(
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token: `${token}x`,
        username: 'admin',
        password: goodPassword,
      }),
      'identity.setup_link_invalid',
    );
    await expectCode(
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token,
        username: '../admin',
        password: goodPassword,
      }),
      'identity.username_invalid',
    );
    await expectCode(
      completeSetup({ db, clock, ledger, passwordHasher, token, username: 'admin', password: 'short' }),
      'identity.password_too_weak',
    );
    await expectCode(
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token,
        username: 'admin',
        password: 'admin-admin-admin',
      }),
      'identity.password_too_weak',
    );
    await expectCode(
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token,
        username: 'admin',
        password: 'Password1234!',
      }),
      'identity.password_too_weak',
    );
    expect(await countUsers(db)).toBe(0);
    expect(await db.selectFrom('ledger_pending_entries').select('id').execute()).toEqual([]);
  });

  test('the token creates exactly one administrator, once; a replay is refused', async () => {
    const db = getDb();
    const { setupToken } = await issueSetupToken({ db, clock, ttlMinutes: 60 });
    const token = setupToken?.token ?? '';
    const { user } = await completeSetup({
      db,
      clock,
      ledger,
      passwordHasher,
      token,
      username: ' Ada.Admin ',
      password: goodPassword,
      generateId: createSequentialIdGenerator({ prefix: 'usr' }),
    });
    expect(user).toMatchObject({ username: 'ada.admin', role: 'admin' });
    expect(user.id).toMatch(/^usr_/);
    const [row] = await db.selectFrom('users').select(['password_hash']).where('id', '=', user.id).execute();
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(await passwordHasher.verify(row?.password_hash ?? '', goodPassword)).toBe(true);

    await expectCode(
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token,
        username: 'mallory',
        password: goodPassword,
      }),
      'identity.setup_link_invalid',
    );
    expect(await countUsers(db)).toBe(1);
    expect(await isSetupRequired({ db })).toBe(false);
    const events = await db.selectFrom('ledger_pending_entries').select(['kind', 'entry']).execute();
    expect(events.map((event) => event.kind)).toEqual(['identity.admin_created']);
    expect(JSON.parse(events[0]?.entry ?? '{}')).toMatchObject({ data: { userId: user.id } });
    expect((await issueSetupToken({ db, clock, ttlMinutes: 60 })).setupToken).toBeUndefined();
  });
});

describeOnDatabases('setup status of a front door', ({ getDb }) => {
  test('the setup status asks until an administrator exists, then remembers that setup is complete', async () => {
    const db = getDb();
    const clock = createTestClock();
    const status = createSetupStatus({ db });
    expect(await status.isSetupRequired()).toBe(true);
    expect(await status.isSetupRequired()).toBe(true);
    const { setupToken } = await issueSetupToken({ db, clock, ttlMinutes: 60 });
    await completeSetup({
      db,
      clock,
      ledger,
      passwordHasher,
      token: setupToken?.token ?? '',
      username: 'admin',
      password: goodPassword,
    });
    expect(await status.isSetupRequired()).toBe(false);
    // Nothing in Writ removes an administrator; deleting the row behind its back shows the answer is remembered.
    await db.deleteFrom('users').execute();
    expect(await status.isSetupRequired()).toBe(false);
    expect(await createSetupStatus({ db }).isSetupRequired()).toBe(true);
  });
});

describeOnDatabases('concurrent use of one setup token', ({ getDb }) => {
  test('two simultaneous requests with the same token create one administrator', async () => {
    const db = getDb();
    const clock = createTestClock();
    const { setupToken } = await issueSetupToken({ db, clock, ttlMinutes: 60 });
    const attempt = (username: string) =>
      completeSetup({
        db,
        clock,
        ledger,
        passwordHasher,
        token: setupToken?.token ?? '',
        username,
        password: goodPassword,
      });
    const results = await Promise.allSettled([attempt('first-admin'), attempt('second-admin')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(await countUsers(db)).toBe(1);
  });
});

describe('password hashing', () => {
  test('a wrong password and a malformed hash both fail verification without throwing', async () => {
    const hash = await passwordHasher.hash(goodPassword);
    expect(await passwordHasher.verify(hash, 'wrong password entirely')).toBe(false);
    expect(await passwordHasher.verify('not-a-phc-string', goodPassword)).toBe(false);
  });
});
