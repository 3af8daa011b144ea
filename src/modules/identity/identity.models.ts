import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/** @NOTE Role names are stored and published: renaming one needs a migration and breaks API clients. */
export const roles = ['admin', 'lawyer', 'assistant', 'process_server', 'client', 'auditor'] as const;
export type Role = (typeof roles)[number];

export type User = {
  id: string;
  username: string;
  role: Role;
  createdAt: Date;
};

export const generateUserId = createPrefixedIdGenerator({ prefix: 'usr' });
export const generateSetupTokenId = createPrefixedIdGenerator({ prefix: 'stp' });

export const usernamePattern = /^[a-z0-9][a-z0-9._-]{2,63}$/;

export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/**
 * Who is calling, as every front door and use-case sees it once authenticated.
 * A session whose sign-in still awaits its second factor has `secondFactorAt` undefined and may only
 * complete that step; a role that requires MFA without any enrolled factor may only enrol one.
 */
export type Principal = {
  userId: string;
  role: Role;
  via: 'session' | 'api_token';
  sessionId: string | undefined;
  apiTokenId: string | undefined;
  /** When this session last proved a second factor (sign-in or step-up). */
  secondFactorAt: Date | undefined;
  /** API token scopes; undefined for sessions, which carry the user's full rights. */
  scopes: readonly string[] | undefined;
};
