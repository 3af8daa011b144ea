import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { Invitation, InvitationStatus } from './identity.invitations.models.js';
import { isRole, type Role } from './identity.models.js';
import type { InvitationsTable } from './identity.tables.js';

export type InvitationsRepository = ReturnType<typeof createInvitationsRepository>;

type InvitationRow = Omit<InvitationsTable, 'token_hash'>;

function toInvitation(row: InvitationRow, now: Date): Invitation {
  if (!isRole(row.role)) throw new Error(`invitation ${row.id} has unknown role ${row.role}`);
  const status: InvitationStatus =
    row.consumed_at !== null
      ? 'accepted'
      : row.revoked_at !== null
        ? 'revoked'
        : row.expires_at <= now.getTime()
          ? 'expired'
          : 'open';
  return {
    id: row.id,
    role: row.role,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    status,
    acceptedUserId: row.consumed_by ?? undefined,
  };
}

const invitationColumns = [
  'id',
  'role',
  'created_by',
  'created_at',
  'expires_at',
  'consumed_at',
  'consumed_by',
  'revoked_at',
] as const;

export function createInvitationsRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertInvitation(invitation: {
      id: string;
      tokenHash: string;
      role: Role;
      createdBy: string;
      createdAt: Date;
      expiresAt: Date;
    }): Promise<void> {
      await db
        .insertInto('invitations')
        .values({
          id: invitation.id,
          token_hash: invitation.tokenHash,
          role: invitation.role,
          created_by: invitation.createdBy,
          created_at: invitation.createdAt.getTime(),
          expires_at: invitation.expiresAt.getTime(),
        })
        .execute();
    },

    /** The most recent invitations, newest first. */
    async listInvitations({ now, limit }: { now: Date; limit: number }): Promise<Invitation[]> {
      const rows = await db
        .selectFrom('invitations')
        .select(invitationColumns)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((row) => toInvitation(row, now));
    },

    async findInvitationById({ id, now }: { id: string; now: Date }): Promise<Invitation | undefined> {
      const row = await db
        .selectFrom('invitations')
        .select(invitationColumns)
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : toInvitation(row, now);
    },

    async findInvitationByTokenHash({
      tokenHash,
      now,
    }: {
      tokenHash: string;
      now: Date;
    }): Promise<Invitation | undefined> {
      const row = await db
        .selectFrom('invitations')
        .select(invitationColumns)
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return row === undefined ? undefined : toInvitation(row, now);
    },

    /** Marks the invitation used by `userId`; false when another request used or revoked it first. */
    async consumeInvitation({ id, userId, at }: { id: string; userId: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('invitations')
        .set({ consumed_at: at.getTime(), consumed_by: userId })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at.getTime())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Withdraws an open invitation; false when it was already used, revoked or expired. */
    async revokeInvitation({ id, at }: { id: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('invitations')
        .set({ revoked_at: at.getTime() })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', at.getTime())
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
