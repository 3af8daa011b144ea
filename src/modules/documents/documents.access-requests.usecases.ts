import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { authorizeMatterAction } from '../access/access.usecases.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import { recordNotification } from '../identity/identity.notifications.usecases.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import type { SecretBox } from '../vault/vault.models.js';
import { createAccessRequestsRepository } from './documents.access-requests.repository.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import {
  createAccessRequestDecidedError,
  createAccessRequestInvalidError,
  createAccessRequestNotFoundError,
  createAccessRequestWouldReduceAccessError,
  createGrantExpiryInvalidError,
  createMatterNotFoundError,
  createTooManyAccessRequestsError,
} from './documents.errors.js';
import { type AccessGate, requireMatterAccess } from './documents.matter-access.js';
import { actorOf, getMatter, listMatters, setMatterMember } from './documents.matters.usecases.js';
import {
  accessRequestReasonMaxLength,
  accessRequestLimits,
  accessRequestSealPurpose,
  type AccessRequestStatus,
  generateAccessRequestId,
  type MatterRole,
  matterRoleRank,
  type RequestableRole,
  requestableRoles,
} from './documents.models.js';
import { createDocumentsRepository } from './documents.repository.js';

/** A pending request as the matter's owners see it. */
export type PendingAccessRequest = {
  id: string;
  requesterId: string;
  role: RequestableRole;
  reason: string;
  createdAt: Date;
};

/** One of the caller's own requests; the matter's name only once approved and while they may see it. */
export type MyAccessRequest = {
  id: string;
  matterId: string;
  role: RequestableRole;
  status: AccessRequestStatus;
  createdAt: Date;
  decidedAt: Date | undefined;
  expiresAt: Date | undefined;
  matterName: string | undefined;
};

type Common = {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
};

function parseRequest({ role, reason }: { role: string; reason: string }) {
  const trimmed = reason.trim();
  if (
    !(requestableRoles as readonly string[]).includes(role) ||
    trimmed.length === 0 ||
    trimmed.length > accessRequestReasonMaxLength
  ) {
    throw createAccessRequestInvalidError();
  }
  return { role: role as RequestableRole, reason: trimmed };
}

/**
 * Refuses a submission beyond `accessRequestLimits`. Counted on the caller's stored requests only, which
 * they can list anyway, and checked before the matter is looked up: the refusal says nothing about it.
 */
async function requireRequestAllowance({
  repository,
  requesterId,
  now,
}: {
  repository: ReturnType<typeof createAccessRequestsRepository>;
  requesterId: string;
  now: Date;
}): Promise<void> {
  const { pending, recent } = await repository.countRequestsOfRequester({
    requesterId,
    since: new Date(now.getTime() - 86_400_000),
  });
  if (pending >= accessRequestLimits.maxPending || recent >= accessRequestLimits.maxPerDay) {
    throw createTooManyAccessRequestsError();
  }
}

/**
 * A colleague asks for a role in a matter whose id someone shared with them (lawyers and assistants
 * without a membership, per the policy `staff-ask-for-access`).
 * @NOTE The answer never reveals whether the matter exists: a matter id that does not exist, one the
 * caller is screened from, one they may not ask for (another role, already a member) and a duplicate of
 * their pending request all answer `submitted`, exactly like a real submission. Every one of them also
 * runs the same queries and the same policy decision (a missing matter is decided as a stand-in), so the
 * time taken does not tell them apart either. Only a real submission is stored, put on the ledger and
 * notified to the owners.
 */
export async function submitAccessRequest({
  access,
  db,
  clock,
  ledger,
  secretBox,
  principal,
  matterId,
  role: rawRole,
  reason: rawReason,
  generateId = generateAccessRequestId,
}: Common & {
  ledger: DocumentsLedger;
  secretBox: Pick<SecretBox, 'seal'>;
  matterId: string;
  role: string;
  reason: string;
  generateId?: IdGenerator;
}): Promise<{ status: 'submitted' }> {
  const { role, reason } = parseRequest({ role: rawRole, reason: rawReason });
  const submitted = { status: 'submitted' as const };
  const now = clock.now();
  return inTransaction(db, async (trx) => {
    const repository = createAccessRequestsRepository({ db: trx });
    // Before counting: the count and the insert it allows must not interleave with another submission's.
    await repository.lockRequester({ requesterId: principal.userId });
    await requireRequestAllowance({ repository, requesterId: principal.userId, now });
    const matter = await createDocumentsRepository({ db: trx }).findMatterWithMembership({
      matterId,
      userId: principal.userId,
      now,
    });
    const decision = await authorizeMatterAction({
      db: trx,
      clock,
      policy: access.policy,
      stepUpMinutes: access.stepUpMinutes,
      principal,
      action: 'matter.request_access',
      facts:
        matter === undefined
          ? { matter: { id: matterId, classification: 'internal', status: 'open' }, membership: undefined }
          : {
              matter: { id: matter.id, classification: matter.classification, status: matter.status },
              membership:
                matter.role === null
                  ? undefined
                  : {
                      role: matter.role,
                      isNamedForHighlySensitive: matter.is_named_for_highly_sensitive === 1,
                    },
            },
    });
    const hasPending = await repository.hasPendingRequest({ matterId, requesterId: principal.userId });
    if (matter === undefined || !decision.isAllowed || hasPending) return submitted;
    const requestId = generateId();
    await repository.insertRequest({
      id: requestId,
      matter_id: matterId,
      requester_id: principal.userId,
      role,
      reason_sealed: secretBox.seal({
        plaintext: Buffer.from(reason, 'utf8'),
        purpose: accessRequestSealPurpose(requestId),
      }),
      status: 'pending',
      created_at: now.getTime(),
      decided_by: null,
      decided_at: null,
      grant_expires_at: null,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.access_requested',
        actor: actorOf(principal),
        data: { matterId, requestId, role },
      },
    });
    const members = await createDocumentsRepository({ db: trx }).listMembers({ matterId, now });
    for (const owner of members.filter((member) => member.role === 'owner')) {
      await recordNotification({
        db: trx,
        clock,
        userId: owner.user_id,
        kind: 'access_requested',
        payload: { matterId, requestId, role },
      });
    }
    return submitted;
  });
}

/**
 * The requester withdraws their own pending request. Someone else's request, or one that does not exist,
 * is not found: the requester's ownership of the row is the whole authorization (they are not a member
 * of the matter, so there is nothing for the matter policies to decide).
 */
export async function withdrawAccessRequest({
  db,
  clock,
  ledger,
  principal,
  matterId,
  requestId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: DocumentsLedger;
  principal: Principal;
  matterId: string;
  requestId: string;
}): Promise<{ id: string; status: 'withdrawn' }> {
  return inTransaction(db, async (trx) => {
    const repository = createAccessRequestsRepository({ db: trx });
    const request = await repository.findRequest({ matterId, requestId });
    if (request === undefined || request.requester_id !== principal.userId) {
      throw createAccessRequestNotFoundError();
    }
    if (request.status !== 'pending') throw createAccessRequestDecidedError();
    const isWithdrawn = await repository.decideRequest({
      requestId,
      status: 'withdrawn',
      decidedBy: principal.userId,
      at: clock.now(),
      grantExpiresAt: undefined,
    });
    if (!isWithdrawn) throw createAccessRequestDecidedError();
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.access_request_withdrawn',
        actor: actorOf(principal),
        data: { matterId, requestId },
      },
    });
    return { id: requestId, status: 'withdrawn' as const };
  });
}

/** The matter's pending requests with their reasons (owners). */
export async function listMatterAccessRequests({
  secretBox,
  matterId,
  ...common
}: Common & { secretBox: Pick<SecretBox, 'open'>; matterId: string }): Promise<PendingAccessRequest[]> {
  await requireMatterAccess({ ...common, matterId, action: 'matter.decide_access_request' });
  const rows = await createAccessRequestsRepository({ db: common.db }).listPendingRequests({ matterId });
  return rows.map((row) => ({
    id: row.id,
    requesterId: row.requester_id,
    role: row.role as RequestableRole,
    reason: secretBox
      .open({ sealed: row.reason_sealed, purpose: accessRequestSealPurpose(row.id) })
      .toString('utf8'),
    createdAt: new Date(row.created_at),
  }));
}

/**
 * The pending requests on every matter the caller owns, oldest first: what an owner has to decide, in one
 * answer (the web UI's badges and its Requests page). Each matter is decided by the policy as its own list
 * is, so a matter the caller may no longer decide for (closed, a wall since) is left out, not an error.
 */
export async function listAccessRequestsAwaitingMe({
  secretBox,
  keyring,
  ...common
}: Common & { secretBox: Pick<SecretBox, 'open'>; keyring: RootKeyring }): Promise<
  (PendingAccessRequest & { matterId: string; matterName: string })[]
> {
  const owned = (await listMatters({ ...common, keyring })).filter((matter) => matter.myRole === 'owner');
  // Asked on every page of the web UI (its badge): only matters with something pending are decided.
  const withPending = await createAccessRequestsRepository({ db: common.db }).matterIdsWithPendingRequests({
    matterIds: owned.map((matter) => matter.id),
  });
  const awaiting: (PendingAccessRequest & { matterId: string; matterName: string })[] = [];
  for (const matter of owned.filter((each) => withPending.has(each.id))) {
    try {
      const requests = await listMatterAccessRequests({ ...common, secretBox, matterId: matter.id });
      awaiting.push(
        ...requests.map((request) => ({ ...request, matterId: matter.id, matterName: matter.name })),
      );
    } catch (error) {
      // Refused by the policy since the list was read (closed, a wall): nothing to decide there.
      const status = (error as { status?: unknown }).status;
      if (status !== 403 && status !== 404) throw error;
    }
  }
  return awaiting.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** The caller's own requests, newest first, with their status. */
export async function listMyAccessRequests({
  keyring,
  ...common
}: Common & { keyring: RootKeyring }): Promise<MyAccessRequest[]> {
  const rows = await createAccessRequestsRepository({ db: common.db }).listRequestsOfRequester({
    requesterId: common.principal.userId,
  });
  const requests: MyAccessRequest[] = [];
  for (const row of rows) {
    requests.push({
      id: row.id,
      matterId: row.matter_id,
      role: row.role as RequestableRole,
      status: row.status,
      createdAt: new Date(row.created_at),
      decidedAt: row.decided_at === null ? undefined : new Date(row.decided_at),
      expiresAt: row.grant_expires_at === null ? undefined : new Date(row.grant_expires_at),
      matterName:
        row.status === 'approved'
          ? await matterNameIfVisible({ ...common, keyring, matterId: row.matter_id })
          : undefined,
    });
  }
  return requests;
}

/** The name of a matter the caller may see now (the grant may have ended, or a wall may stand since). */
async function matterNameIfVisible(args: Common & { keyring: RootKeyring; matterId: string }) {
  try {
    return (await getMatter(args)).name;
  } catch (error) {
    if (isErrorWithCode({ error, code: createMatterNotFoundError.code })) return undefined;
    throw error;
  }
}

type DecisionArgs = Common & { ledger: DocumentsLedger; matterId: string; requestId: string };

async function requirePendingRequest({ matterId, requestId, ...common }: Omit<DecisionArgs, 'ledger'>) {
  await requireMatterAccess({ ...common, matterId, action: 'matter.decide_access_request' });
  const request = await createAccessRequestsRepository({ db: common.db }).findRequest({
    matterId,
    requestId,
  });
  if (request === undefined) throw createAccessRequestNotFoundError();
  if (request.status !== 'pending') throw createAccessRequestDecidedError();
  return request;
}

/**
 * Approves a pending request (owners): the requester becomes a member with the role asked for, until
 * `expiresAt` when given. The membership goes through `setMatterMember`, so a wall or an ineligible
 * requester refuses the approval as it would refuse a direct grant.
 * @NOTE A requester may have been made a member since they asked. An approval that would leave them with
 * less (a lower role, or a grant ending sooner) is refused rather than applied or silently skipped: the
 * owner decides between denying it and changing the membership directly. A named grant for highly
 * sensitive content is kept.
 */
export async function approveAccessRequest({
  ledger,
  expiresAt,
  ...args
}: DecisionArgs & { expiresAt?: Date | undefined }): Promise<{
  id: string;
  status: 'approved';
  expiresAt: Date | undefined;
}> {
  const { clock, principal, matterId, requestId } = args;
  const now = clock.now();
  if (expiresAt !== undefined && expiresAt.getTime() <= now.getTime()) throw createGrantExpiryInvalidError();
  return inTransaction(args.db, async (trx) => {
    const request = await requirePendingRequest({ ...args, db: trx });
    const current = (await createDocumentsRepository({ db: trx }).listMembers({ matterId, now })).find(
      (member) => member.user_id === request.requester_id,
    );
    if (
      current !== undefined &&
      wouldReduceAccess({ current, role: request.role as RequestableRole, expiresAt })
    ) {
      throw createAccessRequestWouldReduceAccessError();
    }
    await setMatterMember({
      ...args,
      db: trx,
      ledger,
      userId: request.requester_id,
      role: request.role,
      expiresAt,
      isNamedForHighlySensitive: current?.is_named_for_highly_sensitive === 1,
    });
    const isDecided = await createAccessRequestsRepository({ db: trx }).decideRequest({
      requestId,
      status: 'approved',
      decidedBy: principal.userId,
      at: now,
      grantExpiresAt: expiresAt,
    });
    if (!isDecided) throw createAccessRequestDecidedError();
    const expiry = expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() };
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.access_request_approved',
        actor: actorOf(principal),
        data: { matterId, requestId, userId: request.requester_id, role: request.role, ...expiry },
      },
    });
    await recordNotification({
      db: trx,
      clock,
      userId: request.requester_id,
      kind: 'access_request_decided',
      payload: { matterId, requestId, decision: 'approved', ...expiry },
    });
    return { id: requestId, status: 'approved' as const, expiresAt };
  });
}

function wouldReduceAccess({
  current,
  role,
  expiresAt,
}: {
  current: { role: MatterRole; expires_at: number | null };
  role: RequestableRole;
  expiresAt: Date | undefined;
}): boolean {
  if (matterRoleRank(role) < matterRoleRank(current.role)) return true;
  if (expiresAt === undefined) return false;
  return current.expires_at === null || expiresAt.getTime() < current.expires_at;
}

/** Denies a pending request (owners); the requester is told, without a reason. */
export async function denyAccessRequest({
  ledger,
  ...args
}: DecisionArgs): Promise<{ id: string; status: 'denied' }> {
  const { clock, principal, matterId, requestId } = args;
  return inTransaction(args.db, async (trx) => {
    const request = await requirePendingRequest({ ...args, db: trx });
    const isDecided = await createAccessRequestsRepository({ db: trx }).decideRequest({
      requestId,
      status: 'denied',
      decidedBy: principal.userId,
      at: clock.now(),
      grantExpiresAt: undefined,
    });
    if (!isDecided) throw createAccessRequestDecidedError();
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.access_request_denied',
        actor: actorOf(principal),
        data: { matterId, requestId, userId: request.requester_id },
      },
    });
    await recordNotification({
      db: trx,
      clock,
      userId: request.requester_id,
      kind: 'access_request_decided',
      payload: { matterId, requestId, decision: 'denied' },
    });
    return { id: requestId, status: 'denied' as const };
  });
}
