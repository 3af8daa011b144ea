import type { Kysely } from 'kysely';
import type { PolicyEngine } from '../access/access.models.js';
import { authorizeInstallationAction } from '../access/access.usecases.js';
import type { WritDatabase } from '../database.js';
import { type DirectoryEntry, createDirectoryRepository } from './identity.directory.repository.js';
import { createDirectoryNotAllowedError } from './identity.errors.js';
import { normalizeUsername, type Principal } from './identity.models.js';

/**
 * The firm's own staff, in a session, read the directory: Cedar's `installation.read_directory`
 * (`staff-read-the-directory`, `directory-is-read-in-a-session`).
 */
export async function requireDirectoryReader({
  db,
  policy,
  principal,
}: {
  db: Kysely<WritDatabase>;
  policy: PolicyEngine;
  principal: Principal;
}): Promise<void> {
  const decision = await authorizeInstallationAction({
    db,
    policy,
    principal: { userId: principal.userId, role: principal.role, via: principal.via },
    action: 'installation.read_directory',
  });
  if (!decision.isAllowed) throw createDirectoryNotAllowedError();
}

/**
 * Looks colleagues up by username or by id (a matter owner adding a member, the members and requests of a
 * matter shown by name). Names and ids that match nobody are left out of the answer, not refused.
 * @NOTE The answer is an account's id, username and role only: nothing about its matters, status or
 * factors. Clients and process servers are outside the firm and may not list its people; API tokens may
 * not either (no scope covers it). The refusal comes before anything is loaded.
 */
export async function lookUpColleagues({
  db,
  policy,
  principal,
  usernames = [],
  userIds = [],
}: {
  db: Kysely<WritDatabase>;
  policy: PolicyEngine;
  principal: Principal;
  usernames?: string[] | undefined;
  userIds?: string[] | undefined;
}): Promise<{ users: DirectoryEntry[] }> {
  await requireDirectoryReader({ db, policy, principal });
  const users = await createDirectoryRepository({ db }).findUsers({
    usernames: [...new Set(usernames.map(normalizeUsername))],
    userIds: [...new Set(userIds)],
  });
  return { users };
}
