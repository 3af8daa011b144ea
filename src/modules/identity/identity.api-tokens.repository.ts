import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { type ApiToken, type ApiTokenScope, isApiTokenScope } from './identity.api-tokens.models.js';
import type { ApiTokensTable } from './identity.tables.js';

export type ApiTokensRepository = ReturnType<typeof createApiTokensRepository>;

function parseScopes(json: string): ApiTokenScope[] {
  const parsed: unknown = JSON.parse(json);
  // A scope this build does not know grants nothing.
  return Array.isArray(parsed) ? parsed.filter((s): s is ApiTokenScope => isApiTokenScope(String(s))) : [];
}

function toApiToken(row: Omit<ApiTokensTable, 'token_hash' | 'user_id'>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    lastUsedAt: row.last_used_at === null ? undefined : new Date(row.last_used_at),
    revokedAt: row.revoked_at === null ? undefined : new Date(row.revoked_at),
  };
}

const listedColumns = [
  'id',
  'name',
  'scopes',
  'created_at',
  'expires_at',
  'last_used_at',
  'revoked_at',
] as const;

export function createApiTokensRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertApiToken({
      token,
      userId,
      tokenHash,
    }: {
      token: ApiToken;
      userId: string;
      tokenHash: string;
    }): Promise<void> {
      await db
        .insertInto('api_tokens')
        .values({
          id: token.id,
          token_hash: tokenHash,
          user_id: userId,
          name: token.name,
          scopes: JSON.stringify(token.scopes),
          created_at: token.createdAt.getTime(),
          expires_at: token.expiresAt.getTime(),
        })
        .execute();
    },

    async countActiveApiTokens({ userId, now }: { userId: string; now: Date }): Promise<number> {
      const row = await db
        .selectFrom('api_tokens')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now.getTime())
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Every token of one user, newest first, without secrets. */
    async listApiTokens({ userId }: { userId: string }): Promise<ApiToken[]> {
      const rows = await db
        .selectFrom('api_tokens')
        .select(listedColumns)
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toApiToken);
    },

    /** One token, only if it belongs to `userId`: another user's token is as absent as a missing one. */
    async findOwnApiToken({ id, userId }: { id: string; userId: string }): Promise<ApiToken | undefined> {
      const row = await db
        .selectFrom('api_tokens')
        .select(listedColumns)
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toApiToken(row);
    },

    /** Marks the token revoked; false when it already was. */
    async revokeApiToken({ id, at }: { id: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at.getTime() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Revokes every unrevoked token of a user and returns their ids (used when an account is disabled). */
    async revokeAllApiTokensOfUser({ userId, at }: { userId: string; at: Date }): Promise<string[]> {
      const rows = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at.getTime() })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      return rows.map((row) => row.id).sort();
    },

    /** The token with this hash and the status and role of its owner, for authentication. */
    async findApiTokenForAuthentication({ tokenHash }: { tokenHash: string }) {
      return db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .select([
          'api_tokens.id',
          'api_tokens.user_id',
          'api_tokens.scopes',
          'api_tokens.expires_at',
          'api_tokens.revoked_at',
          'api_tokens.last_used_at',
          'users.role',
          'users.status',
        ])
        .where('api_tokens.token_hash', '=', tokenHash)
        .executeTakeFirst();
    },

    /** Records use, unless another request already did within the resolution window. */
    async touchApiToken({ id, at, resolutionMs }: { id: string; at: Date; resolutionMs: number }) {
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: at.getTime() })
        .where('id', '=', id)
        .where((eb) =>
          eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', at.getTime() - resolutionMs)]),
        )
        .execute();
    },

    parseScopes,
  };
}
