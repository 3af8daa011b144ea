import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { createFileRootKeyring } from './vault.root-keyring.js';
import {
  destroyMatterKeys,
  loadInstallationKey,
  openContentKey,
  openMatterVault,
  rotateMatterKey,
  saveContentKey,
} from './vault.keys.usecases.js';
import {
  countPendingEvents,
  listKeysOfMatter,
  readContent,
  seedMatterWithContent,
  storeContent,
} from './vault.keys.test-utils.js';
import { runTransform } from './vault.streaming-aead.test-utils.js';

describeOnDatabases('vault key hierarchy', ({ getDb }) => {
  const clock = createTestClock();
  const keyring = createFileRootKeyring({ keys: [randomBytes(32)] });
  const ledger = createLedger({ clock });
  const actor = { type: 'system' } as const;

  test('a matter seals its names and encrypts its documents; each opens only in its own place', async () => {
    const db = getDb();
    const { contents, sealedName } = await seedMatterWithContent({
      db,
      keyring,
      clock,
      matterId: 'mat_roundtrip',
      count: 2,
    });
    const vault = await openMatterVault({ db, keyring, matterId: 'mat_roundtrip' });
    expect(sealedName.startsWith('f1.')).toBe(true);
    expect(vault.openText({ sealed: sealedName, context: 'matters.name:mat_roundtrip' })).toBe(
      'Matter mat_roundtrip',
    );
    expect(() => vault.openText({ sealed: sealedName, context: 'matters.name:mat_other' })).toThrow(
      expect.objectContaining({ code: 'vault.integrity_failed' }),
    );
    for (const content of contents) {
      expect((await readContent({ db, keyring, content })).equals(content.plaintext)).toBe(true);
    }
    const [first] = contents;
    if (first === undefined) throw new Error('no content');
    await expect(readContent({ db, keyring, content: { ...first, version: 2 } })).rejects.toMatchObject({
      code: 'vault.integrity_failed',
    });
    const opened = await openContentKey({ db, keyring, ...first });
    const range = await opened.openRange({
      ciphertextLength: first.ciphertext.length,
      readCiphertext: ({ start, end }) => Promise.resolve(first.ciphertext.subarray(start, end)),
    });
    expect(range).toBeDefined();

    await seedMatterWithContent({ db, keyring, clock, matterId: 'mat_roundtrip_b', count: 0 });
    const other = await openMatterVault({ db, keyring, matterId: 'mat_roundtrip_b' });
    const hash = (v: typeof vault) => v.lookupHash({ value: 'Contract.pdf', purpose: 'documents.name' });
    expect(hash(vault)).toBe(hash(await openMatterVault({ db, keyring, matterId: 'mat_roundtrip' })));
    expect(hash(vault)).not.toBe(hash(other));
    expect(() => other.openText({ sealed: sealedName, context: 'matters.name:mat_roundtrip' })).toThrow(
      expect.objectContaining({ code: 'vault.integrity_failed' }),
    );
  });

  test('no key is stored in the clear: every wrapped value is `w1.` and differs from a fresh wrap of another row', async () => {
    const db = getDb();
    await seedMatterWithContent({ db, keyring, clock, matterId: 'mat_format', count: 1 });
    const rows = await listKeysOfMatter(db, 'mat_format');
    expect(rows.map((row) => row.purpose).sort()).toEqual(['content', 'matter', 'metadata']);
    for (const row of rows) {
      expect(row.wrapped).toMatch(/^w1\.[A-Za-z0-9_-]+$/);
      expect(row.state).toBe('active');
    }
    const matterKey = rows.find((row) => row.purpose === 'matter');
    expect(matterKey?.id).toMatch(/^vk_/);
    expect(matterKey?.parent_key_id).toBe(keyring.currentKeyId);
    expect(rows.find((row) => row.purpose === 'content')?.id).toMatch(/^dk_/);
  });

  test('a wrapped key moved to another row does not open', async () => {
    const db = getDb();
    const { contents } = await seedMatterWithContent({ db, keyring, clock, matterId: 'mat_moved', count: 2 });
    const [a, b] = contents;
    if (a === undefined || b === undefined) throw new Error('no content');
    const rowA = await db
      .selectFrom('vault_keys')
      .select('wrapped')
      .where('id', '=', a.dataKeyId)
      .executeTakeFirstOrThrow();
    await db.updateTable('vault_keys').set({ wrapped: rowA.wrapped }).where('id', '=', b.dataKeyId).execute();
    await expect(readContent({ db, keyring, content: b })).rejects.toMatchObject({
      code: 'vault.key_unwrap_failed',
    });
    expect((await readContent({ db, keyring, content: a })).equals(a.plaintext)).toBe(true);

    // A matter key moved onto another matter's row.
    await seedMatterWithContent({ db, keyring, clock, matterId: 'mat_moved_b', count: 0 });
    const matterKeyOf = async (matterId: string) =>
      db
        .selectFrom('vault_keys')
        .select(['id', 'wrapped'])
        .where('matter_id', '=', matterId)
        .where('purpose', '=', 'matter')
        .executeTakeFirstOrThrow();
    const keyA = await matterKeyOf('mat_moved');
    const keyB = await matterKeyOf('mat_moved_b');
    await db.updateTable('vault_keys').set({ wrapped: keyA.wrapped }).where('id', '=', keyB.id).execute();
    await expect(openMatterVault({ db, keyring, matterId: 'mat_moved_b' })).rejects.toMatchObject({
      code: 'vault.key_unwrap_failed',
    });
  });

  test('a tampered wrapped key is refused', async () => {
    const db = getDb();
    const { contents } = await seedMatterWithContent({
      db,
      keyring,
      clock,
      matterId: 'mat_tamper',
      count: 1,
    });
    const [content] = contents;
    if (content === undefined) throw new Error('no content');
    const row = await db
      .selectFrom('vault_keys')
      .select('wrapped')
      .where('id', '=', content.dataKeyId)
      .executeTakeFirstOrThrow();
    const wrapped = row.wrapped ?? '';
    const raw = Buffer.from(wrapped.slice(3), 'base64url');
    raw[20] = (raw[20] ?? 0) ^ 1;
    await db
      .updateTable('vault_keys')
      .set({ wrapped: `w1.${raw.toString('base64url')}` })
      .where('id', '=', content.dataKeyId)
      .execute();
    await expect(readContent({ db, keyring, content })).rejects.toMatchObject({
      code: 'vault.key_unwrap_failed',
    });
  });

  test('rotating a matter key re-wraps every data key, erases the old key, and content encrypted before still opens', async () => {
    const db = getDb();
    const matterId = 'mat_rotate';
    const { contents, sealedName } = await seedMatterWithContent({ db, keyring, clock, matterId, count: 5 });
    const before = await listKeysOfMatter(db, matterId);
    const oldKey = before.find((row) => row.purpose === 'matter');
    if (oldKey === undefined) throw new Error('no matter key');
    const progress: { rewrapped: number; remaining: number }[] = [];

    const { rewrapped } = await rotateMatterKey({
      db,
      keyring,
      clock,
      ledger,
      matterId,
      actor,
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });

    expect(rewrapped).toBe(6);
    expect(progress).toEqual([
      { rewrapped: 2, remaining: 4 },
      { rewrapped: 4, remaining: 2 },
      { rewrapped: 6, remaining: 0 },
    ]);
    const after = await listKeysOfMatter(db, matterId);
    expect(after.filter((row) => row.parent_key_id === oldKey.id)).toEqual([]);
    expect(after.find((row) => row.id === oldKey.id)).toMatchObject({
      state: 'destroyed',
      wrapped: null,
      destroyed_at: clock.now().getTime(),
    });
    const newKey = after.find((row) => row.purpose === 'matter' && row.state === 'active');
    expect(newKey?.id).not.toBe(oldKey.id);
    expect(
      after.filter((row) => row.purpose !== 'matter').every((row) => row.parent_key_id === newKey?.id),
    ).toBe(true);
    for (const content of contents) {
      expect((await readContent({ db, keyring, content })).equals(content.plaintext)).toBe(true);
    }
    const vault = await openMatterVault({ db, keyring, matterId });
    expect(vault.openText({ sealed: sealedName, context: `matters.name:${matterId}` })).toBe(
      `Matter ${matterId}`,
    );
    expect(await countPendingEvents(db, 'vault.matter_key_rotated', matterId)).toBe(1);
  });

  test('an interrupted matter rotation resumes with the same new key and completes', async () => {
    const db = getDb();
    const matterId = 'mat_resume';
    const { contents } = await seedMatterWithContent({ db, keyring, clock, matterId, count: 3 });
    const oldKeyId = (await listKeysOfMatter(db, matterId)).find((row) => row.purpose === 'matter')?.id;

    await expect(
      rotateMatterKey({
        db,
        keyring,
        clock,
        ledger,
        matterId,
        actor,
        batchSize: 1,
        onProgress: () => {
          throw new Error('power cut');
        },
      }),
    ).rejects.toThrow('power cut');

    const midway = await listKeysOfMatter(db, matterId);
    const matterKeys = midway.filter((row) => row.purpose === 'matter');
    expect(matterKeys.map((row) => row.state).sort()).toEqual(['active', 'retiring']);
    const newKeyId = matterKeys.find((row) => row.state === 'active')?.id;
    expect(midway.filter((row) => row.parent_key_id === newKeyId)).toHaveLength(1);
    expect(midway.filter((row) => row.parent_key_id === oldKeyId)).toHaveLength(3);
    for (const content of contents) {
      expect((await readContent({ db, keyring, content })).equals(content.plaintext)).toBe(true);
    }
    expect(await countPendingEvents(db, 'vault.matter_key_rotated', matterId)).toBe(0);

    const { rewrapped } = await rotateMatterKey({
      db,
      keyring,
      clock,
      ledger,
      matterId,
      actor,
      batchSize: 1,
    });
    expect(rewrapped).toBe(3);
    const after = await listKeysOfMatter(db, matterId);
    expect(after.filter((row) => row.purpose === 'matter').map((row) => [row.id, row.state])).toEqual(
      [
        [oldKeyId, 'destroyed'],
        [newKeyId, 'active'],
      ].sort(),
    );
    expect(after.filter((row) => row.parent_key_id === oldKeyId)).toEqual([]);
    expect(after.find((row) => row.id === oldKeyId)?.wrapped).toBeNull();
    for (const content of contents) {
      expect((await readContent({ db, keyring, content })).equals(content.plaintext)).toBe(true);
    }
    expect(await countPendingEvents(db, 'vault.matter_key_rotated', matterId)).toBe(1);
  });

  test('a content key saved while a rotation is under way is wrapped by the new matter key', async () => {
    const db = getDb();
    const matterId = 'mat_during';
    const { contents } = await seedMatterWithContent({ db, keyring, clock, matterId, count: 2 });
    // Encryption starts before the rotation; the key is saved after the rotation marked the old key.
    const vault = await openMatterVault({ db, keyring, matterId });
    const contentKey = vault.newContentKey({ documentId: 'doc_during', version: 1 });
    const plaintext = randomBytes(500);
    const { output: ciphertext } = await runTransform(contentKey.createEncryptStream(), plaintext);
    await expect(
      rotateMatterKey({
        db,
        keyring,
        clock,
        ledger,
        matterId,
        actor,
        batchSize: 1,
        onProgress: () => {
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    await db.transaction().execute((trx) => saveContentKey({ db: trx, keyring, clock, contentKey }));

    const keys = await listKeysOfMatter(db, matterId);
    const active = keys.find((row) => row.purpose === 'matter' && row.state === 'active');
    expect(keys.find((row) => row.id === contentKey.dataKeyId)?.parent_key_id).toBe(active?.id);

    await rotateMatterKey({ db, keyring, clock, ledger, matterId, actor });
    const saved = {
      dataKeyId: contentKey.dataKeyId,
      documentId: 'doc_during',
      version: 1,
      plaintext,
      ciphertext,
    };
    for (const content of [...contents, saved]) {
      expect((await readContent({ db, keyring, content })).equals(content.plaintext)).toBe(true);
    }
  });

  test('a rotation waits for a transaction saving a content key, then moves that key too', async () => {
    const db = getDb();
    const matterId = 'mat_concurrent';
    await seedMatterWithContent({ db, keyring, clock, matterId, count: 1 });
    const vault = await openMatterVault({ db, keyring, matterId });
    const contentKey = vault.newContentKey({ documentId: 'doc_concurrent', version: 1 });
    let rotation: Promise<{ rewrapped: number }> | undefined;
    let isRotated = false;
    await db.transaction().execute(async (trx) => {
      await saveContentKey({ db: trx, keyring, clock, contentKey });
      rotation = rotateMatterKey({ db, keyring, clock, ledger, matterId, actor }).then((result) => {
        isRotated = true;
        return result;
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(isRotated).toBe(false);
    });
    await rotation;
    const keys = await listKeysOfMatter(db, matterId);
    const active = keys.find((row) => row.purpose === 'matter' && row.state === 'active');
    expect(
      keys.filter((row) => row.purpose !== 'matter').every((row) => row.parent_key_id === active?.id),
    ).toBe(true);
    expect(keys.find((row) => row.id === contentKey.dataKeyId)?.wrapped).not.toBeNull();
  });

  test('destroying a matter erases every wrapped key of it; nothing of it opens again and it is recorded once', async () => {
    const db = getDb();
    const matterId = 'mat_shred';
    const { contents } = await seedMatterWithContent({ db, keyring, clock, matterId, count: 3 });
    await seedMatterWithContent({ db, keyring, clock, matterId: 'mat_shred_neighbour', count: 1 });
    const vault = await openMatterVault({ db, keyring, matterId });
    const pending = vault.newContentKey({ documentId: 'doc_late', version: 1 });

    const { destroyed } = await destroyMatterKeys({ db, clock, ledger, matterId, actor });

    expect(destroyed).toBe(5);
    const rows = await listKeysOfMatter(db, matterId);
    expect(rows).toHaveLength(5);
    expect(rows.filter((row) => row.wrapped !== null)).toEqual([]);
    expect(rows.every((row) => row.state === 'destroyed')).toBe(true);
    await expect(openMatterVault({ db, keyring, matterId })).rejects.toMatchObject({
      code: 'vault.matter_keys_destroyed',
      status: 410,
    });
    for (const content of contents) {
      await expect(readContent({ db, keyring, content })).rejects.toMatchObject({
        code: 'vault.matter_keys_destroyed',
      });
    }
    await expect(
      db.transaction().execute((trx) => saveContentKey({ db: trx, keyring, clock, contentKey: pending })),
    ).rejects.toMatchObject({ code: 'vault.matter_keys_destroyed' });
    await expect(rotateMatterKey({ db, keyring, clock, ledger, matterId, actor })).rejects.toMatchObject({
      code: 'vault.matter_keys_destroyed',
    });
    expect(await countPendingEvents(db, 'vault.matter_keys_destroyed', matterId)).toBe(1);
    expect(await destroyMatterKeys({ db, clock, ledger, matterId, actor })).toEqual({ destroyed: 0 });
    expect(await countPendingEvents(db, 'vault.matter_keys_destroyed', matterId)).toBe(1);
    // The neighbour is untouched.
    expect((await listKeysOfMatter(db, 'mat_shred_neighbour')).every((row) => row.wrapped !== null)).toBe(
      true,
    );
    await openMatterVault({ db, keyring, matterId: 'mat_shred_neighbour' });
  });

  test('a matter without keys is an internal error, not a shredded matter', async () => {
    const db = getDb();
    await expect(openMatterVault({ db, keyring, matterId: 'mat_unknown' })).rejects.toMatchObject({
      code: 'vault.key_not_found',
    });
    await expect(
      destroyMatterKeys({ db, clock, ledger, matterId: 'mat_unknown', actor }),
    ).rejects.toMatchObject({ code: 'vault.key_not_found' });
    expect(await countPendingEvents(db, 'vault.matter_keys_destroyed', 'mat_unknown')).toBe(0);
  });

  test('the installation key is created once, also when two callers race, and is stored wrapped', async () => {
    const db = getDb();
    const [a, b] = await Promise.all([
      loadInstallationKey({ db, keyring, clock }),
      loadInstallationKey({ db, keyring, clock }),
    ]);
    expect(a.equals(b)).toBe(true);
    expect((await loadInstallationKey({ db, keyring, clock })).equals(a)).toBe(true);
    const rows = await db
      .selectFrom('vault_keys')
      .selectAll()
      .where('purpose', '=', 'installation')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.wrapped).toMatch(/^w1\./);
    expect(rows[0]?.wrapped).not.toContain(a.toString('base64url'));
    const otherKeyring = createFileRootKeyring({ keys: [randomBytes(32)] });
    await expect(loadInstallationKey({ db, keyring: otherKeyring, clock })).rejects.toMatchObject({
      code: 'vault.root_key_unknown',
    });
  });

  test('a content key not made by a matter vault is refused', async () => {
    const db = getDb();
    await expect(
      db.transaction().execute((trx) =>
        saveContentKey({
          db: trx,
          keyring,
          clock,
          contentKey: {
            dataKeyId: 'dk_forged',
            matterId: 'mat_roundtrip',
            createEncryptStream: () => undefined as never,
          },
        }),
      ),
    ).rejects.toMatchObject({ code: 'vault.key_not_found' });
    expect(await db.selectFrom('vault_keys').select('id').where('id', '=', 'dk_forged').execute()).toEqual(
      [],
    );
    await storeContent({ db, keyring, clock, matterId: 'mat_roundtrip', documentId: 'doc_extra' });
  });
});
