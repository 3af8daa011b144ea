import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { isErrorWithCode, isWritError } from '../../shared/errors/errors.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { ContentKey, MatterVault } from '../vault/vault.keys.models.js';
import { openMatterVault, saveContentKey } from '../vault/vault.keys.usecases.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { createContentMeter } from './documents.content-meter.js';
import {
  createChecksumInvalidError,
  createChecksumMismatchError,
  createDocumentNotFoundError,
  createDocumentTrashedError,
  createNameTakenError,
  createQuotaExceededError,
  createUploadIncompleteError,
  createUploadTooLargeError,
  createVersionConflictError,
} from './documents.errors.js';
import { requireFolderAccess, requireLiveFolder, toDocumentSummary } from './documents.folders.usecases.js';
import { type AccessGate, folderClassification, requireMatterAccess } from './documents.matter-access.js';
import { requireReadableDocument } from './documents.read.js';
import { actorOf } from './documents.matters.usecases.js';
import {
  contentBlobKey,
  type DocumentSummary,
  type DocumentVersion,
  generateBlobId,
  generateDocumentId,
  generateUploadId,
  generateVersionId,
  normalizeMediaType,
  sealContext,
  sha256HexPattern,
} from './documents.models.js';
import { isUniqueViolation, requireNameFree, sealName } from './documents.naming.js';
import { createDocumentsRepository, type MatterWithRole } from './documents.repository.js';
import type { DocumentsTable, FoldersTable } from './documents.tables.js';

export type UploadTarget =
  /** A new document in a folder (the matter's root when omitted); same name as a live document: a new version of it. */
  | { matterId: string; folderId?: string | undefined; name: string }
  /** A new version of an existing document. */
  | { documentId: string };

export type UploadArgs = DocumentsDependencies & {
  principal: Principal;
  target: UploadTarget;
  content: Readable;
  mediaType?: string | undefined;
  /** Content-Length when the client sent one: checked before reading and against what arrives. */
  declaredLength?: number | undefined;
  /** Hex SHA-256 the client expects; the version becomes visible only if the content matches it. */
  expectedSha256?: string | undefined;
  signal?: AbortSignal | undefined;
};

export type UploadResult = {
  document: DocumentSummary;
  version: DocumentVersion;
  created: boolean;
  /** The ledger entry recording this upload: its receipt is at /api/ledger/receipts/<id>. */
  receiptEntryId: string;
};

type Placement = {
  matter: MatterWithRole;
  vault: MatterVault;
  documentId: string;
  existing: DocumentsTable | undefined;
  folderId: string;
  name: { name_sealed: string; name_lookup: string } | undefined;
  version: number;
  /** The caller named a folder and a name rather than a document: the commit asks again what was asked. */
  isByName: boolean;
};

/**
 * Stores an upload as a new version: streamed through SHA-256 and the vault's cipher into the blob store in
 * one pass, then committed with its key, its quota use and its ledger event in one transaction, which first
 * asks the policy again (an upload can outlast the caller's access). Until that commit nothing is visible;
 * an upload cut off at any point leaves a recorded upload row whose blob the abandoned-upload sweep removes.
 */
export async function uploadDocument(args: UploadArgs): Promise<UploadResult> {
  const { settings, expectedSha256, declaredLength } = args;
  if (expectedSha256 !== undefined && !sha256HexPattern.test(expectedSha256))
    throw createChecksumInvalidError();
  if (declaredLength !== undefined && declaredLength > settings.maxUploadBytes)
    throw createUploadTooLargeError();
  const placement = await placeUpload(args);
  const quotaLeft = quotaRemaining(placement.matter);
  if (declaredLength !== undefined && quotaLeft !== undefined && declaredLength > quotaLeft) {
    throw createQuotaExceededError();
  }
  const repository = createDocumentsRepository({ db: args.db });
  const uploadId = generateUploadId();
  const blobKey = contentBlobKey({ matterId: placement.matter.id, blobId: generateBlobId() });
  await repository.insertUpload({
    id: uploadId,
    matter_id: placement.matter.id,
    blob_key: blobKey,
    started_by: args.principal.userId,
    started_at: args.clock.now().getTime(),
  });
  try {
    const contentKey = placement.vault.newContentKey({
      documentId: placement.documentId,
      version: placement.version,
    });
    const stored = await storeContent({ ...args, contentKey, blobKey, quotaLeft });
    if (expectedSha256 !== undefined && stored.sha256 !== expectedSha256) throw createChecksumMismatchError();
    return await commitVersion({ ...args, placement, contentKey, blobKey, uploadId, stored });
  } catch (error) {
    // The blob is removed now; if this process dies first, the sweep finds the upload row.
    await args.blobStore.delete({ key: blobKey }).catch(() => undefined);
    await repository.deleteUpload({ uploadId }).catch(() => undefined);
    if (isUniqueViolation(error)) {
      throw placement.existing === undefined ? createNameTakenError() : createVersionConflictError();
    }
    throw error;
  }
}

function quotaRemaining(matter: MatterWithRole): number | undefined {
  return matter.quota_bytes === null ? undefined : Math.max(matter.quota_bytes - matter.used_bytes, 0);
}

async function placeUpload({
  access,
  db,
  clock,
  keyring,
  principal,
  target,
}: UploadArgs): Promise<Placement> {
  const gate = { access, db, clock, principal };
  if ('documentId' in target) {
    const { document: existing, matter } = await requireWritableDocument({
      ...gate,
      documentId: target.documentId,
    });
    const vault = await openMatterVault({ db, keyring, matterId: matter.id });
    return {
      matter,
      vault,
      documentId: existing.id,
      existing,
      folderId: existing.folder_id,
      name: undefined,
      version: existing.current_version + 1,
      isByName: false,
    };
  }
  const { matter, folder } = await requireWritableFolder({
    ...gate,
    matterId: target.matterId,
    folderId: target.folderId,
  });
  const vault = await openMatterVault({ db, keyring, matterId: matter.id });
  const documentId = generateDocumentId();
  const name = sealName({ vault, rawName: target.name, context: sealContext.documentName(documentId) });
  const repository = createDocumentsRepository({ db });
  const namesake = await repository.findLiveDocumentByName({
    folderId: folder.id,
    nameLookup: name.name_lookup,
  });
  if (namesake !== undefined) {
    const { document: existing } = await requireWritableNamesake({ ...gate, documentId: namesake.id });
    return {
      matter,
      vault,
      documentId: existing.id,
      existing,
      folderId: folder.id,
      name: undefined,
      version: existing.current_version + 1,
      isByName: true,
    };
  }
  // Refused before any byte is read; the commit asks again, under the folder's lock.
  if (await repository.isNameTaken({ folderId: folder.id, nameLookup: name.name_lookup })) {
    throw createNameTakenError();
  }
  // Only the sealed form and the lookup hash: the row must never receive the plaintext `name`.
  const sealed = { name_sealed: name.name_sealed, name_lookup: name.name_lookup };
  return {
    matter,
    vault,
    documentId,
    existing: undefined,
    folderId: folder.id,
    name: sealed,
    version: 1,
    isByName: true,
  };
}

type UploadGate = { access: AccessGate; db: Kysely<WritDatabase>; clock: Clock; principal: Principal };

/** A document the caller may add a version to: one in a matter they cannot see answers as missing. */
async function requireWritableDocument({
  documentId,
  ...gate
}: UploadGate & { documentId: string }): Promise<{ document: DocumentsTable; matter: MatterWithRole }> {
  const { document, matter } = await requireReadableDocument({
    ...gate,
    documentId,
    action: 'document.write',
  });
  if (document.trashed_at !== null) throw createDocumentTrashedError();
  return { document, matter };
}

/** A live folder the caller may write into, asked of the matter first so that outsiders learn nothing of it. */
async function requireWritableFolder({
  matterId,
  folderId,
  ...gate
}: UploadGate & { matterId: string; folderId: string | undefined }): Promise<{
  matter: MatterWithRole;
  folder: FoldersTable;
}> {
  const matter = await requireMatterAccess({ ...gate, matterId, action: 'document.write' });
  const folder = await requireLiveFolder({
    db: gate.db,
    matterId: matter.id,
    folderId: folderId ?? matter.root_folder_id,
  });
  await requireFolderAccess({ ...gate, matter, folder, action: 'document.write' });
  return { matter, folder };
}

/**
 * The live document already holding the uploaded name, if the caller may write a version of it. One they may
 * not see answers as a taken name: the collision cannot be hidden, its id, version and size can.
 */
async function requireWritableNamesake(
  args: UploadGate & { documentId: string },
): Promise<{ document: DocumentsTable; matter: MatterWithRole }> {
  try {
    return await requireWritableDocument(args);
  } catch (error) {
    if (isErrorWithCode({ error, code: createDocumentNotFoundError.code })) throw createNameTakenError();
    throw error;
  }
}

/**
 * The placement's questions asked again on the commit's transaction: while the content streamed the caller
 * may have been removed or screened, the matter closed, the folder or the document trashed. A refusal answers
 * as a fresh upload would; returns the matter as it is now.
 */
async function requireStillWritable({
  placement,
  ...gate
}: UploadGate & { placement: Placement }): Promise<MatterWithRole> {
  const { matter, documentId, existing, folderId, isByName } = placement;
  if (!isByName) return (await requireWritableDocument({ ...gate, documentId })).matter;
  const current = await requireWritableFolder({ ...gate, matterId: matter.id, folderId });
  if (existing !== undefined) await requireWritableNamesake({ ...gate, documentId });
  return current.matter;
}

type StoredContent = { size: number; ciphertextSize: number; sha256: string };

async function storeContent({
  content,
  contentKey,
  blobKey,
  blobStore,
  settings,
  quotaLeft,
  declaredLength,
  signal,
}: UploadArgs & {
  contentKey: ContentKey;
  blobKey: string;
  quotaLeft: number | undefined;
}): Promise<StoredContent> {
  const isQuotaTighter = quotaLeft !== undefined && quotaLeft < settings.maxUploadBytes;
  const meter = createContentMeter({
    limit: isQuotaTighter ? quotaLeft : settings.maxUploadBytes,
    createLimitError: isQuotaTighter ? createQuotaExceededError : createUploadTooLargeError,
  });
  const encrypt = contentKey.createEncryptStream();
  const piping = pipeline(content, meter, encrypt);
  // A store that fails on its own stops the pipeline too, so that neither side waits for the other.
  const storing = blobStore
    .put({ key: blobKey, source: encrypt, ...(signal === undefined ? {} : { signal }) })
    .catch((error: unknown) => {
      encrypt.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    });
  const [piped, stored] = await Promise.allSettled([piping, storing]);
  if (piped.status === 'rejected') throw toUploadError(piped.reason);
  if (stored.status === 'rejected') throw toUploadError(stored.reason);
  if (declaredLength !== undefined && meter.bytes !== declaredLength) throw createUploadIncompleteError();
  return { size: meter.bytes, ciphertextSize: stored.value.size, sha256: meter.digest() };
}

/** Our own refusals keep their meaning; a stream that broke off (client gone) is an incomplete upload. */
function toUploadError(error: unknown): unknown {
  if (isWritError(error)) return error;
  return createUploadIncompleteError({ cause: error });
}

async function commitVersion({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  mediaType,
  placement,
  contentKey,
  blobKey,
  uploadId,
  stored,
}: UploadArgs & {
  placement: Placement;
  contentKey: ContentKey;
  blobKey: string;
  uploadId: string;
  stored: StoredContent;
}): Promise<UploadResult> {
  const { matter, vault, documentId, existing, version } = placement;
  const now = clock.now().getTime();
  const versionId = generateVersionId();
  const salt = randomBytes(16).toString('base64url');
  const versionRow = {
    id: versionId,
    document_id: documentId,
    matter_id: matter.id,
    version,
    size: stored.size,
    ciphertext_size: stored.ciphertextSize,
    sha256_sealed: vault.sealText({
      plaintext: JSON.stringify({ sha256: stored.sha256, salt }),
      context: sealContext.versionDigest(versionId),
    }),
    media_type_sealed: vault.sealText({
      plaintext: normalizeMediaType(mediaType),
      context: sealContext.versionMediaType(versionId),
    }),
    blob_key: blobKey,
    data_key_id: contentKey.dataKeyId,
    uploaded_by: principal.userId,
    created_at: now,
  };
  return inTransaction(db, async (trx) => {
    const repository = createDocumentsRepository({ db: trx });
    // Locked before the placement is checked again, so that a concurrent trash of the folder, a membership
    // change or a folder move either commits first and is seen, or waits for this commit. Matter before
    // folder: the order every act that takes both follows (a folder move too), so that none deadlocks.
    await repository.lockMatter({ matterId: matter.id });
    if (placement.isByName) await repository.lockFolder({ folderId: placement.folderId });
    const current = await requireStillWritable({ access, db: trx, clock, principal, placement });
    // An upload that ran past the abandoned-upload age may have been swept: its row is gone, and its blob
    // with it or about to be. Deleting the row here is what keeps the sweep off the blob from now on.
    if (!(await repository.deleteUpload({ uploadId }))) {
      throw createUploadIncompleteError({
        message:
          'The upload took so long that it was taken for abandoned and removed. Nothing was stored; upload it again.',
      });
    }
    if (placement.name !== undefined) {
      // Asked again under the folder's lock: a folder of this name may have been made while the content
      // streamed, and no unique index spans folders and documents.
      await requireNameFree({
        repository,
        folderId: placement.folderId,
        nameLookup: placement.name.name_lookup,
      });
    }
    const limit = current.quota_bytes ?? undefined;
    if (
      !(await repository.addUsedBytes({ matterId: matter.id, delta: stored.size, limit, now: new Date(now) }))
    ) {
      throw createQuotaExceededError();
    }
    const documentRow = await upsertDocument({ repository, placement, principal, now });
    await repository.insertVersion(versionRow);
    await saveContentKey({ db: trx, keyring, clock, contentKey });
    const { entryId } = await ledger.append({
      db: trx,
      event: {
        kind: 'documents.version_uploaded',
        actor: actorOf(principal),
        data: {
          matterId: matter.id,
          documentId,
          versionId,
          version,
          size: stored.size,
          contentCommitment: createHash('sha256').update(`${salt}:${stored.sha256}`).digest('hex'),
        },
      },
    });
    return {
      document: toDocumentSummary(
        { ...documentRow, size: stored.size },
        vault,
        await folderClassification({ db: trx, matter: current, folderId: documentRow.folder_id }),
      ),
      version: {
        id: versionId,
        documentId,
        version,
        size: stored.size,
        sha256: stored.sha256,
        mediaType: normalizeMediaType(mediaType),
        uploadedBy: principal.userId,
        createdAt: new Date(now),
      },
      created: existing === undefined,
      receiptEntryId: entryId,
    };
  });
}

async function upsertDocument({
  repository,
  placement,
  principal,
  now,
}: {
  repository: ReturnType<typeof createDocumentsRepository>;
  placement: Placement;
  principal: Principal;
  now: number;
}): Promise<DocumentsTable> {
  const { existing, name, documentId, matter, folderId, version } = placement;
  if (existing === undefined) {
    if (name === undefined) throw createDocumentNotFoundError();
    const row: DocumentsTable = {
      id: documentId,
      matter_id: matter.id,
      folder_id: folderId,
      ...name,
      current_version: version,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      trashed_at: null,
      classification: null,
    };
    await repository.insertDocument(row);
    return row;
  }
  // Only the upload that read version − 1 may publish version: a concurrent one fails on the unique key.
  await repository.updateDocument({ documentId, changes: { current_version: version, updated_at: now } });
  return { ...existing, current_version: version, updated_at: now };
}
