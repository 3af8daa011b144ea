import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import {
  createPasswordIncorrectError,
  createSessionRequiredError,
  createUnauthenticatedError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import type { Principal } from './identity.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import { assertPasswordAcceptable, type PasswordHasher } from './identity.passwords.js';
import { revokeAllUserApiTokens } from './identity.revocation.usecases.js';
import { createSessionsRepository } from './identity.sessions.repository.js';
import { rotateSessionToken } from './identity.sessions.usecases.js';
import { beginUserSecretAttempt } from './identity.user-attempts.js';
import {
  accountThrottleKey,
  clientHashOf,
  clientThrottleKey,
  settleThrottledAttempt,
  type ThrottleSettings,
} from './identity.throttle.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/**
 * Changes the caller's password, given the current one: the session gets a new token, every other
 * session of the user ends and every API token of the user is revoked, with the `identity.password_changed`
 * event and a notice to the user. Wrong current passwords count in the account's throttle, like failed
 * sign-ins: a stolen session must not be a way to guess the password.
 * @NOTE Tokens go because a user changes their password when they fear it leaked, and a token minted from a
 * stolen session never asks for it. SSH keys stay (a user changing a password routinely keeps their SFTP
 * clients): each was notified when added and is listed for the user to remove; a reset and the
 * administrator's responses remove them all.
 */
export async function changePassword({
  db,
  clock,
  ledger,
  passwordHasher,
  keyedHasher,
  settings,
  principal,
  currentPassword,
  newPassword,
  clientAddress,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  passwordHasher: Pick<PasswordHasher, 'hash' | 'verify'>;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: ThrottleSettings;
  principal: Principal;
  currentPassword: string;
  newPassword: string;
  clientAddress: string;
}): Promise<{
  token: string;
  csrfToken: string;
  revokedSessionCount: number;
  revokedApiTokenCount: number;
}> {
  const { userId, sessionId } = principal;
  if (principal.via !== 'session' || sessionId === undefined) throw createSessionRequiredError();
  const credentials = createCredentialsRepository({ db });
  const user = await credentials.findCredentialsById({ userId });
  if (user === undefined) throw createUnauthenticatedError();
  assertPasswordAcceptable({ password: newPassword, username: user.username });

  const clientHash = clientHashOf({ keyedHasher, clientAddress });
  const key = accountThrottleKey(userId);
  const clientKey = clientThrottleKey(clientHash);
  const { recordFailure } = await beginUserSecretAttempt({
    db,
    clock,
    ledger,
    settings,
    userId,
    key,
    clientKey,
    lock: 'sign_in',
    failureEvent: (reason) => ({
      kind: 'identity.password_change_failed',
      actor: { type: 'user', id: userId },
      data: { userId, sessionId, reason, clientHash },
    }),
  });
  if (!(await passwordHasher.verify(user.passwordHash, currentPassword))) {
    await recordFailure('wrong_password');
    throw createPasswordIncorrectError();
  }

  // Hashed before the transaction: Argon2id takes ~100 ms and must not hold the database's write lock.
  const passwordHash = await passwordHasher.hash(newPassword);
  return inTransaction(db, async (trx) => {
    const now = clock.now();
    await settleThrottledAttempt({ db: trx, settings, key, clientKey });
    const isChanged = await createCredentialsRepository({ db: trx }).updatePasswordHash({
      userId,
      passwordHash,
      previousHash: user.passwordHash,
      at: now,
      isChange: true,
    });
    // Changed by another request since it was checked: this one's current password is no longer current.
    if (!isChanged) throw createPasswordIncorrectError();
    const rotation = await rotateSessionToken({ db: trx, clock, sessionId, userId });
    const revokedSessionCount = await createSessionsRepository({ db: trx }).revokeUserSessions({
      userId,
      at: now,
      exceptId: sessionId,
    });
    const actor = { type: 'user', id: userId } as const;
    await ledger.append({
      db: trx,
      event: { kind: 'identity.password_changed', actor, data: { userId, via: 'self' } },
    });
    const revokedApiTokenCount = await revokeAllUserApiTokens({ db: trx, clock, ledger, actor, userId });
    await recordNotification({ db: trx, clock, userId, kind: 'password_changed', payload: { via: 'self' } });
    return { ...rotation, revokedSessionCount, revokedApiTokenCount };
  });
}
