import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { hashSecretToken } from '../../shared/random/tokens.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import {
  type ApiToken,
  apiTokenLimits,
  apiTokenPattern,
  generateApiTokenId,
  generateApiTokenSecret,
  isApiTokenScope,
  normalizeApiTokenName,
} from './identity.api-tokens.models.js';
import { createApiTokensRepository } from './identity.api-tokens.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import {
  createApiTokenLifetimeInvalidError,
  createApiTokenLimitReachedError,
  createApiTokenNameInvalidError,
  createApiTokenNotFoundError,
  createApiTokenScopeInvalidError,
  createSessionRequiredError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { isRole, type Principal } from './identity.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/** Tokens are managed from a signed-in session only: a token can neither mint, list nor revoke tokens. */
function requireSessionPrincipal(principal: Principal): void {
  if (principal.via !== 'session' || principal.sessionId === undefined) throw createSessionRequiredError();
}

export type CreateApiTokenArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  principal: Principal;
  name: string;
  scopes: readonly string[];
  expiresInDays: number;
  generateId?: IdGenerator;
};

/**
 * Creates a scoped, expiring token for scripts. The secret is returned here once and stored only as its
 * SHA-256. Needs a second factor proved within the step-up window.
 */
export async function createApiToken({
  db,
  clock,
  ledger,
  settings,
  principal,
  name: rawName,
  scopes: rawScopes,
  expiresInDays,
  generateId = generateApiTokenId,
}: CreateApiTokenArgs): Promise<{ apiToken: ApiToken; secret: string }> {
  requireSessionPrincipal(principal);
  requireRecentSecondFactor({ principal, clock, settings });
  const name = normalizeApiTokenName(rawName);
  if (name === undefined) throw createApiTokenNameInvalidError();
  const scopes = [...new Set(rawScopes)];
  if (scopes.length === 0 || scopes.length !== rawScopes.length || !scopes.every(isApiTokenScope)) {
    throw createApiTokenScopeInvalidError();
  }
  if (
    !Number.isInteger(expiresInDays) ||
    expiresInDays < apiTokenLimits.minDays ||
    expiresInDays > apiTokenLimits.maxDays
  ) {
    throw createApiTokenLifetimeInvalidError();
  }

  return inTransaction(db, async (trx) => {
    const repository = createApiTokensRepository({ db: trx });
    const now = clock.now();
    if (
      (await repository.countActiveApiTokens({ userId: principal.userId, now })) >=
      apiTokenLimits.maxActivePerUser
    ) {
      throw createApiTokenLimitReachedError();
    }
    const secret = generateApiTokenSecret();
    const apiToken: ApiToken = {
      id: generateId(),
      name,
      scopes: [...scopes].sort(),
      createdAt: now,
      expiresAt: new Date(now.getTime() + expiresInDays * 24 * 60 * 60_000),
      lastUsedAt: undefined,
      revokedAt: undefined,
    };
    await repository.insertApiToken({
      token: apiToken,
      userId: principal.userId,
      tokenHash: hashSecretToken(secret),
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.api_token_created',
        actor: { type: 'user', id: principal.userId },
        data: { userId: principal.userId, tokenId: apiToken.id, scopes: apiToken.scopes },
      },
    });
    await recordNotification({
      db: trx,
      clock,
      userId: principal.userId,
      kind: 'api_token_created',
      payload: { tokenId: apiToken.id, name: apiToken.name },
    });
    return { apiToken, secret };
  });
}

/** The caller's own tokens, newest first, revoked and expired ones included; never a secret. */
export async function listApiTokens({
  db,
  principal,
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
}): Promise<{ apiTokens: ApiToken[] }> {
  requireSessionPrincipal(principal);
  return { apiTokens: await createApiTokensRepository({ db }).listApiTokens({ userId: principal.userId }) };
}

/** Revokes one of the caller's tokens; another user's token answers not-found, like a missing one. */
export async function revokeApiToken({
  db,
  clock,
  ledger,
  principal,
  tokenId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  principal: Principal;
  tokenId: string;
}): Promise<{ apiToken: ApiToken }> {
  requireSessionPrincipal(principal);
  return inTransaction(db, async (trx) => {
    const repository = createApiTokensRepository({ db: trx });
    const apiToken = await repository.findOwnApiToken({ id: tokenId, userId: principal.userId });
    if (apiToken === undefined) throw createApiTokenNotFoundError();
    const now = clock.now();
    // Revoking twice is not an error, and records nothing new.
    if (!(await repository.revokeApiToken({ id: apiToken.id, at: now }))) return { apiToken };
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.api_token_revoked',
        actor: { type: 'user', id: principal.userId },
        data: { userId: principal.userId, tokenId: apiToken.id },
      },
    });
    return { apiToken: { ...apiToken, revokedAt: now } };
  });
}

/**
 * The principal a bearer token stands for, or undefined for a malformed, unknown, expired or revoked token or
 * a disabled account (the caller answers all of them alike). Records use at most once a minute.
 */
export async function authenticateApiToken({
  db,
  clock,
  token,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  token: string;
}): Promise<Principal | undefined> {
  if (!apiTokenPattern.test(token)) return undefined;
  const repository = createApiTokensRepository({ db });
  // @NOTE Looked up by SHA-256 of a 256-bit secret: the index lookup leaks nothing a timing attack could use.
  const row = await repository.findApiTokenForAuthentication({ tokenHash: hashSecretToken(token) });
  const now = clock.now();
  if (row === undefined || row.revoked_at !== null || row.expires_at <= now.getTime()) return undefined;
  if (row.status !== 'active' || !isRole(row.role)) return undefined;
  if (row.last_used_at === null || row.last_used_at <= now.getTime() - apiTokenLimits.lastUsedResolutionMs) {
    await repository.touchApiToken({
      id: row.id,
      at: now,
      resolutionMs: apiTokenLimits.lastUsedResolutionMs,
    });
  }
  return {
    userId: row.user_id,
    role: row.role,
    via: 'api_token',
    sessionId: undefined,
    apiTokenId: row.id,
    secondFactorAt: undefined,
    scopes: repository.parseScopes(row.scopes),
  };
}
