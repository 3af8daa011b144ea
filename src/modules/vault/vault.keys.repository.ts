import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { VaultKeysTable } from './vault.keys.tables.js';

export type VaultKeyRow = VaultKeysTable;

/** A data key with the matter key that wraps it, read in one statement so both come from one snapshot. */
export type DataKeyWithParent = {
  id: string;
  purpose: VaultKeyRow['purpose'];
  matterId: string | null;
  state: VaultKeyRow['state'];
  wrapped: string | null;
  parent: { id: string; state: VaultKeyRow['state']; wrapped: string | null; rootKeyId: string } | undefined;
};

const dataKeyPurposes = ['metadata', 'content'] as const;
const rootWrappedPurposes = ['installation', 'matter'] as const;

function isPostgres(db: Kysely<WritDatabase>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Every query on `vault_keys`. Private to the vault module. */
export function createVaultKeysRepository({ db }: { db: Kysely<WritDatabase> }) {
  const selectDataKeyWithParent = () =>
    db
      .selectFrom('vault_keys as child')
      .leftJoin('vault_keys as parent', 'parent.id', 'child.parent_key_id')
      .select([
        'child.id as id',
        'child.purpose as purpose',
        'child.matter_id as matterId',
        'child.state as state',
        'child.wrapped as wrapped',
        'parent.id as parentId',
        'parent.state as parentState',
        'parent.wrapped as parentWrapped',
        'parent.parent_key_id as rootKeyId',
      ]);
  type JoinedRow = Awaited<ReturnType<ReturnType<typeof selectDataKeyWithParent>['executeTakeFirst']>>;
  const toDataKeyWithParent = (row: JoinedRow): DataKeyWithParent | undefined =>
    row === undefined
      ? undefined
      : {
          id: row.id,
          purpose: row.purpose,
          matterId: row.matterId,
          state: row.state,
          wrapped: row.wrapped,
          parent:
            row.parentId === null || row.parentState === null || row.rootKeyId === null
              ? undefined
              : {
                  id: row.parentId,
                  state: row.parentState,
                  wrapped: row.parentWrapped,
                  rootKeyId: row.rootKeyId,
                },
        };

  return {
    async insertKey(row: VaultKeyRow): Promise<void> {
      await db.insertInto('vault_keys').values(row).execute();
    },

    /** Inserts unless a row with this id exists (then the stored one stays). */
    async insertKeyUnlessExists(row: VaultKeyRow): Promise<void> {
      await db
        .insertInto('vault_keys')
        .values(row)
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },

    async findKey(id: string): Promise<VaultKeyRow | undefined> {
      return db.selectFrom('vault_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async findDataKeyWithParent(id: string): Promise<DataKeyWithParent | undefined> {
      return toDataKeyWithParent(
        await selectDataKeyWithParent().where('child.id', '=', id).executeTakeFirst(),
      );
    },

    async findMetadataKeyWithParent(matterId: string): Promise<DataKeyWithParent | undefined> {
      return toDataKeyWithParent(
        await selectDataKeyWithParent()
          .where('child.matter_id', '=', matterId)
          .where('child.purpose', '=', 'metadata')
          .executeTakeFirst(),
      );
    },

    /**
     * The matter's active matter key. With `forShare` on PostgreSQL the row is locked `FOR SHARE` until the
     * transaction ends, so a rotation marking it retiring waits for the caller to commit.
     */
    async findActiveMatterKey({
      matterId,
      forShare = false,
    }: {
      matterId: string;
      forShare?: boolean;
    }): Promise<VaultKeyRow | undefined> {
      const query = db
        .selectFrom('vault_keys')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('purpose', '=', 'matter')
        .where('state', '=', 'active');
      return (forShare && isPostgres(db) ? query.forShare() : query).executeTakeFirst();
    },

    /**
     * Locks the matter's matter-key rows for the rest of the transaction with a write that changes nothing:
     * on PostgreSQL the rows are locked (waiting for `FOR SHARE` holders); on SQLite the transaction takes
     * the write lock before it reads, so it cannot fail to upgrade later.
     */
    async lockMatterKeys(matterId: string): Promise<void> {
      await db
        .updateTable('vault_keys')
        .set({ state: sql<VaultKeyRow['state']>`state` })
        .where('matter_id', '=', matterId)
        .where('purpose', '=', 'matter')
        .execute();
    },

    async listMatterKeys(matterId: string): Promise<VaultKeyRow[]> {
      return db
        .selectFrom('vault_keys')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where('purpose', '=', 'matter')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    async countKeysOfMatter(matterId: string): Promise<{ total: number; destroyed: number }> {
      const rows = await db
        .selectFrom('vault_keys')
        .select(['state', (eb) => eb.fn.countAll<string | number | bigint>().as('count')])
        .where('matter_id', '=', matterId)
        .groupBy('state')
        .execute();
      let total = 0;
      let destroyed = 0;
      for (const row of rows) {
        total += Number(row.count);
        if (row.state === 'destroyed') destroyed += Number(row.count);
      }
      return { total, destroyed };
    },

    async markKeyRetiring(id: string): Promise<{ isMarked: boolean }> {
      const result = await db
        .updateTable('vault_keys')
        .set({ state: 'retiring' })
        .where('id', '=', id)
        .where('state', '=', 'active')
        .executeTakeFirst();
      return { isMarked: result.numUpdatedRows > 0n };
    },

    /** Data keys still wrapped by one of `parentKeyIds`, oldest first. */
    async listDataKeysUnder({ parentKeyIds, limit }: { parentKeyIds: readonly string[]; limit: number }) {
      if (parentKeyIds.length === 0) return [];
      return db
        .selectFrom('vault_keys')
        .select(['id', 'purpose', 'matter_id', 'parent_key_id', 'wrapped'])
        .where('parent_key_id', 'in', parentKeyIds)
        .where('purpose', 'in', dataKeyPurposes)
        .where('wrapped', 'is not', null)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
    },

    async countDataKeysUnder(parentKeyIds: readonly string[]): Promise<number> {
      if (parentKeyIds.length === 0) return 0;
      const row = await db
        .selectFrom('vault_keys')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('count'))
        .where('parent_key_id', 'in', parentKeyIds)
        .where('purpose', 'in', dataKeyPurposes)
        .where('wrapped', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Installation and matter keys wrapped by a root key other than `currentKeyId`. */
    async listRootWrappedKeysNotUnder({ currentKeyId, limit }: { currentKeyId: string; limit: number }) {
      return db
        .selectFrom('vault_keys')
        .select(['id', 'purpose', 'matter_id', 'parent_key_id', 'wrapped'])
        .where('purpose', 'in', rootWrappedPurposes)
        .where('parent_key_id', '<>', currentKeyId)
        .where('wrapped', 'is not', null)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
    },

    async countRootWrappedKeysNotUnder(currentKeyId: string): Promise<number> {
      const row = await db
        .selectFrom('vault_keys')
        .select((eb) => eb.fn.countAll<string | number | bigint>().as('count'))
        .where('purpose', 'in', rootWrappedPurposes)
        .where('parent_key_id', '<>', currentKeyId)
        .where('wrapped', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /**
     * Replaces a wrapped key if it is still the one read (same parent, same value): a key destroyed or
     * re-wrapped meanwhile is left alone.
     */
    async replaceWrapped({
      id,
      fromParentKeyId,
      fromWrapped,
      toParentKeyId,
      toWrapped,
    }: {
      id: string;
      fromParentKeyId: string;
      fromWrapped: string;
      toParentKeyId: string;
      toWrapped: string;
    }): Promise<{ isReplaced: boolean }> {
      const result = await db
        .updateTable('vault_keys')
        .set({ parent_key_id: toParentKeyId, wrapped: toWrapped })
        .where('id', '=', id)
        .where('parent_key_id', '=', fromParentKeyId)
        .where('wrapped', '=', fromWrapped)
        .executeTakeFirst();
      return { isReplaced: result.numUpdatedRows > 0n };
    },

    async destroyKeys({ ids, at }: { ids: readonly string[]; at: number }): Promise<void> {
      if (ids.length === 0) return;
      await db
        .updateTable('vault_keys')
        .set({ state: 'destroyed', wrapped: null, destroyed_at: at })
        .where('id', 'in', ids)
        .execute();
    },

    /** Erases every key of the matter not yet destroyed; the matter keys among them. */
    async destroyKeysOfMatter({ matterId, at }: { matterId: string; at: number }): Promise<{
      destroyed: number;
      matterKeyIds: string[];
    }> {
      const live = await db
        .selectFrom('vault_keys')
        .select(['id', 'purpose'])
        .where('matter_id', '=', matterId)
        .where('state', '<>', 'destroyed')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      if (live.length === 0) return { destroyed: 0, matterKeyIds: [] };
      await db
        .updateTable('vault_keys')
        .set({ state: 'destroyed', wrapped: null, destroyed_at: at })
        .where('matter_id', '=', matterId)
        .where('state', '<>', 'destroyed')
        .execute();
      return {
        destroyed: live.length,
        matterKeyIds: live.filter((row) => row.purpose === 'matter').map((row) => row.id),
      };
    },
  };
}

export type VaultKeysRepository = ReturnType<typeof createVaultKeysRepository>;
