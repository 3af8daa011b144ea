import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { Classification, MatterAction } from '../access/access.models.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { MatterVault } from '../vault/vault.keys.models.js';
import { createDocumentNotFoundError, createVersionNotFoundError } from './documents.errors.js';
import { type AccessGate, folderClassification, requireMatterAccess } from './documents.matter-access.js';
import { type DocumentVersion, sealContext } from './documents.models.js';
import { createDocumentsRepository, type MatterWithRole } from './documents.repository.js';
import type { DocumentsTable, DocumentVersionsTable } from './documents.tables.js';

/**
 * A document and its matter, if the caller may do `action` on it. A document in a matter the caller cannot
 * see is reported exactly like one that does not exist.
 */
export async function requireReadableDocument({
  access,
  db,
  clock,
  principal,
  documentId,
  action = 'document.read',
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  documentId: string;
  action?: MatterAction;
}): Promise<{
  document: DocumentsTable;
  matter: MatterWithRole;
  /** The effective classification of the document's folder: what the document inherits. */
  inherited: Classification;
}> {
  const repository = createDocumentsRepository({ db });
  const document = await repository.findDocument({ documentId });
  if (document === undefined) throw createDocumentNotFoundError();
  const matterRow = await repository.findMatter({ matterId: document.matter_id });
  if (matterRow === undefined) throw createDocumentNotFoundError();
  const inherited = await folderClassification({ db, matter: matterRow, folderId: document.folder_id });
  const classification = document.classification ?? inherited;
  try {
    const matter = await requireMatterAccess({
      access,
      db,
      clock,
      principal,
      matterId: document.matter_id,
      action,
      item: { id: document.id, classification },
    });
    return { document, matter, inherited };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'documents.matter_not_found')
      throw createDocumentNotFoundError();
    throw error;
  }
}

export async function requireVersion({
  db,
  documentId,
  version,
}: {
  db: Kysely<WritDatabase>;
  documentId: string;
  version: number;
}): Promise<DocumentVersionsTable> {
  const row = await createDocumentsRepository({ db }).findVersion({ documentId, version });
  if (row === undefined) throw createVersionNotFoundError();
  return row;
}

export function toVersion(row: DocumentVersionsTable, vault: MatterVault): DocumentVersion {
  const digest = JSON.parse(
    vault.openText({ sealed: row.sha256_sealed, context: sealContext.versionDigest(row.id) }),
  ) as { sha256: string };
  return {
    id: row.id,
    documentId: row.document_id,
    version: row.version,
    size: row.size,
    sha256: digest.sha256,
    mediaType: vault.openText({
      sealed: row.media_type_sealed,
      context: sealContext.versionMediaType(row.id),
    }),
    uploadedBy: row.uploaded_by,
    createdAt: new Date(row.created_at),
  };
}
