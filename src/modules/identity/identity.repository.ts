import type { Kysely } from 'kysely';
import { createUsernameTakenError } from './identity.errors.js';
import { isRole, type User } from './identity.models.js';
import type { WritDatabase } from '../database.js';
import type { UsersTable } from './identity.tables.js';

export type IdentityRepository = ReturnType<typeof createIdentityRepository>;

function toUser(row: Pick<UsersTable, 'id' | 'username' | 'role' | 'created_at'>): User {
  if (!isRole(row.role)) throw new Error(`user ${row.id} has unknown role ${row.role}`);
  return { id: row.id, username: row.username, role: row.role, createdAt: new Date(row.created_at) };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function selectAdminCount(db: Kysely<WritDatabase>) {
  return db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('role', '=', 'admin');
}

/**
 * `countAdmins` compiled once, for a caller that asks on every request: building and compiling the query
 * costs more than SQLite takes to answer it.
 */
export function createAdminCounter({ db }: { db: Kysely<WritDatabase> }): () => Promise<number> {
  const query = selectAdminCount(db).compile();
  return async () => Number((await db.executeQuery(query)).rows[0]?.count ?? 0);
}

export function createIdentityRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async countAdmins(): Promise<number> {
      const row = await selectAdminCount(db).executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertUser({ user, passwordHash }: { user: User; passwordHash: string }): Promise<void> {
      const now = user.createdAt.getTime();
      try {
        await db
          .insertInto('users')
          .values({
            id: user.id,
            username: user.username,
            role: user.role,
            password_hash: passwordHash,
            created_at: now,
            updated_at: now,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw createUsernameTakenError({ cause: error });
        throw error;
      }
    },

    async findUserByUsername({ username }: { username: string }): Promise<User | undefined> {
      const row = await db
        .selectFrom('users')
        .select(['id', 'username', 'role', 'created_at'])
        .where('username', '=', username)
        .executeTakeFirst();
      return row === undefined ? undefined : toUser(row);
    },

    async deleteUnconsumedSetupTokens(): Promise<void> {
      await db.deleteFrom('setup_tokens').where('consumed_at', 'is', null).execute();
    },

    async insertSetupToken(token: {
      id: string;
      tokenHash: string;
      createdAt: Date;
      expiresAt: Date;
    }): Promise<void> {
      await db
        .insertInto('setup_tokens')
        .values({
          id: token.id,
          token_hash: token.tokenHash,
          created_at: token.createdAt.getTime(),
          expires_at: token.expiresAt.getTime(),
        })
        .execute();
    },

    async findSetupToken({ tokenHash }: { tokenHash: string }) {
      const row = await db
        .selectFrom('setup_tokens')
        .select(['id', 'expires_at', 'consumed_at'])
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            id: row.id,
            expiresAt: new Date(row.expires_at),
            isConsumed: row.consumed_at !== null,
          };
    },

    /** Marks the token used; false when another request consumed it first. */
    async consumeSetupToken({ id, at }: { id: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('setup_tokens')
        .set({ consumed_at: at.getTime() })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
