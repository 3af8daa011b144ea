import {
  listEventsForGroup,
  listEventsForMatter,
  type RecordedEvent,
} from '../ledger/ledger.events.usecases.js';
import { createAccessMatterNotFoundError } from './access.errors.js';
import { createAccessReportRepository } from './access.report.repository.js';
import { type AccessDependencies, type AccessPrincipal, authorizeMatterAction } from './access.usecases.js';

/** How a person came to hold access. @NOTE Published in the report's JSON and CSV. */
export type AccessGrantSource = 'matter_created' | 'membership' | 'access_request' | 'wall_lifted';

/** Why a period of access ended. @NOTE Published in the report's JSON and CSV. */
export type AccessEndReason = 'removed' | 'expired' | 'screened' | 'changed';

/** One period during which `userId` held `role` in the matter. */
export type AccessReportRow = {
  userId: string;
  role: string;
  from: Date;
  /** Undefined: the access is still open. */
  to: Date | undefined;
  /** Who granted it (a user id), when an event says so. */
  grantedBy: string | undefined;
  how: AccessGrantSource;
  /** Set with `to`: why the period ended. */
  endedBy: AccessEndReason | undefined;
  /** Who ended it (removal, screen, change); undefined for an expiry. */
  endedByUserId: string | undefined;
  /** When the grant was set to end, for time-bound grants. */
  expiresAt: Date | undefined;
  isNamedForHighlySensitive: boolean;
};

export type AccessReport = { matterId: string; generatedAt: Date; rows: AccessReportRow[] };

/**
 * The ledger kinds the report reads.
 * @NOTE `access.wall_*` and `documents.access_request_approved` come from the access-request and wall
 * features; their payloads carry `matterId` and `userId` (a request also `role`, `expiresAt`).
 * Walls on groups (`access.group_wall_*`) carry `groupId`: the report then also reads that group's
 * membership events (`groupMembershipEventKinds`), so that a member is screened while they belong to it.
 */
export const accessReportEventKinds = [
  'documents.matter_created',
  'documents.member_added',
  'documents.member_removed',
  'documents.access_request_approved',
  'access.wall_added',
  'access.wall_lifted',
  'access.group_wall_added',
  'access.group_wall_lifted',
] as const;

/** The identity module's events about a group's members, read for the groups a wall screened. */
export const groupMembershipEventKinds = [
  'identity.group_member_added',
  'identity.group_member_removed',
  'identity.group_deleted',
] as const;

/**
 * Who had which access to the matter, from when to when, built from the ledger's events alone (the
 * audit trail, not the current tables). Owners and auditors (`matter.read_access_report`); anyone else,
 * and a matter that does not exist, get the same not-found.
 */
export async function buildAccessReport({
  db,
  clock,
  policy,
  stepUpMinutes,
  principal,
  matterId,
}: AccessDependencies & { principal: AccessPrincipal; matterId: string }): Promise<AccessReport> {
  const now = clock.now();
  const facts = await createAccessReportRepository({ db }).findMatterFacts({
    matterId,
    userId: principal.userId,
    now,
  });
  if (facts === undefined) throw createAccessMatterNotFoundError();
  const decision = await authorizeMatterAction({
    db,
    clock,
    policy,
    stepUpMinutes,
    principal,
    action: 'matter.read_access_report',
    facts,
  });
  if (!decision.isAllowed) throw createAccessMatterNotFoundError();
  const matterEvents = await listEventsForMatter({ db, matterId, kinds: accessReportEventKinds });
  const groupIds = new Set(
    matterEvents.flatMap((event) =>
      event.kind === 'access.group_wall_added' && typeof event.data.groupId === 'string'
        ? [event.data.groupId]
        : [],
    ),
  );
  const groupEvents = await Promise.all(
    [...groupIds].map((groupId) => listEventsForGroup({ db, groupId, kinds: groupMembershipEventKinds })),
  );
  // A stable sort: events at the same instant keep their order within each source.
  const events = [...matterEvents, ...groupEvents.flat()].sort((a, b) => a.at.getTime() - b.at.getTime());
  return { matterId, generatedAt: now, rows: accessPeriodsFromEvents({ events, now }) };
}

type OpenGrant = Omit<AccessReportRow, 'to' | 'endedBy' | 'endedByUserId'>;

const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const dateOf = (value: unknown): Date | undefined => {
  const text = textOf(value);
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** The periods of access the events describe, in order of their start. Pure: events in, rows out. */
export function accessPeriodsFromEvents({
  events,
  now,
}: {
  events: readonly RecordedEvent[];
  now: Date;
}): AccessReportRow[] {
  const rows: AccessReportRow[] = [];
  const open = new Map<string, OpenGrant>();
  /** Grants held while a wall screens their holder: they count again once it is lifted. */
  const suspended = new Map<string, OpenGrant>();
  /** People screened in person, walls standing on groups, and those groups' members as the events tell. */
  const screenedInPerson = new Set<string>();
  const screenedGroups = new Set<string>();
  const groupMembers = new Map<string, Set<string>>();
  const isScreened = (userId: string) =>
    screenedInPerson.has(userId) ||
    [...screenedGroups].some((groupId) => groupMembers.get(groupId)?.has(userId) === true);

  const close = (userId: string, to: Date, endedBy: AccessEndReason, endedByUserId: string | undefined) => {
    const grant = open.get(userId);
    if (grant === undefined) return;
    open.delete(userId);
    rows.push({ ...grant, to, endedBy, endedByUserId });
  };
  const expireBefore = (userId: string, at: Date) => {
    const grant = open.get(userId);
    if (grant?.expiresAt !== undefined && grant.expiresAt.getTime() <= at.getTime()) {
      close(userId, grant.expiresAt, 'expired', undefined);
    }
    const held = suspended.get(userId);
    if (held?.expiresAt !== undefined && held.expiresAt.getTime() <= at.getTime()) suspended.delete(userId);
  };
  const grant = (next: OpenGrant, actorId: string | undefined) => {
    if (isScreened(next.userId)) {
      suspended.set(next.userId, next);
      return;
    }
    const current = open.get(next.userId);
    // An approved request and the membership it creates are recorded at the same instant: one period.
    if (current !== undefined && current.from.getTime() === next.from.getTime()) {
      const how =
        current.how === 'access_request' || next.how === 'access_request' ? 'access_request' : next.how;
      open.set(next.userId, { ...next, how });
      return;
    }
    close(next.userId, next.from, 'changed', actorId);
    open.set(next.userId, next);
  };

  /** Applies `change`; whoever it screens loses their open period, whoever it unscreens gets it back. */
  const changeScreens = (
    userIds: readonly string[],
    at: Date,
    actorId: string | undefined,
    change: () => unknown,
  ) => {
    const before = new Map(userIds.map((userId) => [userId, isScreened(userId)]));
    change();
    for (const userId of userIds) {
      const isNow = isScreened(userId);
      if (!before.get(userId) && isNow) {
        const held = open.get(userId);
        if (held !== undefined) suspended.set(userId, held);
        close(userId, at, 'screened', actorId);
      } else if (before.get(userId) === true && !isNow) {
        const held = suspended.get(userId);
        suspended.delete(userId);
        if (held !== undefined) open.set(userId, { ...held, from: at, how: 'wall_lifted' });
      }
    }
  };

  for (const event of events) {
    const actorId = event.actor.type === 'user' ? event.actor.id : undefined;
    const userId =
      event.kind === 'documents.matter_created'
        ? actorId
        : textOf(event.data.userId ?? event.data.requesterId);
    const groupId = textOf(event.data.groupId);
    if (groupId !== undefined && userId === undefined) {
      const members = [...(groupMembers.get(groupId) ?? [])];
      for (const member of members) expireBefore(member, event.at);
      if (event.kind === 'access.group_wall_added') {
        changeScreens(members, event.at, actorId, () => screenedGroups.add(groupId));
      } else if (event.kind === 'access.group_wall_lifted') {
        changeScreens(members, event.at, actorId, () => screenedGroups.delete(groupId));
      } else if (event.kind === 'identity.group_deleted') {
        changeScreens(members, event.at, actorId, () => groupMembers.delete(groupId));
      }
      continue;
    }
    if (userId === undefined) continue;
    expireBefore(userId, event.at);
    switch (event.kind) {
      case 'documents.matter_created':
      case 'documents.member_added':
      case 'documents.access_request_approved':
        grant(
          {
            userId,
            role:
              event.kind === 'documents.matter_created' ? 'owner' : (textOf(event.data.role) ?? 'unknown'),
            from: event.at,
            grantedBy: actorId,
            how:
              event.kind === 'documents.matter_created'
                ? 'matter_created'
                : event.kind === 'documents.member_added'
                  ? 'membership'
                  : 'access_request',
            expiresAt: dateOf(event.data.expiresAt ?? event.data.grantExpiresAt),
            isNamedForHighlySensitive: event.data.namedForHighlySensitive === true,
          },
          actorId,
        );
        break;
      case 'documents.member_removed':
        suspended.delete(userId);
        close(userId, event.at, 'removed', actorId);
        break;
      case 'access.wall_added':
        changeScreens([userId], event.at, actorId, () => screenedInPerson.add(userId));
        break;
      case 'access.wall_lifted':
        changeScreens([userId], event.at, actorId, () => screenedInPerson.delete(userId));
        break;
      case 'identity.group_member_added':
      case 'identity.group_member_removed': {
        const groupId = textOf(event.data.groupId);
        if (groupId === undefined) break;
        const members = groupMembers.get(groupId) ?? new Set<string>();
        groupMembers.set(groupId, members);
        changeScreens([userId], event.at, actorId, () =>
          event.kind === 'identity.group_member_added' ? members.add(userId) : members.delete(userId),
        );
        break;
      }
    }
  }
  for (const userId of [...open.keys()]) expireBefore(userId, now);
  for (const held of open.values()) {
    rows.push({ ...held, to: undefined, endedBy: undefined, endedByUserId: undefined });
  }
  return rows.sort((a, b) => a.from.getTime() - b.from.getTime() || a.userId.localeCompare(b.userId));
}

const csvColumns = [
  'userId',
  'role',
  'from',
  'to',
  'grantedBy',
  'how',
  'endedBy',
  'endedByUserId',
  'expiresAt',
  'namedForHighlySensitive',
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break. A cell a spreadsheet would
 * run as a formula (starting with = + - @, tab or carriage return) is prefixed with a single quote.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The report as CSV: a header row, then one row per period, CRLF line ends (RFC 4180). */
export function accessReportToCsv(report: AccessReport): string {
  const iso = (date: Date | undefined) => (date === undefined ? '' : date.toISOString());
  const lines = [csvColumns.join(',')];
  for (const row of report.rows) {
    const cells: Record<(typeof csvColumns)[number], string> = {
      userId: row.userId,
      role: row.role,
      from: iso(row.from),
      to: iso(row.to),
      grantedBy: row.grantedBy ?? '',
      how: row.how,
      endedBy: row.endedBy ?? '',
      endedByUserId: row.endedByUserId ?? '',
      expiresAt: iso(row.expiresAt),
      namedForHighlySensitive: row.isNamedForHighlySensitive ? 'true' : 'false',
    };
    lines.push(csvColumns.map((column) => csvCell(cells[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
