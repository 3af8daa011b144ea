import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import { parseCheckpoint } from './ledger.checkpoint.js';
import { readLatestCheckpoint, type StoredCheckpoint } from './ledger.checkpoints.usecases.js';
import {
  checkCosignatures,
  type Cosignature,
  type CosignerVerifier,
  formatCosignatureLine,
} from './ledger.cosignatures.js';
import {
  createCosignatureInvalidError,
  createCosignatureMissingError,
  createCosignedCheckpointUnknownError,
} from './ledger.errors.js';
import { parseNote } from './ledger.note.js';

/** Cosignatures dated further ahead than this are refused (the spec lets verifiers refuse future ones). */
const maxClockSkewSeconds = 10 * 60;

/**
 * Accepts witness cosignatures on one of the log's checkpoints. `note` is the checkpoint followed by the
 * witness's signature lines (the add-checkpoint response concatenated to the checkpoint, as
 * c2sp.org/tlog-witness suggests). Lines from unknown keys are ignored; one line from a configured witness
 * that does not verify refuses the whole submission, and so does having none. Nothing is stored unless
 * every configured witness's line verifies.
 */
export async function addCosignatures({
  db,
  clock,
  witnesses,
  note,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  witnesses: readonly CosignerVerifier[];
  note: string;
}): Promise<{ checkpointSize: number; accepted: readonly Cosignature[] }> {
  const { text } = parseNote(note);
  const { size } = parseCheckpoint(text);
  const stored = await db
    .selectFrom('ledger_checkpoints')
    .select('note')
    .where('size', '=', size)
    .executeTakeFirst();
  if (stored === undefined || parseNote(stored.note).text !== text)
    throw createCosignedCheckpointUnknownError();
  const { valid, invalid } = checkCosignatures({ note, witnesses });
  const [bad] = invalid;
  if (bad !== undefined) {
    throw createCosignatureInvalidError({
      message: `The cosignature by ${bad.name} does not verify over checkpoint ${size}.`,
    });
  }
  const latest = Math.floor(clock.now().getTime() / 1000) + maxClockSkewSeconds;
  const future = valid.find((cosignature) => cosignature.timestamp > latest);
  if (future !== undefined) {
    throw createCosignatureInvalidError({
      message: `The cosignature by ${future.name} is dated in the future.`,
    });
  }
  if (valid.length === 0) throw createCosignatureMissingError();
  for (const cosignature of valid) {
    await db
      .insertInto('ledger_cosignatures')
      .values({
        checkpoint_size: size,
        witness_name: cosignature.name,
        key_id: cosignature.keyId,
        timestamp: cosignature.timestamp,
        signature: cosignature.signature,
      })
      .onConflict((oc) => oc.columns(['checkpoint_size', 'witness_name', 'key_id']).doNothing())
      .execute();
  }
  return { checkpointSize: size, accepted: valid };
}

/** The stored cosignatures of the checkpoint of `size`, oldest witness name first. */
export async function readCosignatures({
  db,
  size,
}: {
  db: Kysely<WritDatabase>;
  size: number;
}): Promise<Cosignature[]> {
  const rows = await db
    .selectFrom('ledger_cosignatures')
    .select(['witness_name', 'key_id', 'timestamp', 'signature'])
    .where('checkpoint_size', '=', size)
    .orderBy('witness_name')
    .orderBy('key_id')
    .execute();
  return rows.map((row) => ({
    name: row.witness_name,
    keyId: row.key_id,
    timestamp: row.timestamp,
    signature: row.signature,
  }));
}

/** The checkpoint's signed note with its stored cosignature lines appended after the log's signature. */
export async function withCosignatures({
  db,
  checkpoint,
}: {
  db: Kysely<WritDatabase>;
  checkpoint: StoredCheckpoint;
}): Promise<string> {
  const cosignatures = await readCosignatures({ db, size: checkpoint.size });
  return checkpoint.note + cosignatures.map(formatCosignatureLine).join('');
}

/** The latest checkpoint as served at `/ledger/checkpoint`: signed note and cosignatures. */
export async function readLatestCosignedCheckpoint({
  db,
}: {
  db: Kysely<WritDatabase>;
}): Promise<{ checkpoint: StoredCheckpoint; note: string } | undefined> {
  const checkpoint = await readLatestCheckpoint({ db });
  if (checkpoint === undefined) return undefined;
  return { checkpoint, note: await withCosignatures({ db, checkpoint }) };
}
