export type LedgerPendingEntriesTable = {
  id: string;
  kind: string;
  /** Canonical JSON of the event (at most 64 KiB). */
  entry: string;
  recorded_at: number;
};

export type LedgerTables = {
  ledger_pending_entries: LedgerPendingEntriesTable;
};
