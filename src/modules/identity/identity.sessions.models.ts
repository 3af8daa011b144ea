import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';
import { createSessionRequiredError } from './identity.errors.js';
import type { Principal, Role } from './identity.models.js';

/** @NOTE Prefixes are stored and published: `ses_` ids appear in the API and in ledger entries. */
export const generateSessionId = createPrefixedIdGenerator({ prefix: 'ses' });

/**
 * How a session began and how a second factor was proved.
 * @NOTE Stored in ledger entries (`method`): renaming one breaks audit queries over older entries.
 */
export type SignInMethod = 'password' | 'passkey' | 'sftp_publickey';
export type SecondFactorMethod = 'totp' | 'recovery_code' | 'passkey';
export type SecondFactorPurpose = 'sign_in' | 'step_up';

/** The factors a user can present as a second factor, in the order a client should offer them. */
export type AvailableFactor = 'totp' | 'passkey' | 'recovery_code';

export const sessionLimits = {
  /** `last_seen_at` is written at most this often, so that a busy browser does not write on every request. */
  lastSeenResolutionMs: 60_000,
  /** A sign-in still waiting for its second factor after this long is over: the user starts again. */
  pendingSecondFactorMs: 10 * 60_000,
  /** The device cookie's lifetime (browsers cap cookies at 400 days). */
  deviceCookieMaxAgeSeconds: 400 * 24 * 60 * 60,
} as const;

export type Session = {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end: sign-in time plus `sessionAbsoluteHours`. */
  expiresAt: Date;
  secondFactorAt: Date | undefined;
  deviceLabel: string;
};

/** What a user has enrolled, which decides what their session may reach. */
export type FactorSummary = {
  hasTotp: boolean;
  passkeyCount: number;
  unusedRecoveryCodeCount: number;
};

export function hasSecondFactor(factors: FactorSummary): boolean {
  return factors.hasTotp || factors.passkeyCount > 0;
}

export function availableFactorsOf(factors: FactorSummary): AvailableFactor[] {
  const available: AvailableFactor[] = [];
  if (factors.hasTotp) available.push('totp');
  if (factors.passkeyCount > 0) available.push('passkey');
  // Recovery codes stand in for a factor; without one there is nothing they recover.
  if (hasSecondFactor(factors) && factors.unusedRecoveryCodeCount > 0) available.push('recovery_code');
  return available;
}

/**
 * Where a session stands. A user with an enrolled factor must prove it before anything else; a user whose
 * role requires MFA and who has none may only enrol one; everyone else is fully signed in.
 */
export type SessionStanding = {
  isSecondFactorRequired: boolean;
  isEnrolmentRequired: boolean;
  availableFactors: AvailableFactor[];
};

export function sessionStandingOf({
  role,
  factors,
  secondFactorAt,
  mfaRequiredRoles,
}: {
  role: Role;
  factors: FactorSummary;
  secondFactorAt: Date | undefined;
  mfaRequiredRoles: readonly string[];
}): SessionStanding {
  const isEnrolled = hasSecondFactor(factors);
  return {
    isSecondFactorRequired: isEnrolled && secondFactorAt === undefined,
    isEnrolmentRequired: !isEnrolled && mfaRequiredRoles.includes(role),
    availableFactors: availableFactorsOf(factors),
  };
}

/** Whether a session is over at `now`: revoked, past its absolute end, idle too long, or stuck half-way. */
export function isSessionOver({
  session,
  isRevoked,
  isSecondFactorPending,
  now,
  idleMinutes,
}: {
  session: Pick<Session, 'createdAt' | 'lastSeenAt' | 'expiresAt'>;
  isRevoked: boolean;
  isSecondFactorPending: boolean;
  now: Date;
  idleMinutes: number;
}): boolean {
  const at = now.getTime();
  return (
    isRevoked ||
    at >= session.expiresAt.getTime() ||
    at >= session.lastSeenAt.getTime() + idleMinutes * 60_000 ||
    (isSecondFactorPending && at >= session.createdAt.getTime() + sessionLimits.pendingSecondFactorMs)
  );
}

const browsers: readonly [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/[\d.]+/, 'Edge'],
  [/\bOPR\/[\d.]+/, 'Opera'],
  [/\bFirefox\/[\d.]+|\bFxiOS\/[\d.]+/, 'Firefox'],
  [/\bChrom(?:e|ium)\/[\d.]+|\bCriOS\/[\d.]+/, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
  [/^Wget\//, 'Wget'],
  [/^python-requests\/|^Python-urllib\//, 'Python'],
  [/^node-fetch|^undici|^node\b/i, 'Node.js'],
];

const systems: readonly [RegExp, string][] = [
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bLinux\b/, 'Linux'],
];

/**
 * A short, human label for a session's device ("Firefox on Linux"), shown in the session list and in the
 * new-device notice. The raw User-Agent is not stored: it is long, spoofable and fingerprints the user.
 */
export function summarizeUserAgent(userAgent: string | undefined): string {
  if (userAgent === undefined || userAgent.trim() === '') return 'Unknown device';
  const browser = browsers.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  return browser ?? system ?? 'Unknown device';
}

/** The caller's session id; acts on "this session" refuse API tokens with `identity.session_required`. */
export function sessionIdOf(principal: Principal): string {
  if (principal.via !== 'session' || principal.sessionId === undefined) throw createSessionRequiredError();
  return principal.sessionId;
}
