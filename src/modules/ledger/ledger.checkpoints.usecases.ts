import type { Kysely } from 'kysely';
import { createOriginChangedError } from './ledger.errors.js';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import { signCheckpoint } from './ledger.checkpoint.js';
import type { NoteSigner } from './ledger.note-keys.js';
import { readTreeRoot, readTreeSize } from './ledger.tree-store.js';

export type StoredCheckpoint = {
  size: number;
  rootHash: Buffer;
  /** The signed note, as served at `/ledger/checkpoint`. */
  note: string;
  createdAt: Date;
};

/**
 * Signs and stores a checkpoint for the current tree size when the log grew since the latest one (or when
 * none exists yet); otherwise returns the latest. Two nodes racing at the same size keep the first stored.
 * @NOTE The size is read without the sequencer's lock: the subtree rows of a committed size never change,
 * so the root read afterwards belongs to that size.
 */
export async function createCheckpoint({
  db,
  clock,
  signer,
  origin,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  signer: NoteSigner;
  origin: string;
}): Promise<{ checkpoint: StoredCheckpoint; isNew: boolean }> {
  const size = await readTreeSize({ db });
  const latest = await readLatestCheckpoint({ db });
  if (latest !== undefined && latest.size >= size) return { checkpoint: latest, isNew: false };
  const rootHash = await readTreeRoot({ db, treeSize: size });
  const note = await signCheckpoint({
    checkpoint: { origin, size, rootHash, extensions: [] },
    signers: [signer],
  });
  const createdAt = clock.now();
  const inserted = await db
    .insertInto('ledger_checkpoints')
    .values({ size, root_hash: rootHash, note, created_at: createdAt.getTime() })
    .onConflict((oc) => oc.column('size').doNothing())
    .returning('size')
    .executeTakeFirst();
  if (inserted === undefined) {
    const stored = await readLatestCheckpoint({ db });
    if (stored !== undefined) return { checkpoint: stored, isNew: false };
  }
  return { checkpoint: { size, rootHash, note, createdAt }, isNew: true };
}

function toStoredCheckpoint(row: {
  size: number;
  root_hash: Buffer;
  note: string;
  created_at: number;
}): StoredCheckpoint {
  return { size: row.size, rootHash: row.root_hash, note: row.note, createdAt: new Date(row.created_at) };
}

export async function readLatestCheckpoint({
  db,
}: {
  db: Kysely<WritDatabase>;
}): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .selectAll()
    .orderBy('size', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : toStoredCheckpoint(row);
}

/** Every stored checkpoint, smallest size first: what `writ ledger verify` checks. */
export async function listCheckpoints({ db }: { db: Kysely<WritDatabase> }): Promise<StoredCheckpoint[]> {
  const rows = await db.selectFrom('ledger_checkpoints').selectAll().orderBy('size').execute();
  return rows.map(toStoredCheckpoint);
}

/**
 * The name the ledger has had since its first checkpoint, or undefined before one: the first line of a
 * checkpoint is its origin (c2sp.org/tlog-checkpoint).
 */
export async function readLedgerOrigin({ db }: { db: Kysely<WritDatabase> }): Promise<string | undefined> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .select('note')
    .orderBy('size')
    .limit(1)
    .executeTakeFirst();
  return row?.note.split('\n', 1)[0];
}

/**
 * The ledger's name for this run. A log's name is in every checkpoint it signed and names its signing key,
 * so once the first checkpoint is out it stays: a later WRIT_PUBLIC_URL or port (from which the default
 * name derives) must not rename it, which would start a new key and fail verification of the old
 * checkpoints. A name configured explicitly (`configured`) that differs is refused.
 */
export async function settleLedgerOrigin({
  db,
  configured,
  derived,
}: {
  db: Kysely<WritDatabase>;
  /** WRIT_LEDGER_ORIGIN, when set. */
  configured: string | undefined;
  /** The default from the public URL, for a ledger not yet checkpointed. */
  derived: string;
}): Promise<string> {
  const existing = await readLedgerOrigin({ db });
  if (existing === undefined) return configured ?? derived;
  if (configured !== undefined && configured !== existing) {
    throw createOriginChangedError({
      message: `WRIT_LEDGER_ORIGIN is ${configured}, but this database holds the ledger ${existing}, signed under that name since its first checkpoint. A ledger cannot be renamed: unset WRIT_LEDGER_ORIGIN, or set it to ${existing}.`,
    });
  }
  return existing;
}
