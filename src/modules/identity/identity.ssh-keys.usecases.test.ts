import { generateKeyPairSync } from 'node:crypto';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { snapshotTables } from './identity.admin.test-utils.js';
import { renderNotificationMail } from './identity.notifications.models.js';
import { createSessionFixtures, expectCode, ledgerEntries } from './identity.sessions.test-utils.js';
import { addSshKey } from './identity.ssh-keys.usecases.js';

const watchedTables = ['identity_ssh_keys', 'notifications', 'ledger_pending_entries'] as const;

function openSshKeyLine(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const field = (value: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, value.length]), value]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(der.subarray(der.length - 32))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

describeOnDatabases('adding an SSH key', ({ getDb }) => {
  test('a user with a second factor must have proved it recently; the key is then recorded and the user told', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: 'stepping-stella' });
    const { token } = await fixtures.enrolTotp({ username: 'stepping-stella' });
    clock.advanceBy({ minutes: 11 });
    const stale = await fixtures.principalOf(token);
    const add = (principal: typeof stale) =>
      addSshKey({ ...fixtures.deps, principal, name: 'laptop', publicKey: openSshKeyLine('stella@laptop') });

    const before = await snapshotTables(db, watchedTables);
    await expectCode(add(stale), 'identity.step_up_required');
    expect(await snapshotTables(db, watchedTables)).toEqual(before);

    const stepped = { ...stale, secondFactorAt: clock.now() };
    const { sshKey } = await add(stepped);
    expect(await ledgerEntries(db, 'identity.ssh_key_added')).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: user.id },
        data: {
          userId: user.id,
          keyId: sshKey.id,
          algorithm: 'ssh-ed25519',
          fingerprint: sshKey.fingerprint,
        },
      }),
    ]);
    const notices = await db
      .selectFrom('notifications')
      .select(['kind', 'payload'])
      .where('user_id', '=', user.id)
      .where('kind', '=', 'ssh_key_added')
      .execute();
    expect(notices.map((row) => ({ kind: row.kind, payload: JSON.parse(row.payload) as unknown }))).toEqual([
      {
        kind: 'ssh_key_added',
        payload: { keyId: sshKey.id, name: 'laptop', fingerprint: sshKey.fingerprint },
      },
    ]);
    const mail = renderNotificationMail({
      kind: 'ssh_key_added',
      payload: { keyId: sshKey.id, name: 'laptop', fingerprint: sshKey.fingerprint },
      publicUrl: 'https://writ.example',
    });
    expect(mail.text).toContain(`An SSH key named "laptop" (${sshKey.fingerprint}) was added`);
  });

  test('a client without a second factor adds a key just after signing in, but not from an older session', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    await fixtures.user({ role: 'client', username: 'factorless-fay' });
    const { token } = await fixtures.signIn({ username: 'factorless-fay' });
    const principal = await fixtures.principalOf(token);
    expect(principal.secondFactorAt).toBeUndefined();
    const add = (comment: string) =>
      addSshKey({ ...fixtures.deps, principal, name: comment, publicKey: openSshKeyLine(comment) });

    clock.advanceBy({ minutes: 9 });
    await add('fresh');
    clock.advanceBy({ minutes: 2 });
    const before = await snapshotTables(db, watchedTables);
    await expectCode(add('stale'), 'identity.recent_sign_in_required');
    expect(await snapshotTables(db, watchedTables)).toEqual(before);

    const again = await fixtures.principalOf((await fixtures.signIn({ username: 'factorless-fay' })).token);
    await addSshKey({
      ...fixtures.deps,
      principal: again,
      name: 'again',
      publicKey: openSshKeyLine('again'),
    });
  });
});
