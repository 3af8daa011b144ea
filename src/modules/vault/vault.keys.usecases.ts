import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { VaultEvent } from './vault.events.js';
import { deriveSubkey, unwrapKey, wrapKey } from './vault.key-wrap.js';
import {
  createKeyNotFoundError,
  createMatterKeysDestroyedError,
  createMatterKeysExistError,
} from './vault.keys.errors.js';
import {
  type ContentKey,
  generateDataKeyId,
  generateVaultKeyId,
  installationKeyId,
  keyAssociatedData,
  type KeyPurpose,
  type MatterVault,
  type OpenedContentKey,
  type RootKeyring,
  type RotationProgress,
} from './vault.keys.models.js';
import {
  createVaultKeysRepository,
  type DataKeyWithParent,
  type VaultKeysRepository,
} from './vault.keys.repository.js';
import { createMatterVault, createOpenedContentKey, readContentKeyMaterial } from './vault.matter-vault.js';

type VaultLedger = Pick<Ledger<VaultEvent>, 'append'>;

const keySize = 32;
const defaultBatchSize = 500;

/**
 * A matter key wraps data keys through a subkey (HKDF-SHA-256, info `writ matter wrap v1`).
 * @NOTE Part of every stored data key: changing it strands them.
 */
function matterWrappingKey(matterKey: Uint8Array): Buffer {
  return deriveSubkey({ key: matterKey, info: 'writ matter wrap v1' });
}

async function unwrapRootWrapped({
  keyring,
  row,
}: {
  keyring: RootKeyring;
  row: { id: string; purpose: KeyPurpose; matterId: string | null; rootKeyId: string; wrapped: string };
}): Promise<Buffer> {
  return keyring.unwrap({
    keyId: row.rootKeyId,
    wrapped: row.wrapped,
    associatedData: keyAssociatedData({ purpose: row.purpose, keyId: row.id, matterId: row.matterId }),
  });
}

/** Opens a metadata or content key through its matter key; both rows come from one statement's snapshot. */
async function openDataKey({
  keyring,
  dataKey,
  purpose,
}: {
  keyring: RootKeyring;
  dataKey: DataKeyWithParent | undefined;
  purpose: 'metadata' | 'content';
}): Promise<Buffer> {
  if (dataKey?.purpose !== purpose) throw createKeyNotFoundError();
  if (dataKey.state === 'destroyed' || dataKey.wrapped === null) throw createMatterKeysDestroyedError();
  const parent = dataKey.parent;
  if (parent === undefined || parent.wrapped === null) {
    throw createKeyNotFoundError({ message: `The matter key wrapping ${dataKey.id} is missing.` });
  }
  const matterKey = await unwrapRootWrapped({
    keyring,
    row: {
      id: parent.id,
      purpose: 'matter',
      matterId: dataKey.matterId,
      rootKeyId: parent.rootKeyId,
      wrapped: parent.wrapped,
    },
  });
  return unwrapKey({
    wrappingKey: matterWrappingKey(matterKey),
    wrapped: dataKey.wrapped,
    associatedData: keyAssociatedData({ purpose, keyId: dataKey.id, matterId: dataKey.matterId }),
  });
}

/** Why a matter has no usable key: shredded (410) or never given keys (a bug). */
async function explainMissingMatterKey({
  repository,
  matterId,
}: {
  repository: VaultKeysRepository;
  matterId: string;
}): Promise<never> {
  const { total, destroyed } = await repository.countKeysOfMatter(matterId);
  if (total > 0 && destroyed === total) throw createMatterKeysDestroyedError();
  throw createKeyNotFoundError({ message: `Matter ${matterId} has no active matter key.` });
}

/**
 * Creates a matter's key (wrapped by the root key) and its metadata key (wrapped by the matter key) in the
 * caller's transaction, so that a matter never exists without its keys.
 */
export async function createMatterKeys({
  db,
  keyring,
  clock,
  matterId,
  generateId = generateVaultKeyId,
  generateDataKeyId: generateMetadataKeyId = generateDataKeyId,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  matterId: string;
  /** The matter key's id (`vk_…`). */
  generateId?: IdGenerator;
  /** The metadata key's id (`dk_…`). */
  generateDataKeyId?: IdGenerator;
}): Promise<void> {
  const repository = createVaultKeysRepository({ db });
  if ((await repository.listMatterKeys(matterId)).length > 0) throw createMatterKeysExistError();
  const now = clock.now().getTime();
  const matterKeyId = generateId();
  const matterKey = randomBytes(keySize);
  const { keyId: rootKeyId, wrapped } = await keyring.wrap({
    plaintext: matterKey,
    associatedData: keyAssociatedData({ purpose: 'matter', keyId: matterKeyId, matterId }),
  });
  await repository.insertKey({
    id: matterKeyId,
    purpose: 'matter',
    matter_id: matterId,
    parent_key_id: rootKeyId,
    state: 'active',
    wrapped,
    created_at: now,
    destroyed_at: null,
  });
  const metadataKeyId = generateMetadataKeyId();
  await repository.insertKey({
    id: metadataKeyId,
    purpose: 'metadata',
    matter_id: matterId,
    parent_key_id: matterKeyId,
    state: 'active',
    wrapped: wrapKey({
      wrappingKey: matterWrappingKey(matterKey),
      plaintext: randomBytes(keySize),
      associatedData: keyAssociatedData({ purpose: 'metadata', keyId: metadataKeyId, matterId }),
    }),
    created_at: now,
    destroyed_at: null,
  });
}

/**
 * Opens a matter's active keys for one use-case. `vault.matter_keys_destroyed` (410) once the matter was
 * crypto-shredded.
 */
export async function openMatterVault({
  db,
  keyring,
  matterId,
  generateId,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  matterId: string;
  /** Ids of new content keys (`dk_…`). */
  generateId?: IdGenerator;
}): Promise<MatterVault> {
  const repository = createVaultKeysRepository({ db });
  const dataKey = await repository.findMetadataKeyWithParent(matterId);
  if (dataKey === undefined) return explainMissingMatterKey({ repository, matterId });
  const metadataKey = await openDataKey({ keyring, dataKey, purpose: 'metadata' });
  return createMatterVault({ matterId, metadataKey, ...(generateId === undefined ? {} : { generateId }) });
}

/**
 * Stores a new version's data key wrapped by the matter's active key, in the transaction that stores the
 * version. If the matter key was rotated while the content was being encrypted, the data key is wrapped by
 * the new one.
 * @NOTE On PostgreSQL the active matter key is read `FOR SHARE`: a rotation marking it retiring waits for
 * this transaction, so the data key is either wrapped by the new key or found by the rotation's batches.
 */
export async function saveContentKey({
  db,
  keyring,
  clock,
  contentKey,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  contentKey: ContentKey;
}): Promise<void> {
  const plaintext = readContentKeyMaterial(contentKey);
  if (plaintext === undefined) {
    throw createKeyNotFoundError({
      message: 'The content key was not created by MatterVault.newContentKey.',
    });
  }
  const { matterId, dataKeyId } = contentKey;
  const repository = createVaultKeysRepository({ db });
  // Read committed: a statement that waited on a rotation's mark no longer sees the old key as active and
  // its snapshot predates the new one; the next statement sees it.
  let active;
  for (let attempt = 0; attempt < 3 && active === undefined; attempt += 1) {
    active = await repository.findActiveMatterKey({ matterId, forShare: true });
  }
  if (active?.wrapped == null) return explainMissingMatterKey({ repository, matterId });
  const matterKey = await unwrapRootWrapped({
    keyring,
    row: {
      id: active.id,
      purpose: 'matter',
      matterId,
      rootKeyId: active.parent_key_id,
      wrapped: active.wrapped,
    },
  });
  await repository.insertKey({
    id: dataKeyId,
    purpose: 'content',
    matter_id: matterId,
    parent_key_id: active.id,
    state: 'active',
    wrapped: wrapKey({
      wrappingKey: matterWrappingKey(matterKey),
      plaintext,
      associatedData: keyAssociatedData({ purpose: 'content', keyId: dataKeyId, matterId }),
    }),
    created_at: clock.now().getTime(),
    destroyed_at: null,
  });
}

/** Opens a stored version's data key; the associated data is rebuilt from documentId and version. */
export async function openContentKey({
  db,
  keyring,
  dataKeyId,
  documentId,
  version,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  dataKeyId: string;
  documentId: string;
  version: number;
}): Promise<OpenedContentKey> {
  const repository = createVaultKeysRepository({ db });
  const dataKey = await repository.findDataKeyWithParent(dataKeyId);
  const key = await openDataKey({ keyring, dataKey, purpose: 'content' });
  return createOpenedContentKey({ key, documentId, version });
}

/**
 * Moves every data key of the matter under a fresh matter key, in batches, then destroys the old matter key.
 * Content is not re-encrypted. Safe to run again after an interruption: it resumes with the keys still under
 * a retiring matter key. `rewrapped` (also in the event) counts the keys this run moved.
 */
export async function rotateMatterKey({
  db,
  keyring,
  clock,
  ledger,
  matterId,
  actor,
  batchSize = defaultBatchSize,
  onProgress,
  generateId = generateVaultKeyId,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  ledger: VaultLedger;
  matterId: string;
  actor: EventActor;
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
  /** The new matter key's id (`vk_…`). */
  generateId?: IdGenerator;
}): Promise<{ rewrapped: number }> {
  const { retiring, active } = await db.transaction().execute(async (trx) => {
    const repository = createVaultKeysRepository({ db: trx });
    await repository.lockMatterKeys(matterId);
    const live = (await repository.listMatterKeys(matterId)).filter((key) => key.state !== 'destroyed');
    if (live.length === 0) return explainMissingMatterKey({ repository, matterId });
    const current = live.find((key) => key.state === 'active');
    if (current === undefined) {
      throw createKeyNotFoundError({ message: `Matter ${matterId} has no active matter key.` });
    }
    const stillRetiring = live.filter((key) => key.state === 'retiring');
    if (stillRetiring.length > 0) return { retiring: stillRetiring, active: current };

    await repository.markKeyRetiring(current.id);
    const newKeyId = generateId();
    const { keyId: rootKeyId, wrapped } = await keyring.wrap({
      plaintext: randomBytes(keySize),
      associatedData: keyAssociatedData({ purpose: 'matter', keyId: newKeyId, matterId }),
    });
    const newKey = {
      id: newKeyId,
      purpose: 'matter' as const,
      matter_id: matterId,
      parent_key_id: rootKeyId,
      state: 'active' as const,
      wrapped,
      created_at: clock.now().getTime(),
      destroyed_at: null,
    };
    await repository.insertKey(newKey);
    return { retiring: [{ ...current, state: 'retiring' as const }], active: newKey };
  });

  const openMatterKey = async (key: { id: string; parent_key_id: string; wrapped: string | null }) => {
    if (key.wrapped === null) throw createKeyNotFoundError({ message: `Matter key ${key.id} is erased.` });
    const plaintext = await unwrapRootWrapped({
      keyring,
      row: { id: key.id, purpose: 'matter', matterId, rootKeyId: key.parent_key_id, wrapped: key.wrapped },
    });
    return matterWrappingKey(plaintext);
  };
  const retiringIds = retiring.map((key) => key.id);
  const fromKeys = new Map<string, Buffer>();
  for (const key of retiring) fromKeys.set(key.id, await openMatterKey(key));
  const toKey = await openMatterKey(active);

  let rewrapped = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const repository = createVaultKeysRepository({ db: trx });
      await repository.lockMatterKeys(matterId);
      const rows = await repository.listDataKeysUnder({ parentKeyIds: retiringIds, limit: batchSize });
      let moved = 0;
      for (const row of rows) {
        const fromKey = fromKeys.get(row.parent_key_id);
        if (fromKey === undefined || row.wrapped === null) continue;
        const associatedData = keyAssociatedData({
          purpose: row.purpose,
          keyId: row.id,
          matterId: row.matter_id,
        });
        const plaintext = unwrapKey({ wrappingKey: fromKey, wrapped: row.wrapped, associatedData });
        const { isReplaced } = await repository.replaceWrapped({
          id: row.id,
          fromParentKeyId: row.parent_key_id,
          fromWrapped: row.wrapped,
          toParentKeyId: active.id,
          toWrapped: wrapKey({ wrappingKey: toKey, plaintext, associatedData }),
        });
        if (isReplaced) moved += 1;
      }
      if (rows.length > 0) {
        return { isDone: false, moved, remaining: await repository.countDataKeysUnder(retiringIds) };
      }
      const stillRetiring = (await repository.listMatterKeys(matterId)).filter(
        (key) => retiringIds.includes(key.id) && key.state === 'retiring',
      );
      // Another run finished this rotation meanwhile: it recorded it.
      if (stillRetiring.length === 0) return { isDone: true, moved, remaining: 0 };
      await repository.destroyKeys({ ids: stillRetiring.map((key) => key.id), at: clock.now().getTime() });
      await ledger.append({
        db: trx,
        event: {
          kind: 'vault.matter_key_rotated',
          actor,
          data: { matterId, oldKeyIds: stillRetiring.map((key) => key.id), newKeyId: active.id, rewrapped },
        },
      });
      return { isDone: true, moved, remaining: 0 };
    });
    if (batch.isDone) return { rewrapped };
    rewrapped += batch.moved;
    onProgress?.({ rewrapped, remaining: batch.remaining });
  }
}

/**
 * Crypto-shreds a matter: erases every wrapped key of the matter (matter keys and data keys) and records
 * the destruction. Irreversible: the matter's content and sealed names can no longer be opened by anyone.
 * A matter already shredded is left as it is and recorded once only (`destroyed: 0`).
 */
export async function destroyMatterKeys({
  db,
  clock,
  ledger,
  matterId,
  actor,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: VaultLedger;
  matterId: string;
  actor: EventActor;
}): Promise<{ destroyed: number }> {
  // In the caller's transaction when it has one: the module that owns the matter marks it shredded in
  // the same commit.
  return inTransaction(db, async (trx) => {
    const repository = createVaultKeysRepository({ db: trx });
    await repository.lockMatterKeys(matterId);
    const { total } = await repository.countKeysOfMatter(matterId);
    if (total === 0) throw createKeyNotFoundError({ message: `Matter ${matterId} has no keys.` });
    const { destroyed, matterKeyIds } = await repository.destroyKeysOfMatter({
      matterId,
      at: clock.now().getTime(),
    });
    if (destroyed === 0) return { destroyed };
    await ledger.append({
      db: trx,
      event: { kind: 'vault.matter_keys_destroyed', actor, data: { matterId, keyIds: matterKeyIds } },
    });
    return { destroyed };
  });
}

/**
 * Re-wraps every key wrapped by a root key other than `keyring.currentKeyId` (installation and matter keys)
 * under the current one. Resumable; returns when nothing is left under an old root key. The event is
 * appended in the transaction of the last batch, so an interruption never loses it nor records it twice.
 */
export async function rotateRootKey({
  db,
  keyring,
  ledger,
  actor,
  batchSize = defaultBatchSize,
  onProgress,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  ledger: VaultLedger;
  actor: EventActor;
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
}): Promise<{ rewrapped: number }> {
  const currentKeyId = keyring.currentKeyId;
  const oldKeyIds = keyring.keyIds.filter((keyId) => keyId !== currentKeyId);
  let rewrapped = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const repository = createVaultKeysRepository({ db: trx });
      const rows = await repository.listRootWrappedKeysNotUnder({ currentKeyId, limit: batchSize });
      let moved = 0;
      for (const row of rows) {
        if (row.wrapped === null) continue;
        const associatedData = keyAssociatedData({
          purpose: row.purpose,
          keyId: row.id,
          matterId: row.matter_id,
        });
        const plaintext = await keyring.unwrap({
          keyId: row.parent_key_id,
          wrapped: row.wrapped,
          associatedData,
        });
        const { keyId, wrapped } = await keyring.wrap({ plaintext, associatedData });
        const { isReplaced } = await repository.replaceWrapped({
          id: row.id,
          fromParentKeyId: row.parent_key_id,
          fromWrapped: row.wrapped,
          toParentKeyId: keyId,
          toWrapped: wrapped,
        });
        if (isReplaced) moved += 1;
      }
      if (rows.length === 0) return { found: 0, moved, remaining: 0 };
      const remaining = await repository.countRootWrappedKeysNotUnder(currentKeyId);
      if (remaining === 0) {
        await ledger.append({
          db: trx,
          event: {
            kind: 'vault.root_key_rotated',
            actor,
            data: { oldKeyIds, newKeyId: currentKeyId, rewrapped: rewrapped + moved },
          },
        });
      }
      return { found: rows.length, moved, remaining };
    });
    if (batch.found === 0) return { rewrapped };
    rewrapped += batch.moved;
    onProgress?.({ rewrapped, remaining: batch.remaining });
    if (batch.remaining === 0) return { rewrapped };
  }
}

/**
 * The installation key (random, wrapped by the root key), created on first use. The secret box and keyed
 * hasher derive from it rather than from the root key, so that rotating the root key re-wraps one row.
 * Two processes creating it at once both return the one stored first.
 */
export async function loadInstallationKey({
  db,
  keyring,
  clock,
}: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
}): Promise<Buffer> {
  const repository = createVaultKeysRepository({ db });
  const associatedData = keyAssociatedData({
    purpose: 'installation',
    keyId: installationKeyId,
    matterId: null,
  });
  let row = await repository.findKey(installationKeyId);
  if (row === undefined) {
    const { keyId, wrapped } = await keyring.wrap({ plaintext: randomBytes(keySize), associatedData });
    await repository.insertKeyUnlessExists({
      id: installationKeyId,
      purpose: 'installation',
      matter_id: null,
      parent_key_id: keyId,
      state: 'active',
      wrapped,
      created_at: clock.now().getTime(),
      destroyed_at: null,
    });
    row = await repository.findKey(installationKeyId);
  }
  if (row?.wrapped == null) throw createKeyNotFoundError({ message: 'The installation key is missing.' });
  return keyring.unwrap({ keyId: row.parent_key_id, wrapped: row.wrapped, associatedData });
}

/**
 * How many live keys each root key id wraps (installation and matter keys): `writ doctor` compares them
 * with the root keys the installation holds. A key under a root key it does not hold cannot be opened.
 */
export async function countKeysByRootKey({
  db,
}: {
  db: Kysely<WritDatabase>;
}): Promise<{ rootKeyId: string; count: number }[]> {
  const rows = await db
    .selectFrom('vault_keys')
    .select(['parent_key_id', (eb) => eb.fn.countAll<number | string>().as('count')])
    .where('purpose', 'in', ['installation', 'matter'])
    .where('state', '!=', 'destroyed')
    .groupBy('parent_key_id')
    .orderBy('parent_key_id')
    .execute();
  return rows.map((row) => ({ rootKeyId: row.parent_key_id, count: Number(row.count) }));
}
