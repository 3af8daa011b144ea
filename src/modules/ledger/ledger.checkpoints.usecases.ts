import type { Kysely } from 'kysely';
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
