import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;

/**
 * The mail outbox's queries. They skip per-user checks on purpose: the outbox job reads every user's
 * notifications to mail them to their owner, and nothing else.
 */
export function createOutboxRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    /** Unmailed notifications of users with an address, oldest first, that are due and not given up. */
    async listMailableNotificationsAcrossUsers({
      now,
      since,
      maxAttempts,
      limit,
    }: {
      now: Date;
      since: Date;
      maxAttempts: number;
      limit: number;
    }) {
      return db
        .selectFrom('notifications')
        .innerJoin('users', 'users.id', 'notifications.user_id')
        .select([
          'notifications.id',
          'notifications.user_id',
          'notifications.kind',
          'notifications.payload',
          'notifications.mail_attempts',
          'users.email_sealed',
        ])
        .where('notifications.mailed_at', 'is', null)
        .where('notifications.created_at', '>=', since.getTime())
        .where('notifications.mail_attempts', '<', maxAttempts)
        .where((eb) =>
          eb.or([
            eb('notifications.mail_next_attempt_at', 'is', null),
            eb('notifications.mail_next_attempt_at', '<=', now.getTime()),
          ]),
        )
        .where('users.email_sealed', 'is not', null)
        .orderBy('notifications.created_at')
        .orderBy('notifications.id')
        .limit(limit)
        .execute();
    },

    /**
     * Claims one notification for this node until `leaseUntil`, counting the attempt; false when another
     * node claimed or sent it since it was listed.
     */
    async claimMail({
      id,
      attempts,
      now,
      leaseUntil,
    }: {
      id: string;
      attempts: number;
      now: Date;
      leaseUntil: Date;
    }): Promise<boolean> {
      const result = await db
        .updateTable('notifications')
        .set({ mail_attempts: attempts + 1, mail_next_attempt_at: leaseUntil.getTime() })
        .where('id', '=', id)
        .where('mailed_at', 'is', null)
        .where('mail_attempts', '=', attempts)
        .where((eb) =>
          eb.or([eb('mail_next_attempt_at', 'is', null), eb('mail_next_attempt_at', '<=', now.getTime())]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async markMailed({ id, at }: { id: string; at: Date }): Promise<void> {
      await db
        .updateTable('notifications')
        .set({ mailed_at: at.getTime(), mail_next_attempt_at: null })
        .where('id', '=', id)
        .execute();
    },

    async deferMail({ id, until }: { id: string; until: Date }): Promise<void> {
      await db
        .updateTable('notifications')
        .set({ mail_next_attempt_at: until.getTime() })
        .where('id', '=', id)
        .where('mailed_at', 'is', null)
        .execute();
    },
  };
}
