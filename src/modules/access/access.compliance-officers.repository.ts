import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';

export type ComplianceOfficerRow = { userId: string; designatedBy: string; designatedAt: Date };

/** Reads of the compliance-officer designations, for the administrators' list. */
export function createComplianceOfficersRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    /** Every designation, earliest first. A firm has a handful: no paging. */
    async listComplianceOfficers(): Promise<ComplianceOfficerRow[]> {
      const rows = await db
        .selectFrom('access_compliance_officers')
        .select(['user_id', 'designated_by', 'designated_at'])
        .orderBy('designated_at')
        .orderBy('user_id')
        .execute();
      return rows.map((row) => ({
        userId: row.user_id,
        designatedBy: row.designated_by,
        designatedAt: new Date(row.designated_at),
      }));
    },
  };
}
