import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import type { User } from './identity.models.js';
import {
  createIdentityFixtures,
  expectCode,
  ledgerEntries,
  liveSessionCount,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { completePasswordReset, issuePasswordReset } from './identity.password-resets.usecases.js';

const newPassword = 'a brand new passphrase for writ';
const watchedTables = [
  'users',
  'sessions',
  'password_resets',
  'recovery_codes',
  'notifications',
  'ledger_pending_entries',
] as const;

describeOnDatabases('password reset links issued by an administrator', ({ getDb }) => {
  const clock = createTestClock();
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const admin = await fixtures.user({ role: 'admin' });
    const { principal } = await fixtures.session(admin);
    const user = await fixtures.user({ role: 'lawyer' });
    await fixtures.session(user);
    const issue = (userId = user.id) => issuePasswordReset({ ...fixtures.deps, principal, userId });
    const complete = (token: string, password = newPassword) =>
      completePasswordReset({ ...fixtures.deps, token, password });
    return { db, fixtures, principal, user, issue, complete };
  };
  const tokenOf = (link: string) => new URL(link).hash.replace(/^#token=/, '');
  const passwordHashOf = async (db: ReturnType<typeof getDb>, user: User) =>
    (await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow())
      .password_hash;

  test('the link carries its token in the fragment, tells the user, and sets the password once', async () => {
    const { db, fixtures, user, issue, complete } = await setup();
    const { link, resetId } = await issue();
    expect(link).toMatch(/^https:\/\/localhost:8443\/reset#token=[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await db.selectFrom('password_resets').selectAll().execute())).not.toContain(
      tokenOf(link),
    );
    expect(await ledgerEntries(db, 'identity.password_reset_issued')).toContainEqual(
      expect.objectContaining({ data: { userId: user.id, resetId } }),
    );

    await complete(tokenOf(link));
    expect(await fixtures.deps.passwordHasher.verify(await passwordHashOf(db, user), newPassword)).toBe(true);
    expect(await liveSessionCount(db, user.id)).toBe(0);
    expect(await ledgerEntries(db, 'identity.password_changed')).toContainEqual(
      expect.objectContaining({ actor: { type: 'anonymous' }, data: { userId: user.id, via: 'reset_link' } }),
    );
    const kinds = await db
      .selectFrom('notifications')
      .select('kind')
      .where('user_id', '=', user.id)
      .execute();
    expect(kinds.map((row) => row.kind).sort()).toEqual(['password_changed', 'password_reset_issued']);

    const before = await snapshotTables(db, watchedTables);
    await expectCode(complete(tokenOf(link), 'yet another passphrase here'), 'identity.reset_link_invalid');
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('a forged, superseded or expired link and a weak password change nothing', async () => {
    const { db, fixtures, issue, complete } = await setup();
    const first = await issue();
    const second = await issue();
    const before = await snapshotTables(db, watchedTables);
    await expectCode(complete(tokenOf(first.link)), 'identity.reset_link_invalid');
    await expectCode(complete(`${tokenOf(second.link)}x`), 'identity.reset_link_invalid');
    await expectCode(complete(tokenOf(second.link), 'weak'), 'identity.password_too_weak');
    const later = createTestClock({ now: clock.now() });
    later.advanceBy({ hours: 72 });
    await expectCode(
      completePasswordReset({
        ...fixtures.deps,
        clock: later,
        token: tokenOf(second.link),
        password: newPassword,
      }),
      'identity.reset_link_expired',
    );
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('only an administrator with a recent second factor issues links, for accounts that exist', async () => {
    const { db, fixtures, principal, user, issue } = await setup();
    const { principal: lawyer } = await fixtures.session(user);
    const before = await snapshotTables(db, watchedTables);
    await expectCode(
      issuePasswordReset({ ...fixtures.deps, principal: lawyer, userId: user.id }),
      'identity.admin_required',
    );
    await expectCode(
      issuePasswordReset({ ...fixtures.deps, principal: lawyer, userId: 'usr_missing' }),
      'identity.admin_required',
    );
    const stale = { ...principal, secondFactorAt: new Date(clock.now().getTime() - 60 * 60_000) };
    await expectCode(
      issuePasswordReset({ ...fixtures.deps, principal: stale, userId: user.id }),
      'identity.step_up_required',
    );
    await expectCode(issue('usr_missing'), 'identity.user_not_found');
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test('two simultaneous completions of one link succeed once', async () => {
    const { issue, complete } = await setup();
    const { link } = await issue();
    const results = await Promise.allSettled([
      complete(tokenOf(link)),
      complete(tokenOf(link), 'the other passphrase here'),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });
});
