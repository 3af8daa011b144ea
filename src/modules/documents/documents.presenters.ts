import type { DocumentSummary, DocumentVersion, Folder, Matter } from './documents.models.js';
import type { MatterMember } from './documents.matters.usecases.js';

const iso = (date: Date) => date.toISOString();
const optionalIso = (key: string, date: Date | undefined) => (date === undefined ? {} : { [key]: iso(date) });

export function presentMatter(matter: Matter) {
  return {
    id: matter.id,
    name: matter.name,
    status: matter.status,
    rootFolderId: matter.rootFolderId,
    ...(matter.quotaBytes === undefined ? {} : { quotaBytes: matter.quotaBytes }),
    usedBytes: matter.usedBytes,
    createdAt: iso(matter.createdAt),
    ...(matter.myRole === undefined ? {} : { myRole: matter.myRole }),
    classification: matter.classification,
  };
}

export function presentMember(member: MatterMember) {
  return {
    userId: member.userId,
    role: member.role,
    addedAt: iso(member.addedAt),
    ...optionalIso('expiresAt', member.expiresAt),
    namedForHighlySensitive: member.isNamedForHighlySensitive,
  };
}

export function presentFolder(folder: Folder) {
  return {
    id: folder.id,
    matterId: folder.matterId,
    ...(folder.parentId === undefined ? {} : { parentId: folder.parentId }),
    name: folder.name,
    createdAt: iso(folder.createdAt),
    updatedAt: iso(folder.updatedAt),
    ...optionalIso('trashedAt', folder.trashedAt),
    classification: folder.classification,
    classificationIsInherited: folder.classificationIsInherited,
  };
}

export function presentDocument(document: DocumentSummary) {
  return {
    id: document.id,
    matterId: document.matterId,
    folderId: document.folderId,
    name: document.name,
    currentVersion: document.currentVersion,
    size: document.size,
    createdAt: iso(document.createdAt),
    updatedAt: iso(document.updatedAt),
    ...optionalIso('trashedAt', document.trashedAt),
    classification: document.classification,
    classificationIsInherited: document.classificationIsInherited,
  };
}

export function presentVersion(version: DocumentVersion) {
  return {
    id: version.id,
    documentId: version.documentId,
    version: version.version,
    size: version.size,
    sha256: version.sha256,
    mediaType: version.mediaType,
    uploadedBy: version.uploadedBy,
    createdAt: iso(version.createdAt),
  };
}
