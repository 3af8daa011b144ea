import type { Kysely } from 'kysely';
import type { BlobStore } from '../../shared/blobs/blob-store.js';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import type { SecretBox } from '../vault/vault.models.js';
import type { VaultEvent } from '../vault/vault.events.js';
import type { DocumentsEvent } from './documents.events.js';
import type { AccessGate } from './documents.matter-access.js';

export type DocumentsSettings = {
  /** Largest accepted upload, in plaintext bytes. */
  maxUploadBytes: number;
  /** Quota of a matter that sets none; undefined: unlimited. */
  defaultMatterQuotaBytes: number | undefined;
  /** A recorded upload older than this that never finished is abandoned: its blob is removed. */
  abandonedUploadMinutes: number;
};

export type DocumentsLedger = Pick<Ledger<DocumentsEvent | VaultEvent>, 'append'>;

/** What the documents front doors hand to its use-cases; each use-case takes the part it uses. */
export type DocumentsDependencies = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  blobStore: BlobStore;
  settings: DocumentsSettings;
  /** The policy decision point every use-case asks first. */
  access: AccessGate;
  /** Seals free text people write about a matter (access-request reasons). */
  secretBox: SecretBox;
};
