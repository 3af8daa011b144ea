import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type {
  AccessDecision,
  InstallationAction,
  MatterAction,
  MatterFacts,
  PolicyEngine,
} from './access.models.js';
import { createAccessRepository } from './access.repository.js';

/** Who asks, as access needs it: the identity module's Principal fits. */
export type AccessPrincipal = { userId: string; role: string; secondFactorAt: Date | undefined };

export type AccessDependencies = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  policy: PolicyEngine;
  /** How recent a second factor must be for acts that need step-up (highly sensitive reads). */
  stepUpMinutes: number;
};

function hasRecentSecondFactor({
  principal,
  clock,
  stepUpMinutes,
}: {
  principal: AccessPrincipal;
  clock: Clock;
  stepUpMinutes: number;
}): boolean {
  return (
    principal.secondFactorAt !== undefined &&
    clock.now().getTime() - principal.secondFactorAt.getTime() <= stepUpMinutes * 60_000
  );
}

/** The reason a caller answers with, from the policies that denied (an empty list: nothing permitted). */
function explainDenial(facts: MatterFacts, policies: readonly string[]): AccessDecision {
  // @NOTE A non-member is never told more than "not found": with no permit in play, a step-up or closed
  // forbid would be the only reason listed, and answering with it would reveal that the matter or
  // document exists, its classification or its status. No permit for non-members (matter.create,
  // request_access, manage_walls, read_access_report) is gated by those forbids.
  if (facts.membership === undefined) return { isAllowed: false, reason: 'hidden', policies };
  if (policies.includes('ethical-wall') || policies.includes('assistants-need-a-named-grant')) {
    return { isAllowed: false, reason: 'hidden', policies };
  }
  if (policies.includes('highly-sensitive-needs-step-up') && policies.length === 1) {
    return { isAllowed: false, reason: 'step_up_required', policies };
  }
  if (policies.includes('closed-matters-are-read-only') && policies.length === 1) {
    return { isAllowed: false, reason: 'closed', policies };
  }
  return { isAllowed: false, reason: 'forbidden', policies };
}

/**
 * The one policy decision point for acts on matters, folders and documents: gathers what the policies
 * need (ethical walls, compliance designation, second-factor recency) and asks the Cedar policies.
 * Deny by default; a `forbid` wins over every `permit`.
 */
export async function authorizeMatterAction({
  db,
  clock,
  policy,
  stepUpMinutes,
  principal,
  action,
  facts,
}: AccessDependencies & {
  principal: AccessPrincipal;
  action: MatterAction;
  facts: MatterFacts;
}): Promise<AccessDecision> {
  const repository = createAccessRepository({ db });
  const [isScreened, isComplianceOfficer] = await Promise.all([
    repository.isScreened({ matterId: facts.matter.id, userId: principal.userId }),
    principal.role === 'auditor' ? repository.isComplianceOfficer({ userId: principal.userId }) : false,
  ]);
  const { matter, item, membership } = facts;
  const decision = policy.decide({
    principal: { id: principal.userId, role: principal.role, isComplianceOfficer },
    action,
    resource:
      item === undefined
        ? { type: 'Matter', id: matter.id, classification: matter.classification }
        : { type: 'Document', id: item.id, classification: item.classification, matter },
    context: {
      membership: membership?.role ?? 'none',
      isNamedForHighlySensitive: membership?.isNamedForHighlySensitive ?? false,
      isScreened,
      hasRecentSecondFactor: hasRecentSecondFactor({ principal, clock, stepUpMinutes }),
      matterStatus: matter.status,
    },
  });
  return decision.isAllowed ? { isAllowed: true } : explainDenial(facts, decision.reasons);
}

/**
 * Acts on the installation itself (account administration), decided by the same policies as acts in
 * matters: the rule that lets administrators run accounts and the one that keeps them out of matters are
 * read, and changed, side by side. A refusal is `forbidden`: these routes exist for everyone to see.
 */
export async function authorizeInstallationAction({
  db,
  policy,
  principal,
  action,
}: Pick<AccessDependencies, 'db' | 'policy'> & {
  principal: Pick<AccessPrincipal, 'userId' | 'role'> & { via: 'session' | 'api_token' };
  action: InstallationAction;
}): Promise<AccessDecision> {
  const isComplianceOfficer =
    principal.role === 'auditor' &&
    (await createAccessRepository({ db }).isComplianceOfficer({ userId: principal.userId }));
  const decision = policy.decide({
    principal: { id: principal.userId, role: principal.role, isComplianceOfficer },
    action,
    resource: { type: 'Installation', id: 'writ' },
    context: { isInteractiveSession: principal.via === 'session' },
  });
  return decision.isAllowed
    ? { isAllowed: true }
    : { isAllowed: false, reason: 'forbidden', policies: decision.reasons };
}

/** Opening a matter: a decision about the principal alone (the matter does not exist yet). */
export async function authorizeMatterCreation(
  args: AccessDependencies & { principal: AccessPrincipal },
): Promise<AccessDecision> {
  return authorizeMatterAction({
    ...args,
    action: 'matter.create',
    facts: { matter: { id: 'new', classification: 'internal', status: 'open' }, membership: undefined },
  });
}

/** The matters a principal is screened from, so that lists can leave them out in one query. */
export async function listScreenedMatterIds({
  db,
  userId,
}: {
  db: Kysely<WritDatabase>;
  userId: string;
}): Promise<Set<string>> {
  return createAccessRepository({ db }).screenedMatterIds({ userId });
}

/**
 * Whether an ethical wall screens `userId` from the matter, in person or through a group: asked before granting, so that the person
 * granting is told why a grant cannot be made (the wall would override it anyway).
 */
export async function isScreenedFromMatter({
  db,
  matterId,
  userId,
}: {
  db: Kysely<WritDatabase>;
  matterId: string;
  userId: string;
}): Promise<boolean> {
  return createAccessRepository({ db }).isScreened({ matterId, userId });
}

/** Whether an ethical wall on the group stands on any matter: a group that is screened may not be deleted. */
export async function hasStandingGroupWalls({
  db,
  groupId,
}: {
  db: Kysely<WritDatabase>;
  groupId: string;
}): Promise<boolean> {
  return createAccessRepository({ db }).hasLiveGroupScreens({ groupId });
}

/**
 * How many matters `userId` is screened from only through a wall on the group: leaving the group would lift
 * those walls for them, which only a compliance officer may do.
 */
export async function countWallsOnlyThroughGroup({
  db,
  groupId,
  userId,
}: {
  db: Kysely<WritDatabase>;
  groupId: string;
  userId: string;
}): Promise<number> {
  return createAccessRepository({ db }).countScreensOnlyThroughGroup({ groupId, userId });
}
