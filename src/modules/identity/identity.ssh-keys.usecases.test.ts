import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { snapshotTables } from './identity.admin.test-utils.js';
import { renderNotificationMail } from './identity.notifications.models.js';
import { browser, createSessionFixtures, expectCode, ledgerEntries } from './identity.sessions.test-utils.js';
import { addSshKey, signInWithSshKey } from './identity.ssh-keys.usecases.js';

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

  test('a signature counts only when it verifies: a forged algorithm name, garbage or SHA-1 RSA never signs in', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    await fixtures.user({ role: 'client', username: 'keyed-kim' });
    const { token } = await fixtures.signIn({ username: 'keyed-kim' });
    const principal = await fixtures.principalOf(token);
    const pairs = {
      ed25519: generateKeyPairSync('ed25519'),
      rsa: generateKeyPairSync('rsa', { modulusLength: 3072 }),
    };
    const blobs = {
      ed25519: openSshLine(pairs.ed25519.publicKey, 'ssh-ed25519'),
      rsa: openSshLine(pairs.rsa.publicKey, 'ssh-rsa'),
    };
    for (const [name, line] of Object.entries(blobs)) {
      await addSshKey({ ...fixtures.deps, principal, name, publicKey: line });
    }
    const blobOf = (line: string) => Buffer.from(line.split(' ')[1] ?? '', 'base64');
    const signedData = randomBytes(64);
    const attempt = (keyLine: string, signature: Buffer, hashAlgorithm: string | undefined) =>
      signInWithSshKey({
        ...fixtures.deps,
        username: 'keyed-kim',
        device: browser,
        keyBlob: blobOf(keyLine),
        signedData,
        signature,
        hashAlgorithm,
      });

    // An Ed25519 key presented as `rsa-sha2-256` (ssh2 then passes sha256): verifying it cannot work at all.
    await expectCode(attempt(blobs.ed25519, randomBytes(64), 'sha256'), 'identity.sign_in_failed');
    await expectCode(attempt(blobs.ed25519, Buffer.alloc(0), 'sha512'), 'identity.sign_in_failed');
    await expectCode(attempt(blobs.ed25519, randomBytes(64), undefined), 'identity.sign_in_failed');
    // RSA over SHA-1 (`ssh-rsa` signatures), though the signature itself is good.
    const sha1 = sign('sha1', signedData, pairs.rsa.privateKey);
    await expectCode(attempt(blobs.rsa, sha1, undefined), 'identity.sign_in_failed');
    await expectCode(attempt(blobs.rsa, sha1, 'sha1'), 'identity.sign_in_failed');
    const failures = await ledgerEntries(db, 'identity.sign_in_failed');
    expect(failures.map((entry) => entry.data.reason)).toEqual(Array(5).fill('bad_ssh_signature'));

    // Good signatures still sign in, once the lockout those five failures earned has passed.
    clock.advanceBy({ minutes: 16 });
    const ed25519 = await attempt(blobs.ed25519, sign(null, signedData, pairs.ed25519.privateKey), undefined);
    expect(ed25519.userId).toBeDefined();
    const rsa = await attempt(blobs.rsa, sign('sha512', signedData, pairs.rsa.privateKey), 'sha512');
    expect(rsa.userId).toBeDefined();
  });
});

/** The OpenSSH public key line of a node:crypto Ed25519 or RSA key (RFC 4253 §6.6, RFC 8709). */
function openSshLine(publicKey: ReturnType<typeof generateKeyPairSync>['publicKey'], type: string): string {
  const field = (value: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(value.length);
    return Buffer.concat([length, value]);
  };
  const mpint = (base64url: string | undefined) => {
    const bytes = Buffer.from(base64url ?? '', 'base64url');
    return field((bytes[0] ?? 0) >= 0x80 ? Buffer.concat([Buffer.of(0), bytes]) : bytes);
  };
  const jwk = publicKey.export({ format: 'jwk' });
  const parts =
    type === 'ssh-rsa'
      ? [field(Buffer.from(type)), mpint(jwk.e), mpint(jwk.n)]
      : [field(Buffer.from(type)), field(Buffer.from(jwk.x ?? '', 'base64url'))];
  return `${type} ${Buffer.concat(parts).toString('base64')} test`;
}
