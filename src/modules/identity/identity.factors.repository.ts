import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';

export type FactorsRepository = ReturnType<typeof createFactorsRepository>;

export type StoredTotp = {
  secretSealed: string;
  confirmedAt: Date | undefined;
  lastUsedStep: number | undefined;
};

/** TOTP secrets and recovery codes. */
export function createFactorsRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async findTotp({ userId }: { userId: string }): Promise<StoredTotp | undefined> {
      const row = await db
        .selectFrom('totp_credentials')
        .select(['secret_sealed', 'confirmed_at', 'last_used_step'])
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        secretSealed: row.secret_sealed,
        confirmedAt: row.confirmed_at === null ? undefined : new Date(row.confirmed_at),
        lastUsedStep: row.last_used_step ?? undefined,
      };
    },

    /** Starts an enrolment, replacing an unconfirmed one; false when a confirmed secret is in place. */
    async insertPendingTotp({
      userId,
      secretSealed,
      at,
    }: {
      userId: string;
      secretSealed: string;
      at: Date;
    }): Promise<boolean> {
      await db
        .deleteFrom('totp_credentials')
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is', null)
        .execute();
      const result = await db
        .insertInto('totp_credentials')
        .values({ user_id: userId, secret_sealed: secretSealed, created_at: at.getTime() })
        .onConflict((conflict) => conflict.column('user_id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    /**
     * Accepts a code's time step: confirms a pending enrolment (`isConfirming`) or records a confirmed
     * secret's use. @NOTE Conditional on the step being newer than the last accepted one, so that one code
     * is accepted once even when two nodes verify it at the same moment.
     */
    async acceptTotpStep({
      userId,
      step,
      at,
      isConfirming,
    }: {
      userId: string;
      step: number;
      at: Date;
      isConfirming: boolean;
    }): Promise<boolean> {
      const result = await db
        .updateTable('totp_credentials')
        .set({ last_used_step: step, ...(isConfirming ? { confirmed_at: at.getTime() } : {}) })
        .where('user_id', '=', userId)
        .where('confirmed_at', isConfirming ? 'is' : 'is not', null)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteConfirmedTotp({ userId }: { userId: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('totp_credentials')
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async replaceRecoveryCodes({
      userId,
      codes,
      at,
    }: {
      userId: string;
      codes: readonly { id: string; codeHash: string }[];
      at: Date;
    }): Promise<void> {
      await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (codes.length === 0) return;
      await db
        .insertInto('recovery_codes')
        .values(
          codes.map((code) => ({
            id: code.id,
            user_id: userId,
            code_hash: code.codeHash,
            created_at: at.getTime(),
          })),
        )
        .execute();
    },

    /** Marks one unused code of the user used; false when no unused code has this hash. */
    async consumeRecoveryCode({
      userId,
      codeHash,
      at,
    }: {
      userId: string;
      codeHash: string;
      at: Date;
    }): Promise<boolean> {
      const result = await db
        .updateTable('recovery_codes')
        .set({ used_at: at.getTime() })
        .where('user_id', '=', userId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async countUnusedRecoveryCodes({ userId }: { userId: string }): Promise<number> {
      const row = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}
