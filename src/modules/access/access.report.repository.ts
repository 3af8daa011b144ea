import { type Kysely, sql } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { MatterFacts } from './access.models.js';

/**
 * The facts the access report's decision needs: the matter's label and status, and the caller's live
 * membership.
 * @NOTE Reads the documents module's `matters` and `matter_members` tables: a use-case of that module would
 * make an import cycle (documents asks access for every decision). Columns read: matters.id, classification,
 * status; matter_members.role, expires_at, is_named_for_highly_sensitive.
 */
export function createAccessReportRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async findMatterFacts({
      matterId,
      userId,
      now,
    }: {
      matterId: string;
      userId: string;
      now: Date;
    }): Promise<MatterFacts | undefined> {
      const row = await db
        .selectFrom('matters')
        .leftJoin('matter_members', (join) =>
          join
            .onRef('matter_members.matter_id', '=', 'matters.id')
            .on('matter_members.user_id', '=', userId)
            .on(
              sql<boolean>`(matter_members.expires_at is null or matter_members.expires_at > ${now.getTime()})`,
            ),
        )
        .select([
          'matters.id',
          'matters.classification',
          'matters.status',
          'matter_members.role',
          'matter_members.is_named_for_highly_sensitive',
        ])
        .where('matters.id', '=', matterId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        matter: { id: row.id, classification: row.classification, status: row.status },
        membership:
          row.role === null
            ? undefined
            : {
                role: row.role,
                isNamedForHighlySensitive: row.is_named_for_highly_sensitive === 1,
              },
      };
    },
  };
}
