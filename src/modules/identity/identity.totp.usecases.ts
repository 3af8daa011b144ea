import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher, SecretBox } from '../vault/vault.models.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import {
  createCodeInvalidError,
  createLastSecondFactorError,
  createSessionRequiredError,
  createTotpAlreadyEnrolledError,
  createTotpEnrolmentNotStartedError,
  createTotpNotEnrolledError,
  createUnauthenticatedError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { createFactorsRepository } from './identity.factors.repository.js';
import type { Principal } from './identity.models.js';
import { issueRecoveryCodes } from './identity.recovery-codes.usecases.js';
import { beginCodeAttempt } from './identity.second-factor.usecases.js';
import { hasSecondFactor } from './identity.sessions.models.js';
import { markSecondFactor } from './identity.sessions.usecases.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';
import type { ThrottleSettings } from './identity.throttle.js';
import {
  describeTotpEnrolment,
  generateTotpSecret,
  matchTotpStep,
  totpSealPurpose,
} from './identity.totp.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

function requireSession(principal: Principal): { userId: string; sessionId: string } {
  if (principal.via !== 'session' || principal.sessionId === undefined) throw createSessionRequiredError();
  return { userId: principal.userId, sessionId: principal.sessionId };
}

/**
 * Starts setting up an authenticator app: a new secret, sealed at rest, shown once as an otpauth:// URI and
 * its QR code. Nothing is enrolled until a code from the app confirms it. Adding it beside another factor
 * needs a recent second factor (a stolen session must not plant its own authenticator).
 */
export async function beginTotpEnrolment({
  db,
  clock,
  secretBox,
  settings,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  secretBox: Pick<SecretBox, 'seal'>;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  principal: Principal;
}): Promise<{ otpauthUri: string; qrCodeDataUrl: string }> {
  const { userId } = requireSession(principal);
  const credentials = createCredentialsRepository({ db });
  const user = await credentials.findCredentialsById({ userId });
  if (user === undefined) throw createUnauthenticatedError();
  const factors = await credentials.findFactorSummary({ userId });
  if (factors.hasTotp) throw createTotpAlreadyEnrolledError();
  if (hasSecondFactor(factors)) requireRecentSecondFactor({ principal, clock, settings });
  const secret = generateTotpSecret();
  const secretSealed = secretBox.seal({ plaintext: secret, purpose: totpSealPurpose(userId) });
  const isStarted = await createFactorsRepository({ db }).insertPendingTotp({
    userId,
    secretSealed,
    at: clock.now(),
  });
  if (!isStarted) throw createTotpAlreadyEnrolledError();
  return describeTotpEnrolment({ secret, username: user.username });
}

/**
 * Confirms the authenticator app with a code from it, with the `identity.mfa_enrolled` event. When it is
 * the user's first factor, ten recovery codes are issued (returned once) and the session, having now proved
 * that factor, gets full rights and a new token (`rotation`).
 */
export async function confirmTotpEnrolment({
  db,
  clock,
  ledger,
  secretBox,
  keyedHasher,
  settings,
  principal,
  code,
  clientAddress,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  secretBox: Pick<SecretBox, 'open'>;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: ThrottleSettings;
  principal: Principal;
  code: string;
  clientAddress: string;
}): Promise<{
  recoveryCodes: string[] | undefined;
  rotation: { token: string; csrfToken: string } | undefined;
}> {
  const { userId, sessionId } = requireSession(principal);
  const stored = await createFactorsRepository({ db }).findTotp({ userId });
  if (stored === undefined || stored.confirmedAt !== undefined) throw createTotpEnrolmentNotStartedError();
  const attempt = await beginCodeAttempt({
    db,
    clock,
    ledger,
    keyedHasher,
    settings,
    userId,
    sessionId,
    method: 'totp',
    purpose: 'enrolment',
    clientAddress,
  });
  const step = await matchTotpStep({
    secret: secretBox.open({ sealed: stored.secretSealed, purpose: totpSealPurpose(userId) }),
    code,
    at: clock.now(),
    afterStep: undefined,
  });
  const result = await inTransaction(db, async (trx) => {
    const repository = createFactorsRepository({ db: trx });
    if (step === undefined) return undefined;
    // Conditional on the enrolment still pending: a second confirmation of the same secret changes nothing.
    if (!(await repository.acceptTotpStep({ userId, step, at: clock.now(), isConfirming: true })))
      throw createTotpEnrolmentNotStartedError();
    await attempt.settle(trx);
    const actor = { type: 'user', id: userId } as const;
    await ledger.append({
      db: trx,
      event: { kind: 'identity.mfa_enrolled', actor, data: { userId, method: 'totp' } },
    });
    const factors = await createCredentialsRepository({ db: trx }).findFactorSummary({ userId });
    const isFirstFactor = factors.passkeyCount === 0;
    const { recoveryCodes } = isFirstFactor
      ? await issueRecoveryCodes({ db: trx, clock, ledger, keyedHasher, actor, userId })
      : { recoveryCodes: undefined };
    const { rotation } =
      principal.secondFactorAt === undefined
        ? await markSecondFactor({
            db: trx,
            clock,
            ledger,
            sessionId,
            userId,
            method: 'totp',
            purpose: 'sign_in',
          })
        : { rotation: undefined };
    return { recoveryCodes, rotation };
  });
  if (result !== undefined) return result;
  await attempt.recordFailure();
  throw createCodeInvalidError();
}

/**
 * Removes the authenticator app, with the `identity.mfa_removed` event; needs a recent second factor. A user
 * whose role requires MFA cannot remove their last factor. Without any factor left, recovery codes go too.
 */
export async function removeTotp({
  db,
  clock,
  ledger,
  settings,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  settings: Pick<IdentitySettings, 'stepUpMinutes' | 'mfaRequiredRoles'>;
  principal: Principal;
}): Promise<void> {
  const { userId } = requireSession(principal);
  requireRecentSecondFactor({ principal, clock, settings });
  await inTransaction(db, async (trx) => {
    const factors = await createCredentialsRepository({ db: trx }).findFactorSummary({ userId });
    if (!factors.hasTotp) throw createTotpNotEnrolledError();
    const isLastFactor = factors.passkeyCount === 0;
    if (isLastFactor && settings.mfaRequiredRoles.includes(principal.role))
      throw createLastSecondFactorError();
    const repository = createFactorsRepository({ db: trx });
    if (!(await repository.deleteConfirmedTotp({ userId }))) throw createTotpNotEnrolledError();
    if (isLastFactor) await repository.replaceRecoveryCodes({ userId, codes: [], at: clock.now() });
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.mfa_removed',
        actor: { type: 'user', id: userId },
        data: { userId, method: 'totp' },
      },
    });
  });
}
