import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../src/modules/database.js';
import type {
  DocumentsDependencies,
  DocumentsSettings,
} from '../../src/modules/documents/documents.dependencies.js';
import {
  type ByteRangeRequest,
  openDocumentContent,
} from '../../src/modules/documents/documents.downloads.usecases.js';
import { createMatter, setMatterMember } from '../../src/modules/documents/documents.matters.usecases.js';
import { type UploadTarget, uploadDocument } from '../../src/modules/documents/documents.uploads.usecases.js';
import { generateUserId, type Principal, type Role } from '../../src/modules/identity/identity.models.js';
import { loadPolicyEngine, type PolicyEngine } from '../../src/modules/access/access.policy.js';
import { createLedger } from '../../src/modules/ledger/ledger.usecases.js';
import { createFileRootKeyring } from '../../src/modules/vault/vault.root-keyring.js';
import { createSecretBox } from '../../src/modules/vault/vault.secret-box.js';
import { createFsBlobStore } from '../../src/shared/blobs/fs-blob-store.js';
import type { BlobStore } from '../../src/shared/blobs/blob-store.js';
import type { Clock } from '../../src/shared/clock/clock.js';
import { createTestClock } from '../../src/shared/clock/clock.test-utils.js';

export const testDocumentsSettings: DocumentsSettings = {
  maxUploadBytes: 64 * 1024 * 1024,
  defaultMatterQuotaBytes: undefined,
  abandonedUploadMinutes: 60,
};

let policyEngine: PolicyEngine | undefined;
/** The real policies, loaded once per test file. */
export function testPolicyEngine(): PolicyEngine {
  policyEngine ??= loadPolicyEngine();
  return policyEngine;
}

export type TestDocumentsDependencies = DocumentsDependencies & {
  /** Where the filesystem blob store keeps its files. */
  blobRoot: string;
  /** Removes the blob store's directory. */
  cleanup: () => void;
};

/**
 * Real documents collaborators for tests: a filesystem blob store in a fresh temporary directory, a file
 * root keyring over a random key and the real ledger.
 */
export function createTestDocumentsDependencies({
  db,
  clock,
  settings = {},
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  settings?: Partial<DocumentsSettings>;
}): TestDocumentsDependencies {
  const blobRoot = mkdtempSync(join(tmpdir(), 'writ-blobs-'));
  return {
    db,
    clock,
    keyring: createFileRootKeyring({ keys: [randomBytes(32)] }),
    ledger: createLedger({ clock }),
    blobStore: createFsBlobStore({ rootDir: blobRoot }),
    settings: { ...testDocumentsSettings, ...settings },
    access: { policy: testPolicyEngine(), stepUpMinutes: 10 },
    secretBox: createSecretBox({ key: randomBytes(32) }),
    blobRoot,
    cleanup: () => {
      rmSync(blobRoot, { recursive: true, force: true });
    },
  };
}

/**
 * A user row (memberships reference users) and a principal standing for a signed-in session of it, with a
 * fresh second factor. The password hash is a placeholder: these users never sign in.
 */
export async function createTestPrincipal({
  db,
  clock,
  role = 'lawyer',
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  role?: Role;
}): Promise<Principal> {
  const userId = generateUserId();
  const now = clock.now().getTime();
  await db
    .insertInto('users')
    .values({
      id: userId,
      username: `${role.replace('_', '-')}-${randomBytes(4).toString('hex')}`,
      role,
      password_hash: '$argon2id$placeholder',
      password_changed_at: null,
      created_at: now,
      updated_at: now,
      email_sealed: null,
    })
    .execute();
  return {
    userId,
    role,
    via: 'session',
    sessionId: 'ses_x',
    apiTokenId: undefined,
    secondFactorAt: clock.now(),
    scopes: undefined,
  };
}

/** Splits `content` into chunks, as a network stream delivers it. */
export function readableOf(content: Buffer, chunkSize = 64 * 1024): Readable {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += chunkSize) {
    chunks.push(content.subarray(offset, offset + chunkSize));
  }
  return Readable.from(chunks);
}

/** Every byte of a stream; rejects with the stream's error. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** What a stream delivered before it failed, and the failure (undefined when it ended normally). */
export async function readUntilError(stream: Readable): Promise<{ received: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return { received: Buffer.concat(chunks), error: undefined };
  } catch (error) {
    return { received: Buffer.concat(chunks), error };
  }
}

export function sha256Hex(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Every key the blob store holds under `prefix`. */
export async function listBlobKeys(blobStore: BlobStore, prefix = 'content/'): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of blobStore.list({ prefix })) keys.push(key);
  return keys;
}

/** Every file under `dir`, recursively (the blob store's temporary files included). */
export function listFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * A database and collaborators with a lawyer who owns a fresh matter, and shortcuts to upload and download
 * through the real use-cases. Each call has its own clock, blob directory and keyring.
 */
export async function createDocumentsFixtures({
  db,
  settings = {},
  blobStore,
}: {
  db: Kysely<WritDatabase>;
  settings?: Partial<DocumentsSettings>;
  /** Another store than the default filesystem one (the S3 tests). */
  blobStore?: BlobStore;
}) {
  const clock = createTestClock();
  const fsDeps = createTestDocumentsDependencies({ db, clock, settings });
  const deps = blobStore === undefined ? fsDeps : { ...fsDeps, blobStore };
  const user = (role: Role = 'lawyer') => createTestPrincipal({ db, clock, role });
  const lawyer = await user('lawyer');
  const matter = await createMatter({ ...deps, principal: lawyer, name: 'Smith v Jones' });

  const upload = ({
    principal = lawyer,
    target = { matterId: matter.id, name: 'Brief.pdf' },
    content,
    ...rest
  }: {
    principal?: Principal;
    target?: UploadTarget;
    content: Buffer | Readable;
    mediaType?: string;
    declaredLength?: number;
    expectedSha256?: string;
  }) =>
    uploadDocument({
      ...deps,
      principal,
      target,
      content: Buffer.isBuffer(content) ? readableOf(content) : content,
      ...rest,
    });

  const download = ({
    principal = lawyer,
    documentId,
    version,
    range,
  }: {
    principal?: Principal;
    documentId: string;
    version?: number;
    range?: ByteRangeRequest;
  }) => openDocumentContent({ ...deps, principal, documentId, version, range });

  /** Adds `principal` to the matter with `role`, as the owning lawyer. */
  const addMember = (principal: Principal, role: string, expiresAt?: Date) =>
    setMatterMember({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      userId: principal.userId,
      role,
      expiresAt,
    });

  return { db, clock, deps, user, lawyer, matter, upload, download, addMember };
}
