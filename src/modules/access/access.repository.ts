import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';

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
  };
}
