import { inTransaction } from '../../shared/db/transaction.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { createResetFailedError, createSignInThrottledError } from './identity.errors.js';
import { normalizeUsername } from './identity.models.js';
import { createPasswordResetsRepository } from './identity.password-resets.repository.js';
import { type CompleteArgs, replacePassword } from './identity.password-resets.usecases.js';
import { assertPasswordAcceptable } from './identity.passwords.js';
import { consumeRecoveryCode } from './identity.recovery-codes.usecases.js';
import {
  beginThrottledAttempt,
  clientHashOf,
  clientThrottleKey,
  recordLockoutIfReached,
  settleThrottledAttempt,
  type ThrottleSettings,
  unknownAccountThrottleKey,
} from './identity.throttle.js';

/** Matches no account: an unknown username still runs the same hashing and recovery-code query. */
const absentUserId = 'usr_none';

const codeRejected = new Error('password reset: recovery code rejected');

/**
 * The counter of anonymous recovery attempts on an account: `recovery:<user id>`, or for an unknown name
 * `recovery:<keyed hash of the name>` (the hash sign-in keys it by), so that a name's answers here do not
 * depend on whether it exists nor on what was tried at sign-in. Apart from `account:` and `factor:`: someone
 * who knows only a username must not reach the counters that lock a user's sign-in or second factor.
 * @NOTE Stored in `sign_in_throttles.key`, like the other keys of identity.throttle.ts.
 */
export function recoveryThrottleKey({
  keyedHasher,
  userId,
  username,
}: {
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  userId: string | undefined;
  username: string;
}): string {
  const account = userId ?? unknownAccountThrottleKey({ keyedHasher, username }).slice('account:'.length);
  return `recovery:${account}`;
}

export type ResetWithRecoveryCodeArgs = CompleteArgs & {
  keyedHasher: Pick<IdentityDependencies['keyedHasher'], 'hash'>;
  settings: ThrottleSettings;
  username: string;
  recoveryCode: string;
  password: string;
  clientAddress: string;
};

/**
 * Self-service reset for a user who lost their password but kept a recovery code: uses the code up and sets
 * the password. An unknown username, a disabled account and a wrong, malformed or used code fail alike,
 * after the same work (attempt counted, password hashed, code looked up, failure recorded). Attempts count
 * in the brute-force throttle under their own key (`recoveryThrottleKey`) and the client's; a blocked one
 * does no more.
 */
export async function resetPasswordWithRecoveryCode({
  db,
  clock,
  ledger,
  passwordHasher,
  keyedHasher,
  settings,
  username: rawUsername,
  recoveryCode,
  password,
  clientAddress,
}: ResetWithRecoveryCodeArgs): Promise<{ userId: string }> {
  const username = normalizeUsername(rawUsername);
  // The strength rules depend on what was typed only, so their answer reveals nothing about the account.
  assertPasswordAcceptable({ password, username });
  const account = await createPasswordResetsRepository({ db }).findAccountForReset({ username });
  const clientHash = clientHashOf({ keyedHasher, clientAddress });
  const clientKey = clientThrottleKey(clientHash);
  const key = recoveryThrottleKey({ keyedHasher, userId: account?.id, username });
  const accountRef = key.slice('recovery:'.length);
  const recordFailure = (reason: string, failures: number | undefined) =>
    inTransaction(db, async (trx) => {
      const data = { account: accountRef, reason, clientHash };
      await ledger.append({
        db: trx,
        event: { kind: 'identity.password_reset_failed', actor: { type: 'anonymous' }, data },
      });
      if (failures === undefined) return;
      await recordLockoutIfReached({
        db: trx,
        clock,
        ledger,
        settings,
        failures,
        account: accountRef,
        ownerUserId: account?.id,
        lock: 'recovery',
      });
    });

  const attempt = await beginThrottledAttempt({ db, clock, settings, key, clientKey });
  if (attempt.isThrottled) {
    await recordFailure('throttled', undefined);
    throw createSignInThrottledError({
      message: `Too many failed attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
      details: { retryAfterSeconds: attempt.retryAfterSeconds },
    });
  }
  // Hashed only once the throttle admits the attempt, for a real name and an unknown one alike.
  const passwordHash = await passwordHasher.hash(password);
  try {
    return await inTransaction(db, async (trx) => {
      const userId = account?.id ?? absentUserId;
      const actor: EventActor = { type: 'anonymous' };
      // @NOTE The conditional update both checks and uses the code: two requests with one code succeed once.
      const spent = await consumeRecoveryCode({
        db: trx,
        clock,
        ledger,
        keyedHasher,
        actor,
        userId,
        code: recoveryCode,
      });
      if (account === undefined || account.status !== 'active' || !spent.isConsumed) throw codeRejected;
      await settleThrottledAttempt({ db: trx, settings, key, clientKey });
      await replacePassword({ db: trx, clock, ledger, userId, passwordHash, via: 'recovery_code' });
      return { userId };
    });
  } catch (error) {
    if (error !== codeRejected) throw error;
  }
  await recordFailure('code_invalid', attempt.failures);
  throw createResetFailedError();
}
