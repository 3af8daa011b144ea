import { randomBytes } from 'node:crypto';
import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/**
 * What an API token may do. A token never carries more than its scopes, and none of them reaches account
 * management, sign-in or other tokens: scripts read and write documents, nothing else.
 * @NOTE Scope names are stored with each token and published in the API: renaming one breaks scripts and
 * needs a migration of `api_tokens.scopes`.
 */
export const apiTokenScopes = [
  /** List matters the token's owner is a member of. */
  'matters:read',
  /** List and download documents in those matters. */
  'documents:read',
  /** Upload new documents and versions to those matters. */
  'documents:write',
] as const;
export type ApiTokenScope = (typeof apiTokenScopes)[number];

export function isApiTokenScope(value: string): value is ApiTokenScope {
  return (apiTokenScopes as readonly string[]).includes(value);
}

export const apiTokenLimits = {
  nameMaxLength: 64,
  minDays: 1,
  maxDays: 365,
  /** Active (unrevoked, unexpired) tokens one user may hold. */
  maxActivePerUser: 25,
  /** `last_used_at` is written at most this often, so that a busy script does not write on every call. */
  lastUsedResolutionMs: 60_000,
} as const;

export type ApiToken = {
  id: string;
  name: string;
  scopes: ApiTokenScope[];
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | undefined;
  revokedAt: Date | undefined;
};

export const generateApiTokenId = createPrefixedIdGenerator({ prefix: 'tok' });

/**
 * `writ_pat_` + base64url of 32 random bytes (43 characters). The prefix lets secret scanners recognise a
 * leaked token. @NOTE The format is published: changing it breaks scripts and scanners' patterns.
 */
export const apiTokenPattern = /^writ_pat_[A-Za-z0-9_-]{43}$/;

export function generateApiTokenSecret(): string {
  return `writ_pat_${randomBytes(32).toString('base64url')}`;
}

/** Printable characters only: a token name is shown in lists and must not carry control characters. */
const tokenNamePattern = /^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+$/u;

export function normalizeApiTokenName(name: string): string | undefined {
  const trimmed = name.trim();
  const length = Array.from(trimmed).length;
  if (length < 1 || length > apiTokenLimits.nameMaxLength || !tokenNamePattern.test(trimmed))
    return undefined;
  return trimmed;
}
