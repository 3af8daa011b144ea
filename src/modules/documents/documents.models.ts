import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';
import type { Classification } from '../access/access.models.js';

/** @NOTE Stored in `matter_members.role` and published in the API: renaming one needs a migration. */
export const matterRoles = ['owner', 'editor', 'viewer'] as const;
export type MatterRole = (typeof matterRoles)[number];

export const matterStatuses = ['open', 'closed', 'archived'] as const;
export type MatterStatus = (typeof matterStatuses)[number];

export type Matter = {
  id: string;
  name: string;
  status: MatterStatus;
  rootFolderId: string;
  quotaBytes: number | undefined;
  usedBytes: number;
  createdAt: Date;
  /** The caller's role in the matter; undefined for those who act on it without one (compliance). */
  myRole: MatterRole | undefined;
  classification: 'public' | 'internal' | 'highly_sensitive';
};

export type Folder = {
  id: string;
  matterId: string;
  parentId: string | undefined;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  trashedAt: Date | undefined;
  /** The effective label: its own, else inherited from the parent folder, up to the matter. */
  classification: Classification;
  classificationIsInherited: boolean;
};

export type DocumentSummary = {
  id: string;
  matterId: string;
  folderId: string;
  name: string;
  currentVersion: number;
  size: number;
  createdAt: Date;
  updatedAt: Date;
  trashedAt: Date | undefined;
  /** The effective label: its own, else its folder's. */
  classification: Classification;
  classificationIsInherited: boolean;
};

export type DocumentVersion = {
  id: string;
  documentId: string;
  version: number;
  size: number;
  /** Hex SHA-256 of the plaintext, computed while encrypting and checked on every full read. */
  sha256: string;
  mediaType: string;
  uploadedBy: string;
  createdAt: Date;
};

export const generateMatterId = createPrefixedIdGenerator({ prefix: 'mat' });
export const generateFolderId = createPrefixedIdGenerator({ prefix: 'fld' });
export const generateDocumentId = createPrefixedIdGenerator({ prefix: 'doc' });
export const generateVersionId = createPrefixedIdGenerator({ prefix: 'ver' });
export const generateUploadId = createPrefixedIdGenerator({ prefix: 'upl' });
export const generateBlobId = createPrefixedIdGenerator({ prefix: 'blb' });
/** A lowering's reason, in characters: an explicit change and a move that lowers alike. */
export const classificationReasonMaxLength = 1000;

export const generateClassificationChangeId = createPrefixedIdGenerator({ prefix: 'clc' });

export const nameMaxLength = 255;

/**
 * A file or folder name as people type it, made safe to show and to use as a path segment (SFTP, zip
 * exports, downloads): Unicode NFC, trimmed; no control characters, slashes or backslashes; not `.` or `..`.
 * Undefined when nothing acceptable remains.
 */
export function normalizeName(raw: string): string | undefined {
  const name = raw.normalize('NFC').trim();
  // Counted in code points, the unit file systems and people count characters in.
  if (name.length === 0 || Array.from(name).length > nameMaxLength) return undefined;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f/\\]/u.test(name)) return undefined;
  if (name === '.' || name === '..') return undefined;
  return name;
}

/** Names are unique in a folder regardless of case, as on the file systems people sync with. */
export function nameLookupValue(name: string): string {
  return name.toLocaleLowerCase('und');
}

export const mediaTypePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** A declared media type, or `application/octet-stream` when none or an unusable one was given. */
export function normalizeMediaType(raw: string | undefined): string {
  const essence = raw?.split(';')[0]?.trim().toLowerCase();
  return essence !== undefined && mediaTypePattern.test(essence) ? essence : 'application/octet-stream';
}

export const sha256HexPattern = /^[0-9a-f]{64}$/;

/** Where a version's ciphertext lives: ids only, never a name. */
export function contentBlobKey({ matterId, blobId }: { matterId: string; blobId: string }): string {
  return `content/${matterId}/${blobId}`;
}

/** The places sealed fields are bound to: a sealed value copied elsewhere does not open. */
export const sealContext = {
  matterName: (matterId: string) => `matters.name:${matterId}`,
  folderName: (folderId: string) => `folders.name:${folderId}`,
  documentName: (documentId: string) => `documents.name:${documentId}`,
  versionDigest: (versionId: string) => `document_versions.sha256:${versionId}`,
  versionMediaType: (versionId: string) => `document_versions.media_type:${versionId}`,
  classificationReason: (changeId: string) => `classification_changes.reason:${changeId}`,
};

export const lookupPurpose = { name: 'name' };

/** @NOTE Stored in access_requests and published in events and notifications: never change the prefix. */
export const generateAccessRequestId = createPrefixedIdGenerator({ prefix: 'acr' });

/** The roles a colleague may ask for; ownership is given, never requested. */
export const requestableRoles = ['viewer', 'editor'] as const;
export type RequestableRole = (typeof requestableRoles)[number];

export const accessRequestReasonMaxLength = 1000;

/** The secret box's associated data for a request's reason: a sealed reason moved to another row does not open. */
export function accessRequestSealPurpose(requestId: string): string {
  return `access-request:${requestId}`;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'denied' | 'withdrawn';

/**
 * How many requests one person may have waiting at once, across matters, and submit in a rolling day:
 * enough for real work, too few to use the owners' notifications as a megaphone or to flood their queue.
 */
export const accessRequestLimits = { maxPending: 5, maxPerDay: 20 } as const;

/** Lower is less access; an approval never moves a member down this scale. */
export function matterRoleRank(role: MatterRole): number {
  return ['viewer', 'editor', 'owner'].indexOf(role);
}
