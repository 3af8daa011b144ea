import type { Kysely } from 'kysely';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { generateSecretToken, hashSecretToken } from '../../shared/random/tokens.js';
import type { WritDatabase } from '../database.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import type { IdentitySettings } from './identity.dependencies.js';
import { createUnauthenticatedError } from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { isRole, type Principal } from './identity.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import {
  generateSessionId,
  isSessionOver,
  type SecondFactorMethod,
  type SecondFactorPurpose,
  type Session,
  sessionLimits,
  sessionStandingOf,
  type SignInMethod,
  summarizeUserAgent,
} from './identity.sessions.models.js';
import { createSessionsRepository } from './identity.sessions.repository.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/** Session, CSRF and device tokens: 256 random bits, base64url. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export function isWellFormedToken(token: string | undefined): token is string {
  return token !== undefined && tokenPattern.test(token);
}

export type DeviceInfo = {
  userAgent: string | undefined;
  clientAddress: string;
  /** The long-lived random device token the browser presented (`__Host-writ_device`), if any. */
  deviceToken?: string | undefined;
};

export type StartSessionArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: Pick<IdentitySettings, 'sessionAbsoluteHours'>;
  userId: string;
  method: SignInMethod;
  /** True when the sign-in itself proved a second factor (a passkey with user verification). */
  isSecondFactorVerified: boolean;
  device: DeviceInfo;
  generateId?: IdGenerator;
};

/**
 * Starts a session for a user whose first factor was just verified, with its `identity.sign_in_succeeded`
 * event, in one transaction. The token is new (a token presented before sign-in never becomes one) and
 * stored only as its SHA-256. A device this user never signed in from gets a notification.
 * `deviceToken` is the device cookie to set: the one presented, or a new one.
 */
export async function startSession({
  db,
  clock,
  ledger,
  keyedHasher,
  settings,
  userId,
  method,
  isSecondFactorVerified,
  device,
  generateId = generateSessionId,
}: StartSessionArgs): Promise<{
  session: Session;
  token: string;
  csrfToken: string;
  deviceToken: string;
  isNewDevice: boolean;
}> {
  const deviceToken = isWellFormedToken(device.deviceToken) ? device.deviceToken : generateSecretToken();
  const deviceIdHash = keyedHasher.hash({ value: deviceToken, purpose: 'session device' });
  const token = generateSecretToken();
  const csrfToken = generateSecretToken();
  return inTransaction(db, async (trx) => {
    const repository = createSessionsRepository({ db: trx });
    const now = clock.now();
    const session: Session = {
      id: generateId(),
      userId,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + settings.sessionAbsoluteHours * 60 * 60_000),
      secondFactorAt: isSecondFactorVerified ? now : undefined,
      deviceLabel: summarizeUserAgent(device.userAgent),
    };
    const isNewDevice = !(await repository.hasSeenDevice({ userId, deviceIdHash }));
    await repository.insertSession({ session, tokenHash: hashSecretToken(token), csrfToken, deviceIdHash });
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.sign_in_succeeded',
        actor: { type: 'user', id: userId },
        data: { userId, sessionId: session.id, method, isNewDevice },
      },
    });
    if (isNewDevice) {
      await recordNotification({
        db: trx,
        clock,
        userId,
        kind: 'new_device_sign_in',
        payload: { device: session.deviceLabel },
      });
    }
    return { session, token, csrfToken, deviceToken, isNewDevice };
  });
}

export type AuthenticatedSession = {
  principal: Principal;
  csrfToken: string;
  isSecondFactorRequired: boolean;
  isEnrolmentRequired: boolean;
  /** `last_seen_at` is old enough to be moved forward (see `recordSessionActivity`). */
  isActivityDue: boolean;
};

/**
 * The session a token opens, or undefined when it opens none: unknown, revoked, past its absolute end,
 * idle too long, still waiting for its second factor after ten minutes, or its user no longer active.
 * Reads only: a refused request changes nothing.
 */
export async function authenticateSession({
  db,
  clock,
  settings,
  token,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  settings: Pick<IdentitySettings, 'sessionIdleMinutes' | 'mfaRequiredRoles'>;
  token: string;
}): Promise<AuthenticatedSession | undefined> {
  if (!isWellFormedToken(token)) return undefined;
  const found = await createSessionsRepository({ db }).findSessionByTokenHash({
    tokenHash: hashSecretToken(token),
  });
  if (found === undefined || found.userStatus !== 'active' || !isRole(found.role)) return undefined;
  const { session } = found;
  const standing = sessionStandingOf({
    role: found.role,
    factors: { hasTotp: found.hasTotp, passkeyCount: found.hasPasskey ? 1 : 0, unusedRecoveryCodeCount: 0 },
    secondFactorAt: session.secondFactorAt,
    mfaRequiredRoles: settings.mfaRequiredRoles,
  });
  const now = clock.now();
  const isOver = isSessionOver({
    session,
    isRevoked: found.isRevoked,
    isSecondFactorPending: standing.isSecondFactorRequired,
    now,
    idleMinutes: settings.sessionIdleMinutes,
  });
  if (isOver) return undefined;
  return {
    principal: {
      userId: session.userId,
      role: found.role,
      via: 'session',
      sessionId: session.id,
      apiTokenId: undefined,
      secondFactorAt: session.secondFactorAt,
      scopes: undefined,
    },
    csrfToken: found.csrfToken,
    isSecondFactorRequired: standing.isSecondFactorRequired,
    isEnrolmentRequired: standing.isEnrolmentRequired,
    isActivityDue: now.getTime() - session.lastSeenAt.getTime() >= sessionLimits.lastSeenResolutionMs,
  };
}

/** Slides the idle timeout: called for an accepted request whose session `isActivityDue`. */
export async function recordSessionActivity({
  db,
  clock,
  sessionId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  sessionId: string;
}): Promise<void> {
  await createSessionsRepository({ db }).touchSession({ id: sessionId, at: clock.now() });
}

/**
 * Gives a live session a new token and CSRF token: the old token stops working at once. Called at every
 * privilege change (second factor at sign-in, password change).
 */
export async function rotateSessionToken({
  db,
  clock,
  sessionId,
  userId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  sessionId: string;
  userId: string;
}): Promise<{ token: string; csrfToken: string }> {
  const token = generateSecretToken();
  const csrfToken = generateSecretToken();
  const isRotated = await createSessionsRepository({ db }).rotateSessionToken({
    id: sessionId,
    userId,
    tokenHash: hashSecretToken(token),
    csrfToken,
    at: clock.now(),
  });
  if (!isRotated) throw createUnauthenticatedError();
  return { token, csrfToken };
}

/**
 * Records that the session proved a second factor now, with its `identity.second_factor_verified` event;
 * at sign-in the session also gets a new token (`rotation`), since it has just gained full rights.
 * @NOTE Call it in the transaction that consumed the factor (TOTP step, recovery code, passkey counter).
 */
export async function markSecondFactor({
  db,
  clock,
  ledger,
  sessionId,
  userId,
  method,
  purpose,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  sessionId: string;
  userId: string;
  method: SecondFactorMethod;
  purpose: SecondFactorPurpose;
}): Promise<{ secondFactorAt: Date; rotation: { token: string; csrfToken: string } | undefined }> {
  return inTransaction(db, async (trx) => {
    const secondFactorAt = clock.now();
    const repository = createSessionsRepository({ db: trx });
    if (!(await repository.setSecondFactorAt({ id: sessionId, userId, at: secondFactorAt })))
      throw createUnauthenticatedError();
    if (method !== 'recovery_code')
      await createCredentialsRepository({ db: trx }).clearPasswordRecovered({ userId });
    const rotation =
      purpose === 'sign_in' ? await rotateSessionToken({ db: trx, clock, sessionId, userId }) : undefined;
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.second_factor_verified',
        actor: { type: 'user', id: userId },
        data: { userId, sessionId, method, purpose },
      },
    });
    return { secondFactorAt, rotation };
  });
}

/**
 * Ends every live session of a user (an administrator's response to a compromise, a disabled account),
 * with one `identity.sessions_revoked_all` event naming how many ended.
 */
export async function revokeAllUserSessions({
  db,
  clock,
  ledger,
  actor,
  userId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  actor: EventActor;
  userId: string;
}): Promise<{ count: number }> {
  return inTransaction(db, async (trx) => {
    const count = await createSessionsRepository({ db: trx }).revokeUserSessions({ userId, at: clock.now() });
    await ledger.append({
      db: trx,
      event: { kind: 'identity.sessions_revoked_all', actor, data: { userId, count } },
    });
    return { count };
  });
}
