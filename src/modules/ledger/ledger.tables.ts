export type LedgerPendingEntriesTable = {
  id: string;
  kind: string;
  /** Canonical JSON of the event (at most 64 KiB). */
  entry: string;
  recorded_at: number;
};

/** @NOTE Rows are published through tiles and proofs: never updated or deleted once sequenced. */
export type LedgerEntriesTable = {
  /** Gap-free from 0: the leaf index in the Merkle tree. */
  idx: number;
  entry_id: string;
  kind: string;
  entry: string;
  recorded_at: number;
};

/** The hash of the perfect subtree of 2^level leaves starting at leaf idx × 2^level. */
export type LedgerSubtreesTable = {
  level: number;
  idx: number;
  hash: Buffer;
};

/** One row (id 1): the tree size, locked by whoever sequences. */
export type LedgerStateTable = {
  id: number;
  next_index: number;
};

export type LedgerCheckpointsTable = {
  size: number;
  root_hash: Buffer;
  /** The signed note (c2sp.org/tlog-checkpoint) as served. */
  note: string;
  created_at: number;
};

/** A witness cosignature (c2sp.org/tlog-cosignature) on the checkpoint of `checkpoint_size`. */
export type LedgerCosignaturesTable = {
  checkpoint_size: number;
  witness_name: string;
  /** 4 bytes: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]. */
  key_id: Buffer;
  /** POSIX seconds, as signed by the witness. */
  timestamp: number;
  /** The 64-byte Ed25519 signature. */
  signature: Buffer;
};

export type LedgerTables = {
  ledger_pending_entries: LedgerPendingEntriesTable;
  ledger_entries: LedgerEntriesTable;
  ledger_subtrees: LedgerSubtreesTable;
  ledger_state: LedgerStateTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  ledger_cosignatures: LedgerCosignaturesTable;
};
