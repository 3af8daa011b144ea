import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import {
  createSessionNotFoundError,
  createSessionRequiredError,
  createUnauthenticatedError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import type { Principal, Role } from './identity.models.js';
import { type SessionStanding, sessionStandingOf, type Session } from './identity.sessions.models.js';
import { createSessionsRepository } from './identity.sessions.repository.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/** What a browser is told about its own session, at sign-in and by `GET /api/session`. */
export type SessionDescription = SessionStanding & {
  user: { id: string; username: string; role: Role };
  csrfToken: string;
};

function requireSession(principal: Principal): string {
  if (principal.via !== 'session' || principal.sessionId === undefined) throw createSessionRequiredError();
  return principal.sessionId;
}

/** The session's user, where its sign-in stands, the factors it may use, and its CSRF token. */
export async function describeSession({
  db,
  settings,
  userId,
  sessionId,
}: {
  db: Kysely<WritDatabase>;
  settings: Pick<IdentitySettings, 'mfaRequiredRoles'>;
  userId: string;
  sessionId: string;
}): Promise<SessionDescription> {
  const credentials = createCredentialsRepository({ db });
  const user = await credentials.findCredentialsById({ userId });
  const found = await createSessionsRepository({ db }).findSession({ id: sessionId, userId });
  if (user === undefined || found === undefined || found.isRevoked) throw createUnauthenticatedError();
  const standing = sessionStandingOf({
    role: user.role,
    factors: await credentials.findFactorSummary({ userId }),
    secondFactorAt: found.session.secondFactorAt,
    mfaRequiredRoles: settings.mfaRequiredRoles,
  });
  return {
    user: { id: user.id, username: user.username, role: user.role },
    ...standing,
    csrfToken: found.csrfToken,
  };
}

/**
 * Whether a session still stands for a connection that outlives a request (SFTP): not revoked, not past
 * its absolute expiry, its account still active. Idleness is not checked: the connection itself is the
 * activity. Two reads; the factor summary `describeSession` also reads is not needed here.
 */
export async function isSessionLive({
  db,
  clock,
  userId,
  sessionId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  userId: string;
  sessionId: string;
}): Promise<boolean> {
  const found = await createSessionsRepository({ db }).findSession({ id: sessionId, userId });
  if (found === undefined || found.isRevoked) return false;
  if (clock.now().getTime() >= found.session.expiresAt.getTime()) return false;
  const user = await createCredentialsRepository({ db }).findCredentialsById({ userId });
  return user?.status === 'active';
}

/** The caller's live sessions, most recently used first, the one making the request marked. */
export async function listMySessions({
  db,
  clock,
  settings,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  settings: Pick<IdentitySettings, 'sessionIdleMinutes'>;
  principal: Principal;
}): Promise<{ sessions: (Session & { isCurrent: boolean })[] }> {
  const currentId = requireSession(principal);
  const now = clock.now();
  const sessions = await createSessionsRepository({ db }).listLiveSessions({
    userId: principal.userId,
    now,
    seenAfter: new Date(now.getTime() - settings.sessionIdleMinutes * 60_000),
  });
  return { sessions: sessions.map((session) => ({ ...session, isCurrent: session.id === currentId })) };
}

async function revokeOwnSession({
  db,
  clock,
  ledger,
  userId,
  sessionId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  userId: string;
  sessionId: string;
}): Promise<void> {
  await inTransaction(db, async (trx) => {
    const isRevoked = await createSessionsRepository({ db: trx }).revokeSession({
      id: sessionId,
      userId,
      at: clock.now(),
    });
    // Another user's session answers like a missing one: nothing tells the caller it exists.
    if (!isRevoked) throw createSessionNotFoundError();
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.session_revoked',
        actor: { type: 'user', id: userId },
        data: { userId, sessionId },
      },
    });
  });
}

/** Ends one of the caller's sessions (another browser, a lost laptop); another user's id answers not-found. */
export async function revokeMySession({
  db,
  clock,
  ledger,
  principal,
  sessionId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  principal: Principal;
  sessionId: string;
}): Promise<{ isCurrent: boolean }> {
  const currentId = requireSession(principal);
  await revokeOwnSession({ db, clock, ledger, userId: principal.userId, sessionId });
  return { isCurrent: sessionId === currentId };
}

/** Signs out: ends the session making the request. */
export async function signOut({
  db,
  clock,
  ledger,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  principal: Principal;
}): Promise<void> {
  const sessionId = requireSession(principal);
  await revokeOwnSession({ db, clock, ledger, userId: principal.userId, sessionId });
}
