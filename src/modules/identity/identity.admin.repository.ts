import { type Kysely, sql } from 'kysely';
import type { WritDatabase } from '../database.js';
import { isUserStatus, type UserStatus, type UserSummary } from './identity.admin.models.js';
import { isRole, type Role } from './identity.models.js';

export type AdminRepository = ReturnType<typeof createAdminRepository>;

export type AccountRow = { id: string; username: string; role: Role; status: UserStatus };

function toAccount(row: { id: string; username: string; role: string; status: string }): AccountRow {
  if (!isRole(row.role) || !isUserStatus(row.status)) {
    throw new Error(`user ${row.id} has an unknown role or status`);
  }
  return { id: row.id, username: row.username, role: row.role, status: row.status };
}

/**
 * @NOTE The sign-in defence (identity.throttle.ts) keys an account's password attempts `account:<user id>`
 * and its second-factor attempts `factor:<user id>`; either one blocked means the account is locked.
 */
const throttlePrefixes = ['account:', 'factor:'] as const;

export function createAdminRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    /** One page of accounts ordered by username, after `afterUsername` when given. */
    async listUserSummaries({
      limit,
      afterUsername,
      now,
    }: {
      limit: number;
      afterUsername: string | undefined;
      now: Date;
    }): Promise<UserSummary[]> {
      let query = db
        .selectFrom('users')
        .select((eb) => [
          'users.id',
          'users.username',
          'users.role',
          'users.status',
          'users.created_at',
          eb
            .or([
              eb.exists(
                eb
                  .selectFrom('totp_credentials')
                  .select('totp_credentials.user_id')
                  .whereRef('totp_credentials.user_id', '=', 'users.id')
                  .where('totp_credentials.confirmed_at', 'is not', null),
              ),
              eb.exists(
                eb
                  .selectFrom('webauthn_credentials')
                  .select('webauthn_credentials.id')
                  .whereRef('webauthn_credentials.user_id', '=', 'users.id'),
              ),
            ])
            .as('is_mfa_enrolled'),
          eb
            .exists(
              eb
                .selectFrom('sign_in_throttles')
                .select('sign_in_throttles.key')
                .where('sign_in_throttles.key', 'in', [
                  sql<string>`${throttlePrefixes[0]} || ${sql.ref('users.id')}`,
                  sql<string>`${throttlePrefixes[1]} || ${sql.ref('users.id')}`,
                ])
                .where('sign_in_throttles.blocked_until', '>', now.getTime()),
            )
            .as('is_locked'),
          eb
            .selectFrom('sign_in_throttles')
            .select((inner) => inner.fn.max('sign_in_throttles.blocked_until').as('until'))
            .where('sign_in_throttles.key', 'in', [
              sql<string>`${throttlePrefixes[0]} || ${sql.ref('users.id')}`,
              sql<string>`${throttlePrefixes[1]} || ${sql.ref('users.id')}`,
            ])
            .where('sign_in_throttles.blocked_until', '>', now.getTime())
            .as('locked_until'),
          eb
            .selectFrom('sessions')
            .select((inner) => inner.fn.max('sessions.created_at').as('at'))
            .whereRef('sessions.user_id', '=', 'users.id')
            .as('last_sign_in_at'),
        ])
        .orderBy('users.username')
        .limit(limit);
      if (afterUsername !== undefined) query = query.where('users.username', '>', afterUsername);
      const rows = await query.execute();
      return rows.map((row) => ({
        ...toAccount(row),
        createdAt: new Date(row.created_at),
        // SQLite answers 0/1, PostgreSQL true/false.
        isMfaEnrolled: Boolean(row.is_mfa_enrolled),
        isLocked: Boolean(row.is_locked),
        lockedUntil:
          row.locked_until === null || row.locked_until === undefined
            ? undefined
            : new Date(row.locked_until),
        lastSignInAt:
          row.last_sign_in_at === null || row.last_sign_in_at === undefined
            ? undefined
            : new Date(row.last_sign_in_at),
      }));
    },

    async findAccountById({ id }: { id: string }): Promise<AccountRow | undefined> {
      const row = await db
        .selectFrom('users')
        .select(['id', 'username', 'role', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toAccount(row);
    },

    async findAccountByUsername({ username }: { username: string }): Promise<AccountRow | undefined> {
      const row = await db
        .selectFrom('users')
        .select(['id', 'username', 'role', 'status'])
        .where('username', '=', username)
        .executeTakeFirst();
      return row === undefined ? undefined : toAccount(row);
    },

    /** Sets the status; false when it already had it. */
    async updateUserStatus({
      id,
      status,
      at,
    }: {
      id: string;
      status: UserStatus;
      at: Date;
    }): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ status, updated_at: at.getTime() })
        .where('id', '=', id)
        .where('status', '<>', status)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Forgets the sign-in defence's counters of an account (password and second factor), lifting any block;
     * true when one of them was blocking at `now`. The client-network counters stay.
     */
    async deleteAccountThrottles({ userId, now }: { userId: string; now: Date }): Promise<boolean> {
      const keys = throttlePrefixes.map((prefix) => `${prefix}${userId}`);
      const blocked = await db
        .selectFrom('sign_in_throttles')
        .select('key')
        .where('key', 'in', keys)
        .where('blocked_until', '>', now.getTime())
        .execute();
      await db.deleteFrom('sign_in_throttles').where('key', 'in', keys).execute();
      return blocked.length > 0;
    },

    /** Deletes every second factor of a user: TOTP, passkeys, recovery codes. */
    async deleteSecondFactors({ userId }: { userId: string }) {
      const totp = await db.deleteFrom('totp_credentials').where('user_id', '=', userId).executeTakeFirst();
      const passkeys = await db
        .deleteFrom('webauthn_credentials')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      const recoveryCodes = await db
        .deleteFrom('recovery_codes')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      await db.deleteFrom('webauthn_challenges').where('user_id', '=', userId).execute();
      return {
        totp: Number(totp.numDeletedRows),
        passkeys: Number(passkeys.numDeletedRows),
        recoveryCodes: Number(recoveryCodes.numDeletedRows),
      };
    },
  };
}
