import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { authorizeInstallationAction } from '../access/access.usecases.js';
import type { PolicyEngine } from '../access/access.models.js';
import type { WritDatabase } from '../database.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { type UserStatus, type UserSummary, userListLimits } from './identity.admin.models.js';
import { createAdminRepository } from './identity.admin.repository.js';
import {
  createAdminRequiredError,
  createCannotDisableSelfError,
  createRoleInvalidError,
  createUserNotFoundError,
  createUsernameInvalidError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import {
  generateUserId,
  isRole,
  normalizeUsername,
  type Principal,
  type User,
  usernamePattern,
} from './identity.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import { assertPasswordAcceptable, type PasswordHasher } from './identity.passwords.js';
import { createIdentityRepository } from './identity.repository.js';
import { revokeAllUserCredentials } from './identity.revocation.usecases.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/**
 * The first statement of every account-management act, decided by the one policy decision point (Cedar's
 * `installation.manage_accounts`: administrators, in a signed-in session, never by API token). Everyone
 * else gets 403 before anything is loaded, whatever id they name, so the answer tells them nothing about
 * which accounts exist.
 * @NOTE The admin role manages accounts only: nothing here reads or grants matter content.
 */
export async function requireAccountManager({
  db,
  policy,
  principal,
}: {
  db: Kysely<WritDatabase>;
  policy: PolicyEngine;
  principal: Principal;
}): Promise<EventActor> {
  const decision = await authorizeInstallationAction({
    db,
    policy,
    principal: { userId: principal.userId, role: principal.role, via: principal.via },
    action: 'installation.manage_accounts',
  });
  if (!decision.isAllowed) throw createAdminRequiredError();
  return { type: 'user', id: principal.userId };
}

/** Validates a new account's username and password and hashes the password, outside any transaction. */
export async function prepareNewAccount({
  username: rawUsername,
  password,
  passwordHasher,
}: {
  username: string;
  password: string;
  passwordHasher: Pick<PasswordHasher, 'hash'>;
}): Promise<{ username: string; passwordHash: string }> {
  const username = normalizeUsername(rawUsername);
  if (!usernamePattern.test(username)) throw createUsernameInvalidError();
  assertPasswordAcceptable({ password, username });
  // Hashing takes ~100 ms: done before the transaction so that it never holds the write lock.
  return { username, passwordHash: await passwordHasher.hash(password) };
}

export async function listUsers({
  db,
  clock,
  policy,
  principal,
  limit = userListLimits.defaultLimit,
  afterUsername,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  policy: PolicyEngine;
  principal: Principal;
  limit?: number;
  afterUsername?: string;
}): Promise<{ users: UserSummary[]; nextAfter: string | undefined }> {
  await requireAccountManager({ db, policy, principal });
  const pageSize = Math.min(Math.max(Math.trunc(limit), 1), userListLimits.maxLimit);
  const users = await createAdminRepository({ db }).listUserSummaries({
    limit: pageSize,
    afterUsername,
    now: clock.now(),
  });
  return { users, nextAfter: users.length === pageSize ? users.at(-1)?.username : undefined };
}

type ManageUserArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  policy: PolicyEngine;
  principal: Principal;
  userId: string;
};

/**
 * Disables or re-enables an account. Disabling also ends every session, revokes every API token and removes
 * every SSH key of the account, so that re-enabling it later does not revive credentials an intruder may
 * have made.
 */
export async function setUserStatus({
  status,
  ...args
}: ManageUserArgs & { status: UserStatus }): Promise<{ userId: string; status: UserStatus }> {
  const { db, clock, ledger, policy, principal, userId } = args;
  const actor = await requireAccountManager({ db, policy, principal });
  if (status === 'disabled' && userId === principal.userId) throw createCannotDisableSelfError();
  return inTransaction(db, async (trx) => {
    const repository = createAdminRepository({ db: trx });
    const account = await repository.findAccountById({ id: userId });
    if (account === undefined) throw createUserNotFoundError();
    const now = clock.now();
    // Setting the status it already has changes nothing and records nothing.
    if (!(await repository.updateUserStatus({ id: account.id, status, at: now }))) {
      return { userId: account.id, status };
    }
    await ledger.append({
      db: trx,
      event: { kind: 'identity.user_status_changed', actor, data: { userId: account.id, status } },
    });
    if (status === 'disabled') {
      await revokeAllUserCredentials({ db: trx, clock, ledger, actor, userId: account.id });
    }
    return { userId: account.id, status };
  });
}

/**
 * Ends every session of an account (a lost laptop, a suspected intrusion), and with them its API tokens and
 * SSH keys: an intruder holding a session could have made either, and both sign in without a session.
 * `count` is the number of sessions ended.
 */
export async function revokeUserSessions(
  args: ManageUserArgs,
): Promise<{ count: number; apiTokenCount: number; sshKeyCount: number }> {
  const { db, clock, ledger, policy, principal, userId } = args;
  const actor = await requireAccountManager({ db, policy, principal });
  return inTransaction(db, async (trx) => {
    const account = await createAdminRepository({ db: trx }).findAccountById({ id: userId });
    if (account === undefined) throw createUserNotFoundError();
    const { sessionCount, apiTokenCount, sshKeyCount } = await revokeAllUserCredentials({
      db: trx,
      clock,
      ledger,
      actor,
      userId: account.id,
    });
    return { count: sessionCount, apiTokenCount, sshKeyCount };
  });
}

/** `writ admin create-user`: an account created by the operator of the machine, recorded as the system's act. */
export async function createUserBySystem({
  db,
  clock,
  ledger,
  passwordHasher,
  username: rawUsername,
  role,
  password,
  generateId = generateUserId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  passwordHasher: Pick<PasswordHasher, 'hash'>;
  username: string;
  role: string;
  password: string;
  generateId?: IdGenerator;
}): Promise<{ user: User }> {
  if (!isRole(role)) throw createRoleInvalidError();
  const { username, passwordHash } = await prepareNewAccount({
    username: rawUsername,
    password,
    passwordHasher,
  });
  return inTransaction(db, async (trx) => {
    const user: User = { id: generateId(), username, role, createdAt: clock.now() };
    await createIdentityRepository({ db: trx }).insertUser({ user, passwordHash });
    await ledger.append({
      db: trx,
      event: { kind: 'identity.user_created', actor: { type: 'system' }, data: { userId: user.id, role } },
    });
    return { user };
  });
}

/**
 * `writ admin reset-mfa`: clears a locked-out user's TOTP, passkeys and recovery codes, ends their sessions,
 * revokes their API tokens and removes their SSH keys (whoever locked them out may have made some); at the
 * next sign-in they enrol a second factor again.
 */
export async function resetUserMfa({
  db,
  clock,
  ledger,
  username,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  username: string;
}): Promise<{
  userId: string;
  removed: { totp: number; passkeys: number; recoveryCodes: number; apiTokens: number; sshKeys: number };
}> {
  return inTransaction(db, async (trx) => {
    const repository = createAdminRepository({ db: trx });
    const account = await repository.findAccountByUsername({ username: normalizeUsername(username) });
    if (account === undefined) throw createUserNotFoundError();
    const factors = await repository.deleteSecondFactors({ userId: account.id });
    const actor: EventActor = { type: 'system' };
    await ledger.append({
      db: trx,
      event: { kind: 'identity.mfa_reset', actor, data: { userId: account.id } },
    });
    const { apiTokenCount, sshKeyCount } = await revokeAllUserCredentials({
      db: trx,
      clock,
      ledger,
      actor,
      userId: account.id,
    });
    await recordNotification({ db: trx, clock, userId: account.id, kind: 'mfa_reset', payload: {} });
    return { userId: account.id, removed: { ...factors, apiTokens: apiTokenCount, sshKeys: sshKeyCount } };
  });
}
