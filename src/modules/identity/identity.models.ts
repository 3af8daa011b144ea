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
