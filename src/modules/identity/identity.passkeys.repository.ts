import { type Kysely, PostgresAdapter } from 'kysely';
import type { WritDatabase } from '../database.js';
import { createPasskeyAlreadyRegisteredError } from './identity.errors.js';
import {
  isPasskeyTransport,
  type Passkey,
  type PasskeyChallengePurpose,
  type PasskeyTransport,
  passkeyChallengePurposes,
} from './identity.passkeys.models.js';
import type { WebauthnCredentialsTable } from './identity.tables.js';

export type PasskeysRepository = ReturnType<typeof createPasskeysRepository>;

/** What verifying an assertion needs; the public key never leaves the module. */
export type StoredPasskeyCredential = {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  signCount: number;
  transports: PasskeyTransport[];
};

export type StoredPasskeyChallenge = {
  id: string;
  challenge: string;
  purpose: PasskeyChallengePurpose;
  userId: string | undefined;
  sessionId: string | undefined;
  expiresAt: Date;
};

function parseTransports(json: string): PasskeyTransport[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter(isPasskeyTransport) : [];
}

function toPasskey(
  row: Pick<
    WebauthnCredentialsTable,
    'id' | 'name' | 'created_at' | 'last_used_at' | 'device_type' | 'is_backed_up'
  >,
): Passkey {
  return {
    id: row.id,
    name: row.name,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? undefined : new Date(row.last_used_at),
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    isBackedUp: row.is_backed_up === 1,
  };
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

const listedColumns = ['id', 'name', 'created_at', 'last_used_at', 'device_type', 'is_backed_up'] as const;

export function createPasskeysRepository({ db }: { db: Kysely<WritDatabase> }) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;

  return {
    /**
     * Serialises changes to one user's second factors until the transaction ends, so that two removals
     * running at once cannot both see "another factor remains". SQLite already runs one writer at a time.
     */
    async lockUser({ userId }: { userId: string }): Promise<void> {
      if (!isPostgres) return;
      await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
    },

    async findUser({
      userId,
    }: {
      userId: string;
    }): Promise<{ id: string; username: string; role: string; isActive: boolean } | undefined> {
      const row = await db
        .selectFrom('users')
        .select(['id', 'username', 'role', 'status'])
        .where('id', '=', userId)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : { id: row.id, username: row.username, role: row.role, isActive: row.status === 'active' };
    },

    /** Passkeys plus a confirmed authenticator app: the factors that can complete a sign-in. */
    async countSecondFactors({ userId }: { userId: string }): Promise<number> {
      const passkeys = await db
        .selectFrom('webauthn_credentials')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      const totp = await db
        .selectFrom('totp_credentials')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .where('confirmed_at', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(passkeys.count) + Number(totp.count);
    },

    async countPasskeys({ userId }: { userId: string }): Promise<number> {
      const row = await db
        .selectFrom('webauthn_credentials')
        .select((eb) => eb.fn.countAll<number | string>().as('count'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** The user's credentials as a ceremony names them: to exclude at registration, to allow at assertion. */
    async listCredentialDescriptors({
      userId,
    }: {
      userId: string;
    }): Promise<{ credentialId: string; transports: PasskeyTransport[] }[]> {
      const rows = await db
        .selectFrom('webauthn_credentials')
        .select(['credential_id', 'transports'])
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map((row) => ({
        credentialId: row.credential_id,
        transports: parseTransports(row.transports),
      }));
    },

    async listPasskeys({ userId }: { userId: string }): Promise<Passkey[]> {
      const rows = await db
        .selectFrom('webauthn_credentials')
        .select(listedColumns)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toPasskey);
    },

    /** The passkey with this id if `userId` owns it; another user's passkey is not found. */
    async findPasskey({ id, userId }: { id: string; userId: string }): Promise<Passkey | undefined> {
      const row = await db
        .selectFrom('webauthn_credentials')
        .select(listedColumns)
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row === undefined ? undefined : toPasskey(row);
    },

    async findCredentialByCredentialId({
      credentialId,
    }: {
      credentialId: string;
    }): Promise<StoredPasskeyCredential | undefined> {
      const row = await db
        .selectFrom('webauthn_credentials')
        .select(['id', 'user_id', 'credential_id', 'public_key', 'sign_count', 'transports'])
        .where('credential_id', '=', credentialId)
        .executeTakeFirst();
      return row === undefined
        ? undefined
        : {
            id: row.id,
            userId: row.user_id,
            credentialId: row.credential_id,
            publicKey: new Uint8Array(row.public_key),
            signCount: row.sign_count,
            transports: parseTransports(row.transports),
          };
    },

    /** Throws `identity.passkey_already_registered` when this authenticator credential is already stored. */
    async insertPasskey({
      passkey,
      userId,
      credentialId,
      publicKey,
      signCount,
      transports,
    }: {
      passkey: Passkey;
      userId: string;
      credentialId: string;
      publicKey: Uint8Array;
      signCount: number;
      transports: PasskeyTransport[];
    }): Promise<void> {
      try {
        await db
          .insertInto('webauthn_credentials')
          .values({
            id: passkey.id,
            user_id: userId,
            credential_id: credentialId,
            public_key: publicKey,
            sign_count: signCount,
            transports: JSON.stringify(transports),
            name: passkey.name,
            device_type: passkey.deviceType,
            is_backed_up: passkey.isBackedUp ? 1 : 0,
            created_at: passkey.createdAt.getTime(),
            last_used_at: null,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw createPasskeyAlreadyRegisteredError({ cause: error });
        throw error;
      }
    },

    async renamePasskey({
      id,
      userId,
      name,
    }: {
      id: string;
      userId: string;
      name: string;
    }): Promise<boolean> {
      const result = await db
        .updateTable('webauthn_credentials')
        .set({ name })
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deletePasskey({ id, userId }: { id: string; userId: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('webauthn_credentials')
        .where('id', '=', id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /**
     * Stores the counter of an accepted assertion, only if no other assertion moved it since it was read:
     * false means a concurrent use of the same credential won, and this one must be refused.
     */
    async recordPasskeyUse({
      id,
      previousSignCount,
      signCount,
      isBackedUp,
      at,
    }: {
      id: string;
      previousSignCount: number;
      signCount: number;
      isBackedUp: boolean;
      at: Date;
    }): Promise<boolean> {
      const result = await db
        .updateTable('webauthn_credentials')
        .set({ sign_count: signCount, is_backed_up: isBackedUp ? 1 : 0, last_used_at: at.getTime() })
        .where('id', '=', id)
        .where('sign_count', '=', previousSignCount)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertChallenge(challenge: StoredPasskeyChallenge): Promise<void> {
      await db
        .insertInto('webauthn_challenges')
        .values({
          id: challenge.id,
          challenge: challenge.challenge,
          purpose: challenge.purpose,
          user_id: challenge.userId ?? null,
          session_id: challenge.sessionId ?? null,
          expires_at: challenge.expiresAt.getTime(),
        })
        .execute();
    },

    /** Challenges past their expiry answer nothing; deleting them keeps the table small. */
    async deleteExpiredChallenges({ now }: { now: Date }): Promise<void> {
      await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now.getTime()).execute();
    },

    /** A session has one ceremony of each kind open: a new one replaces the last. */
    async deleteSessionChallenges({
      sessionId,
      purpose,
    }: {
      sessionId: string;
      purpose: PasskeyChallengePurpose;
    }): Promise<void> {
      await db
        .deleteFrom('webauthn_challenges')
        .where('session_id', '=', sessionId)
        .where('purpose', '=', purpose)
        .execute();
    },

    async findChallenge({ challenge }: { challenge: string }): Promise<StoredPasskeyChallenge | undefined> {
      const row = await db
        .selectFrom('webauthn_challenges')
        .select(['id', 'challenge', 'purpose', 'user_id', 'session_id', 'expires_at'])
        .where('challenge', '=', challenge)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const purpose = passkeyChallengePurposes.find((known) => known === row.purpose);
      if (purpose === undefined) return undefined;
      return {
        id: row.id,
        challenge: row.challenge,
        purpose,
        userId: row.user_id ?? undefined,
        sessionId: row.session_id ?? undefined,
        expiresAt: new Date(row.expires_at),
      };
    },

    /** Deletes the challenge; false when another request consumed it first. */
    async consumeChallenge({ id }: { id: string }): Promise<boolean> {
      const result = await db.deleteFrom('webauthn_challenges').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}
