import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { MatterPartiesTable } from './documents.tables.js';

export function createPartiesRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertParty(row: MatterPartiesTable): Promise<void> {
      await db.insertInto('matter_parties').values(row).execute();
    },
    async listParties({ matterId }: { matterId: string }): Promise<MatterPartiesTable[]> {
      return db
        .selectFrom('matter_parties')
        .selectAll()
        .where('matter_id', '=', matterId)
        .orderBy('created_at')
        .execute();
    },
    /** False when the matter has no such party. */
    async deleteParty({ matterId, partyId }: { matterId: string; partyId: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('matter_parties')
        .where('id', '=', partyId)
        .where('matter_id', '=', matterId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
