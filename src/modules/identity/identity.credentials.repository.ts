import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { isRole, type Role } from './identity.models.js';
import type { FactorSummary } from './identity.sessions.models.js';

export type CredentialsRepository = ReturnType<typeof createCredentialsRepository>;

export type UserCredentials = {
  id: string;
  username: string;
  role: Role;
  /** `active`, or whatever the account administration set (`disabled`…): only `active` may sign in. */
  status: string;
  passwordHash: string;
};

function toCredentials(row: {
  id: string;
  username: string;
  role: string;
  status: string;
  password_hash: string;
}): UserCredentials {
  if (!isRole(row.role)) throw new Error(`user ${row.id} has unknown role ${row.role}`);
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    status: row.status,
    passwordHash: row.password_hash,
  };
}

/** Users' password hashes and second-factor summaries: what signing in reads. */
export function createCredentialsRepository({ db }: { db: Kysely<WritDatabase> }) {
  const credentialColumns = ['id', 'username', 'role', 'status', 'password_hash'] as const;
  return {
    async findCredentialsByUsername({
      username,
    }: {
      username: string;
    }): Promise<UserCredentials | undefined> {
      const row = await db
        .selectFrom('users')
        .select(credentialColumns)
        .where('username', '=', username)
        .executeTakeFirst();
      return row === undefined ? undefined : toCredentials(row);
    },

    /** Whether a recovery code set the password since the user last proved another second factor. */
    async isPasswordRecovered({ userId }: { userId: string }): Promise<boolean> {
      const row = await db
        .selectFrom('users')
        .select('password_recovered_at')
        .where('id', '=', userId)
        .executeTakeFirst();
      return row?.password_recovered_at !== undefined && row.password_recovered_at !== null;
    },

    /** A second factor other than a recovery code was proved: recovery codes complete sign-ins again. */
    async clearPasswordRecovered({ userId }: { userId: string }): Promise<void> {
      await db
        .updateTable('users')
        .set({ password_recovered_at: null })
        .where('id', '=', userId)
        .where('password_recovered_at', 'is not', null)
        .execute();
    },

    async findCredentialsById({ userId }: { userId: string }): Promise<UserCredentials | undefined> {
      const row = await db
        .selectFrom('users')
        .select(credentialColumns)
        .where('id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toCredentials(row);
    },

    /**
     * Stores a new hash. `isChange` marks a new password (recorded in `password_changed_at`); a rehash of
     * the same password under new parameters is not one. `previousHash` makes the write conditional, so a
     * rehash never overwrites a password changed meanwhile.
     */
    async updatePasswordHash({
      userId,
      passwordHash,
      previousHash,
      at,
      isChange,
    }: {
      userId: string;
      passwordHash: string;
      previousHash: string;
      at: Date;
      isChange: boolean;
    }): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({
          password_hash: passwordHash,
          updated_at: at.getTime(),
          ...(isChange ? { password_changed_at: at.getTime() } : {}),
        })
        .where('id', '=', userId)
        .where('password_hash', '=', previousHash)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async findFactorSummary({ userId }: { userId: string }): Promise<FactorSummary> {
      const row = await db
        .selectNoFrom((eb) => [
          eb
            .exists(
              eb
                .selectFrom('totp_credentials')
                .select('user_id')
                .where('user_id', '=', userId)
                .where('confirmed_at', 'is not', null),
            )
            .as('has_totp'),
          eb
            .selectFrom('webauthn_credentials')
            .select((inner) => inner.fn.countAll<number | string>().as('count'))
            .where('user_id', '=', userId)
            .as('passkey_count'),
          eb
            .selectFrom('recovery_codes')
            .select((inner) => inner.fn.countAll<number | string>().as('count'))
            .where('user_id', '=', userId)
            .where('used_at', 'is', null)
            .as('recovery_code_count'),
        ])
        .executeTakeFirstOrThrow();
      return {
        hasTotp: row.has_totp === true || Number(row.has_totp) === 1,
        passkeyCount: Number(row.passkey_count ?? 0),
        unusedRecoveryCodeCount: Number(row.recovery_code_count ?? 0),
      };
    },
  };
}
