import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';

export type ThrottleRepository = ReturnType<typeof createThrottleRepository>;

/** Counters of sign-in and second-factor attempts, shared by every node through the database. */
export function createThrottleRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    /**
     * Counts one attempt against `key` unless it is blocked at `now`, and returns the new count, or
     * undefined when blocked. A count whose last failure is older than `forgetBefore` starts again at 1.
     * @NOTE The update is conditional on the block, so two nodes racing cannot both slip past one.
     */
    async countAttempt({
      key,
      now,
      forgetBefore,
    }: {
      key: string;
      now: Date;
      forgetBefore: Date;
    }): Promise<number | undefined> {
      const update = () =>
        db
          .updateTable('sign_in_throttles')
          .set((eb) => ({
            failures: eb
              .case()
              .when('last_failure_at', '<', forgetBefore.getTime())
              .then(eb.lit(1))
              .else(eb('failures', '+', eb.lit(1)))
              .end(),
            last_failure_at: now.getTime(),
          }))
          .where('key', '=', key)
          .where('blocked_until', '<=', now.getTime())
          .returning('failures')
          .executeTakeFirst();
      const updated = await update();
      if (updated !== undefined) return updated.failures;
      const inserted = await db
        .insertInto('sign_in_throttles')
        .values({ key, failures: 1, last_failure_at: now.getTime(), blocked_until: 0 })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .returning('failures')
        .executeTakeFirst();
      if (inserted !== undefined) return 1;
      // Another attempt created the row meanwhile: count against it, unless it is blocked.
      const retried = await update();
      return retried?.failures;
    },

    async setBlockedUntil({ key, until }: { key: string; until: Date }): Promise<void> {
      await db
        .updateTable('sign_in_throttles')
        .set({ blocked_until: until.getTime() })
        .where('key', '=', key)
        .execute();
    },

    /** The latest block among `keys`, or undefined when none is blocked at `now`. */
    async findBlockedUntil({ keys, now }: { keys: readonly string[]; now: Date }): Promise<Date | undefined> {
      const row = await db
        .selectFrom('sign_in_throttles')
        .select((eb) => eb.fn.max('blocked_until').as('blocked_until'))
        .where('key', 'in', keys)
        .where('blocked_until', '>', now.getTime())
        .executeTakeFirst();
      const until = row?.blocked_until;
      return until === undefined || until === null ? undefined : new Date(until);
    },

    async deleteThrottle({ key }: { key: string }): Promise<void> {
      await db.deleteFrom('sign_in_throttles').where('key', '=', key).execute();
    },

    /**
     * Takes back one counted attempt that turned out to succeed, lifting the block it may have set when the
     * count falls below `threshold`.
     */
    async uncountAttempt({ key, threshold }: { key: string; threshold: number }): Promise<void> {
      await db
        .updateTable('sign_in_throttles')
        .set((eb) => ({
          failures: eb('failures', '-', eb.lit(1)),
          blocked_until: eb
            .case()
            .when(eb('failures', '-', eb.lit(1)), '<', threshold)
            .then(eb.lit(0))
            .else(eb.ref('blocked_until'))
            .end(),
        }))
        .where('key', '=', key)
        .where('failures', '>', 0)
        .execute();
    },
  };
}
