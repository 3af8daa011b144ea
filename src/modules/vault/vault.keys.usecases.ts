import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { VaultEvent } from './vault.events.js';
import type {
  ContentKey,
  MatterVault,
  OpenedContentKey,
  RootKeyring,
  RotationProgress,
} from './vault.keys.models.js';

type VaultLedger = Pick<Ledger<VaultEvent>, 'append'>;

const notBuilt = (): never => {
  throw new Error('not built yet');
};

/**
 * Creates a matter's key (wrapped by the root key) and its metadata key (wrapped by the matter key) in the
 * caller's transaction, so that a matter never exists without its keys.
 */
export async function createMatterKeys(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  matterId: string;
  generateId?: IdGenerator;
}): Promise<void> {
  return notBuilt();
}

/**
 * Opens a matter's active keys for one use-case. `vault.matter_keys_destroyed` (410) once the matter was
 * crypto-shredded.
 */
export async function openMatterVault(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  matterId: string;
}): Promise<MatterVault> {
  return notBuilt();
}

/**
 * Stores a new version's data key wrapped by the matter's active key, in the transaction that stores the
 * version. If the matter key was rotated while the content was being encrypted, the data key is wrapped by
 * the new one.
 */
export async function saveContentKey(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  contentKey: ContentKey;
}): Promise<void> {
  return notBuilt();
}

/** Opens a stored version's data key; the associated data is rebuilt from documentId and version. */
export async function openContentKey(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  dataKeyId: string;
  documentId: string;
  version: number;
}): Promise<OpenedContentKey> {
  return notBuilt();
}

/**
 * Moves every data key of the matter under a fresh matter key, in batches, then destroys the old matter key.
 * Content is not re-encrypted. Safe to run again after an interruption: it resumes with the keys still under
 * a retiring matter key.
 */
export async function rotateMatterKey(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  ledger: VaultLedger;
  matterId: string;
  actor: EventActor;
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
}): Promise<{ rewrapped: number }> {
  return notBuilt();
}

/**
 * Crypto-shreds a matter: erases every wrapped key of the matter (matter keys and data keys) and records
 * the destruction. Irreversible: the matter's content and sealed names can no longer be opened by anyone.
 */
export async function destroyMatterKeys(args: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: VaultLedger;
  matterId: string;
  actor: EventActor;
}): Promise<{ destroyed: number }> {
  return notBuilt();
}

/**
 * Re-wraps every key wrapped by a root key other than `keyring.currentKeyId` (installation and matter keys)
 * under the current one. Resumable; returns when nothing is left under an old root key.
 */
export async function rotateRootKey(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
  ledger: VaultLedger;
  actor: EventActor;
  batchSize?: number;
  onProgress?: (progress: RotationProgress) => void;
}): Promise<{ rewrapped: number }> {
  return notBuilt();
}

/**
 * The installation key (random, wrapped by the root key), created on first use. The secret box and keyed
 * hasher derive from it rather than from the root key, so that rotating the root key re-wraps one row.
 */
export async function loadInstallationKey(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  clock: Clock;
}): Promise<Buffer> {
  return notBuilt();
}
