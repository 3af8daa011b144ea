import { segment } from '../../api/client';
import type { Classification } from '../../components/classification-badge';

/** src/modules/documents/documents.schemas.ts: folderResponse. */
export type Folder = {
  id: string;
  matterId: string;
  parentId?: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  trashedAt?: string;
  classification: Classification;
  classificationIsInherited: boolean;
};

/** documentResponse. Every upload makes a version, so `currentVersion` is also the number of versions. */
export type DocumentSummary = {
  id: string;
  matterId: string;
  folderId: string;
  name: string;
  currentVersion: number;
  size: number;
  createdAt: string;
  updatedAt: string;
  trashedAt?: string;
  classification: Classification;
  classificationIsInherited: boolean;
};

/** versionResponse. */
export type Version = {
  id: string;
  documentId: string;
  version: number;
  size: number;
  sha256: string;
  mediaType: string;
  uploadedBy: string;
  createdAt: string;
};

/** folderListingResponse. */
export type FolderListing = {
  folder: Folder;
  path: Folder[];
  folders: Folder[];
  documents: DocumentSummary[];
};

/** trashResponse. */
export type Trash = { folders: Folder[]; documents: DocumentSummary[] };

/** documentWithVersionsResponse. */
export type DocumentWithVersions = { document: DocumentSummary; versions: Version[] };

/** uploadResponse. */
export type UploadResult = {
  document: DocumentSummary;
  version: Version;
  created: boolean;
  receiptUrl: string;
};

/** matterResponse (the fields this area reads). */
export type MatterSummary = {
  id: string;
  name: string;
  rootFolderId: string;
  myRole?: 'owner' | 'editor' | 'viewer';
};

/** Names are unique in a folder regardless of case (documents.models.ts `nameLookupValue`). */
export function nameKey(name: string): string {
  return name.normalize('NFC').trim().toLocaleLowerCase('und');
}

/** receiptResponse, or receiptPendingResponse while the ledger has not signed a checkpoint over it. */
export type Receipt = { type: 'writ-receipt/v1'; event: string; jws: string; proof: string };
export type ReceiptPending = { status: 'pending'; retryAfterSeconds: number };

/** documents.http.ts inlineMediaTypes: the types the server sends inline (under a sandbox CSP). */
export const inlineImageTypes: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
]);
export const isPdf = (mediaType: string): boolean => mediaType === 'application/pdf';

export const matterPath = (matterId: string) => `/api/matters/${segment(matterId)}`;
export const folderPath = (matterId: string, folderId: string) =>
  `${matterPath(matterId)}/folders/${segment(folderId)}`;
export const documentPath = (documentId: string) => `/api/documents/${segment(documentId)}`;

/** The content URL: cookie-authenticated, no token in it, answered with Cache-Control: no-store. */
export function contentUrl(
  documentId: string,
  { version, inline = false }: { version?: number; inline?: boolean } = {},
): string {
  const query = new URLSearchParams();
  if (version !== undefined) query.set('version', String(version));
  if (inline) query.set('disposition', 'inline');
  const text = query.toString();
  return `${documentPath(documentId)}/content${text === '' ? '' : `?${text}`}`;
}

/** The page of a folder; the root folder is the matter's own page. */
export function folderPageUrl(matterId: string, folder: { id: string; parentId?: string }): string {
  return folder.parentId === undefined
    ? `/matters/${segment(matterId)}`
    : `/matters/${segment(matterId)}/folders/${segment(folder.id)}`;
}

/**
 * Receipts of uploads made in this tab, by document id, kept in memory only: the server answers a receipt
 * to the person who caused the event, and a document's own API answer does not name the upload's entry.
 */
export const uploadReceipts = new Map<string, { version: number; receiptUrl: string }>();
