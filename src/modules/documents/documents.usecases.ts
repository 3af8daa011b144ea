import type { AccessGate } from './documents.matter-access.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import { openMatterVault } from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import { createDocumentTrashedError, createNameTakenError } from './documents.errors.js';
import {
  requireLiveFolder,
  requireOrganizableFolder,
  toDocumentSummary,
  toFolder,
} from './documents.folders.usecases.js';
import {
  allowedClassifications,
  folderClassification,
  folderClassifications,
  requireMatterAccess,
} from './documents.matter-access.js';
import { requireMoveKeepsClassification } from './documents.classification.moves.js';
import { actorOf } from './documents.matters.usecases.js';
import { type DocumentSummary, type DocumentVersion, type Folder, sealContext } from './documents.models.js';
import { isUniqueViolation, requireNameFree, sealName } from './documents.naming.js';
import { requireReadableDocument, toVersion } from './documents.read.js';
import { createDocumentsRepository } from './documents.repository.js';
import type { FoldersTable } from './documents.tables.js';

export {
  uploadDocument,
  type UploadArgs,
  type UploadResult,
  type UploadTarget,
} from './documents.uploads.usecases.js';
export {
  openDocumentContent,
  resolveByteRange,
  type ByteRangeRequest,
  type DocumentDownload,
} from './documents.downloads.usecases.js';

type ReadDeps = {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  principal: Principal;
};
type ChangeDeps = ReadDeps & { ledger: DocumentsLedger };

/** A document with every version, newest first. */
export async function getDocument({
  access,
  db,
  clock,
  keyring,
  principal,
  documentId,
}: ReadDeps & { documentId: string }): Promise<{ document: DocumentSummary; versions: DocumentVersion[] }> {
  const { document, matter, inherited } = await requireReadableDocument({
    access,
    db,
    clock,
    principal,
    documentId,
  });
  const vault = await openMatterVault({ db, keyring, matterId: matter.id });
  const rows = await createDocumentsRepository({ db }).listVersions({ documentId });
  const versions = rows.map((row) => toVersion(row, vault));
  const current = versions.find((v) => v.version === document.current_version);
  return {
    document: toDocumentSummary({ ...document, size: current?.size ?? 0 }, vault, inherited),
    versions,
  };
}

/** Renames and/or moves a document to another folder of the same matter. */
export async function updateDocument({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  documentId,
  name: rawName,
  folderId,
  reason,
}: ChangeDeps & {
  documentId: string;
  name?: string | undefined;
  folderId?: string | undefined;
  /** Why, when the move lowers the label the document inherits (owners only). */
  reason?: string | undefined;
}): Promise<DocumentSummary> {
  const now = clock.now().getTime();
  try {
    return await inTransaction(db, async (trx) => {
      const {
        document,
        matter,
        inherited: inheritedHere,
      } = await requireReadableDocument({
        access,
        db: trx,
        clock,
        principal,
        documentId,
        action: 'document.organize',
      });
      if (document.trashed_at !== null) throw createDocumentTrashedError();
      const vault = await openMatterVault({ db: trx, keyring, matterId: matter.id });
      const target = folderId ?? document.folder_id;
      if (folderId !== undefined) {
        await requireOrganizableFolder({ access, db: trx, clock, principal, matter, folderId });
      }
      if (target !== document.folder_id) {
        await requireMoveKeepsClassification({
          access,
          db: trx,
          clock,
          keyring,
          ledger,
          principal,
          matterId: matter.id,
          item: {
            type: 'document',
            id: documentId,
            own: document.classification,
            from: inheritedHere,
            to: await folderClassification({ db: trx, matter, folderId: target }),
          },
          reason,
        });
      }
      const renamed =
        rawName === undefined
          ? { name_sealed: document.name_sealed, name_lookup: document.name_lookup }
          : sealName({ vault, rawName, context: sealContext.documentName(documentId) });
      const repository = createDocumentsRepository({ db: trx });
      await requireNameFree({
        repository,
        folderId: target,
        nameLookup: renamed.name_lookup,
        exceptId: documentId,
      });
      const changes = { folder_id: target, ...pickName(renamed), updated_at: now };
      await repository.updateDocument({ documentId, changes });
      const actor = actorOf(principal);
      const data = { matterId: matter.id, documentId };
      if (rawName !== undefined) {
        await ledger.append({ db: trx, event: { kind: 'documents.document_renamed', actor, data } });
      }
      if (target !== document.folder_id) {
        await ledger.append({
          db: trx,
          event: { kind: 'documents.document_moved', actor, data: { ...data, folderId: target } },
        });
      }
      const current = await repository.findVersion({ documentId, version: document.current_version });
      const inherited = await folderClassification({ db: trx, matter, folderId: target });
      return toDocumentSummary({ ...document, ...changes, size: current?.size ?? 0 }, vault, inherited);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw createNameTakenError();
    throw error;
  }
}

function pickName(name: { name_sealed: string; name_lookup: string }) {
  return { name_sealed: name.name_sealed, name_lookup: name.name_lookup };
}

/** Moves a document to the matter's trash, or restores it where it was (if its name is still free). */
export async function setDocumentTrashed({
  access,
  db,
  clock,
  ledger,
  principal,
  documentId,
  isTrashed,
}: Omit<ChangeDeps, 'keyring'> & { documentId: string; isTrashed: boolean }): Promise<void> {
  const now = clock.now().getTime();
  try {
    await inTransaction(db, async (trx) => {
      const { document, matter } = await requireReadableDocument({
        access,
        db: trx,
        clock,
        principal,
        documentId,
        action: 'document.organize',
      });
      if ((document.trashed_at !== null) === isTrashed) return;
      const repository = createDocumentsRepository({ db: trx });
      if (!isTrashed) {
        await requireLiveFolder({ db: trx, matterId: matter.id, folderId: document.folder_id });
        await requireNameFree({ repository, folderId: document.folder_id, nameLookup: document.name_lookup });
      }
      await repository.updateDocument({
        documentId,
        changes: { trashed_at: isTrashed ? now : null, updated_at: now },
      });
      await ledger.append({
        db: trx,
        event: {
          kind: isTrashed ? 'documents.document_trashed' : 'documents.document_restored',
          actor: actorOf(principal),
          data: { matterId: matter.id, documentId },
        },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw createNameTakenError();
    throw error;
  }
}

/**
 * The matter's trashed documents and folders, most recently trashed first. Decided like a folder listing:
 * the caller must see the matter, then each item is shown only if they may `document.list` it at its own
 * effective classification (an assistant without a named grant sees no highly sensitive item).
 */
export async function listTrash({
  access,
  db,
  clock,
  keyring,
  principal,
  matterId,
}: ReadDeps & { matterId: string }): Promise<{ documents: DocumentSummary[]; folders: Folder[] }> {
  const matter = await requireMatterAccess({
    access,
    db,
    clock,
    principal,
    matterId,
    action: 'matter.view',
  });
  const vault = await openMatterVault({ db, keyring, matterId });
  const repository = createDocumentsRepository({ db });
  const [rows, folders] = await Promise.all([
    repository.listTrashedDocuments({ matterId }),
    repository.listFolders({ matterId }),
  ]);
  const effectiveOf = folderClassifications({ matter, folders });
  const inheritedByFolder = (row: FoldersTable) =>
    row.parent_id === null ? matter.classification : effectiveOf(row.parent_id);
  const trashedFolders = folders.filter((row) => row.trashed_at !== null);
  const visible = await allowedClassifications({
    access,
    db,
    clock,
    principal,
    matter,
    action: 'document.list',
    classifications: [
      ...rows.map((row) => row.classification ?? effectiveOf(row.folder_id)),
      ...trashedFolders.map((row) => row.classification ?? inheritedByFolder(row)),
    ],
  });
  return {
    documents: rows
      .filter((row) => visible.has(row.classification ?? effectiveOf(row.folder_id)))
      .map((row) => toDocumentSummary(row, vault, effectiveOf(row.folder_id))),
    folders: trashedFolders
      .filter((row) => visible.has(row.classification ?? inheritedByFolder(row)))
      .sort((a, b) => (b.trashed_at ?? 0) - (a.trashed_at ?? 0))
      .map((row) => toFolder(row, vault, inheritedByFolder(row))),
  };
}
