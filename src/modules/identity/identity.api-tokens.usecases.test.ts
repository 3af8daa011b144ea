import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { hashSecretToken } from '../../shared/random/tokens.js';
import {
  createIdentityFixtures,
  expectCode,
  ledgerEntries,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { setUserStatus } from './identity.admin.usecases.js';
import { apiTokenLimits } from './identity.api-tokens.models.js';
import {
  authenticateApiToken,
  createApiToken,
  listApiTokens,
  revokeApiToken,
} from './identity.api-tokens.usecases.js';

const watchedTables = ['api_tokens', 'ledger_pending_entries'] as const;

describeOnDatabases('API tokens', ({ getDb }) => {
  const clock = createTestClock();
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer' });
    const { principal } = await fixtures.session(user);
    const create = (overrides: { name?: string; scopes?: string[]; expiresInDays?: number } = {}) =>
      createApiToken({
        ...fixtures.deps,
        principal,
        name: overrides.name ?? 'nightly export',
        scopes: overrides.scopes ?? ['documents:read', 'matters:read'],
        expiresInDays: overrides.expiresInDays ?? 30,
      });
    return { db, fixtures, user, principal, create };
  };

  test('a token is shown once, stored as its hash, and authenticates as its owner with its scopes only', async () => {
    const { db, user, principal, create } = await setup();
    const { apiToken, secret } = await create();
    expect(secret).toMatch(/^writ_pat_[A-Za-z0-9_-]{43}$/);
    const [row] = await db.selectFrom('api_tokens').selectAll().where('id', '=', apiToken.id).execute();
    expect(row?.token_hash).toBe(hashSecretToken(secret));
    expect(JSON.stringify(row)).not.toContain(secret.slice('writ_pat_'.length));
    expect(apiToken.expiresAt.getTime() - clock.now().getTime()).toBe(30 * 86_400_000);
    expect(await ledgerEntries(db, 'identity.api_token_created')).toContainEqual(
      expect.objectContaining({
        data: { userId: user.id, tokenId: apiToken.id, scopes: ['documents:read', 'matters:read'] },
      }),
    );
    expect(await authenticateApiToken({ db, clock, token: secret })).toEqual({
      userId: user.id,
      role: 'lawyer',
      via: 'api_token',
      sessionId: undefined,
      apiTokenId: apiToken.id,
      secondFactorAt: undefined,
      scopes: ['documents:read', 'matters:read'],
    });
    const { apiTokens } = await listApiTokens({ db, principal });
    expect(apiTokens).toEqual([{ ...apiToken, lastUsedAt: clock.now() }]);
    expect(JSON.stringify(apiTokens)).not.toContain(secret);
  });

  test('last use is written at most once a minute', async () => {
    const { db, create } = await setup();
    const { apiToken, secret } = await create();
    const later = createTestClock({ now: clock.now() });
    const lastUsed = async () =>
      (
        await db
          .selectFrom('api_tokens')
          .select('last_used_at')
          .where('id', '=', apiToken.id)
          .executeTakeFirst()
      )?.last_used_at;
    await authenticateApiToken({ db, clock: later, token: secret });
    const first = await lastUsed();
    later.advanceBy({ seconds: 59 });
    await authenticateApiToken({ db, clock: later, token: secret });
    expect(await lastUsed()).toBe(first);
    later.advanceBy({ seconds: 1 });
    await authenticateApiToken({ db, clock: later, token: secret });
    expect(await lastUsed()).toBe(later.now().getTime());
  });

  test('expired, revoked, forged and malformed tokens and disabled owners authenticate nobody', async () => {
    const { db, fixtures, user, principal, create } = await setup();
    const expiring = await create({ expiresInDays: 1 });
    const revoked = await create();
    await revokeApiToken({ ...fixtures.deps, principal, tokenId: revoked.apiToken.id });
    const later = createTestClock({ now: clock.now() });
    later.advanceBy({ days: 1 });
    expect(await authenticateApiToken({ db, clock: later, token: expiring.secret })).toBeUndefined();
    expect(await authenticateApiToken({ db, clock, token: revoked.secret })).toBeUndefined();
    const forged = `${expiring.secret.slice(0, -1)}${expiring.secret.endsWith('A') ? 'B' : 'A'}`;
    for (const token of [forged, '', 'writ_pat_short', `${expiring.secret} `, 'Bearer x'.repeat(200)]) {
      expect(await authenticateApiToken({ db, clock, token })).toBeUndefined();
    }
    const admin = await fixtures.user({ role: 'admin' });
    const { principal: adminPrincipal } = await fixtures.session(admin);
    const active = await create();
    await setUserStatus({ ...fixtures.deps, principal: adminPrincipal, userId: user.id, status: 'disabled' });
    expect(await authenticateApiToken({ db, clock, token: active.secret })).toBeUndefined();
  });

  test('bad scopes, names, lifetimes, a token caller and a stale second factor create nothing', async () => {
    const { db, fixtures, principal, create } = await setup();
    const before = await snapshotTables(db, watchedTables);
    for (const scopes of [[], ['admin'], ['documents:read', 'documents:read'], ['Documents:Read'], ['*']]) {
      await expectCode(create({ scopes }), 'identity.api_token_scope_invalid');
    }
    for (const name of ['', '   ', 'x'.repeat(65), 'line\nbreak', 'bell\u0007', 'bidi\u202e']) {
      await expectCode(create({ name }), 'identity.api_token_name_invalid');
    }
    for (const expiresInDays of [0, 366, 1.5, -1, Number.NaN]) {
      await expectCode(create({ expiresInDays }), 'identity.api_token_lifetime_invalid');
    }
    const tokenCaller = { ...principal, via: 'api_token' as const, sessionId: undefined };
    const base = { ...fixtures.deps, name: 'x', scopes: ['documents:read'], expiresInDays: 1 };
    await expectCode(createApiToken({ ...base, principal: tokenCaller }), 'identity.session_required');
    await expectCode(listApiTokens({ db, principal: tokenCaller }), 'identity.session_required');
    const stale = { ...principal, secondFactorAt: undefined };
    await expectCode(createApiToken({ ...base, principal: stale }), 'identity.step_up_required');
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test(`a user holds at most ${apiTokenLimits.maxActivePerUser} active tokens`, async () => {
    const { db, create } = await setup();
    for (let index = 0; index < apiTokenLimits.maxActivePerUser; index += 1)
      await create({ name: `t${index}` });
    const before = await snapshotTables(db, watchedTables);
    await expectCode(create(), 'identity.api_token_limit_reached');
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
  });

  test("another user's token answers not-found and stays usable; revoking twice records once", async () => {
    const { db, fixtures, principal, create } = await setup();
    const { apiToken, secret } = await create();
    const other = await fixtures.user({ role: 'lawyer' });
    const { principal: otherPrincipal } = await fixtures.session(other);
    const before = await snapshotTables(db, watchedTables);
    await expectCode(
      revokeApiToken({ ...fixtures.deps, principal: otherPrincipal, tokenId: apiToken.id }),
      'identity.api_token_not_found',
    );
    await expectCode(
      revokeApiToken({ ...fixtures.deps, principal, tokenId: 'tok_missing' }),
      'identity.api_token_not_found',
    );
    expect((await listApiTokens({ db, principal: otherPrincipal })).apiTokens).toEqual([]);
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
    expect(await authenticateApiToken({ db, clock, token: secret })).toBeDefined();

    await revokeApiToken({ ...fixtures.deps, principal, tokenId: apiToken.id });
    await revokeApiToken({ ...fixtures.deps, principal, tokenId: apiToken.id });
    const revocations = await ledgerEntries(db, 'identity.api_token_revoked');
    expect(revocations.filter((entry) => entry.data.tokenId === apiToken.id)).toHaveLength(1);
  });
});
