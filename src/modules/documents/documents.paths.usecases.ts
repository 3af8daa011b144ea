import type { Principal } from '../identity/identity.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { createFolderNotFoundError } from './documents.errors.js';
import { createDocumentsRepository } from './documents.repository.js';
import { listFolder } from './documents.folders.usecases.js';
import { requireMatterAccess } from './documents.matter-access.js';
import { listMatters } from './documents.matters.usecases.js';
import {
  type DocumentSummary,
  type Folder,
  type Matter,
  nameLookupValue,
  normalizeName,
} from './documents.models.js';

/**
 * The documents tree as a file system sees it (`/<matter>/<folder…>/<file>`, for SFTP): each step is
 * decided by the same use-cases as the HTTP API, so a path shows only what the policy lets the caller see.
 * Matter names are encrypted and not unique: a directory name is the matter's name, made unique with a
 * ` (mat_…)` suffix when two of the caller's matters share one (or the name cannot be a path segment).
 */
export type PathDeps = Pick<DocumentsDependencies, 'access' | 'db' | 'clock' | 'keyring'>;

export type PathEntry =
  | { kind: 'root' }
  | { kind: 'folder'; matter: Matter; folder: Folder; isMatterRoot: boolean }
  | { kind: 'document'; matter: Matter; folder: Folder; document: DocumentSummary };

export type ResolvedPath =
  | { kind: 'found'; entry: PathEntry }
  /** The last segment does not exist (or is hidden): where it would be created. */
  | { kind: 'missing'; parent: PathEntry; name: string };

export type DirectoryEntry =
  | { kind: 'folder'; name: string; matter: Matter; folder: Folder | undefined }
  | { kind: 'document'; name: string; document: DocumentSummary };

function isPlainSegment(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length > 0 && name !== '.' && name !== '..' && !/[/\u0000-\u001f\u007f]/.test(name);
}

/** Directory names of the caller's matters, unique among them. */
export function matterDirectoryNames(matters: readonly Matter[]): Map<string, Matter> {
  const counts = new Map<string, number>();
  for (const matter of matters) counts.set(matter.name, (counts.get(matter.name) ?? 0) + 1);
  const names = new Map<string, Matter>();
  for (const matter of matters) {
    const isUnique = counts.get(matter.name) === 1 && isPlainSegment(matter.name);
    const base = isPlainSegment(matter.name) ? matter.name : 'matter';
    names.set(isUnique ? matter.name : `${base} (${matter.id})`, matter);
  }
  return names;
}

async function matterRootOf(deps: PathDeps, principal: Principal, matter: Matter) {
  const listing = await listFolder({ ...deps, principal, matterId: matter.id });
  return listing;
}

/** What a directory holds, as the caller may see it. */
export async function listDirectory(
  deps: PathDeps,
  principal: Principal,
  entry: PathEntry,
): Promise<DirectoryEntry[]> {
  if (entry.kind === 'root') {
    const matters = await listMatters({ ...deps, principal });
    return [...matterDirectoryNames(matters)].map(([name, matter]) => ({
      kind: 'folder' as const,
      name,
      matter,
      folder: undefined,
    }));
  }
  if (entry.kind !== 'folder') throw createFolderNotFoundError();
  const listing = await listFolder({
    ...deps,
    principal,
    matterId: entry.matter.id,
    folderId: entry.folder.id,
  });
  return [
    ...listing.folders.map((folder) => ({
      kind: 'folder' as const,
      name: folder.name,
      matter: entry.matter,
      folder,
    })),
    ...listing.documents.map((document) => ({ kind: 'document' as const, name: document.name, document })),
  ];
}

/**
 * How a path segment is matched to a name: as the use-cases compare names (NFC, trimmed, regardless of case),
 * so that a path finds the item an upload or a rename of that name would act on, and an exclusive create
 * (`O_EXCL`) is refused for `Report.PDF` when `report.pdf` exists.
 */
function pathLookupKey(name: string): string {
  return nameLookupValue(normalizeName(name) ?? name);
}

/** Resolves path segments (already normalized: no `.`/`..`, no empty ones) for the caller. */
export async function resolvePath(
  deps: PathDeps,
  principal: Principal,
  segments: readonly string[],
): Promise<ResolvedPath> {
  let current: PathEntry = { kind: 'root' };
  for (const [index, name] of segments.entries()) {
    const isLast = index === segments.length - 1;
    let next: PathEntry | undefined;
    if (current.kind === 'root') {
      const matter = matterDirectoryNames(await listMatters({ ...deps, principal })).get(name);
      if (matter !== undefined) {
        const listing = await matterRootOf(deps, principal, matter);
        next = { kind: 'folder', matter, folder: listing.folder, isMatterRoot: true };
      }
    } else if (current.kind === 'folder') {
      const listing = await listFolder({
        ...deps,
        principal,
        matterId: current.matter.id,
        folderId: current.folder.id,
      });
      const key = pathLookupKey(name);
      const folder = listing.folders.find((each) => pathLookupKey(each.name) === key);
      const document = listing.documents.find((each) => pathLookupKey(each.name) === key);
      if (folder !== undefined)
        next = { kind: 'folder', matter: current.matter, folder, isMatterRoot: false };
      else if (document !== undefined) {
        next = { kind: 'document', matter: current.matter, folder: current.folder, document };
      }
    }
    if (next === undefined) {
      if (isLast && current.kind !== 'document') return { kind: 'missing', parent: current, name };
      throw createFolderNotFoundError();
    }
    current = next;
  }
  return { kind: 'found', entry: current };
}

/**
 * Asks the policy whether the caller may write into a matter before an upload starts, so that a
 * front door can refuse at once rather than after the client has sent the content.
 */
export async function requireWritableMatter(
  deps: PathDeps,
  principal: Principal,
  matterId: string,
): Promise<void> {
  await requireMatterAccess({ ...deps, principal, matterId, action: 'document.write' });
}

/**
 * Whether a folder holds nothing live, counting what the caller cannot see: removing a directory that looks
 * empty must not trash content hidden from the caller (a highly sensitive document an assistant may not list).
 */
export async function isFolderEmpty(
  deps: PathDeps,
  principal: Principal,
  entry: { matter: Matter; folder: Folder },
): Promise<boolean> {
  // Asked first, so that only a caller who may organize the matter learns anything about its content.
  await requireMatterAccess({ ...deps, principal, matterId: entry.matter.id, action: 'document.organize' });
  const repository = createDocumentsRepository({ db: deps.db });
  const [folders, documents] = await Promise.all([
    repository.listChildFolders({ parentId: entry.folder.id }),
    repository.listDocuments({ folderId: entry.folder.id, trashed: false }),
  ]);
  return folders.length === 0 && documents.length === 0;
}
