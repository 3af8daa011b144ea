import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import {
  countLedgerEntries,
  createIdentityFixtures,
  expectCode,
  goodPassword,
  ledgerEntries,
  liveSessionCount,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { createUserBySystem, resetUserMfa } from './identity.admin.usecases.js';
import { createFactorsRepository } from './identity.factors.repository.js';

const watchedTables = ['users', 'sessions', 'api_tokens', 'ledger_pending_entries'] as const;

describeOnDatabases('operator commands: create-user and reset-mfa', ({ getDb }) => {
  const clock = createTestClock();

  test('create-user records the account as the system’s act; a bad role, name or password creates nobody', async () => {
    const db = getDb();
    const { deps } = createIdentityFixtures({ db, clock });
    const before = await snapshotTables(db, watchedTables);
    await expectCode(
      createUserBySystem({ ...deps, username: 'x-user', role: 'root', password: goodPassword }),
      'identity.role_invalid',
    );
    await expectCode(
      createUserBySystem({ ...deps, username: 'x', role: 'lawyer', password: goodPassword }),
      'identity.username_invalid',
    );
    await expectCode(
      createUserBySystem({ ...deps, username: 'x-user', role: 'lawyer', password: 'tooshort' }),
      'identity.password_too_weak',
    );
    expect(await snapshotTables(db, watchedTables)).toEqual(before);
    const { user } = await createUserBySystem({
      ...deps,
      username: 'Ops.User',
      role: 'auditor',
      password: goodPassword,
    });
    expect(user).toMatchObject({ username: 'ops.user', role: 'auditor' });
    expect(await ledgerEntries(db, 'identity.user_created')).toContainEqual(
      expect.objectContaining({ actor: { type: 'system' }, data: { userId: user.id, role: 'auditor' } }),
    );
    await expectCode(
      createUserBySystem({ ...deps, username: 'ops.user', role: 'lawyer', password: goodPassword }),
      'identity.username_taken',
    );
  });

  test('reset-mfa removes TOTP, passkeys and recovery codes, ends sessions and is itself on the ledger', async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer' });
    const bystander = await fixtures.user({ role: 'lawyer' });
    await fixtures.session(user);
    for (const owner of [user, bystander]) {
      await db.transaction().execute(async (trx) => {
        const factors = createFactorsRepository({ db: trx });
        await factors.insertPendingTotp({ userId: owner.id, secretSealed: 's1.sealed', at: clock.now() });
        await factors.replaceRecoveryCodes({
          userId: owner.id,
          codes: [{ id: `rcv_${owner.id.slice(4)}`, codeHash: `hash-${owner.id}` }],
          at: clock.now(),
        });
      });
    }
    const result = await resetUserMfa({ ...fixtures.deps, username: user.username.toUpperCase() });
    expect(result).toEqual({
      userId: user.id,
      removed: { totp: 1, passkeys: 0, recoveryCodes: 1, apiTokens: 0, sshKeys: 0 },
    });
    expect(await db.selectFrom('totp_credentials').select('user_id').execute()).toEqual([
      { user_id: bystander.id },
    ]);
    expect(await db.selectFrom('recovery_codes').select('user_id').execute()).toEqual([
      { user_id: bystander.id },
    ]);
    expect(await liveSessionCount(db, user.id)).toBe(0);
    const notices = await db
      .selectFrom('notifications')
      .select('kind')
      .where('user_id', '=', user.id)
      .execute();
    expect(notices).toEqual([{ kind: 'mfa_reset' }]);
    expect(await ledgerEntries(db, 'identity.mfa_reset')).toEqual([
      expect.objectContaining({ actor: { type: 'system' }, data: { userId: user.id } }),
    ]);
    const ledgerSize = await countLedgerEntries(db);
    await expectCode(resetUserMfa({ ...fixtures.deps, username: 'nobody-here' }), 'identity.user_not_found');
    expect(await countLedgerEntries(db)).toBe(ledgerSize);
  });
});
