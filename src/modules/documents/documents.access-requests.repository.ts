import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { AccessRequestStatus } from './documents.models.js';

/** A row of `access_requests` (the table is declared with the access module's, in migration 0007). */
export type AccessRequestRow = {
  id: string;
  matter_id: string;
  requester_id: string;
  role: string;
  reason_sealed: string;
  status: AccessRequestStatus;
  created_at: number;
  decided_by: string | null;
  decided_at: number | null;
  grant_expires_at: number | null;
};

export function createAccessRequestsRepository({ db }: { db: Kysely<WritDatabase> }) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;

  return {
    /**
     * Serialises one requester's submissions until the transaction ends, so that two sent at once cannot
     * both count under a limit (or both find no pending request) under READ COMMITTED and both insert. An
     * advisory lock, as there may be no row of theirs to lock yet; SQLite already runs one writer at a time.
     * @NOTE Every node must derive the same key: changing its text lets nodes of two releases interleave.
     */
    async lockRequester({ requesterId }: { requesterId: string }): Promise<void> {
      if (!isPostgres) return;
      const key = `writ.access_requests:${requesterId}`;
      await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(db);
    },

    async insertRequest(row: AccessRequestRow): Promise<void> {
      await db.insertInto('access_requests').values(row).execute();
    },

    async hasPendingRequest({
      matterId,
      requesterId,
    }: {
      matterId: string;
      requesterId: string;
    }): Promise<boolean> {
      const row = await db
        .selectFrom('access_requests')
        .select('id')
        .where('matter_id', '=', matterId)
        .where('requester_id', '=', requesterId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** How many of the requester's requests wait for a decision, and how many they submitted since `since`. */
    async countRequestsOfRequester({
      requesterId,
      since,
    }: {
      requesterId: string;
      since: Date;
    }): Promise<{ pending: number; recent: number }> {
      const row = await db
        .selectFrom('access_requests')
        .select((eb) => [
          eb.fn
            .count<number | string | bigint>(eb.case().when('status', '=', 'pending').then(1).end())
            .as('pending'),
          eb.fn
            .count<number | string | bigint>(
              eb.case().when('created_at', '>=', since.getTime()).then(1).end(),
            )
            .as('recent'),
        ])
        .where('requester_id', '=', requesterId)
        .executeTakeFirstOrThrow();
      return { pending: Number(row.pending), recent: Number(row.recent) };
    },

    async findRequest({
      matterId,
      requestId,
    }: {
      matterId: string;
      requestId: string;
    }): Promise<AccessRequestRow | undefined> {
      return db
        .selectFrom('access_requests')
        .selectAll()
        .where('id', '=', requestId)
        .where('matter_id', '=', matterId)
        .executeTakeFirst();
    },

    async listPendingRequests({ matterId }: { matterId: string }): Promise<AccessRequestRow[]> {
      return db
        .selectFrom('access_requests')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('status', '=', 'pending')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    /** Which of `matterIds` have a request pending: one query, before any decision per matter. */
    async matterIdsWithPendingRequests({ matterIds }: { matterIds: string[] }): Promise<Set<string>> {
      if (matterIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('access_requests')
        .select('matter_id')
        .distinct()
        .where('matter_id', 'in', matterIds)
        .where('status', '=', 'pending')
        .execute();
      return new Set(rows.map((row) => row.matter_id));
    },

    async listRequestsOfRequester({ requesterId }: { requesterId: string }): Promise<AccessRequestRow[]> {
      return db
        .selectFrom('access_requests')
        .selectAll()
        .where('requester_id', '=', requesterId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .execute();
    },

    /** Decides (or withdraws) a pending request; false when it was no longer pending (decided concurrently). */
    async decideRequest({
      requestId,
      status,
      decidedBy,
      at,
      grantExpiresAt,
    }: {
      requestId: string;
      status: 'approved' | 'denied' | 'withdrawn';
      decidedBy: string;
      at: Date;
      grantExpiresAt: Date | undefined;
    }): Promise<boolean> {
      const result = await db
        .updateTable('access_requests')
        .set({
          status,
          decided_by: decidedBy,
          decided_at: at.getTime(),
          grant_expires_at: grantExpiresAt === undefined ? null : grantExpiresAt.getTime(),
        })
        .where('id', '=', requestId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
