import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { type DirectoryEntry, createDirectoryRepository } from './identity.directory.repository.js';
import { createDirectoryNotAllowedError } from './identity.errors.js';
import { normalizeUsername, type Principal, type Role } from './identity.models.js';

/** The firm's own staff: they add colleagues to matters and need to know who asked for access. */
const directoryRoles: readonly Role[] = ['admin', 'lawyer', 'assistant', 'auditor'];

/**
 * Looks colleagues up by username or by id (a matter owner adding a member, the members and requests of a
 * matter shown by name). Names and ids that match nobody are left out of the answer, not refused.
 * @NOTE The answer is an account's id, username and role only: nothing about its matters, status or
 * factors. Clients and process servers are outside the firm and may not list its people; API tokens may
 * not either (no scope covers it). The refusal comes before anything is loaded.
 */
export async function lookUpColleagues({
  db,
  principal,
  usernames = [],
  userIds = [],
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
  usernames?: string[] | undefined;
  userIds?: string[] | undefined;
}): Promise<{ users: DirectoryEntry[] }> {
  if (principal.via !== 'session' || !directoryRoles.includes(principal.role)) {
    throw createDirectoryNotAllowedError();
  }
  const users = await createDirectoryRepository({ db }).findUsers({
    usernames: [...new Set(usernames.map(normalizeUsername))],
    userIds: [...new Set(userIds)],
  });
  return { users };
}
