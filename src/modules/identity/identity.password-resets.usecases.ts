import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { generateSecretToken, hashSecretToken } from '../../shared/random/tokens.js';
import type { WritDatabase } from '../database.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';
import { createAdminRepository } from './identity.admin.repository.js';
import { requireAccountManager } from './identity.admin.usecases.js';
import type { PolicyEngine } from '../access/access.models.js';
import type { IdentitySettings } from './identity.dependencies.js';
import {
  createResetLinkExpiredError,
  createResetLinkInvalidError,
  createUserNotFoundError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { type Principal } from './identity.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import { buildPasswordResetLink, generatePasswordResetId } from './identity.password-resets.models.js';
import { createPasswordResetsRepository } from './identity.password-resets.repository.js';
import { assertPasswordAcceptable, type PasswordHasher } from './identity.passwords.js';
import { revokeAllUserCredentials } from './identity.revocation.usecases.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/**
 * An administrator issues a single-use, expiring link that sets a user's password. It replaces any earlier
 * unused link, tells the user, and needs the administrator's recent second factor.
 * @NOTE The link sets the password only: the account's second factors stay, so an administrator holding the
 * link still cannot sign in as a user who enrolled one.
 */
export async function issuePasswordReset({
  db,
  clock,
  ledger,
  settings,
  publicUrl,
  policy,
  principal,
  userId,
  generateId = generatePasswordResetId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  settings: Pick<IdentitySettings, 'invitationTtlHours' | 'stepUpMinutes'>;
  publicUrl: string;
  policy: PolicyEngine;
  principal: Principal;
  userId: string;
  generateId?: IdGenerator;
}): Promise<{ resetId: string; link: string; expiresAt: Date }> {
  const actor = await requireAccountManager({ db, policy, principal });
  requireRecentSecondFactor({ principal, clock, settings });
  return inTransaction(db, async (trx) => {
    const account = await createAdminRepository({ db: trx }).findAccountById({ id: userId });
    if (account === undefined) throw createUserNotFoundError();
    const resets = createPasswordResetsRepository({ db: trx });
    await resets.deleteUnconsumedResets({ userId: account.id });
    const token = generateSecretToken();
    const createdAt = clock.now();
    const expiresAt = new Date(createdAt.getTime() + settings.invitationTtlHours * 60 * 60_000);
    const resetId = generateId();
    await resets.insertReset({
      id: resetId,
      tokenHash: hashSecretToken(token),
      userId: account.id,
      createdBy: principal.userId,
      createdAt,
      expiresAt,
    });
    await ledger.append({
      db: trx,
      event: { kind: 'identity.password_reset_issued', actor, data: { userId: account.id, resetId } },
    });
    await recordNotification({
      db: trx,
      clock,
      userId: account.id,
      kind: 'password_reset_issued',
      payload: { expiresAt: expiresAt.toISOString() },
    });
    return { resetId, link: buildPasswordResetLink({ publicUrl, token }), expiresAt };
  });
}

/**
 * Sets the password, ends every session, revokes every API token and removes every SSH key of the account,
 * and tells its owner, in the caller's transaction: a reset answers a lost or stolen credential, and a
 * token or key made with it must not survive the reset.
 */
export async function replacePassword({
  db,
  clock,
  ledger,
  userId,
  passwordHash,
  via,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  userId: string;
  passwordHash: string;
  via: 'reset_link' | 'recovery_code';
}): Promise<void> {
  const actor: EventActor = { type: 'anonymous' };
  await createPasswordResetsRepository({ db }).updatePassword({
    userId,
    passwordHash,
    at: clock.now(),
    isRecovery: via === 'recovery_code',
  });
  await ledger.append({ db, event: { kind: 'identity.password_changed', actor, data: { userId, via } } });
  await revokeAllUserCredentials({ db, clock, ledger, actor, userId });
  await recordNotification({ db, clock, userId, kind: 'password_changed', payload: { via } });
}

export type CompleteArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  passwordHasher: Pick<PasswordHasher, 'hash'>;
};

/** The reset page's POST: uses up the link and sets the new password, both or neither. */
export async function completePasswordReset({
  db,
  clock,
  ledger,
  passwordHasher,
  token,
  password,
}: CompleteArgs & { token: string; password: string }): Promise<{ userId: string }> {
  const tokenHash = hashSecretToken(token);
  type Reset = Awaited<ReturnType<ReturnType<typeof createPasswordResetsRepository>['findResetByTokenHash']>>;
  const assertUsable = (reset: Reset, now: Date) => {
    if (reset === undefined || reset.isConsumed) throw createResetLinkInvalidError();
    if (reset.expiresAt.getTime() <= now.getTime()) throw createResetLinkExpiredError();
    return reset;
  };
  // A forged or stale token fails before the slow hash.
  const found = assertUsable(
    await createPasswordResetsRepository({ db }).findResetByTokenHash({ tokenHash }),
    clock.now(),
  );
  assertPasswordAcceptable({ password, username: found.username });
  const passwordHash = await passwordHasher.hash(password);

  return inTransaction(db, async (trx) => {
    const resets = createPasswordResetsRepository({ db: trx });
    const now = clock.now();
    const reset = assertUsable(await resets.findResetByTokenHash({ tokenHash }), now);
    if (!(await resets.consumeReset({ id: reset.id, at: now }))) throw createResetLinkInvalidError();
    await replacePassword({ db: trx, clock, ledger, userId: reset.userId, passwordHash, via: 'reset_link' });
    return { userId: reset.userId };
  });
}
