import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import {
  countLedgerEntries,
  createIdentityFixtures,
  expectCode,
  ledgerEntries,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { unlockAccount } from './identity.admin.unlock.usecases.js';
import { listUsers } from './identity.admin.usecases.js';
import { accountThrottleKey, beginThrottledAttempt, clientThrottleKey } from './identity.throttle.js';

const watchedTables = ['sign_in_throttles', 'ledger_pending_entries'] as const;
const throttleSettings = { signInMaxFailures: 3, signInLockoutMinutes: 15 };

describeOnDatabases('unlocking a locked-out account', ({ getDb }) => {
  const clock = createTestClock();
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const admin = await fixtures.user({ role: 'admin' });
    const { principal } = await fixtures.session(admin);
    const locked = await fixtures.user({ role: 'lawyer' });
    const clientKey = clientThrottleKey(`net-${locked.id}`);
    // Failed password attempts, counted as sign-in counts them, until the account's threshold blocks it.
    for (let attempt = 0; attempt < throttleSettings.signInMaxFailures; attempt += 1) {
      await beginThrottledAttempt({
        db,
        clock,
        settings: throttleSettings,
        key: accountThrottleKey(locked.id),
        clientKey,
      });
    }
    return { db, fixtures, admin, principal, locked, clientKey };
  };
  const lockOf = async (args: Parameters<typeof listUsers>[0], userId: string) =>
    (await listUsers({ ...args, limit: 200 })).users.find((user) => user.id === userId);

  test('the list says until when an account is locked; an administrator unlocks it, once, on the ledger', async () => {
    const { db, fixtures, principal, locked, clientKey } = await setup();
    const args = { ...fixtures.deps, principal };
    expect(await lockOf(args, locked.id)).toMatchObject({
      isLocked: true,
      lockedUntil: new Date(clock.now().getTime() + 60_000),
    });

    expect(await unlockAccount({ ...args, userId: locked.id })).toEqual({
      userId: locked.id,
      wasLocked: true,
    });
    expect(await lockOf(args, locked.id)).toMatchObject({ isLocked: false, lockedUntil: undefined });
    const events = await ledgerEntries(db, 'identity.account_unlocked');
    expect(events.filter((event) => event.data.userId === locked.id)).toHaveLength(1);
    // The network the failures came from keeps its count.
    const clientRow = await db
      .selectFrom('sign_in_throttles')
      .select('failures')
      .where('key', '=', clientKey)
      .executeTakeFirst();
    expect(clientRow?.failures).toBe(throttleSettings.signInMaxFailures);

    const before = await countLedgerEntries(db);
    expect(await unlockAccount({ ...args, userId: locked.id })).toEqual({
      userId: locked.id,
      wasLocked: false,
    });
    expect(await countLedgerEntries(db)).toBe(before);
  });

  test('a non-administrator, an API token or an administrator without a recent second factor is refused, and nothing changes', async () => {
    const { db, fixtures, admin, principal, locked } = await setup();
    const lawyer = await fixtures.user({ role: 'lawyer' });
    const { principal: lawyerPrincipal } = await fixtures.session(lawyer);
    const adminToken = { ...principal, via: 'api_token' as const, sessionId: undefined };
    const { principal: staleAdmin } = await fixtures.session(admin, {
      secondFactorAt: new Date(clock.now().getTime() - 60 * 60_000),
    });
    const before = await snapshotTables(db, watchedTables);
    for (const [caller, code] of [
      [lawyerPrincipal, 'identity.admin_required'],
      [adminToken, 'identity.admin_required'],
      [staleAdmin, 'identity.step_up_required'],
    ] as const) {
      for (const userId of [locked.id, 'usr_missing']) {
        await expectCode(unlockAccount({ ...fixtures.deps, principal: caller, userId }), code);
      }
    }
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('an administrator naming a missing account gets not-found', async () => {
    const { fixtures, principal } = await setup();
    await expectCode(
      unlockAccount({ ...fixtures.deps, principal, userId: 'usr_00000000000000000000000000' }),
      'identity.user_not_found',
    );
  });
});
