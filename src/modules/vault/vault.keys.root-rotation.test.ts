import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { createFileRootKeyring, deriveRootKeyId, loadRootKeyring } from './vault.root-keyring.js';
import { loadInstallationKey, openMatterVault, rotateRootKey } from './vault.keys.usecases.js';
import { countPendingEvents, readContent, seedMatterWithContent } from './vault.keys.test-utils.js';

describeOnDatabases('vault root key rotation', ({ getDb }) => {
  const clock = createTestClock();
  const ledger = createLedger({ clock });
  const actor = { type: 'system' } as const;
  const oldRootKey = randomBytes(32);
  const newRootKey = randomBytes(32);
  const oldKeyring = createFileRootKeyring({ keys: [oldRootKey] });

  test('after rotating, only the new root key opens anything: installation key, matter names and content', async () => {
    const db = getDb();
    const installationKey = await loadInstallationKey({ db, keyring: oldKeyring, clock });
    const matters = [];
    for (const matterId of ['mat_r1', 'mat_r2', 'mat_r3']) {
      matters.push({
        matterId,
        ...(await seedMatterWithContent({ db, keyring: oldKeyring, clock, matterId, count: 2 })),
      });
    }
    const oldKeyId = oldKeyring.currentKeyId;
    const rotating = createFileRootKeyring({ keys: [newRootKey, oldRootKey] });
    const progress: { rewrapped: number; remaining: number }[] = [];

    // Interrupted once, then resumed.
    await expect(
      rotateRootKey({
        db,
        keyring: rotating,
        clock,
        ledger,
        actor,
        batchSize: 1,
        onProgress: () => {
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    const { rewrapped } = await rotateRootKey({
      db,
      keyring: rotating,
      clock,
      ledger,
      actor,
      batchSize: 2,
      onProgress: (p) => progress.push(p),
    });

    expect(rewrapped).toBe(3);
    expect(progress.at(-1)).toEqual({ rewrapped: 3, remaining: 0 });
    const underOld = await db
      .selectFrom('vault_keys')
      .select('id')
      .where('parent_key_id', '=', oldKeyId)
      .where('wrapped', 'is not', null)
      .execute();
    expect(underOld).toEqual([]);
    expect(await countPendingEvents(db, 'vault.root_key_rotated', rotating.currentKeyId)).toBe(1);
    expect(await rotateRootKey({ db, keyring: rotating, clock, ledger, actor })).toEqual({ rewrapped: 0 });
    expect(await countPendingEvents(db, 'vault.root_key_rotated', rotating.currentKeyId)).toBe(1);

    const newKeyring = createFileRootKeyring({ keys: [newRootKey] });
    expect((await loadInstallationKey({ db, keyring: newKeyring, clock })).equals(installationKey)).toBe(
      true,
    );
    for (const { matterId, contents, sealedName } of matters) {
      const vault = await openMatterVault({ db, keyring: newKeyring, matterId });
      expect(vault.openText({ sealed: sealedName, context: `matters.name:${matterId}` })).toBe(
        `Matter ${matterId}`,
      );
      for (const content of contents) {
        expect((await readContent({ db, keyring: newKeyring, content })).equals(content.plaintext)).toBe(
          true,
        );
      }
      await expect(openMatterVault({ db, keyring: oldKeyring, matterId })).rejects.toMatchObject({
        code: 'vault.root_key_unknown',
      });
      for (const content of contents) {
        await expect(readContent({ db, keyring: oldKeyring, content })).rejects.toMatchObject({
          code: 'vault.root_key_unknown',
        });
      }
    }
    await expect(loadInstallationKey({ db, keyring: oldKeyring, clock })).rejects.toMatchObject({
      code: 'vault.root_key_unknown',
    });
  });
});

test('a root key id is stable, derived from the key alone, and names no key material', () => {
  const key = Buffer.alloc(32, 7);
  const id = deriveRootKeyId(key);
  expect(id).toMatch(/^rk_[A-Za-z0-9_-]{22}$/);
  expect(deriveRootKeyId(Buffer.alloc(32, 7))).toBe(id);
  expect(deriveRootKeyId(Buffer.alloc(32, 8))).not.toBe(id);
  expect(createFileRootKeyring({ keys: [key] }).currentKeyId).toBe(id);
});

test('while root.key.next exists the keyring wraps with the next key and still unwraps with the old one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'writ-keyring-'));
  try {
    const rootKeyFile = join(dir, 'root.key');
    const oldKey = randomBytes(32);
    const nextKey = randomBytes(32);
    writeFileSync(rootKeyFile, `WRIT-ROOT-KEY-1 ${oldKey.toString('base64url')}\n`, { mode: 0o600 });
    const before = loadRootKeyring({ rootKeyFile });
    expect(before.isRotationPending).toBe(false);
    expect(before.keyring.keyIds).toEqual([deriveRootKeyId(oldKey)]);
    const associatedData = Buffer.from('writ-key-v1:installation:vk_installation:-');
    const wrappedBefore = await before.keyring.wrap({ plaintext: Buffer.alloc(32, 1), associatedData });

    writeFileSync(`${rootKeyFile}.next`, `WRIT-ROOT-KEY-1 ${nextKey.toString('base64url')}\n`, {
      mode: 0o600,
    });
    const during = loadRootKeyring({ rootKeyFile });
    expect(during.isRotationPending).toBe(true);
    expect(during.keyring.currentKeyId).toBe(deriveRootKeyId(nextKey));
    expect(await during.keyring.unwrap({ ...wrappedBefore, associatedData })).toEqual(Buffer.alloc(32, 1));
    await expect(
      during.keyring.unwrap({
        ...wrappedBefore,
        associatedData: Buffer.from('writ-key-v1:matter:vk_x:mat_x'),
      }),
    ).rejects.toMatchObject({ code: 'vault.key_unwrap_failed' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
