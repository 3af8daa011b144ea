import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { SshKey } from './identity.ssh-keys.models.js';
import type { IdentitySshKeysTable } from './identity.ssh-keys.tables.js';

function toSshKey(row: IdentitySshKeysTable): SshKey {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    fingerprint: row.fingerprint,
    publicKey: row.public_key,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? undefined : new Date(row.last_used_at),
  };
}

export function createSshKeysRepository({ db }: { db: Kysely<WritDatabase> }) {
  return {
    async insertSshKey(row: IdentitySshKeysTable): Promise<void> {
      await db.insertInto('identity_ssh_keys').values(row).execute();
    },
    async listSshKeys({ userId }: { userId: string }): Promise<SshKey[]> {
      const rows = await db
        .selectFrom('identity_ssh_keys')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toSshKey);
    },
    async findSshKeyByFingerprint({
      userId,
      fingerprint,
    }: {
      userId: string;
      fingerprint: string;
    }): Promise<SshKey | undefined> {
      const row = await db
        .selectFrom('identity_ssh_keys')
        .selectAll()
        .where('user_id', '=', userId)
        .where('fingerprint', '=', fingerprint)
        .executeTakeFirst();
      return row === undefined ? undefined : toSshKey(row);
    },
    async deleteSshKey({ userId, id }: { userId: string; id: string }): Promise<boolean> {
      const result = await db
        .deleteFrom('identity_ssh_keys')
        .where('user_id', '=', userId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    /** Deletes every SSH key of the user; returns the ids deleted, sorted. */
    async deleteAllSshKeysOfUser({ userId }: { userId: string }): Promise<string[]> {
      const rows = await db
        .deleteFrom('identity_ssh_keys')
        .where('user_id', '=', userId)
        .returning('id')
        .execute();
      return rows.map((row) => row.id).sort();
    },
    async touchSshKey({ id, at }: { id: string; at: Date }): Promise<void> {
      await db
        .updateTable('identity_ssh_keys')
        .set({ last_used_at: at.getTime() })
        .where('id', '=', id)
        .execute();
    },
  };
}
