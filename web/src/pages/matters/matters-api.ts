import { type ApiClient, segment } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { Classification } from '../../components/classification-badge';

/** src/modules/documents/documents.models.ts: matterRoles, matterStatuses. */
export type MatterRole = 'owner' | 'editor' | 'viewer';
export type MatterStatus = 'open' | 'closed' | 'archived';
export const matterRoles: readonly MatterRole[] = ['owner', 'editor', 'viewer'];
export const matterStatuses: readonly MatterStatus[] = ['open', 'closed', 'archived'];
export const classifications: readonly Classification[] = ['public', 'internal', 'highly_sensitive'];

/** documents.schemas.ts: matterResponse. The id is the matter's reference, the one colleagues share. */
export type Matter = {
  id: string;
  name: string;
  status: MatterStatus;
  rootFolderId: string;
  quotaBytes?: number;
  usedBytes: number;
  createdAt: string;
  /** Absent for those who act on the matter without a membership (compliance). */
  myRole?: MatterRole;
  classification: Classification;
};

/** memberResponse. */
export type Member = {
  userId: string;
  role: MatterRole;
  addedAt: string;
  expiresAt?: string;
  namedForHighlySensitive: boolean;
};

/** pendingAccessRequestListResponse's items (owners). */
export type PendingRequest = {
  id: string;
  requesterId: string;
  role: 'viewer' | 'editor';
  reason: string;
  createdAt: string;
};

/** myAccessRequestListResponse's items. */
export type MyRequest = {
  id: string;
  matterId: string;
  role: 'viewer' | 'editor';
  status: 'pending' | 'approved' | 'denied' | 'withdrawn';
  createdAt: string;
  decidedAt?: string;
  expiresAt?: string;
  /** Only once approved, and while the requester may see the matter. */
  matterName?: string;
};

/** documents.parties.routes.ts: partyResponse; kinds from documents.parties.usecases.ts. */
export type PartyKind = 'client' | 'opposing_party' | 'other';
export const partyKinds: readonly PartyKind[] = ['client', 'opposing_party', 'other'];
export type Party = { id: string; matterId: string; kind: PartyKind; name: string; createdAt: string };

/** identity.directory.schemas.ts: directoryLookupResponse's items. */
export type Colleague = { id: string; username: string; role: string };

export const roleLabels: Record<MatterRole, string> = { owner: 'Owner', editor: 'Editor', viewer: 'Viewer' };
export const statusLabels: Record<MatterStatus, string> = {
  open: 'Open',
  closed: 'Closed (read-only)',
  archived: 'Archived',
};
export const partyKindLabels: Record<PartyKind, string> = {
  client: 'Client',
  opposing_party: 'Opposing party',
  other: 'Other',
};

/** The server's id pattern (documents.schemas.ts idField), for matter references typed by hand. */
export const matterReferencePattern = /^mat_[0-9a-z]{26}$/;

export function matterPath(matterId: string, tab?: string): string {
  return `/matters/${segment(matterId)}${tab === undefined ? '' : `/${segment(tab)}`}`;
}

export function apiMatterPath(matterId: string, rest = ''): string {
  return `/api/matters/${segment(matterId)}${rest}`;
}

/**
 * The directory's entries (username and account role) for user ids (members, requesters). Staff only: for
 * anyone else the directory refuses and the page shows ids instead, so a refusal here is not an error
 * worth showing.
 */
export async function colleaguesOf(
  api: ApiClient,
  userIds: string[],
  signal?: AbortSignal,
): Promise<Map<string, Colleague>> {
  const colleagues = new Map<string, Colleague>();
  if (userIds.length === 0) return colleagues;
  try {
    const { users } = await api.post<{ users: Colleague[] }>(
      '/api/directory/lookup',
      { userIds: [...new Set(userIds)].slice(0, 100) },
      signal === undefined ? {} : { signal },
    );
    for (const user of users) colleagues.set(user.id, user);
  } catch (error) {
    if (!(error instanceof ApiError && error.code === 'identity.directory_not_allowed')) throw error;
  }
  return colleagues;
}

/** Clients and process servers are outside the firm: the directory refuses them (identity.directory.usecases.ts). */
export function mayUseDirectory(accountRole: string): boolean {
  return accountRole !== 'client' && accountRole !== 'process_server';
}

/** Someone whose name the directory does not give the viewer, by their role on the matter, never by id. */
export function matterRoleLabel(role: MatterRole): string {
  return `Matter ${role}`;
}

/** Usernames for user ids, from `colleaguesOf`. */
export async function usernamesOf(
  api: ApiClient,
  userIds: string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const colleagues = await colleaguesOf(api, userIds, signal);
  return new Map([...colleagues].map(([id, colleague]) => [id, colleague.username]));
}

/**
 * Who each user id is, as far as the viewer may know: a username from the directory (firm staff), else
 * their role on the matter (clients and process servers, whom the directory refuses). Anyone left is no
 * longer on the matter.
 */
export async function namesOnMatter({
  api,
  matterId,
  userIds,
  accountRole,
  signal,
}: {
  api: ApiClient;
  matterId: string;
  userIds: string[];
  accountRole: string;
  signal: AbortSignal;
}): Promise<Map<string, string>> {
  const names = mayUseDirectory(accountRole)
    ? await usernamesOf(api, userIds, signal)
    : new Map<string, string>();
  if (userIds.every((id) => names.has(id))) return names;
  try {
    const { members } = await api.get<{ members: Member[] }>(apiMatterPath(matterId, '/members'), { signal });
    for (const member of members)
      if (!names.has(member.userId)) names.set(member.userId, matterRoleLabel(member.role));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  return names;
}

/** Account roles from outside the firm (identity.models.ts roles): they should rarely own a matter. */
export const externalAccountLabels: Record<string, string> = {
  client: 'client',
  process_server: 'process server',
};

/** "an owner", "an editor", "a viewer". */
export function roleWithArticle(role: MatterRole): string {
  return role === 'viewer' ? 'a viewer' : `an ${role}`;
}

/** A date input's day as the end of that day, local time: access granted "until 30 June" includes 30 June. */
export function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** Today as a date input's value, for `min`. */
export function today(): string {
  const now = new Date();
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
