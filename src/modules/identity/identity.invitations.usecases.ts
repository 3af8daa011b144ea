import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { generateSecretToken, hashSecretToken } from '../../shared/random/tokens.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';
import { prepareNewAccount, requireAccountManager } from './identity.admin.usecases.js';
import type { PolicyEngine } from '../access/access.models.js';
import type { IdentityDependencies, IdentitySettings } from './identity.dependencies.js';
import {
  createInvitationExpiredError,
  createInvitationInvalidError,
  createInvitationNotFoundError,
  createRoleInvalidError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import {
  buildInvitationLink,
  generateInvitationId,
  type Invitation,
  invitationListLimit,
} from './identity.invitations.models.js';
import { createInvitationsRepository } from './identity.invitations.repository.js';
import { generateUserId, isRole, type Principal, type User } from './identity.models.js';
import { sealEmailAddress } from './identity.notifications.usecases.js';
import { createNotificationsRepository } from './identity.notifications.repository.js';
import type { PasswordHasher } from './identity.passwords.js';
import { createIdentityRepository } from './identity.repository.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

export type CreateInvitationArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  settings: Pick<IdentitySettings, 'invitationTtlHours' | 'stepUpMinutes'>;
  publicUrl: string;
  policy: PolicyEngine;
  principal: Principal;
  role: string;
  generateId?: IdGenerator;
};

/**
 * An administrator invites someone to a role. The link (a 256-bit token in its fragment) is returned once;
 * only the token's SHA-256 is stored. Handing out an account is sensitive: it needs a recent second factor.
 */
export async function createInvitation({
  db,
  clock,
  ledger,
  settings,
  publicUrl,
  policy,
  principal,
  role,
  generateId = generateInvitationId,
}: CreateInvitationArgs): Promise<{ invitation: Invitation; link: string }> {
  const actor = await requireAccountManager({ db, policy, principal });
  requireRecentSecondFactor({ principal, clock, settings });
  if (!isRole(role)) throw createRoleInvalidError();
  return inTransaction(db, async (trx) => {
    const token = generateSecretToken();
    const createdAt = clock.now();
    const invitation: Invitation = {
      id: generateId(),
      role,
      createdBy: principal.userId,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + settings.invitationTtlHours * 60 * 60_000),
      status: 'open',
      acceptedUserId: undefined,
    };
    await createInvitationsRepository({ db: trx }).insertInvitation({
      ...invitation,
      tokenHash: hashSecretToken(token),
    });
    await ledger.append({
      db: trx,
      event: { kind: 'identity.invitation_created', actor, data: { invitationId: invitation.id, role } },
    });
    return { invitation, link: buildInvitationLink({ publicUrl, token }) };
  });
}

/** The most recent invitations with their status; administrators share them (accounts are a firm-wide task). */
export async function listInvitations({
  db,
  clock,
  policy,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  policy: PolicyEngine;
  principal: Principal;
}): Promise<{ invitations: Invitation[] }> {
  await requireAccountManager({ db, policy, principal });
  const invitations = await createInvitationsRepository({ db }).listInvitations({
    now: clock.now(),
    limit: invitationListLimit,
  });
  return { invitations };
}

/** Withdraws an open invitation; its link stops working at once. */
export async function revokeInvitation({
  db,
  clock,
  ledger,
  policy,
  principal,
  invitationId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  policy: PolicyEngine;
  principal: Principal;
  invitationId: string;
}): Promise<{ invitation: Invitation }> {
  const actor = await requireAccountManager({ db, policy, principal });
  return inTransaction(db, async (trx) => {
    const repository = createInvitationsRepository({ db: trx });
    const now = clock.now();
    const invitation = await repository.findInvitationById({ id: invitationId, now });
    if (invitation === undefined || !(await repository.revokeInvitation({ id: invitation.id, at: now }))) {
      throw createInvitationNotFoundError();
    }
    await ledger.append({
      db: trx,
      event: { kind: 'identity.invitation_revoked', actor, data: { invitationId: invitation.id } },
    });
    return { invitation: { ...invitation, status: 'revoked' } };
  });
}

function assertInvitationUsable(invitation: Invitation | undefined): Invitation {
  if (invitation === undefined || invitation.status === 'accepted' || invitation.status === 'revoked') {
    throw createInvitationInvalidError();
  }
  if (invitation.status === 'expired') throw createInvitationExpiredError();
  return invitation;
}

export type AcceptInvitationArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  passwordHasher: Pick<PasswordHasher, 'hash'>;
  secretBox: Pick<IdentityDependencies['secretBox'], 'seal'>;
  token: string;
  username: string;
  password: string;
  email?: string | undefined;
  generateId?: IdGenerator;
};

/**
 * Creates the invitee's account with the invited role and uses up the invitation, both or neither. The
 * invitee then signs in and enrols a second factor. Reached only by the invitation page's POST.
 */
export async function acceptInvitation({
  db,
  clock,
  ledger,
  passwordHasher,
  secretBox,
  token,
  username: rawUsername,
  password,
  email,
  generateId = generateUserId,
}: AcceptInvitationArgs): Promise<{ user: User }> {
  const tokenHash = hashSecretToken(token);
  // A forged or stale token fails here, before the slow hash: bogus requests cost one indexed read.
  assertInvitationUsable(
    await createInvitationsRepository({ db }).findInvitationByTokenHash({ tokenHash, now: clock.now() }),
  );
  const userId = generateId();
  const emailSealed = email === undefined ? undefined : sealEmailAddress({ secretBox, userId, email });
  const { username, passwordHash } = await prepareNewAccount({
    username: rawUsername,
    password,
    passwordHasher,
  });

  return inTransaction(db, async (trx) => {
    const invitations = createInvitationsRepository({ db: trx });
    const now = clock.now();
    const invitation = assertInvitationUsable(
      await invitations.findInvitationByTokenHash({ tokenHash, now }),
    );
    // @NOTE The conditional update is what makes two simultaneous accepts create one account.
    if (!(await invitations.consumeInvitation({ id: invitation.id, userId, at: now }))) {
      throw createInvitationInvalidError();
    }
    const user: User = { id: userId, username, role: invitation.role, createdAt: now };
    await createIdentityRepository({ db: trx }).insertUser({ user, passwordHash });
    if (emailSealed !== undefined) {
      await createNotificationsRepository({ db: trx }).setUserEmail({ userId, emailSealed, at: now });
    }
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.user_created',
        actor: { type: 'anonymous' },
        data: { userId, role: invitation.role, invitationId: invitation.id },
      },
    });
    return { user };
  });
}
