import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { Classification } from './access.models.js';
import type { AccessScreensTable } from './access.tables.js';

export function createAccessRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async isScreened({ matterId, userId }: { matterId: string; userId: string }): Promise<boolean> {
      const row = await db
        .selectFrom('access_screens')
        .select('id')
        .where('matter_id', '=', matterId)
        .where('user_id', '=', userId)
        .where('lifted_at', 'is', null)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** The matters `userId` is screened from: lists leave them out without a decision per row. */
    async screenedMatterIds({ userId }: { userId: string }): Promise<Set<string>> {
      const rows = await db
        .selectFrom('access_screens')
        .select('matter_id')
        .where('user_id', '=', userId)
        .where('lifted_at', 'is', null)
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
  };
}
