import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { isRole, type Role } from './identity.models.js';

export type DirectoryEntry = { id: string; username: string; role: Role };

/** The colleague directory's one query: id, username and role of the accounts named, nothing else. */
export function createDirectoryRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async findUsers({
      usernames,
      userIds,
    }: {
      usernames: string[];
      userIds: string[];
    }): Promise<DirectoryEntry[]> {
      if (usernames.length === 0 && userIds.length === 0) return [];
      const rows = await db
        .selectFrom('users')
        .select(['id', 'username', 'role'])
        .where((eb) =>
          eb.or([
            ...(usernames.length === 0 ? [] : [eb('username', 'in', usernames)]),
            ...(userIds.length === 0 ? [] : [eb('id', 'in', userIds)]),
          ]),
        )
        .orderBy('username')
        .execute();
      return rows.flatMap((row) =>
        isRole(row.role) ? [{ id: row.id, username: row.username, role: row.role }] : [],
      );
    },
  };
}
