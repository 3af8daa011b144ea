import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { Notification } from './identity.notifications.models.js';
import type { NotificationsTable } from './identity.tables.js';

export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;

function toNotification(row: Pick<NotificationsTable, 'id' | 'kind' | 'payload' | 'created_at' | 'read_at'>) {
  const payload: unknown = JSON.parse(row.payload);
  const notification: Notification = {
    id: row.id,
    kind: row.kind,
    payload: typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {},
    createdAt: new Date(row.created_at),
    readAt: row.read_at === null ? undefined : new Date(row.read_at),
  };
  return notification;
}

export function createNotificationsRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertNotification(notification: {
      id: string;
      userId: string;
      kind: string;
      payload: string;
      createdAt: Date;
    }): Promise<void> {
      await db
        .insertInto('notifications')
        .values({
          id: notification.id,
          user_id: notification.userId,
          kind: notification.kind,
          payload: notification.payload,
          created_at: notification.createdAt.getTime(),
        })
        .execute();
    },

    /** One user's notifications, newest first, strictly older than the `before` notification when given. */
    async listNotifications({
      userId,
      limit,
      before,
    }: {
      userId: string;
      limit: number;
      before: { createdAt: number; id: string } | undefined;
    }): Promise<Notification[]> {
      let query = db
        .selectFrom('notifications')
        .select(['id', 'kind', 'payload', 'created_at', 'read_at'])
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit);
      if (before !== undefined) {
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', before.createdAt),
            eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
          ]),
        );
      }
      return (await query.execute()).map(toNotification);
    },

    /** The position of one of the user's own notifications, for paging; undefined for anyone else's. */
    async findOwnNotificationPosition({ id, userId }: { id: string; userId: string }) {
      const row = await db
        .selectFrom('notifications')
        .select(['id', 'created_at'])
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : { id: row.id, createdAt: row.created_at };
    },

    async countUnread({ userId }: { userId: string }): Promise<number> {
      const row = await db
        .selectFrom('notifications')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Marks one of the user's own notifications read (keeping the first time); false when it is not theirs. */
    async markRead({ id, userId, at }: { id: string; userId: string; at: Date }): Promise<boolean> {
      const result = await db
        .updateTable('notifications')
        .set((eb) => ({ read_at: eb.fn.coalesce('read_at', eb.val(at.getTime())) }))
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async setUserEmail({
      userId,
      emailSealed,
      at,
    }: {
      userId: string;
      emailSealed: string | null;
      at: Date;
    }): Promise<void> {
      await db
        .updateTable('users')
        .set({ email_sealed: emailSealed, updated_at: at.getTime() })
        .where('id', '=', userId)
        .execute();
    },

    async findUserEmailSealed({ userId }: { userId: string }): Promise<string | null | undefined> {
      const row = await db
        .selectFrom('users')
        .select('email_sealed')
        .where('id', '=', userId)
        .executeTakeFirst();
      return row?.email_sealed;
    },
  };
}
