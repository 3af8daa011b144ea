import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { createSignInThrottledError } from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import type { LockKind } from './identity.notifications.models.js';
import { beginThrottledAttempt, recordLockoutIfReached, type ThrottleSettings } from './identity.throttle.js';

/**
 * A signed-in user's attempt at one of their secrets (current password, a second-factor code): counted
 * before the secret is checked and refused during a backoff; every failure, throttled ones included, is a
 * ledger event, and the one that reaches the lockout locks the account and notifies its owner.
 */
export async function beginUserSecretAttempt({
  db,
  clock,
  ledger,
  settings,
  userId,
  key,
  clientKey,
  lock,
  failureEvent,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: Pick<Ledger<IdentityEvent>, 'append'>;
  settings: ThrottleSettings;
  userId: string;
  key: string;
  clientKey: string;
  /** What the counter blocks: the owner's notice says so. */
  lock: LockKind;
  failureEvent: (reason: string) => IdentityEvent;
}): Promise<{ recordFailure: (reason: string) => Promise<void> }> {
  const record = (reason: string, failures: number | undefined) =>
    inTransaction(db, async (trx) => {
      await ledger.append({ db: trx, event: failureEvent(reason) });
      if (failures !== undefined) {
        await recordLockoutIfReached({
          db: trx,
          clock,
          ledger,
          settings,
          failures,
          account: userId,
          ownerUserId: userId,
          lock,
        });
      }
    });
  const attempt = await beginThrottledAttempt({ db, clock, settings, key, clientKey });
  if (attempt.isThrottled) {
    await record('throttled', undefined);
    throw createSignInThrottledError({
      message: `Too many failed attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
      details: { retryAfterSeconds: attempt.retryAfterSeconds },
    });
  }
  return { recordFailure: (reason) => record(reason, attempt.failures) };
}
