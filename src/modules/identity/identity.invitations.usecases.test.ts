import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import {
  countLedgerEntries,
  createIdentityFixtures,
  expectCode,
  goodPassword,
  ledgerEntries,
  snapshotTables,
} from './identity.admin.test-utils.js';
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  revokeInvitation,
} from './identity.invitations.usecases.js';
import { emailSealPurpose } from './identity.notifications.models.js';

const watchedTables = ['users', 'invitations', 'ledger_pending_entries'] as const;

describeOnDatabases('invitations', ({ getDb }) => {
  const clock = createTestClock();
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const admin = await fixtures.user({ role: 'admin' });
    const { principal } = await fixtures.session(admin);
    const invite = (role = 'lawyer') => createInvitation({ ...fixtures.deps, principal, role });
    const accept = (token: string, username: string, extra: { password?: string; email?: string } = {}) =>
      acceptInvitation({
        ...fixtures.deps,
        token,
        username,
        password: extra.password ?? goodPassword,
        email: extra.email,
      });
    return { db, fixtures, admin, principal, invite, accept };
  };
  const tokenOf = (link: string) => new URL(link).hash.replace(/^#token=/, '');

  test('an administrator gets a single link with a 256-bit token in its fragment, stored only as its hash', async () => {
    const { db, invite, admin } = await setup();
    const { invitation, link } = await invite('process_server');
    expect(link).toMatch(/^https:\/\/localhost:8443\/invite#token=[A-Za-z0-9_-]{43}$/);
    expect(new URL(link).search).toBe('');
    expect(invitation).toMatchObject({ role: 'process_server', status: 'open', createdBy: admin.id });
    expect(invitation.expiresAt.getTime() - invitation.createdAt.getTime()).toBe(72 * 60 * 60_000);
    const rows = await db.selectFrom('invitations').selectAll().where('id', '=', invitation.id).execute();
    expect(JSON.stringify(rows)).not.toContain(tokenOf(link));
    expect(await ledgerEntries(db, 'identity.invitation_created')).toContainEqual(
      expect.objectContaining({ data: { invitationId: invitation.id, role: 'process_server' } }),
    );
  });

  test('non-administrators, API tokens, a stale second factor and an unknown role create no invitation', async () => {
    const { db, fixtures, principal } = await setup();
    const lawyer = await fixtures.user({ role: 'lawyer' });
    const { principal: lawyerPrincipal } = await fixtures.session(lawyer);
    const before = await snapshotTables(db, watchedTables);
    await expectCode(
      createInvitation({ ...fixtures.deps, principal: lawyerPrincipal, role: 'lawyer' }),
      'identity.admin_required',
    );
    const adminToken = {
      ...principal,
      via: 'api_token' as const,
      sessionId: undefined,
      scopes: ['documents:read'],
    };
    await expectCode(
      createInvitation({ ...fixtures.deps, principal: adminToken, role: 'lawyer' }),
      'identity.admin_required',
    );
    const stale = { ...principal, secondFactorAt: new Date(clock.now().getTime() - 11 * 60_000) };
    await expectCode(
      createInvitation({ ...fixtures.deps, principal: stale, role: 'lawyer' }),
      'identity.step_up_required',
    );
    await expectCode(
      createInvitation({ ...fixtures.deps, principal, role: 'superuser' }),
      'identity.role_invalid',
    );
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('accepting creates the account with the invited role and uses the invitation up, in one step', async () => {
    const { db, fixtures, principal, invite, accept } = await setup();
    const { invitation, link } = await invite('client');
    const { user } = await accept(tokenOf(link), ' New.Client ', { email: 'Client@Example.ORG' });
    expect(user).toMatchObject({ username: 'new.client', role: 'client' });
    const row = await db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.email_sealed).not.toContain('xample');
    const opened = fixtures.deps.secretBox.open({
      sealed: row.email_sealed ?? '',
      purpose: emailSealPurpose(user.id),
    });
    expect(opened.toString('utf8')).toBe('Client@example.org');
    const { invitations } = await listInvitations({ ...fixtures.deps, principal });
    const listed = invitations.find((item) => item.id === invitation.id);
    expect(listed).toMatchObject({ status: 'accepted', acceptedUserId: user.id });
    expect(await ledgerEntries(db, 'identity.user_created')).toContainEqual({
      kind: 'identity.user_created',
      at: clock.now().toISOString(),
      actor: { type: 'anonymous' },
      data: { userId: user.id, role: 'client', invitationId: invitation.id },
    });
  });

  test('a used, forged, revoked or expired link is refused and creates nobody', async () => {
    const { db, fixtures, principal, invite, accept } = await setup();
    const used = await invite();
    await accept(tokenOf(used.link), 'first-user');
    const revoked = await invite();
    await revokeInvitation({ ...fixtures.deps, principal, invitationId: revoked.invitation.id });
    const expiring = await invite();
    const before = await snapshotTables(db, watchedTables);

    await expectCode(accept(tokenOf(used.link), 'second-user'), 'identity.invitation_invalid');
    await expectCode(accept(forge(tokenOf(expiring.link)), 'forger'), 'identity.invitation_invalid');
    await expectCode(accept('', 'nobody'), 'identity.invitation_invalid');
    await expectCode(accept(tokenOf(revoked.link), 'revoked-user'), 'identity.invitation_invalid');
    const later = createTestClock({ now: clock.now() });
    later.advanceBy({ hours: 72 });
    await expectCode(
      acceptInvitation({
        ...fixtures.deps,
        clock: later,
        token: tokenOf(expiring.link),
        username: 'late-user',
        password: goodPassword,
      }),
      'identity.invitation_expired',
    );
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('a weak password, a taken username or a bad address leaves the invitation usable', async () => {
    const { db, invite, accept, admin } = await setup();
    const { link } = await invite();
    const before = await snapshotTables(db, watchedTables);
    await expectCode(accept(tokenOf(link), 'weak-user', { password: 'short' }), 'identity.password_too_weak');
    await expectCode(
      accept(tokenOf(link), 'name-user', { password: 'name-user is my password' }),
      'identity.password_too_weak',
    );
    await expectCode(accept(tokenOf(link), admin.username), 'identity.username_taken');
    await expectCode(accept(tokenOf(link), '../etc/passwd'), 'identity.username_invalid');
    await expectCode(
      accept(tokenOf(link), 'mail-user', { email: 'a@b\r\nBcc: x@evil.example' }),
      'identity.email_invalid',
    );
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
    await expect(accept(tokenOf(link), 'finally-user')).resolves.toMatchObject({ user: { role: 'lawyer' } });
  });

  test('revoking an unknown, used or already revoked invitation answers not-found and records nothing', async () => {
    const { db, fixtures, principal, invite, accept } = await setup();
    const used = await invite();
    await accept(tokenOf(used.link), 'used-user');
    const open = await invite();
    await revokeInvitation({ ...fixtures.deps, principal, invitationId: open.invitation.id });
    const ledgerSize = await countLedgerEntries(db);
    for (const invitationId of ['inv_missing', used.invitation.id, open.invitation.id]) {
      await expectCode(
        revokeInvitation({ ...fixtures.deps, principal, invitationId }),
        'identity.invitation_not_found',
      );
    }
    expect(await countLedgerEntries(db)).toBe(ledgerSize);
  });

  test('two simultaneous accepts of one link create one account', async () => {
    const { db, invite, accept } = await setup();
    const { link } = await invite();
    const before = (await db.selectFrom('users').select('id').execute()).length;
    const results = await Promise.allSettled([
      accept(tokenOf(link), 'racer-one'),
      accept(tokenOf(link), 'racer-two'),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect((await db.selectFrom('users').select('id').execute()).length).toBe(before + 1);
  });
});

/** The token with its last character changed (to another one: 'A' would leave a token ending in 'A' intact). */
function forge(token: string): string {
  return `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
}
