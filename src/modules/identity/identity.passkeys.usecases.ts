import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { IdentityDependencies, IdentitySettings } from './identity.dependencies.js';
import {
  createLastSecondFactorError,
  createPasskeyChallengeInvalidError,
  createPasskeyLimitReachedError,
  createPasskeyNameInvalidError,
  createPasskeyNotEnrolledError,
  createPasskeyNotFoundError,
  createPasskeyRegistrationRejectedError,
  createPasskeyRejectedError,
  createPasskeysUnavailableError,
  createSecondFactorRequiredError,
  createSessionRequiredError,
  createSignInThrottledError,
  createUserNotFoundError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import type { Principal } from './identity.models.js';
import { createFactorsRepository } from './identity.factors.repository.js';
import { issueRecoveryCodes } from './identity.recovery-codes.usecases.js';
import { markSecondFactor, type DeviceInfo, startSession } from './identity.sessions.usecases.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';
import {
  beginThrottledAttempt,
  clientHashOf,
  clientThrottleKey,
  settleThrottledAttempt,
} from './identity.throttle.js';
import {
  generatePasskeyChallengeId,
  generatePasskeyId,
  isPasskeyTransport,
  normalizePasskeyName,
  type Passkey,
  type PasskeyAssertionPurpose,
  passkeyLimits,
  relyingPartyFor,
} from './identity.passkeys.models.js';
import {
  createPasskeysRepository,
  type PasskeysRepository,
  type StoredPasskeyCredential,
} from './identity.passkeys.repository.js';

/**
 * @simplewebauthn/server and its ASN.1 libraries take some 20 MiB of memory: loaded by the first passkey
 * ceremony, not by every server that may never see one.
 */
const loadWebAuthn = () => import('@simplewebauthn/server');

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;
type KeyedHasher = Pick<IdentityDependencies['keyedHasher'], 'hash'>;

/**
 * COSE algorithms Writ accepts: ES256 (-7), which every authenticator supports, and RS256 (-257) for
 * Windows Hello. @NOTE Narrowing this list strands passkeys already registered with a dropped algorithm.
 */
const supportedAlgorithmIds = [-7, -257];

const userHandlePurpose = 'webauthn user handle';

/**
 * The WebAuthn user handle: 32 bytes that look random, stable per user, and reveal neither the username nor
 * the user id (HMAC under the root key). An authenticator stores it with a discoverable credential and
 * returns it at sign-in.
 * @NOTE Derived, not stored: a new root key changes every handle, and passwordless sign-in with passkeys
 * registered under the old key then fails until they are registered again.
 */
function userHandleFor({
  keyedHasher,
  userId,
}: {
  keyedHasher: KeyedHasher;
  userId: string;
}): Uint8Array<ArrayBuffer> {
  return new Uint8Array(
    Buffer.from(keyedHasher.hash({ value: userId, purpose: userHandlePurpose }), 'base64url'),
  );
}

function requireRelyingParty(publicUrl: string): { rpId: string; origin: string } {
  const relyingParty = relyingPartyFor(publicUrl);
  if (relyingParty === undefined) throw createPasskeysUnavailableError();
  return relyingParty;
}

function requireSessionPrincipal(principal: Principal): { userId: string; sessionId: string } {
  if (principal.via !== 'session' || principal.sessionId === undefined) throw createSessionRequiredError();
  return { userId: principal.userId, sessionId: principal.sessionId };
}

/**
 * Adding a factor to an account that has one is a sensitive act (a stolen session would keep a way back
 * in), so it needs a recent second factor; the very first factor is enrolled right after the password, by
 * a session that could not prove one.
 */
async function requireMayAddSecondFactor({
  repository,
  principal,
  clock,
  settings,
}: {
  repository: PasskeysRepository;
  principal: Principal;
  clock: Clock;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
}): Promise<{ factorCount: number }> {
  const factorCount = await repository.countSecondFactors({ userId: principal.userId });
  if (factorCount > 0) requireRecentSecondFactor({ principal, clock, settings });
  return { factorCount };
}

/** The challenge inside a response's clientDataJSON, or undefined when that is not what a browser sends. */
function readClientData(clientDataJSON: unknown): { challenge: string; isCrossOrigin: boolean } | undefined {
  if (typeof clientDataJSON !== 'string' || clientDataJSON.length > 8192) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { challenge, crossOrigin } = parsed as { challenge?: unknown; crossOrigin?: unknown };
    if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 512) return undefined;
    return { challenge, isCrossOrigin: crossOrigin === true };
  } catch {
    return undefined;
  }
}

async function issueChallenge({
  repository,
  clock,
  challenge,
  purpose,
  userId,
  sessionId,
  generateId,
}: {
  repository: PasskeysRepository;
  clock: Clock;
  challenge: string;
  purpose: 'registration' | PasskeyAssertionPurpose;
  userId: string | undefined;
  sessionId: string | undefined;
  generateId: IdGenerator;
}): Promise<void> {
  const now = clock.now();
  await repository.deleteExpiredChallenges({ now });
  if (sessionId !== undefined) await repository.deleteSessionChallenges({ sessionId, purpose });
  await repository.insertChallenge({
    id: generateId(),
    challenge,
    purpose,
    userId,
    sessionId,
    expiresAt: new Date(now.getTime() + passkeyLimits.challengeTtlMs),
  });
}

export type StartPasskeyRegistrationArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyedHasher: KeyedHasher;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  publicUrl: string;
  principal: Principal;
  generateId?: IdGenerator;
};

/**
 * Options for `navigator.credentials.create()`: user verification required, no attestation, the user's
 * passkeys excluded so one authenticator is not registered twice. The challenge is stored for this
 * session, single use, for five minutes.
 */
export async function startPasskeyRegistration({
  db,
  clock,
  keyedHasher,
  settings,
  publicUrl,
  principal,
  generateId = generatePasskeyChallengeId,
}: StartPasskeyRegistrationArgs): Promise<{ options: PublicKeyCredentialCreationOptionsJSON }> {
  const { userId, sessionId } = requireSessionPrincipal(principal);
  const { rpId } = requireRelyingParty(publicUrl);
  return inTransaction(db, async (trx) => {
    const repository = createPasskeysRepository({ db: trx });
    const user = await repository.findUser({ userId });
    if (user === undefined) throw createUserNotFoundError();
    await requireMayAddSecondFactor({ repository, principal, clock, settings });
    const existing = await repository.listCredentialDescriptors({ userId });
    if (existing.length >= passkeyLimits.maxPerUser) throw createPasskeyLimitReachedError();

    const options = await (
      await loadWebAuthn()
    ).generateRegistrationOptions({
      rpName: 'Writ',
      rpID: rpId,
      userName: user.username,
      userDisplayName: user.username,
      userID: userHandleFor({ keyedHasher, userId }),
      timeout: passkeyLimits.challengeTtlMs,
      attestationType: 'none',
      excludeCredentials: existing.map(({ credentialId, transports }) => ({ id: credentialId, transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      supportedAlgorithmIDs: supportedAlgorithmIds,
    });
    await issueChallenge({
      repository,
      clock,
      challenge: options.challenge,
      purpose: 'registration',
      userId,
      sessionId,
      generateId,
    });
    return { options };
  });
}

export type CompletePasskeyRegistrationArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: KeyedHasher;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  publicUrl: string;
  principal: Principal;
  name: string;
  response: RegistrationResponseJSON;
  generateId?: IdGenerator;
};

export type CompletedPasskeyRegistration = {
  passkey: Passkey;
  /** Issued when this passkey is the account's first second factor; shown once, stored only hashed. */
  recoveryCodes: string[] | undefined;
  /**
   * The session's new token and CSRF token when this first factor also completed its sign-in: the user
   * just proved the passkey (with user verification), so the session gains full rights and a new token.
   */
  rotation: { token: string; csrfToken: string } | undefined;
};

/**
 * Verifies the authenticator's answer to this session's registration challenge and stores the passkey,
 * consuming the challenge and appending `identity.mfa_enrolled` in the same transaction. A first factor
 * also gets recovery codes and completes the session's sign-in, in that transaction too.
 */
export async function completePasskeyRegistration({
  db,
  clock,
  ledger,
  keyedHasher,
  settings,
  publicUrl,
  principal,
  name: rawName,
  response,
  generateId = generatePasskeyId,
}: CompletePasskeyRegistrationArgs): Promise<CompletedPasskeyRegistration> {
  const { userId, sessionId } = requireSessionPrincipal(principal);
  const name = normalizePasskeyName(rawName);
  if (name === undefined) throw createPasskeyNameInvalidError();
  const clientData = readClientData(response.response.clientDataJSON);
  if (clientData === undefined) throw createPasskeyRegistrationRejectedError();
  if (clientData.isCrossOrigin) throw createPasskeyRegistrationRejectedError();
  const { rpId, origin } = requireRelyingParty(publicUrl);

  return inTransaction(db, async (trx) => {
    const repository = createPasskeysRepository({ db: trx });
    await repository.lockUser({ userId });
    const now = clock.now();
    const challenge = await repository.findChallenge({ challenge: clientData.challenge });
    if (
      challenge?.purpose !== 'registration' ||
      challenge.userId !== userId ||
      challenge.sessionId !== sessionId ||
      challenge.expiresAt.getTime() <= now.getTime()
    ) {
      throw createPasskeyChallengeInvalidError();
    }
    const { factorCount } = await requireMayAddSecondFactor({ repository, principal, clock, settings });
    if ((await repository.countPasskeys({ userId })) >= passkeyLimits.maxPerUser) {
      throw createPasskeyLimitReachedError();
    }

    let verification;
    try {
      verification = await (
        await loadWebAuthn()
      ).verifyRegistrationResponse({
        response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: origin,
        expectedRPID: rpId,
        requireUserPresence: true,
        requireUserVerification: true,
        supportedAlgorithmIDs: supportedAlgorithmIds,
      });
    } catch (error) {
      throw createPasskeyRegistrationRejectedError({ cause: error });
    }
    if (!verification.verified) throw createPasskeyRegistrationRejectedError();
    const { credential, credentialDeviceType, credentialBackedUp } = verification.registrationInfo;
    if (!(await repository.consumeChallenge({ id: challenge.id })))
      throw createPasskeyChallengeInvalidError();

    const passkey: Passkey = {
      id: generateId(),
      name,
      createdAt: now,
      lastUsedAt: undefined,
      deviceType: credentialDeviceType,
      isBackedUp: credentialBackedUp,
    };
    await repository.insertPasskey({
      passkey,
      userId,
      credentialId: credential.id,
      publicKey: credential.publicKey,
      signCount: credential.counter,
      transports: [...new Set(credential.transports ?? [])].filter(isPasskeyTransport),
    });
    const actor: EventActor = { type: 'user', id: userId };
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.mfa_enrolled',
        actor,
        data: { userId, method: 'passkey', credentialId: passkey.id },
      },
    });
    if (factorCount > 0) return { passkey, recoveryCodes: undefined, rotation: undefined };

    const { recoveryCodes } = await issueRecoveryCodes({
      db: trx,
      clock,
      ledger,
      keyedHasher,
      actor,
      userId,
    });
    const { rotation } =
      principal.secondFactorAt === undefined
        ? await markSecondFactor({
            db: trx,
            clock,
            ledger,
            sessionId,
            userId,
            method: 'passkey',
            purpose: 'sign_in',
          })
        : { rotation: undefined };
    return { passkey, recoveryCodes, rotation };
  });
}

/** The caller's own passkeys, oldest first. */
export async function listPasskeys({
  db,
  principal,
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
}): Promise<{ passkeys: Passkey[] }> {
  const { userId } = requireSessionPrincipal(principal);
  return { passkeys: await createPasskeysRepository({ db }).listPasskeys({ userId }) };
}

export type RenamePasskeyArgs = {
  db: Kysely<WritDatabase>;
  ledger: IdentityLedger;
  principal: Principal;
  passkeyId: string;
  name: string;
};

export async function renamePasskey({
  db,
  ledger,
  principal,
  passkeyId,
  name: rawName,
}: RenamePasskeyArgs): Promise<{ passkey: Passkey }> {
  const { userId } = requireSessionPrincipal(principal);
  const name = normalizePasskeyName(rawName);
  if (name === undefined) throw createPasskeyNameInvalidError();
  return inTransaction(db, async (trx) => {
    const repository = createPasskeysRepository({ db: trx });
    if (!(await repository.renamePasskey({ id: passkeyId, userId, name })))
      throw createPasskeyNotFoundError();
    const passkey = await repository.findPasskey({ id: passkeyId, userId });
    if (passkey === undefined) throw createPasskeyNotFoundError();
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.passkey_renamed',
        actor: { type: 'user', id: userId },
        data: { userId, credentialId: passkeyId },
      },
    });
    return { passkey };
  });
}

export type RemovePasskeyArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  settings: Pick<IdentitySettings, 'stepUpMinutes' | 'mfaRequiredRoles'>;
  principal: Principal;
  passkeyId: string;
};

/**
 * Removes one of the caller's passkeys. Needs a second factor proved within the step-up window, and refuses
 * to remove the last second factor of a role that requires one. Without any factor left, recovery codes go
 * too.
 */
export async function removePasskey({
  db,
  clock,
  ledger,
  settings,
  principal,
  passkeyId,
}: RemovePasskeyArgs): Promise<{ passkey: Passkey }> {
  const { userId } = requireSessionPrincipal(principal);
  requireRecentSecondFactor({ principal, clock, settings });
  return inTransaction(db, async (trx) => {
    const repository = createPasskeysRepository({ db: trx });
    await repository.lockUser({ userId });
    const passkey = await repository.findPasskey({ id: passkeyId, userId });
    if (passkey === undefined) throw createPasskeyNotFoundError();
    const user = await repository.findUser({ userId });
    if (user === undefined) throw createUserNotFoundError();
    const isLastFactor = (await repository.countSecondFactors({ userId })) <= 1;
    if (isLastFactor && settings.mfaRequiredRoles.includes(user.role)) throw createLastSecondFactorError();
    if (!(await repository.deletePasskey({ id: passkeyId, userId }))) throw createPasskeyNotFoundError();
    // Recovery codes stand in for a second factor: with none left they would recover nothing.
    if (isLastFactor) {
      await createFactorsRepository({ db: trx }).replaceRecoveryCodes({ userId, codes: [], at: clock.now() });
    }
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.mfa_removed',
        actor: { type: 'user', id: userId },
        data: { userId, method: 'passkey', credentialId: passkeyId },
      },
    });
    return { passkey };
  });
}

/** Whom an assertion may authenticate: anyone with a passkey (sign-in), or the session's own user. */
export type PasskeyAssertionTarget =
  { purpose: 'sign_in' } | { purpose: 'second_factor' | 'step_up'; principal: Principal };

export type StartPasskeyAssertionArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  publicUrl: string;
  generateId?: IdGenerator;
} & PasskeyAssertionTarget;

/**
 * Options for `navigator.credentials.get()`. For a passwordless sign-in nobody is known yet: the challenge
 * is bound to nothing and the authenticator offers its discoverable credentials. For a second factor or a
 * step-up the challenge is bound to the session and only the user's own passkeys are allowed.
 */
export async function startPasskeyAssertion(
  args: StartPasskeyAssertionArgs,
): Promise<{ options: PublicKeyCredentialRequestOptionsJSON }> {
  const { db, clock, publicUrl, generateId = generatePasskeyChallengeId } = args;
  const { rpId } = requireRelyingParty(publicUrl);
  const subject = args.purpose === 'sign_in' ? undefined : requireSessionPrincipal(args.principal);
  return inTransaction(db, async (trx) => {
    const repository = createPasskeysRepository({ db: trx });
    let allowCredentials: { id: string; transports: string[] }[] | undefined;
    if (subject !== undefined) {
      const descriptors = await repository.listCredentialDescriptors({ userId: subject.userId });
      if (descriptors.length === 0) throw createPasskeyNotEnrolledError();
      allowCredentials = descriptors.map(({ credentialId, transports }) => ({
        id: credentialId,
        transports,
      }));
    }
    const options = await (
      await loadWebAuthn()
    ).generateAuthenticationOptions({
      rpID: rpId,
      allowCredentials,
      timeout: passkeyLimits.challengeTtlMs,
      userVerification: 'required',
    });
    await issueChallenge({
      repository,
      clock,
      challenge: options.challenge,
      purpose: args.purpose,
      userId: subject?.userId,
      sessionId: subject?.sessionId,
      generateId,
    });
    return { options };
  });
}

type PasskeyAssertionOutcome =
  | { isAccepted: true; userId: string; passkeyId: string }
  /** The signature verified but the counter did not increase; the challenge is consumed, nothing else. */
  | { isAccepted: false; userId: string; passkeyId: string; storedCounter: number; presentedCounter: number };

type VerifyPasskeyAssertionArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyedHasher: KeyedHasher;
  publicUrl: string;
  response: AuthenticationResponseJSON;
} & PasskeyAssertionTarget;

/**
 * Checks an assertion against its challenge and the stored credential, consumes the challenge and stores
 * the new signature counter, in the caller's transaction. Throws on every refusal except a counter that
 * went backwards, which it returns so that the caller can record it (a possible cloned authenticator) and
 * commit that record with the consumed challenge before refusing.
 * @NOTE `db` is a transaction that also holds what the assertion unlocks (a session, a step-up): the
 * challenge is consumed and the counter moved only if that commits too.
 */
async function verifyPasskeyAssertion(args: VerifyPasskeyAssertionArgs): Promise<PasskeyAssertionOutcome> {
  const { db, clock, keyedHasher, publicUrl, response, purpose } = args;
  const subject = args.purpose === 'sign_in' ? undefined : requireSessionPrincipal(args.principal);
  const clientData = readClientData(response.response.clientDataJSON);
  if (clientData === undefined || clientData.isCrossOrigin) throw createPasskeyRejectedError();
  const { rpId, origin } = requireRelyingParty(publicUrl);
  const repository = createPasskeysRepository({ db });
  const now = clock.now();

  const challenge = await repository.findChallenge({ challenge: clientData.challenge });
  if (
    challenge?.purpose !== purpose ||
    challenge.userId !== subject?.userId ||
    challenge.sessionId !== subject?.sessionId ||
    challenge.expiresAt.getTime() <= now.getTime()
  ) {
    throw createPasskeyChallengeInvalidError();
  }

  const credential = await repository.findCredentialByCredentialId({ credentialId: response.id });
  if (credential === undefined) throw createPasskeyRejectedError();
  if (subject !== undefined && credential.userId !== subject.userId) throw createPasskeyRejectedError();
  if (subject === undefined) {
    const user = await repository.findUser({ userId: credential.userId });
    if (user === undefined || !user.isActive) throw createPasskeyRejectedError();
    const userHandle = response.response.userHandle;
    if (
      userHandle !== undefined &&
      userHandle !== null &&
      !Buffer.from(userHandle, 'base64url').equals(userHandleFor({ keyedHasher, userId: credential.userId }))
    ) {
      throw createPasskeyRejectedError();
    }
  }

  const { presentedCounter, isBackedUp } = await checkAssertionSignature({
    response,
    challenge: challenge.challenge,
    origin,
    rpId,
    credential,
  });
  if (!(await repository.consumeChallenge({ id: challenge.id }))) throw createPasskeyChallengeInvalidError();

  const storedCounter = credential.signCount;
  if ((presentedCounter > 0 || storedCounter > 0) && presentedCounter <= storedCounter) {
    return {
      isAccepted: false,
      userId: credential.userId,
      passkeyId: credential.id,
      storedCounter,
      presentedCounter,
    };
  }
  const isRecorded = await repository.recordPasskeyUse({
    id: credential.id,
    previousSignCount: storedCounter,
    signCount: presentedCounter,
    isBackedUp,
    at: now,
  });
  if (!isRecorded) throw createPasskeyRejectedError();
  return { isAccepted: true, userId: credential.userId, passkeyId: credential.id };
}

async function checkAssertionSignature({
  response,
  challenge,
  origin,
  rpId,
  credential,
}: {
  response: AuthenticationResponseJSON;
  challenge: string;
  origin: string;
  rpId: string;
  credential: StoredPasskeyCredential;
}): Promise<{ presentedCounter: number; isBackedUp: boolean }> {
  let verification;
  try {
    verification = await (
      await loadWebAuthn()
    ).verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: origin,
      expectedRPID: rpId,
      // The caller compares the counter once the signature holds: a regression is recorded, not just refused.
      credential: { id: credential.credentialId, publicKey: credential.publicKey, counter: 0 },
      requireUserVerification: true,
    });
  } catch (error) {
    throw createPasskeyRejectedError({ cause: error });
  }
  if (!verification.verified || !verification.authenticationInfo.userVerified)
    throw createPasskeyRejectedError();
  return {
    presentedCounter: verification.authenticationInfo.newCounter,
    isBackedUp: verification.authenticationInfo.credentialBackedUp,
  };
}

/** Appends the record of a refused assertion whose counter went backwards. */
async function recordPasskeyCounterRegression({
  db,
  ledger,
  actor,
  outcome,
}: {
  db: Kysely<WritDatabase>;
  ledger: IdentityLedger;
  actor: EventActor;
  outcome: Extract<PasskeyAssertionOutcome, { isAccepted: false }>;
}): Promise<void> {
  await ledger.append({
    db,
    event: {
      kind: 'identity.passkey_counter_regressed',
      actor,
      data: {
        userId: outcome.userId,
        credentialId: outcome.passkeyId,
        storedCounter: outcome.storedCounter,
        presentedCounter: outcome.presentedCounter,
      },
    },
  });
}

/** Failed passwordless sign-ins from one client network get their own, account-sized allowance. */
function passkeySignInThrottleKey(clientHash: string): string {
  return `passkey:${clientHash}`;
}

export type SignInWithPasskeyArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: KeyedHasher;
  settings: Pick<IdentitySettings, 'sessionAbsoluteHours' | 'signInMaxFailures' | 'signInLockoutMinutes'>;
  publicUrl: string;
  response: AuthenticationResponseJSON;
  device: DeviceInfo;
};

/**
 * Passwordless sign-in with a discoverable credential: the assertion (user verification required) is both
 * factors, so the session starts fully signed in. Attempts count against the client's network in the
 * sign-in throttle before anything is checked; a refusal is recorded as `identity.sign_in_failed`.
 */
export async function signInWithPasskey({
  db,
  clock,
  ledger,
  keyedHasher,
  settings,
  publicUrl,
  response,
  device,
}: SignInWithPasskeyArgs): Promise<Awaited<ReturnType<typeof startSession>>> {
  const clientHash = clientHashOf({ keyedHasher, clientAddress: device.clientAddress });
  const key = passkeySignInThrottleKey(clientHash);
  const clientKey = clientThrottleKey(clientHash);
  const attempt = await beginThrottledAttempt({ db, clock, settings, key, clientKey });
  if (attempt.isThrottled) {
    await inTransaction(db, (trx) =>
      recordPasskeySignInFailure({ db: trx, ledger, keyedHasher, response, clientHash, reason: 'throttled' }),
    );
    throw createSignInThrottledError({
      message: `Too many failed attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
      details: { retryAfterSeconds: attempt.retryAfterSeconds },
    });
  }

  let result;
  try {
    result = await inTransaction(db, async (trx) => {
      const outcome = await verifyPasskeyAssertion({
        db: trx,
        clock,
        keyedHasher,
        publicUrl,
        response,
        purpose: 'sign_in',
      });
      if (!outcome.isAccepted) {
        await recordPasskeyCounterRegression({ db: trx, ledger, actor: { type: 'anonymous' }, outcome });
        await recordPasskeySignInFailure({
          db: trx,
          ledger,
          keyedHasher,
          response,
          clientHash,
          reason: 'passkey_counter_regressed',
        });
        return undefined;
      }
      await settleThrottledAttempt({ db: trx, settings, key, clientKey });
      return startSession({
        db: trx,
        clock,
        ledger,
        keyedHasher,
        settings,
        userId: outcome.userId,
        method: 'passkey',
        isSecondFactorVerified: true,
        device,
      });
    });
  } catch (error) {
    const reason = passkeyRefusalReason(error);
    if (reason !== undefined) {
      await inTransaction(db, (trx) =>
        recordPasskeySignInFailure({ db: trx, ledger, keyedHasher, response, clientHash, reason }),
      );
    }
    throw error;
  }
  if (result === undefined) throw createPasskeyRejectedError();
  return result;
}

/**
 * `identity.sign_in_failed` for a passkey: the account is the credential's owner when the credential is
 * known, otherwise a keyed hash of the credential id (never the id itself).
 */
async function recordPasskeySignInFailure({
  db,
  ledger,
  keyedHasher,
  response,
  clientHash,
  reason,
}: {
  db: Kysely<WritDatabase>;
  ledger: IdentityLedger;
  keyedHasher: KeyedHasher;
  response: AuthenticationResponseJSON;
  clientHash: string;
  reason: string;
}): Promise<void> {
  const credential = await createPasskeysRepository({ db }).findCredentialByCredentialId({
    credentialId: response.id,
  });
  const account =
    credential?.userId ?? keyedHasher.hash({ value: response.id, purpose: 'sign-in unknown passkey' });
  await ledger.append({
    db,
    event: {
      kind: 'identity.sign_in_failed',
      actor: { type: 'anonymous' },
      data: { account, reason, clientHash },
    },
  });
}

export type ConfirmSessionWithPasskeyArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: KeyedHasher;
  publicUrl: string;
  principal: Principal;
  clientAddress: string;
  /** `second_factor` completes a sign-in that waits for it; `step_up` re-proves it before a sensitive act. */
  purpose: 'second_factor' | 'step_up';
  response: AuthenticationResponseJSON;
};

/**
 * A passkey as the session's second factor: verifies the assertion against the session's challenge and
 * records the proof (`markSecondFactor`) in one transaction. Completing a sign-in rotates the session's
 * token (`rotation`); a step-up does not. A step-up is only for a session that completed its sign-in.
 * A refusal is recorded as `identity.second_factor_failed`. No throttle: an assertion cannot be guessed.
 */
export async function confirmSessionWithPasskey({
  db,
  clock,
  ledger,
  keyedHasher,
  publicUrl,
  principal,
  clientAddress,
  purpose,
  response,
}: ConfirmSessionWithPasskeyArgs): Promise<{
  secondFactorAt: Date;
  rotation: { token: string; csrfToken: string } | undefined;
}> {
  const { userId, sessionId } = requireSessionPrincipal(principal);
  if (purpose === 'step_up' && principal.secondFactorAt === undefined)
    throw createSecondFactorRequiredError();
  const actor: EventActor = { type: 'user', id: userId };
  const markedPurpose = purpose === 'second_factor' ? 'sign_in' : 'step_up';
  const recordFailure = (trx: Kysely<WritDatabase>, reason: string) =>
    ledger.append({
      db: trx,
      event: {
        kind: 'identity.second_factor_failed',
        actor,
        data: {
          userId,
          sessionId,
          method: 'passkey',
          purpose: markedPurpose,
          reason,
          clientHash: clientHashOf({ keyedHasher, clientAddress }),
        },
      },
    });

  let result;
  try {
    result = await inTransaction(db, async (trx) => {
      const outcome = await verifyPasskeyAssertion({
        db: trx,
        clock,
        keyedHasher,
        publicUrl,
        response,
        purpose,
        principal,
      });
      if (!outcome.isAccepted) {
        await recordPasskeyCounterRegression({ db: trx, ledger, actor, outcome });
        await recordFailure(trx, 'passkey_counter_regressed');
        return undefined;
      }
      return markSecondFactor({
        db: trx,
        clock,
        ledger,
        sessionId,
        userId,
        method: 'passkey',
        purpose: markedPurpose,
      });
    });
  } catch (error) {
    const reason = passkeyRefusalReason(error);
    if (reason !== undefined) await inTransaction(db, (trx) => recordFailure(trx, reason));
    throw error;
  }
  if (result === undefined) throw createPasskeyRejectedError();
  return result;
}

/** The recorded reason of a refused assertion, or undefined for an error that is not a refusal. */
function passkeyRefusalReason(error: unknown): string | undefined {
  if (isErrorWithCode({ error, code: createPasskeyRejectedError.code })) return 'passkey_rejected';
  if (isErrorWithCode({ error, code: createPasskeyChallengeInvalidError.code }))
    return 'passkey_challenge_invalid';
  return undefined;
}
