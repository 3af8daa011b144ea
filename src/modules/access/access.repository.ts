import { type Kysely, PostgresAdapter } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { Classification } from './access.models.js';
import type { AccessGroupScreensTable, AccessScreensTable } from './access.tables.js';

export function createAccessRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    /**
     * Whether a wall screens `userId` from the matter: one on them, or one on a group they belong to now
     * (joined before or after the wall was raised). One query: decisions are hot.
     */
    async isScreened({ matterId, userId }: { matterId: string; userId: string }): Promise<boolean> {
      const row = await db
        .selectFrom('access_screens')
        .select('access_screens.id')
        .where('access_screens.matter_id', '=', matterId)
        .where('access_screens.user_id', '=', userId)
        .where('access_screens.lifted_at', 'is', null)
        .unionAll(
          db
            .selectFrom('access_group_screens')
            .innerJoin('user_group_members', 'user_group_members.group_id', 'access_group_screens.group_id')
            .select('access_group_screens.id')
            .where('access_group_screens.matter_id', '=', matterId)
            .where('user_group_members.user_id', '=', userId)
            .where('access_group_screens.lifted_at', 'is', null),
        )
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** The matters `userId` is screened from, in person or through a group: lists leave them out without a decision per row. */
    async screenedMatterIds({ userId }: { userId: string }): Promise<Set<string>> {
      const rows = await db
        .selectFrom('access_screens')
        .select('access_screens.matter_id')
        .where('access_screens.user_id', '=', userId)
        .where('access_screens.lifted_at', 'is', null)
        .unionAll(
          db
            .selectFrom('access_group_screens')
            .innerJoin('user_group_members', 'user_group_members.group_id', 'access_group_screens.group_id')
            .select('access_group_screens.matter_id')
            .where('user_group_members.user_id', '=', userId)
            .where('access_group_screens.lifted_at', 'is', null),
        )
        .execute();
      return new Set(rows.map((row) => row.matter_id));
    },

    async isComplianceOfficer({ userId }: { userId: string }): Promise<boolean> {
      const row = await db
        .selectFrom('access_compliance_officers')
        .select('user_id')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row !== undefined;
    },
    /**
     * The facts the policies need about a matter (id, classification, status), for the access module's own
     * decisions (walls). Reads the documents module's `matters` table directly: access is a leaf module and
     * may not call documents, which calls access.
     */
    async findMatterFacts({
      matterId,
    }: {
      matterId: string;
    }): Promise<{ id: string; classification: Classification; status: string } | undefined> {
      return db
        .selectFrom('matters')
        .select(['id', 'classification', 'status'])
        .where('id', '=', matterId)
        .executeTakeFirst();
    },

    /** An account's role, or undefined when there is no such account. */
    async findUserRole({ userId }: { userId: string }): Promise<string | undefined> {
      const row = await db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
      return row?.role;
    },

    async insertComplianceOfficer({
      userId,
      designatedBy,
      at,
    }: {
      userId: string;
      designatedBy: string;
      at: Date;
    }): Promise<void> {
      await db
        .insertInto('access_compliance_officers')
        .values({ user_id: userId, designated_by: designatedBy, designated_at: at.getTime() })
        .execute();
    },

    /** False when `userId` was not designated. */
    async deleteComplianceOfficer({ userId }: { userId: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('access_compliance_officers')
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async insertScreen(row: AccessScreensTable): Promise<void> {
      await db.insertInto('access_screens').values(row).execute();
    },

    async findLiveScreen({
      matterId,
      userId,
    }: {
      matterId: string;
      userId: string;
    }): Promise<AccessScreensTable | undefined> {
      return db
        .selectFrom('access_screens')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('user_id', '=', userId)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
    },

    /** False when the screen was already lifted (a concurrent lift). */
    async liftScreen({ id, liftedBy, at }: { id: string; liftedBy: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('access_screens')
        .set({ lifted_by: liftedBy, lifted_at: at.getTime() })
        .where('id', '=', id)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listLiveScreens({ matterId }: { matterId: string }): Promise<AccessScreensTable[]> {
      return db
        .selectFrom('access_screens')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('lifted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    /** Whether the group exists. Reads the identity module's `user_groups` table, as `findUserRole` reads `users`. */
    async groupExists({ groupId }: { groupId: string }): Promise<boolean> {
      const query = db.selectFrom('user_groups').select('id').where('id', '=', groupId);
      // @NOTE On PostgreSQL the group's row stays locked FOR SHARE until the wall commits, so that a concurrent
      // deletion of the group waits and then sees the wall (SQLite serializes write transactions anyway).
      const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
      const row = await (isPostgres ? query.forShare() : query).executeTakeFirst();
      return row !== undefined;
    },

    async insertGroupScreen(row: AccessGroupScreensTable): Promise<void> {
      await db.insertInto('access_group_screens').values(row).execute();
    },

    async findLiveGroupScreen({
      matterId,
      groupId,
    }: {
      matterId: string;
      groupId: string;
    }): Promise<AccessGroupScreensTable | undefined> {
      return db
        .selectFrom('access_group_screens')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('group_id', '=', groupId)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
    },

    /**
     * How many matters a wall on the group screens `userId` from with no wall on them in person: what their
     * leaving the group would lift.
     */
    async countScreensOnlyThroughGroup({
      groupId,
      userId,
    }: {
      groupId: string;
      userId: string;
    }): Promise<number> {
      const row = await db
        .selectFrom('access_group_screens')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('access_group_screens.group_id', '=', groupId)
        .where('access_group_screens.lifted_at', 'is', null)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('access_screens')
                .select('access_screens.id')
                .whereRef('access_screens.matter_id', '=', 'access_group_screens.matter_id')
                .where('access_screens.user_id', '=', userId)
                .where('access_screens.lifted_at', 'is', null),
            ),
          ),
        )
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Whether a wall on the group stands on any matter. */
    async hasLiveGroupScreens({ groupId }: { groupId: string }): Promise<boolean> {
      const row = await db
        .selectFrom('access_group_screens')
        .select('id')
        .where('group_id', '=', groupId)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** False when the screen was already lifted (a concurrent lift). */
    async liftGroupScreen({
      id,
      liftedBy,
      at,
    }: {
      id: string;
      liftedBy: string;
      at: Date;
    }): Promise<boolean> {
      const result = await db
        .updateTable('access_group_screens')
        .set({ lifted_by: liftedBy, lifted_at: at.getTime() })
        .where('id', '=', id)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async listLiveGroupScreens({ matterId }: { matterId: string }): Promise<AccessGroupScreensTable[]> {
      return db
        .selectFrom('access_group_screens')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('lifted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
  };
}
