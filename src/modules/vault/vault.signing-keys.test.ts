import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { openNote, parseVerifierKey, signNote } from '../ledger/ledger.note-signing.models.js';
import { createSecretBox } from './vault.secret-box.js';
import { loadOrCreateSigningKey, readSigningPublicKey } from './vault.signing-keys.js';

describeOnDatabases('vault signing keys', ({ getDb }) => {
  const secretBox = createSecretBox({ key: randomBytes(32) });
  const clock = createTestClock();

  test('a signing key is generated once; later loads sign with the same key, verifiable from its printed verifier key', async () => {
    const db = getDb();
    const name = 'writ.example.com/ledger';
    const first = await loadOrCreateSigningKey({ db, secretBox, clock, name });
    const again = await loadOrCreateSigningKey({ db, secretBox, clock, name });
    expect(again.verifierKey).toBe(first.verifierKey);
    expect((await readSigningPublicKey({ db, name }))?.verifierKey).toBe(first.verifierKey);

    const note = await signNote({ text: 'hello\n', signers: [again] });
    const verifier = parseVerifierKey(first.verifierKey);
    expect(openNote({ note, verifiers: [verifier] }).text).toBe('hello\n');
    expect(await db.selectFrom('vault_signing_keys').select('name').execute()).toHaveLength(1);
  });

  test('the stored row holds the private key only sealed, and it does not open under another purpose or root key', async () => {
    const db = getDb();
    const name = 'sealed.example/ledger';
    const key = await loadOrCreateSigningKey({ db, secretBox, clock, name });
    const row = await db
      .selectFrom('vault_signing_keys')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    expect(row.private_key_sealed.startsWith('s1.')).toBe(true);
    expect(Buffer.from(row.public_key).equals(key.publicKey)).toBe(true);
    expect(() => secretBox.open({ sealed: row.private_key_sealed, purpose: 'signing-key:other' })).toThrow();
    const otherBox = createSecretBox({ key: randomBytes(32) });
    await expect(loadOrCreateSigningKey({ db, secretBox: otherBox, clock, name })).rejects.toMatchObject({
      code: 'vault.secret_unreadable',
    });
  });

  test('a sealed key swapped in from another row is refused', async () => {
    const db = getDb();
    await loadOrCreateSigningKey({ db, secretBox, clock, name: 'a.example/ledger' });
    await loadOrCreateSigningKey({ db, secretBox, clock, name: 'b.example/ledger' });
    const a = await db
      .selectFrom('vault_signing_keys')
      .select('private_key_sealed')
      .where('name', '=', 'a.example/ledger')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('vault_signing_keys')
      .set({ private_key_sealed: a.private_key_sealed })
      .where('name', '=', 'b.example/ledger')
      .execute();
    await expect(
      loadOrCreateSigningKey({ db, secretBox, clock, name: 'b.example/ledger' }),
    ).rejects.toMatchObject({ code: 'vault.secret_unreadable' });
  });
});
