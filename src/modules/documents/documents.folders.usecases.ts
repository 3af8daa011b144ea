import type { AccessGate } from './documents.matter-access.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { MatterVault, RootKeyring } from '../vault/vault.keys.models.js';
import { openMatterVault } from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import {
  createFolderMoveInvalidError,
  createFolderNotFoundError,
  createMatterNotFoundError,
  createNameTakenError,
} from './documents.errors.js';
import {
  allowedClassifications,
  folderClassification,
  folderClassifications,
  requireMatterAccess,
} from './documents.matter-access.js';
import type { Classification, MatterAction } from '../access/access.models.js';
import { requireMoveKeepsClassification } from './documents.classification.moves.js';
import { actorOf } from './documents.matters.usecases.js';
import { type DocumentSummary, type Folder, generateFolderId, sealContext } from './documents.models.js';
import { isUniqueViolation, requireNameFree, sealName } from './documents.naming.js';
import {
  createDocumentsRepository,
  type DocumentRowWithSize,
  type MatterWithRole,
} from './documents.repository.js';
import type { FoldersTable } from './documents.tables.js';

type FolderDeps = {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  principal: Principal;
};

/** `inherited`: what the folder's parent passes on (the matter's label for the root folder). */
export function toFolder(row: FoldersTable, vault: MatterVault, inherited: Classification): Folder {
  return {
    id: row.id,
    matterId: row.matter_id,
    parentId: row.parent_id ?? undefined,
    name: vault.openText({ sealed: row.name_sealed, context: sealContext.folderName(row.id) }),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    trashedAt: row.trashed_at === null ? undefined : new Date(row.trashed_at),
    ...labelOf(row, inherited),
  };
}

function labelOf(
  row: { classification: Classification | null },
  inherited: Classification,
): { classification: Classification; classificationIsInherited: boolean } {
  return {
    classification: row.classification ?? inherited,
    classificationIsInherited: row.classification === null,
  };
}

/** `inherited`: the effective classification of the document's folder. */
export function toDocumentSummary(
  row: DocumentRowWithSize,
  vault: MatterVault,
  inherited: Classification,
): DocumentSummary {
  return {
    id: row.id,
    matterId: row.matter_id,
    folderId: row.folder_id,
    name: vault.openText({ sealed: row.name_sealed, context: sealContext.documentName(row.id) }),
    currentVersion: row.current_version,
    size: row.size,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    trashedAt: row.trashed_at === null ? undefined : new Date(row.trashed_at),
    ...labelOf(row, inherited),
  };
}

/** A live folder of the matter (the root folder included), or `documents.folder_not_found`. */
export async function requireLiveFolder({
  db,
  matterId,
  folderId,
}: {
  db: Kysely<WritDatabase>;
  matterId: string;
  folderId: string;
}): Promise<FoldersTable> {
  const folder = await createDocumentsRepository({ db }).findFolder({ matterId, folderId });
  if (folder === undefined || folder.trashed_at !== null) throw createFolderNotFoundError();
  return folder;
}

/**
 * Asks the policy whether the caller may `action` on a folder, by the folder's effective classification, and
 * returns that classification. Ask about the matter first: a folder the caller may not see (a highly
 * sensitive one, for an assistant without a named grant) then answers like a missing one.
 */
export async function requireFolderAccess({
  access,
  db,
  clock,
  principal,
  matter,
  folder,
  action,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  matter: MatterWithRole;
  folder: FoldersTable;
  action: MatterAction;
}): Promise<Classification> {
  const classification = await folderClassification({ db, matter, folderId: folder.id });
  try {
    await requireMatterAccess({
      access,
      db,
      clock,
      principal,
      matterId: matter.id,
      action,
      item: { id: folder.id, classification },
    });
  } catch (error) {
    if (isErrorWithCode({ error, code: createMatterNotFoundError.code })) throw createFolderNotFoundError();
    throw error;
  }
  return classification;
}

/**
 * A live folder of the matter that the caller may organize, by its own effective label: the folder acted on,
 * or a move's destination. A destination the caller may not see answers not found, like a missing one, so
 * that nobody files an item where they could not reach it, nor learns that the folder exists.
 */
export async function requireOrganizableFolder({
  access,
  db,
  clock,
  principal,
  matter,
  folderId,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  matter: MatterWithRole;
  folderId: string;
}): Promise<FoldersTable> {
  const folder = await requireLiveFolder({ db, matterId: matter.id, folderId });
  await requireFolderAccess({ access, db, clock, principal, matter, folder, action: 'document.organize' });
  return folder;
}

export async function createFolder({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  matterId,
  parentId,
  name: rawName,
}: FolderDeps & { matterId: string; parentId?: string | undefined; name: string }): Promise<Folder> {
  const now = clock.now().getTime();
  try {
    return await inTransaction(db, async (trx) => {
      const matter = await requireMatterAccess({
        access,
        db: trx,
        clock,
        principal,
        matterId,
        action: 'document.organize',
      });
      const parent = await requireLiveFolder({
        db: trx,
        matterId,
        folderId: parentId ?? matter.root_folder_id,
      });
      const inherited = await requireFolderAccess({
        access,
        db: trx,
        clock,
        principal,
        matter,
        folder: parent,
        action: 'document.organize',
      });
      const vault = await openMatterVault({ db: trx, keyring, matterId });
      const folderId = generateFolderId();
      const { name_sealed, name_lookup } = sealName({
        vault,
        rawName,
        context: sealContext.folderName(folderId),
      });
      const repository = createDocumentsRepository({ db: trx });
      await requireNameFree({ repository, folderId: parent.id, nameLookup: name_lookup });
      const row: FoldersTable = {
        id: folderId,
        matter_id: matterId,
        parent_id: parent.id,
        name_sealed,
        name_lookup,
        created_by: principal.userId,
        created_at: now,
        updated_at: now,
        trashed_at: null,
        classification: null,
      };
      await repository.insertFolder(row);
      await ledger.append({
        db: trx,
        event: {
          kind: 'documents.folder_created',
          actor: actorOf(principal),
          data: { matterId, folderId, parentId: parent.id },
        },
      });
      return toFolder(row, vault, inherited);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw createNameTakenError();
    throw error;
  }
}

export type FolderListing = {
  folder: Folder;
  path: Folder[];
  folders: Folder[];
  documents: DocumentSummary[];
};

/** A live folder's subfolders and documents, with the path from the root for breadcrumbs. */
export async function listFolder({
  access,
  db,
  clock,
  keyring,
  principal,
  matterId,
  folderId,
}: Omit<FolderDeps, 'ledger'> & { matterId: string; folderId?: string | undefined }): Promise<FolderListing> {
  // The matter before the folder: to someone outside it, a missing folder and a missing matter look alike.
  const matter = await requireMatterAccess({ access, db, clock, principal, matterId, action: 'matter.view' });
  const folderRow = await requireLiveFolder({ db, matterId, folderId: folderId ?? matter.root_folder_id });
  const folderClass = await requireFolderAccess({
    access,
    db,
    clock,
    principal,
    matter,
    folder: folderRow,
    action: 'document.list',
  });
  const vault = await openMatterVault({ db, keyring, matterId });
  const repository = createDocumentsRepository({ db });
  const [folderRows, documentRows, all] = await Promise.all([
    repository.listChildFolders({ parentId: folderRow.id }),
    repository.listDocuments({ folderId: folderRow.id, trashed: false }),
    repository.listFolders({ matterId }),
  ]);
  const classOf = (row: { classification: Classification | null }) => row.classification ?? folderClass;
  const effectiveOf = folderClassifications({ matter, folders: all });
  const inheritedOf = (row: FoldersTable) =>
    row.parent_id === null ? matter.classification : effectiveOf(row.parent_id);
  const visible = await allowedClassifications({
    access,
    db,
    clock,
    principal,
    matter,
    action: 'document.list',
    classifications: [...folderRows, ...documentRows].map(classOf),
  });
  const folders = folderRows.filter((row) => visible.has(classOf(row)));
  const documents = documentRows.filter((row) => visible.has(classOf(row)));
  return {
    folder: toFolder(folderRow, vault, inheritedOf(folderRow)),
    path: ancestorsOf(folderRow, all).map((row) => toFolder(row, vault, inheritedOf(row))),
    folders: folders.map((row) => toFolder(row, vault, folderClass)),
    documents: documents.map((row) => toDocumentSummary(row, vault, folderClass)),
  };
}

/** The folders from the root down to `folder`'s parent. */
function ancestorsOf(folder: FoldersTable, all: FoldersTable[]): FoldersTable[] {
  const byId = new Map(all.map((row) => [row.id, row]));
  const path: FoldersTable[] = [];
  let parentId = folder.parent_id;
  while (parentId !== null && path.length < all.length) {
    const parent = byId.get(parentId);
    if (parent === undefined) break;
    path.unshift(parent);
    parentId = parent.parent_id;
  }
  return path;
}

/** Renames and/or moves a folder; refuses a move into itself or below itself. */
export async function updateFolder({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  matterId,
  folderId,
  name: rawName,
  parentId,
  reason,
}: FolderDeps & {
  matterId: string;
  folderId: string;
  name?: string | undefined;
  parentId?: string | undefined;
  /** Why, when the move lowers the label the folder inherits (owners only). */
  reason?: string | undefined;
}): Promise<Folder> {
  const now = clock.now().getTime();
  try {
    return await inTransaction(db, async (trx) => {
      const matter = await requireMatterAccess({
        access,
        db: trx,
        clock,
        principal,
        matterId,
        action: 'document.organize',
      });
      const repository = createDocumentsRepository({ db: trx });
      // Moves in one matter take turns, before reading where folders are: two folders moved into each other
      // at once would otherwise each pass the cycle check, or deadlock on each other's rows.
      if (parentId !== undefined) await repository.lockMatter({ matterId });
      const gate = { access, db: trx, clock, principal, matter };
      const folder = await requireOrganizableFolder({ ...gate, folderId });
      if (folder.parent_id === null) throw createFolderMoveInvalidError();
      const vault = await openMatterVault({ db: trx, keyring, matterId });
      const target = parentId === undefined ? folder.parent_id : parentId;
      if (parentId !== undefined) {
        await requireOrganizableFolder({ ...gate, folderId: parentId });
        const all = await repository.listFolders({ matterId });
        const targetRow = all.find((row) => row.id === parentId);
        const chain = targetRow === undefined ? [] : [...ancestorsOf(targetRow, all), targetRow];
        if (chain.some((row) => row.id === folderId)) throw createFolderMoveInvalidError();
        if (target !== folder.parent_id) {
          await requireMoveKeepsClassification({
            access,
            db: trx,
            clock,
            keyring,
            ledger,
            principal,
            matterId,
            item: {
              type: 'folder',
              id: folderId,
              own: folder.classification,
              from: await folderClassification({ db: trx, matter, folderId: folder.parent_id }),
              to: await folderClassification({ db: trx, matter, folderId: target }),
            },
            reason,
          });
        }
      }
      const renamed =
        rawName === undefined
          ? { name_sealed: folder.name_sealed, name_lookup: folder.name_lookup }
          : sealName({ vault, rawName, context: sealContext.folderName(folderId) });
      await requireNameFree({
        repository,
        folderId: target,
        nameLookup: renamed.name_lookup,
        exceptId: folderId,
      });
      const changes = {
        parent_id: target,
        name_sealed: renamed.name_sealed,
        name_lookup: renamed.name_lookup,
        updated_at: now,
      };
      await repository.updateFolder({ folderId, changes });
      const actor = actorOf(principal);
      if (rawName !== undefined) {
        await ledger.append({
          db: trx,
          event: { kind: 'documents.folder_renamed', actor, data: { matterId, folderId } },
        });
      }
      if (target !== folder.parent_id) {
        await ledger.append({
          db: trx,
          event: { kind: 'documents.folder_moved', actor, data: { matterId, folderId, parentId: target } },
        });
      }
      const inherited = await folderClassification({ db: trx, matter, folderId: target });
      return toFolder({ ...folder, ...changes }, vault, inherited);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw createNameTakenError();
    throw error;
  }
}

/**
 * Moves a folder to the trash with everything in it, or brings it back. Restoring refuses when its name
 * was taken in the meantime.
 */
export async function setFolderTrashed({
  access,
  db,
  clock,
  ledger,
  principal,
  matterId,
  folderId,
  isTrashed,
}: Omit<FolderDeps, 'keyring'> & { matterId: string; folderId: string; isTrashed: boolean }): Promise<void> {
  const now = clock.now().getTime();
  try {
    await inTransaction(db, async (trx) => {
      const matter = await requireMatterAccess({
        access,
        db: trx,
        clock,
        principal,
        matterId,
        action: 'document.organize',
      });
      const repository = createDocumentsRepository({ db: trx });
      const folder = await repository.findFolder({ matterId, folderId });
      if (folder === undefined || folder.parent_id === null) throw createFolderNotFoundError();
      await requireFolderAccess({
        access,
        db: trx,
        clock,
        principal,
        matter,
        folder,
        action: 'document.organize',
      });
      if ((folder.trashed_at !== null) === isTrashed) return;
      if (!isTrashed) {
        await requireLiveFolder({ db: trx, matterId, folderId: folder.parent_id });
        await requireNameFree({ repository, folderId: folder.parent_id, nameLookup: folder.name_lookup });
      }
      await repository.updateFolder({
        folderId,
        changes: { trashed_at: isTrashed ? now : null, updated_at: now },
      });
      await ledger.append({
        db: trx,
        event: {
          kind: isTrashed ? 'documents.folder_trashed' : 'documents.folder_restored',
          actor: actorOf(principal),
          data: { matterId, folderId },
        },
      });
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw createNameTakenError();
    throw error;
  }
}
