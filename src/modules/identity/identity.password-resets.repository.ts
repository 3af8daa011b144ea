import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';

export type PasswordResetsRepository = ReturnType<typeof createPasswordResetsRepository>;

export function createPasswordResetsRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    /** Only the newest link works: issuing one deletes the user's earlier unused ones. */
    async deleteUnconsumedResets({ userId }: { userId: string }): Promise<void> {
      await db
        .deleteFrom('password_resets')
        .where('user_id', '=', userId)
        .where('consumed_at', 'is', null)
        .execute();
    },

    async insertReset(reset: {
      id: string;
      tokenHash: string;
      userId: string;
      createdBy: string;
      createdAt: Date;
      expiresAt: Date;
    }): Promise<void> {
      await db
        .insertInto('password_resets')
        .values({
          id: reset.id,
          token_hash: reset.tokenHash,
          user_id: reset.userId,
          created_by: reset.createdBy,
          created_at: reset.createdAt.getTime(),
          expires_at: reset.expiresAt.getTime(),
        })
        .execute();
    },

    /** The reset with this token hash and its account's username (the password must not contain it). */
    async findResetByTokenHash({ tokenHash }: { tokenHash: string }) {
      const row = await db
        .selectFrom('password_resets')
        .innerJoin('users', 'users.id', 'password_resets.user_id')
        .select([
          'password_resets.id',
          'password_resets.user_id',
          'password_resets.expires_at',
          'password_resets.consumed_at',
          'users.username',
        ])
        .where('password_resets.token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            id: row.id,
            userId: row.user_id,
            username: row.username,
            expiresAt: new Date(row.expires_at),
            isConsumed: row.consumed_at !== null,
          };
    },

    /** Marks the reset used; false when another request used it first. */
    async consumeReset({ id, at }: { id: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('password_resets')
        .set({ consumed_at: at.getTime() })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', at.getTime())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** `isRecovery`: set with a recovery code, which then does not complete a sign-in (see the users table). */
    async updatePassword({
      userId,
      passwordHash,
      at,
      isRecovery,
    }: {
      userId: string;
      passwordHash: string;
      at: Date;
      isRecovery: boolean;
    }) {
      await db
        .updateTable('users')
        .set({
          password_hash: passwordHash,
          password_changed_at: at.getTime(),
          password_recovered_at: isRecovery ? at.getTime() : null,
          updated_at: at.getTime(),
        })
        .where('id', '=', userId)
        .execute();
    },

    /** The account a self-service reset names, with its status. */
    async findAccountForReset({ username }: { username: string }) {
      return db
        .selectFrom('users')
        .select(['id', 'status'])
        .where('username', '=', username)
        .executeTakeFirst();
    },
  };
}
