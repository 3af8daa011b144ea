import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { Session } from './identity.sessions.models.js';
import type { SessionsTable } from './identity.tables.js';

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;

type SessionRow = Pick<
  SessionsTable,
  'id' | 'user_id' | 'created_at' | 'last_seen_at' | 'expires_at' | 'second_factor_at' | 'device_label'
>;

const sessionColumns = [
  'sessions.id',
  'sessions.user_id',
  'sessions.created_at',
  'sessions.last_seen_at',
  'sessions.expires_at',
  'sessions.second_factor_at',
  'sessions.device_label',
] as const;

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: new Date(row.created_at),
    lastSeenAt: new Date(row.last_seen_at),
    expiresAt: new Date(row.expires_at),
    secondFactorAt: row.second_factor_at === null ? undefined : new Date(row.second_factor_at),
    deviceLabel: row.device_label,
  };
}

/** SQLite answers `exists` with 0 or 1, PostgreSQL with a boolean. */
function toBoolean(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

export function createSessionsRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertSession({
      session,
      tokenHash,
      csrfToken,
      deviceIdHash,
    }: {
      session: Session;
      tokenHash: string;
      csrfToken: string;
      deviceIdHash: string;
    }): Promise<void> {
      await db
        .insertInto('sessions')
        .values({
          id: session.id,
          token_hash: tokenHash,
          user_id: session.userId,
          csrf_token: csrfToken,
          created_at: session.createdAt.getTime(),
          last_seen_at: session.lastSeenAt.getTime(),
          expires_at: session.expiresAt.getTime(),
          second_factor_at: session.secondFactorAt?.getTime() ?? null,
          device_label: session.deviceLabel,
          device_id_hash: deviceIdHash,
        })
        .execute();
    },

    /** Whether this user ever had a session from this device (revoked and expired sessions count). */
    async hasSeenDevice({
      userId,
      deviceIdHash,
    }: {
      userId: string;
      deviceIdHash: string;
    }): Promise<boolean> {
      const row = await db
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('device_id_hash', '=', deviceIdHash)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /**
     * The session a token opens, with what authentication needs of its user, in one query; revoked and
     * expired sessions are returned too, and judged by the caller.
     */
    async findSessionByTokenHash({ tokenHash }: { tokenHash: string }) {
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          ...sessionColumns,
          'sessions.csrf_token',
          'sessions.revoked_at',
          'users.role',
          'users.status',
        ])
        .select((eb) => [
          eb
            .exists(
              eb
                .selectFrom('totp_credentials')
                .select('totp_credentials.user_id')
                .whereRef('totp_credentials.user_id', '=', 'sessions.user_id')
                .where('totp_credentials.confirmed_at', 'is not', null),
            )
            .as('has_totp'),
          eb
            .exists(
              eb
                .selectFrom('webauthn_credentials')
                .select('webauthn_credentials.id')
                .whereRef('webauthn_credentials.user_id', '=', 'sessions.user_id'),
            )
            .as('has_passkey'),
        ])
        .where('sessions.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        session: toSession(row),
        csrfToken: row.csrf_token,
        isRevoked: row.revoked_at !== null,
        role: row.role,
        userStatus: row.status,
        hasTotp: toBoolean(row.has_totp),
        hasPasskey: toBoolean(row.has_passkey),
      };
    },

    async findSession({ id, userId }: { id: string; userId: string }) {
      const row = await db
        .selectFrom('sessions')
        .select([...sessionColumns, 'sessions.csrf_token', 'sessions.revoked_at'])
        .where('sessions.id', '=', id)
        .where('sessions.user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : { session: toSession(row), csrfToken: row.csrf_token, isRevoked: row.revoked_at !== null };
    },

    /** Only moves `last_seen_at` forward, so that two nodes touching one session never move it back. */
    async touchSession({ id, at }: { id: string; at: Date }): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ last_seen_at: at.getTime() })
        .where('id', '=', id)
        .where('last_seen_at', '<', at.getTime())
        .execute();
    },

    /** Replaces the token and CSRF token of a live session; false when it is gone or revoked. */
    async rotateSessionToken({
      id,
      userId,
      tokenHash,
      csrfToken,
      at,
    }: {
      id: string;
      userId: string;
      tokenHash: string;
      csrfToken: string;
      at: Date;
    }): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ token_hash: tokenHash, csrf_token: csrfToken, last_seen_at: at.getTime() })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async setSecondFactorAt({ id, userId, at }: { id: string; userId: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ second_factor_at: at.getTime() })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Revokes one of the user's sessions; false when it is not theirs or already revoked. */
    async revokeSession({ id, userId, at }: { id: string; userId: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: at.getTime() })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Revokes every unrevoked, unexpired session of the user but `exceptId`; returns how many. */
    async revokeUserSessions({
      userId,
      at,
      exceptId,
    }: {
      userId: string;
      at: Date;
      exceptId?: string;
    }): Promise<number> {
      let query = db
        .updateTable('sessions')
        .set({ revoked_at: at.getTime() })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at.getTime());
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** The user's sessions not revoked, not past their absolute end and seen after `seenAfter`, newest first. */
    async listLiveSessions({
      userId,
      now,
      seenAfter,
    }: {
      userId: string;
      now: Date;
      seenAfter: Date;
    }): Promise<Session[]> {
      const rows = await db
        .selectFrom('sessions')
        .select(sessionColumns)
        .where('sessions.user_id', '=', userId)
        .where('sessions.revoked_at', 'is', null)
        .where('sessions.expires_at', '>', now.getTime())
        .where('sessions.last_seen_at', '>', seenAfter.getTime())
        .orderBy('sessions.last_seen_at', 'desc')
        .orderBy('sessions.id', 'desc')
        .execute();
      return rows.map(toSession);
    },
  };
}
