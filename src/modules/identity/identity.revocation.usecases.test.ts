import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import type { User } from './identity.models.js';
import {
  createIdentityFixtures,
  goodPassword,
  ledgerEntries,
  liveSessionCount,
} from './identity.admin.test-utils.js';
import { resetUserMfa, revokeUserSessions, setUserStatus } from './identity.admin.usecases.js';
import { authenticateApiToken, createApiToken } from './identity.api-tokens.usecases.js';
import { changePassword } from './identity.password-change.usecases.js';
import { resetPasswordWithRecoveryCode } from './identity.password-resets.recovery-code.usecases.js';
import { completePasswordReset, issuePasswordReset } from './identity.password-resets.usecases.js';
import { issueRecoveryCodes } from './identity.recovery-codes.usecases.js';
import { browser } from './identity.sessions.test-utils.js';
import { addSshKey, isSshKeyAccepted, listSshKeys } from './identity.ssh-keys.usecases.js';

const newPassword = 'a brand new passphrase for writ';

/** A fresh OpenSSH ed25519 public key line and the key blob an SSH client offers for it. */
function newSshKey(): { line: string; blob: Buffer } {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const field = (value: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, value.length]), value]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(der.subarray(der.length - 32))]);
  return { line: `ssh-ed25519 ${blob.toString('base64')} laptop`, blob };
}

describeOnDatabases('what ends API tokens and SSH keys', ({ getDb }) => {
  const clock = createTestClock();

  /**
   * A victim whose stolen session (a recent second factor) minted a token and added an SSH key, and a
   * bystander with the same, whose credentials no act on the victim may touch.
   */
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const admin = await fixtures.user({ role: 'admin' });
    const { principal: adminPrincipal } = await fixtures.session(admin);
    const plant = async (user: User) => {
      const { principal } = await fixtures.session(user);
      const { secret, apiToken } = await createApiToken({
        ...fixtures.deps,
        principal,
        name: 'exfiltration',
        scopes: ['documents:read'],
        expiresInDays: 365,
      });
      const key = newSshKey();
      const { sshKey } = await addSshKey({
        ...fixtures.deps,
        principal,
        name: 'intruder',
        publicKey: key.line,
      });
      return { principal, secret, tokenId: apiToken.id, keyId: sshKey.id, keyBlob: key.blob };
    };
    const victim = await fixtures.user({ role: 'lawyer' });
    const bystander = await fixtures.user({ role: 'lawyer' });
    const planted = await plant(victim);
    const untouched = await plant(bystander);
    const opens = async (secret: string) =>
      (await authenticateApiToken({ db, clock, token: secret })) !== undefined;
    const keyIsAccepted = (user: User, keyBlob: Buffer) =>
      isSshKeyAccepted({ ...fixtures.deps, username: user.username, keyBlob, clientAddress: '192.0.2.9' });
    expect(await opens(planted.secret)).toBe(true);
    expect(await keyIsAccepted(victim, planted.keyBlob)).toBe(true);

    /** The victim's token opens nothing and (unless `keyStays`) the key is gone, recorded; the bystander's stand. */
    const expectRevoked = async ({ actor, keyStays = false }: { actor: unknown; keyStays?: boolean }) => {
      expect(await opens(planted.secret)).toBe(false);
      expect(await ledgerEntries(db, 'identity.api_token_revoked')).toContainEqual(
        expect.objectContaining({ actor, data: { userId: victim.id, tokenId: planted.tokenId } }),
      );
      const removals = (await ledgerEntries(db, 'identity.ssh_key_removed')).map(({ actor, data }) => ({
        actor,
        data,
      }));
      const removal = { actor, data: { userId: victim.id, keyId: planted.keyId } };
      if (keyStays) {
        expect(await keyIsAccepted(victim, planted.keyBlob)).toBe(true);
        expect(removals).not.toContainEqual(removal);
      } else {
        expect(await keyIsAccepted(victim, planted.keyBlob)).toBe(false);
        expect((await listSshKeys({ db, principal: planted.principal })).sshKeys).toEqual([]);
        expect(removals).toContainEqual(removal);
      }
      expect(await opens(untouched.secret)).toBe(true);
      expect(await keyIsAccepted(bystander, untouched.keyBlob)).toBe(true);
    };
    return { db, fixtures, admin, adminPrincipal, victim, planted, expectRevoked };
  };

  test('a password reset by link revokes the account’s API tokens and removes its SSH keys', async () => {
    const { fixtures, adminPrincipal, victim, expectRevoked } = await setup();
    const { link } = await issuePasswordReset({
      ...fixtures.deps,
      principal: adminPrincipal,
      userId: victim.id,
    });
    await completePasswordReset({
      ...fixtures.deps,
      token: new URL(link).hash.replace(/^#token=/, ''),
      password: newPassword,
    });
    await expectRevoked({ actor: { type: 'anonymous' } });
  });

  test('a password reset with a recovery code revokes the account’s API tokens and removes its SSH keys', async () => {
    const { fixtures, victim, expectRevoked } = await setup();
    const { recoveryCodes } = await issueRecoveryCodes({
      ...fixtures.deps,
      actor: { type: 'system' },
      userId: victim.id,
    });
    await resetPasswordWithRecoveryCode({
      ...fixtures.deps,
      username: victim.username,
      recoveryCode: recoveryCodes[0] ?? '',
      password: newPassword,
      clientAddress: '198.51.100.40',
    });
    await expectRevoked({ actor: { type: 'anonymous' } });
  });

  test('changing one’s own password revokes one’s API tokens and says how many; SSH keys stay', async () => {
    const { db, fixtures, victim, planted, expectRevoked } = await setup();
    const changed = await changePassword({
      ...fixtures.deps,
      principal: planted.principal,
      currentPassword: goodPassword,
      newPassword,
      clientAddress: browser.clientAddress,
    });
    await expectRevoked({ actor: { type: 'user', id: victim.id }, keyStays: true });
    expect(changed).toMatchObject({ revokedSessionCount: 0, revokedApiTokenCount: 1 });
    const notices = await db
      .selectFrom('notifications')
      .select('kind')
      .where('user_id', '=', victim.id)
      .execute();
    expect(notices.map((row) => row.kind)).toContain('password_changed');
  });

  test('an administrator ending every session of an account also revokes its API tokens and SSH keys', async () => {
    const { db, fixtures, admin, adminPrincipal, victim, expectRevoked } = await setup();
    const counts = await revokeUserSessions({
      ...fixtures.deps,
      principal: adminPrincipal,
      userId: victim.id,
    });
    await expectRevoked({ actor: { type: 'user', id: admin.id } });
    expect(counts).toEqual({ count: 1, apiTokenCount: 1, sshKeyCount: 1 });
    expect(await liveSessionCount(db, victim.id)).toBe(0);
  });

  test('an MFA reset revokes the account’s API tokens and removes its SSH keys', async () => {
    const { fixtures, victim, expectRevoked } = await setup();
    const { removed } = await resetUserMfa({ ...fixtures.deps, username: victim.username });
    await expectRevoked({ actor: { type: 'system' } });
    expect(removed).toMatchObject({ apiTokens: 1, sshKeys: 1 });
  });

  test('disabling an account removes its SSH keys, so re-enabling it revives no key an intruder added', async () => {
    const { fixtures, admin, adminPrincipal, victim, expectRevoked } = await setup();
    const manage = { ...fixtures.deps, principal: adminPrincipal, userId: victim.id };
    await setUserStatus({ ...manage, status: 'disabled' });
    await setUserStatus({ ...manage, status: 'active' });
    await expectRevoked({ actor: { type: 'user', id: admin.id } });
  });
});
