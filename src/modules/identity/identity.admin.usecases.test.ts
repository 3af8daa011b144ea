import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { testPolicyEngine } from '../../../test/support/documents.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createApiTokensRepository } from './identity.api-tokens.repository.js';
import {
  countLedgerEntries,
  createIdentityFixtures,
  expectCode,
  ledgerEntries,
  liveSessionCount,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { listUsers, revokeUserSessions, setUserStatus } from './identity.admin.usecases.js';
import { createFactorsRepository } from './identity.factors.repository.js';

const watchedTables = ['users', 'sessions', 'api_tokens', 'ledger_pending_entries'] as const;

describeOnDatabases('account management by administrators', ({ getDb }) => {
  const clock = createTestClock();
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const admin = await fixtures.user({ role: 'admin' });
    const { principal } = await fixtures.session(admin);
    return { db, fixtures, admin, principal };
  };

  test('the list shows each account with its role, status, MFA enrolment and lockout, and nothing secret', async () => {
    const { db, fixtures, principal } = await setup();
    const enrolled = await fixtures.user({ role: 'assistant', username: 'aa-enrolled' });
    const locked = await fixtures.user({ role: 'client', username: 'ab-locked' });
    await db.transaction().execute(async (trx) => {
      const factors = createFactorsRepository({ db: trx });
      await factors.insertPendingTotp({ userId: enrolled.id, secretSealed: 's1.sealed', at: clock.now() });
      await factors.acceptTotpStep({ userId: enrolled.id, step: 1, at: clock.now(), isConfirming: true });
      // @NOTE Written as the sign-in throttle records a lockout (its key format is documented on the table).
      await trx
        .insertInto('sign_in_throttles')
        .values({
          key: `account:${locked.id}`,
          failures: 5,
          last_failure_at: clock.now().getTime(),
          blocked_until: clock.now().getTime() + 60_000,
        })
        .execute();
    });
    const factorLocked = await fixtures.user({ role: 'client', username: 'ac-factor-locked' });
    await db.transaction().execute((trx) =>
      trx
        .insertInto('sign_in_throttles')
        .values({
          key: `factor:${factorLocked.id}`,
          failures: 5,
          last_failure_at: clock.now().getTime(),
          blocked_until: clock.now().getTime() + 60_000,
        })
        .execute(),
    );
    const withFactorLock = await listUsers({ db, clock, policy: testPolicyEngine(), principal, limit: 3 });
    expect(withFactorLock.users[2]).toMatchObject({ id: factorLocked.id, isLocked: true });
    const { users } = await listUsers({ db, clock, policy: testPolicyEngine(), principal, limit: 2 });
    expect(users).toEqual([
      {
        id: enrolled.id,
        username: 'aa-enrolled',
        role: 'assistant',
        status: 'active',
        createdAt: clock.now(),
        isMfaEnrolled: true,
        isLocked: false,
        lockedUntil: undefined,
        lastSignInAt: undefined,
      },
      {
        id: locked.id,
        username: 'ab-locked',
        role: 'client',
        status: 'active',
        createdAt: clock.now(),
        isMfaEnrolled: false,
        isLocked: true,
        lockedUntil: new Date(clock.now().getTime() + 60_000),
        lastSignInAt: undefined,
      },
    ]);
    const later = createTestClock({ now: new Date(clock.now().getTime() + 60_000) });
    const next = await listUsers({ db, clock: later, policy: testPolicyEngine(), principal, limit: 200 });
    expect(next.users.find((user) => user.id === locked.id)?.isLocked).toBe(false);
    const page = await listUsers({
      db,
      clock,
      policy: testPolicyEngine(),
      principal,
      limit: 1,
      afterUsername: 'aa-enrolled',
    });
    expect(page.users.map((user) => user.id)).toEqual([locked.id]);
    expect(page.nextAfter).toBe('ab-locked');
  });

  test('the list says when each account last started a session, and nothing for one that never did', async () => {
    const { db, fixtures, principal } = await setup();
    const signedIn = await fixtures.user({ role: 'lawyer' });
    const never = await fixtures.user({ role: 'lawyer' });
    await fixtures.session(signedIn);
    const at = new Date(clock.now().getTime() + 5 * 60_000);
    const later = createTestClock({ now: at });
    await createIdentityFixtures({ db, clock: later }).session(signedIn);
    const { users } = await listUsers({ db, clock, policy: testPolicyEngine(), principal, limit: 200 });
    expect(users.find((user) => user.id === signedIn.id)?.lastSignInAt).toEqual(at);
    expect(users.find((user) => user.id === never.id)?.lastSignInAt).toBeUndefined();
  });

  test('a non-administrator or an API token is refused every act, whatever id it names, and nothing changes', async () => {
    const { db, fixtures, admin, principal } = await setup();
    const lawyer = await fixtures.user({ role: 'lawyer' });
    const { principal: lawyerPrincipal } = await fixtures.session(lawyer);
    const adminToken = { ...principal, via: 'api_token' as const, sessionId: undefined };
    const before = await snapshotTables(db, watchedTables);
    for (const caller of [lawyerPrincipal, adminToken]) {
      const args = { ...fixtures.deps, principal: caller };
      await expectCode(listUsers(args), 'identity.admin_required');
      for (const userId of [admin.id, lawyer.id, 'usr_missing']) {
        await expectCode(setUserStatus({ ...args, userId, status: 'disabled' }), 'identity.admin_required');
        await expectCode(revokeUserSessions({ ...args, userId }), 'identity.admin_required');
      }
    }
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('disabling an account ends its sessions and revokes its API tokens; enabling revives neither', async () => {
    const { db, fixtures, principal } = await setup();
    const lawyer = await fixtures.user({ role: 'lawyer' });
    await fixtures.session(lawyer);
    await fixtures.session(lawyer);
    await db.transaction().execute((trx) =>
      createApiTokensRepository({ db: trx }).insertApiToken({
        userId: lawyer.id,
        tokenHash: 'f'.repeat(64),
        token: {
          id: 'tok_lawyer',
          name: 'script',
          scopes: ['documents:read'],
          createdAt: clock.now(),
          expiresAt: new Date(clock.now().getTime() + 86_400_000),
          lastUsedAt: undefined,
          revokedAt: undefined,
        },
      }),
    );
    expect(
      await setUserStatus({ ...fixtures.deps, principal, userId: lawyer.id, status: 'disabled' }),
    ).toEqual({
      userId: lawyer.id,
      status: 'disabled',
    });
    expect(await liveSessionCount(db, lawyer.id)).toBe(0);
    const token = await db
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('id', '=', 'tok_lawyer')
      .executeTakeFirst();
    expect(token?.revoked_at).toBe(clock.now().getTime());
    expect(await ledgerEntries(db, 'identity.user_status_changed')).toContainEqual(
      expect.objectContaining({
        actor: { type: 'user', id: principal.userId },
        data: { userId: lawyer.id, status: 'disabled' },
      }),
    );
    expect(await ledgerEntries(db, 'identity.sessions_revoked_all')).toContainEqual(
      expect.objectContaining({ data: { userId: lawyer.id, count: 2 } }),
    );
    expect(await ledgerEntries(db, 'identity.api_token_revoked')).toContainEqual(
      expect.objectContaining({ data: { userId: lawyer.id, tokenId: 'tok_lawyer' } }),
    );

    const ledgerSize = await countLedgerEntries(db);
    await setUserStatus({ ...fixtures.deps, principal, userId: lawyer.id, status: 'disabled' });
    expect(await countLedgerEntries(db)).toBe(ledgerSize);
    await setUserStatus({ ...fixtures.deps, principal, userId: lawyer.id, status: 'active' });
    const row = await db.selectFrom('users').select('status').where('id', '=', lawyer.id).executeTakeFirst();
    expect(row?.status).toBe('active');
    const revived = await db
      .selectFrom('api_tokens')
      .select('revoked_at')
      .where('id', '=', 'tok_lawyer')
      .executeTakeFirst();
    expect(revived?.revoked_at).not.toBeNull();
  });

  test('an administrator cannot disable themselves, and an unknown id answers not-found; nothing changes', async () => {
    const { db, fixtures, admin, principal } = await setup();
    const before = await snapshotTables(db, watchedTables);
    await expectCode(
      setUserStatus({ ...fixtures.deps, principal, userId: admin.id, status: 'disabled' }),
      'identity.cannot_disable_self',
    );
    await expectCode(
      setUserStatus({ ...fixtures.deps, principal, userId: 'usr_missing', status: 'disabled' }),
      'identity.user_not_found',
    );
    await expectCode(
      revokeUserSessions({ ...fixtures.deps, principal, userId: 'usr_missing' }),
      'identity.user_not_found',
    );
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test("revoking a user's sessions ends all of them and records how many", async () => {
    const { db, fixtures, principal } = await setup();
    const client = await fixtures.user({ role: 'client' });
    await fixtures.session(client);
    expect(await revokeUserSessions({ ...fixtures.deps, principal, userId: client.id })).toEqual({
      count: 1,
      apiTokenCount: 0,
      sshKeyCount: 0,
    });
    expect(await liveSessionCount(db, client.id)).toBe(0);
  });
});
