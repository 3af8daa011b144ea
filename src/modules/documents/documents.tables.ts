export type MattersTable = {
  id: string;
  name_sealed: string;
  status: 'open' | 'closed' | 'archived';
  root_folder_id: string;
  /** Null: the installation's default quota applies. */
  quota_bytes: number | null;
  /** Plaintext bytes of every stored version, trashed or not. */
  used_bytes: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  shredded_at: number | null;
  classification: Classification;
};

/** @NOTE Stored values, also named in policies/*.cedar. */
export type Classification = 'public' | 'internal' | 'highly_sensitive';

export type MatterMembersTable = {
  matter_id: string;
  user_id: string;
  role: 'owner' | 'editor' | 'viewer';
  added_by: string;
  added_at: number;
  expires_at: number | null;
  /** 1 when this grant names the member for highly sensitive content (assistants need it). */
  is_named_for_highly_sensitive: number;
};

export type FoldersTable = {
  id: string;
  matter_id: string;
  /** Null only for the matter's root folder. */
  parent_id: string | null;
  name_sealed: string;
  name_lookup: string;
  created_by: string;
  created_at: number;
  updated_at: number;
  trashed_at: number | null;
  /** Null: inherited from the parent folder, up to the matter. */
  classification: Classification | null;
};

export type DocumentsTable = {
  id: string;
  matter_id: string;
  folder_id: string;
  name_sealed: string;
  name_lookup: string;
  current_version: number;
  created_by: string;
  created_at: number;
  updated_at: number;
  trashed_at: number | null;
  /** Null: inherited from the folder. */
  classification: Classification | null;
};

export type DocumentVersionsTable = {
  id: string;
  document_id: string;
  matter_id: string;
  version: number;
  size: number;
  ciphertext_size: number;
  /** Sealed `{ sha256, salt }`: the salt opens the version's ledger commitment. */
  sha256_sealed: string;
  media_type_sealed: string;
  blob_key: string;
  data_key_id: string;
  uploaded_by: string;
  created_at: number;
};

/** An upload in progress: its blob is removed if the upload never commits (crash, disconnect). */
export type DocumentUploadsTable = {
  id: string;
  matter_id: string;
  blob_key: string;
  started_by: string;
  started_at: number;
};

/** A classification label changed; `from_value`/`to_value` are effective values. */
export type ClassificationChangesTable = {
  id: string;
  matter_id: string;
  item_type: 'matter' | 'folder' | 'document';
  item_id: string;
  from_value: Classification;
  to_value: Classification;
  /** 1 when the item now inherits its label (its own was cleared). */
  is_inherited: number;
  /** The reason, sealed under the matter key (context `classification_changes.reason:<id>`). */
  reason_sealed: string | null;
  changed_by: string;
  changed_at: number;
};

export type MatterPartiesTable = {
  id: string;
  matter_id: string;
  kind: 'client' | 'opposing_party' | 'other';
  name_sealed: string;
  created_by: string;
  created_at: number;
};

export type DocumentsTables = {
  matter_parties: MatterPartiesTable;
  matters: MattersTable;
  matter_members: MatterMembersTable;
  folders: FoldersTable;
  documents: DocumentsTable;
  document_versions: DocumentVersionsTable;
  document_uploads: DocumentUploadsTable;
  classification_changes: ClassificationChangesTable;
};
