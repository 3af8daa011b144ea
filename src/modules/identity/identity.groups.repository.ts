import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { createGroupNameTakenError } from './identity.errors.js';
import type { Group } from './identity.groups.models.js';
import type { UserGroupsTable } from './identity.tables.js';

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function createGroupsRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertGroup(row: UserGroupsTable): Promise<void> {
      try {
        await db.insertInto('user_groups').values(row).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw createGroupNameTakenError({ cause: error });
        throw error;
      }
    },

    async findGroup({ groupId }: { groupId: string }): Promise<UserGroupsTable | undefined> {
      return db.selectFrom('user_groups').selectAll().where('id', '=', groupId).executeTakeFirst();
    },

    /** False when there is no such group. */
    async renameGroup({ groupId, name }: { groupId: string; name: string }): Promise<boolean> {
      try {
        const result = await db
          .updateTable('user_groups')
          .set({ name })
          .where('id', '=', groupId)
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      } catch (error) {
        if (isUniqueViolation(error)) throw createGroupNameTakenError({ cause: error });
        throw error;
      }
    },

    /** False when there is no such group; its memberships go with it. */
    async deleteGroup({ groupId }: { groupId: string }): Promise<boolean> {
      await db.deleteFrom('user_group_members').where('group_id', '=', groupId).execute();
      const result = await db.deleteFrom('user_groups').where('id', '=', groupId).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async userExists({ userId }: { userId: string }): Promise<boolean> {
      const row = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
      return row !== undefined;
    },

    /** False when `userId` already belonged to the group. */
    async insertMember({
      groupId,
      userId,
      addedBy,
      at,
    }: {
      groupId: string;
      userId: string;
      addedBy: string;
      at: Date;
    }): Promise<boolean> {
      const result = await db
        .insertInto('user_group_members')
        .values({ group_id: groupId, user_id: userId, added_by: addedBy, added_at: at.getTime() })
        .onConflict((oc) => oc.columns(['group_id', 'user_id']).doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async countMembers({ groupId }: { groupId: string }): Promise<number> {
      const row = await db
        .selectFrom('user_group_members')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('group_id', '=', groupId)
        .executeTakeFirst();
      return Number(row?.count ?? 0);
    },

    /** False when `userId` was not a member. */
    async deleteMember({ groupId, userId }: { groupId: string; userId: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('user_group_members')
        .where('group_id', '=', groupId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Every group by name, with its members by username: two queries, whatever the number of groups. */
    async listGroups(): Promise<Group[]> {
      const groups = await db.selectFrom('user_groups').selectAll().orderBy('name').orderBy('id').execute();
      const members = await db
        .selectFrom('user_group_members')
        .innerJoin('users', 'users.id', 'user_group_members.user_id')
        .select(['user_group_members.group_id', 'users.id', 'users.username'])
        .orderBy('users.username')
        .execute();
      return groups.map((group) => ({
        id: group.id,
        name: group.name,
        createdAt: new Date(group.created_at),
        members: members
          .filter((member) => member.group_id === group.id)
          .map((member) => ({ userId: member.id, username: member.username })),
      }));
    },

    /** Ids and names only, for choosing a group to screen. */
    async listGroupNames(): Promise<{ id: string; name: string }[]> {
      return db.selectFrom('user_groups').select(['id', 'name']).orderBy('name').orderBy('id').execute();
    },
  };
}
