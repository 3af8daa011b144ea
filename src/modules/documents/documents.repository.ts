import { type Kysely, sql } from 'kysely';
import type { WritDatabase } from '../database.js';
import type {
  ClassificationChangesTable,
  Classification,
  DocumentsTable,
  DocumentUploadsTable,
  DocumentVersionsTable,
  FoldersTable,
  MatterMembersTable,
  MattersTable,
} from './documents.tables.js';

export type DocumentsRepository = ReturnType<typeof createDocumentsRepository>;

/** A matter with the caller's live membership in it, if any. */
export type MatterWithRole = MattersTable & {
  role: MatterMembersTable['role'] | null;
  is_named_for_highly_sensitive: number | null;
};

/** Rows with the largest version first, with the version's size, for document listings. */
export type DocumentRowWithSize = DocumentsTable & { size: number };

export function createDocumentsRepository({ db }: { db: Kysely<WritDatabase> }) {
  const liveMembership = (now: Date) =>
    sql<boolean>`(matter_members.expires_at is null or matter_members.expires_at > ${now.getTime()})`;

  return {
    async insertMatter(row: MattersTable): Promise<void> {
      await db.insertInto('matters').values(row).execute();
    },

    /** The matter with the user's live membership in it (role null when none), or undefined if no such matter. */
    async findMatterWithMembership({
      matterId,
      userId,
      now,
    }: {
      matterId: string;
      userId: string;
      now: Date;
    }): Promise<MatterWithRole | undefined> {
      return db
        .selectFrom('matters')
        .leftJoin('matter_members', (join) =>
          join
            .onRef('matter_members.matter_id', '=', 'matters.id')
            .on('matter_members.user_id', '=', userId)
            .on(liveMembership(now)),
        )
        .selectAll('matters')
        .select(['matter_members.role', 'matter_members.is_named_for_highly_sensitive'])
        .where('matters.id', '=', matterId)
        .executeTakeFirst();
    },

    async findMatter({ matterId }: { matterId: string }): Promise<MattersTable | undefined> {
      return db.selectFrom('matters').selectAll().where('id', '=', matterId).executeTakeFirst();
    },

    async listMattersForMember({ userId, now }: { userId: string; now: Date }): Promise<MatterWithRole[]> {
      return db
        .selectFrom('matters')
        .innerJoin('matter_members', 'matter_members.matter_id', 'matters.id')
        .selectAll('matters')
        .select(['matter_members.role', 'matter_members.is_named_for_highly_sensitive'])
        .where('matter_members.user_id', '=', userId)
        .where(liveMembership(now))
        .orderBy('matters.created_at', 'desc')
        .execute();
    },

    async insertMember(row: MatterMembersTable): Promise<void> {
      await db.insertInto('matter_members').values(row).execute();
    },

    async upsertMember(row: MatterMembersTable): Promise<void> {
      await db
        .insertInto('matter_members')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['matter_id', 'user_id']).doUpdateSet({
            role: row.role,
            added_by: row.added_by,
            added_at: row.added_at,
            expires_at: row.expires_at,
            is_named_for_highly_sensitive: row.is_named_for_highly_sensitive,
          }),
        )
        .execute();
    },

    async deleteMember({ matterId, userId }: { matterId: string; userId: string }): Promise<number> {
      const result = await db
        .deleteFrom('matter_members')
        .where('matter_id', '=', matterId)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async listMembers({ matterId, now }: { matterId: string; now: Date }): Promise<MatterMembersTable[]> {
      return db
        .selectFrom('matter_members')
        .selectAll()
        .where('matter_id', '=', matterId)
        .where(liveMembership(now))
        .orderBy('added_at')
        .execute();
    },

    /** An account's role, or undefined when there is no such account. */
    async findUserRole(userId: string): Promise<string | undefined> {
      const row = await db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
      return row?.role;
    },

    async setMatterStatus({
      matterId,
      status,
      now,
    }: {
      matterId: string;
      status: MattersTable['status'];
      now: Date;
    }): Promise<void> {
      await db
        .updateTable('matters')
        .set({ status, updated_at: now.getTime() })
        .where('id', '=', matterId)
        .execute();
    },

    /**
     * Locks the matter's row until the transaction ends, with a write that changes nothing: PostgreSQL locks
     * the row, SQLite takes the database's write lock.
     */
    async lockMatter({ matterId }: { matterId: string }): Promise<void> {
      await db
        .updateTable('matters')
        .set({ updated_at: sql<number>`updated_at` })
        .where('id', '=', matterId)
        .execute();
    },

    async markMatterShredded({ matterId, now }: { matterId: string; now: Date }): Promise<void> {
      await db
        .updateTable('matters')
        .set({ shredded_at: now.getTime(), updated_at: now.getTime() })
        .where('id', '=', matterId)
        .execute();
    },

    /**
     * Adds `delta` bytes to the matter's usage unless that would pass `limit`; false when refused.
     * One conditional update, so that concurrent uploads cannot both slip under the quota.
     */
    async addUsedBytes({
      matterId,
      delta,
      limit,
      now,
    }: {
      matterId: string;
      delta: number;
      limit: number | undefined;
      now: Date;
    }): Promise<boolean> {
      let query = db
        .updateTable('matters')
        .set({ used_bytes: sql`used_bytes + ${delta}`, updated_at: now.getTime() })
        .where('id', '=', matterId);
      if (limit !== undefined) query = query.where(sql<boolean>`used_bytes + ${delta} <= ${limit}`);
      const result = await query.executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async insertFolder(row: FoldersTable): Promise<void> {
      await db.insertInto('folders').values(row).execute();
    },

    async findFolder({ matterId, folderId }: { matterId?: string; folderId: string }) {
      let query = db.selectFrom('folders').selectAll().where('id', '=', folderId);
      if (matterId !== undefined) query = query.where('matter_id', '=', matterId);
      return query.executeTakeFirst();
    },

    async listFolders({ matterId }: { matterId: string }): Promise<FoldersTable[]> {
      return db.selectFrom('folders').selectAll().where('matter_id', '=', matterId).execute();
    },

    async listChildFolders({ parentId }: { parentId: string }): Promise<FoldersTable[]> {
      return db
        .selectFrom('folders')
        .selectAll()
        .where('parent_id', '=', parentId)
        .where('trashed_at', 'is', null)
        .execute();
    },

    async updateFolder({
      folderId,
      changes,
    }: {
      folderId: string;
      changes: Partial<Pick<FoldersTable, 'parent_id' | 'name_sealed' | 'name_lookup' | 'trashed_at'>> & {
        updated_at: number;
      };
    }): Promise<void> {
      await db.updateTable('folders').set(changes).where('id', '=', folderId).execute();
    },

    /**
     * Locks the folder's row until the transaction ends, with a write that changes nothing: PostgreSQL locks
     * the row (inserts of documents or folders into it, which only take a key-share lock, still proceed),
     * SQLite takes the database's write lock.
     */
    async lockFolder({ folderId }: { folderId: string }): Promise<void> {
      await db
        .updateTable('folders')
        .set({ updated_at: sql<number>`updated_at` })
        .where('id', '=', folderId)
        .execute();
    },

    /** Whether a live folder or document in `folderId` already has this name (by lookup hash). */
    async isNameTaken({
      folderId,
      nameLookup,
      exceptId,
    }: {
      folderId: string;
      nameLookup: string;
      exceptId?: string;
    }): Promise<boolean> {
      const folder = await db
        .selectFrom('folders')
        .select('id')
        .where('parent_id', '=', folderId)
        .where('name_lookup', '=', nameLookup)
        .where('trashed_at', 'is', null)
        .$if(exceptId !== undefined, (q) => q.where('id', '!=', exceptId ?? ''))
        .executeTakeFirst();
      if (folder !== undefined) return true;
      const document = await db
        .selectFrom('documents')
        .select('id')
        .where('folder_id', '=', folderId)
        .where('name_lookup', '=', nameLookup)
        .where('trashed_at', 'is', null)
        .$if(exceptId !== undefined, (q) => q.where('id', '!=', exceptId ?? ''))
        .executeTakeFirst();
      return document !== undefined;
    },

    async findLiveDocumentByName({
      folderId,
      nameLookup,
    }: {
      folderId: string;
      nameLookup: string;
    }): Promise<DocumentsTable | undefined> {
      return db
        .selectFrom('documents')
        .selectAll()
        .where('folder_id', '=', folderId)
        .where('name_lookup', '=', nameLookup)
        .where('trashed_at', 'is', null)
        .executeTakeFirst();
    },

    async insertDocument(row: DocumentsTable): Promise<void> {
      await db.insertInto('documents').values(row).execute();
    },

    async findDocument({ documentId }: { documentId: string }): Promise<DocumentsTable | undefined> {
      return db.selectFrom('documents').selectAll().where('id', '=', documentId).executeTakeFirst();
    },

    async listDocuments({
      folderId,
      trashed,
    }: {
      folderId: string;
      trashed: boolean;
    }): Promise<DocumentRowWithSize[]> {
      return db
        .selectFrom('documents')
        .innerJoin('document_versions', (join) =>
          join
            .onRef('document_versions.document_id', '=', 'documents.id')
            .onRef('document_versions.version', '=', 'documents.current_version'),
        )
        .selectAll('documents')
        .select('document_versions.size')
        .where('documents.folder_id', '=', folderId)
        .where('documents.trashed_at', trashed ? 'is not' : 'is', null)
        .execute();
    },

    async listTrashedDocuments({ matterId }: { matterId: string }): Promise<DocumentRowWithSize[]> {
      return db
        .selectFrom('documents')
        .innerJoin('document_versions', (join) =>
          join
            .onRef('document_versions.document_id', '=', 'documents.id')
            .onRef('document_versions.version', '=', 'documents.current_version'),
        )
        .selectAll('documents')
        .select('document_versions.size')
        .where('documents.matter_id', '=', matterId)
        .where('documents.trashed_at', 'is not', null)
        .orderBy('documents.trashed_at', 'desc')
        .execute();
    },

    async updateDocument({
      documentId,
      changes,
    }: {
      documentId: string;
      changes: Partial<
        Pick<DocumentsTable, 'folder_id' | 'name_sealed' | 'name_lookup' | 'trashed_at' | 'current_version'>
      > & { updated_at: number };
    }): Promise<void> {
      await db.updateTable('documents').set(changes).where('id', '=', documentId).execute();
    },

    async insertVersion(row: DocumentVersionsTable): Promise<void> {
      await db.insertInto('document_versions').values(row).execute();
    },

    async listVersions({ documentId }: { documentId: string }): Promise<DocumentVersionsTable[]> {
      return db
        .selectFrom('document_versions')
        .selectAll()
        .where('document_id', '=', documentId)
        .orderBy('version', 'desc')
        .execute();
    },

    async findVersion({
      documentId,
      version,
    }: {
      documentId: string;
      version: number;
    }): Promise<DocumentVersionsTable | undefined> {
      return db
        .selectFrom('document_versions')
        .selectAll()
        .where('document_id', '=', documentId)
        .where('version', '=', version)
        .executeTakeFirst();
    },

    async insertUpload(row: DocumentUploadsTable): Promise<void> {
      await db.insertInto('document_uploads').values(row).execute();
    },

    /**
     * Deletes an upload's row; false when it was gone already. Whoever deletes it owns the upload's blob: the
     * commit publishes it, the sweep removes it (on PostgreSQL a second delete waits for the first's commit).
     */
    async deleteUpload({ uploadId }: { uploadId: string }): Promise<boolean> {
      const result = await db.deleteFrom('document_uploads').where('id', '=', uploadId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async listUploadsStartedBefore({ before }: { before: Date }): Promise<DocumentUploadsTable[]> {
      return db
        .selectFrom('document_uploads')
        .selectAll()
        .where('started_at', '<', before.getTime())
        .execute();
    },

    /** Every blob key a version refers to, for orphan sweeps. */
    async isBlobReferenced({ blobKey }: { blobKey: string }): Promise<boolean> {
      const row = await db
        .selectFrom('document_versions')
        .select('id')
        .where('blob_key', '=', blobKey)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Sets an item's own label (null: inherit; matters always have one). */
    async setClassification({
      itemType,
      itemId,
      classification,
      now,
    }: {
      itemType: ClassificationChangesTable['item_type'];
      itemId: string;
      classification: Classification | null;
      now: number;
    }): Promise<void> {
      if (itemType === 'matter') {
        if (classification === null) throw new Error('a matter always has its own classification');
        await db
          .updateTable('matters')
          .set({ classification, updated_at: now })
          .where('id', '=', itemId)
          .execute();
      } else if (itemType === 'folder') {
        await db
          .updateTable('folders')
          .set({ classification, updated_at: now })
          .where('id', '=', itemId)
          .execute();
      } else {
        await db
          .updateTable('documents')
          .set({ classification, updated_at: now })
          .where('id', '=', itemId)
          .execute();
      }
    },

    async insertClassificationChange(row: ClassificationChangesTable): Promise<void> {
      await db.insertInto('classification_changes').values(row).execute();
    },
  };
}
