import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher, SecretBox } from '../vault/vault.models.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import {
  createCodeInvalidError,
  createRecoveryCodeNotAcceptedError,
  createSessionRequiredError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { createFactorsRepository } from './identity.factors.repository.js';
import type { Principal } from './identity.models.js';
import { consumeRecoveryCode } from './identity.recovery-codes.usecases.js';
import type { SecondFactorPurpose } from './identity.sessions.models.js';
import { markSecondFactor } from './identity.sessions.usecases.js';
import { beginUserSecretAttempt } from './identity.user-attempts.js';
import {
  clientHashOf,
  clientThrottleKey,
  factorThrottleKey,
  settleThrottledAttempt,
  type ThrottleSettings,
} from './identity.throttle.js';
import { matchTotpStep, totpSealPurpose } from './identity.totp.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

export type CodeMethod = 'totp' | 'recovery_code';

const codeRejected = new Error('second factor: code rejected');

/**
 * Counts a code attempt in the throttle (the user's factor counter and the client's), or throws
 * `identity.sign_in_throttled` after recording the refusal. Shared by every act that checks a typed code.
 */
export async function beginCodeAttempt({
  db,
  clock,
  ledger,
  keyedHasher,
  settings,
  userId,
  sessionId,
  method,
  purpose,
  clientAddress,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: ThrottleSettings;
  userId: string;
  sessionId: string;
  method: CodeMethod;
  purpose: string;
  clientAddress: string;
}): Promise<{ recordFailure(): Promise<void>; settle(trx: Kysely<WritDatabase>): Promise<void> }> {
  const clientHash = clientHashOf({ keyedHasher, clientAddress });
  const key = factorThrottleKey(userId);
  const clientKey = clientThrottleKey(clientHash);
  const { recordFailure } = await beginUserSecretAttempt({
    db,
    clock,
    ledger,
    settings,
    userId,
    key,
    clientKey,
    lock: 'second_factor',
    failureEvent: (reason) => ({
      kind: 'identity.second_factor_failed',
      actor: { type: 'user', id: userId },
      data: { userId, sessionId, method, purpose, reason, clientHash },
    }),
  });
  return {
    recordFailure: () => recordFailure('code_invalid'),
    settle: (trx) => settleThrottledAttempt({ db: trx, settings, key, clientKey }),
  };
}

/**
 * Recorded like a wrong code, but not counted in the throttle: the code was not tried, so nothing was
 * guessed, and the answer does not depend on it.
 */
async function refuseRecoveryAfterRecovery({
  db,
  ledger,
  keyedHasher,
  userId,
  sessionId,
  purpose,
  clientAddress,
}: {
  db: Kysely<WritDatabase>;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  userId: string;
  sessionId: string;
  purpose: SecondFactorPurpose;
  clientAddress: string;
}): Promise<never> {
  await inTransaction(db, (trx) =>
    ledger.append({
      db: trx,
      event: {
        kind: 'identity.second_factor_failed',
        actor: { type: 'user', id: userId },
        data: {
          userId,
          sessionId,
          method: 'recovery_code',
          purpose,
          reason: 'password_recovered',
          clientHash: clientHashOf({ keyedHasher, clientAddress }),
        },
      },
    }),
  );
  throw createRecoveryCodeNotAcceptedError();
}

export type VerifySecondFactorArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  secretBox: Pick<SecretBox, 'open'>;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: ThrottleSettings;
  principal: Principal;
  method: CodeMethod;
  code: string;
  purpose: SecondFactorPurpose;
  clientAddress: string;
};

/**
 * Proves a second factor with a TOTP code or a recovery code, to complete a sign-in (`sign_in`: the session
 * gets a new token) or before a sensitive act (`step_up`). A TOTP code is accepted once: a code for the
 * step last accepted, or an earlier one, is refused like a wrong one. Attempts count in the throttle.
 */
export async function verifySecondFactor({
  db,
  clock,
  ledger,
  secretBox,
  keyedHasher,
  settings,
  principal,
  method,
  code,
  purpose,
  clientAddress,
}: VerifySecondFactorArgs): Promise<{
  secondFactorAt: Date;
  rotation: { token: string; csrfToken: string } | undefined;
}> {
  const { userId, sessionId } = principal;
  if (principal.via !== 'session' || sessionId === undefined) throw createSessionRequiredError();
  if (
    method === 'recovery_code' &&
    (await createCredentialsRepository({ db }).isPasswordRecovered({ userId }))
  ) {
    await refuseRecoveryAfterRecovery({ db, ledger, keyedHasher, userId, sessionId, purpose, clientAddress });
  }
  const attempt = await beginCodeAttempt({
    db,
    clock,
    ledger,
    keyedHasher,
    settings,
    userId,
    sessionId,
    method,
    purpose,
    clientAddress,
  });

  const repository = createFactorsRepository({ db });
  const stored = method === 'totp' ? await repository.findTotp({ userId }) : undefined;
  const step =
    stored?.confirmedAt === undefined
      ? undefined
      : await matchTotpStep({
          secret: secretBox.open({ sealed: stored.secretSealed, purpose: totpSealPurpose(userId) }),
          code,
          at: clock.now(),
          afterStep: stored.lastUsedStep,
        });
  try {
    return await inTransaction(db, async (trx) => {
      if (method === 'totp') {
        const isAccepted =
          step !== undefined &&
          (await createFactorsRepository({ db: trx }).acceptTotpStep({
            userId,
            step,
            at: clock.now(),
            isConfirming: false,
          }));
        if (!isAccepted) throw codeRejected;
      } else {
        const actor = { type: 'user', id: userId } as const;
        const spent = await consumeRecoveryCode({ db: trx, clock, ledger, keyedHasher, actor, userId, code });
        if (!spent.isConsumed) throw codeRejected;
      }
      await attempt.settle(trx);
      return markSecondFactor({ db: trx, clock, ledger, sessionId, userId, method, purpose });
    });
  } catch (error) {
    if (error !== codeRejected) throw error;
  }
  await attempt.recordFailure();
  throw createCodeInvalidError();
}
