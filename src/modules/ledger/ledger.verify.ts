import { type Kysely, sql } from 'kysely';
import { isWritError } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import { openCheckpoint } from './ledger.checkpoint.js';
import { verifyConsistency } from './ledger.merkle-verify.js';
import {
  computeTreeRoot,
  generateConsistencyProof,
  hashAdjacentChildren,
  hashLeafText,
  merkleHashSize,
  type SubtreeId,
} from './ledger.merkle.js';
import type { NoteVerifier } from './ledger.note-keys.js';
import { isPostgres } from './ledger.tree-store.js';

export type LedgerVerificationFailure = {
  code:
    | 'entry_missing'
    | 'entry_unexpected'
    | 'entry_altered'
    | 'subtree_altered'
    | 'checkpoint_signature_invalid'
    | 'checkpoint_root_mismatch'
    | 'checkpoint_beyond_entries'
    | 'checkpoints_inconsistent';
  /**
   * The first leaf index this failure puts in doubt. With `throughIndex` it is a range: the bad entry is
   * somewhere from `index` to `throughIndex`, as a root or subtree hash cannot say which.
   */
  index?: number;
  throughIndex?: number;
  message: string;
};

export type LedgerVerificationReport = {
  /** Entries in the gap-free prefix that could be hashed. */
  entryCount: number;
  /** The size the state row claims. */
  claimedSize: number;
  checkpointsChecked: number;
  failures: LedgerVerificationFailure[];
  /**
   * Where the log stops being trustworthy: the lowest exact index any failure names, else the range of the
   * earliest failing root or subtree hash.
   */
  firstBadIndex: { index: number; throughIndex: number | undefined } | undefined;
};

const entryPageSize = 5000;
const defaultSubtreePageSize = 8192;
const initialLeafCapacity = 1 << 22;

/**
 * Recomputes the whole tree from the stored entries and checks everything stored against it: the gap-free
 * indexes, the size in the state row, every stored subtree hash (what tiles and proofs serve), every
 * checkpoint's signature and root, and the consistency of each checkpoint with the one before.
 * @NOTE The entries are the evidence and the signed checkpoints the anchor; stored subtree hashes are only a
 * cache and are never trusted. Holds every node hash in memory: 64 bytes per entry.
 */
export async function verifyStoredLedger({
  db,
  origin,
  verifier,
  subtreePageSize = defaultSubtreePageSize,
}: {
  db: Kysely<WritDatabase>;
  origin: string;
  verifier: NoteVerifier;
  /** Stored subtree hashes compared per query; tests lower it to cross page boundaries. */
  subtreePageSize?: number;
}): Promise<LedgerVerificationReport> {
  const failures: LedgerVerificationFailure[] = [];
  const claimedSize = (
    await db.selectFrom('ledger_state').select('next_index').where('id', '=', 1).executeTakeFirstOrThrow()
  ).next_index;

  const { leaves, entryCount, gapAt } = await hashEntries({ db, claimedSize });
  if (gapAt !== undefined) {
    failures.push({ code: 'entry_missing', index: gapAt, message: `Entry ${gapAt} is missing.` });
  }
  if (gapAt === undefined && entryCount < claimedSize) {
    failures.push({
      code: 'entry_missing',
      index: entryCount,
      message: `The log holds ${claimedSize} entries but only ${entryCount} are stored: it was truncated at ${entryCount}.`,
    });
  }
  if (gapAt === undefined && entryCount > claimedSize) {
    failures.push({
      code: 'entry_unexpected',
      index: claimedSize,
      message: `Entries from ${claimedSize} on were added outside the sequencer.`,
    });
  }

  const levels = buildLevels(leaves);
  const readSubtreeHash = ({ level, index }: SubtreeId) =>
    (levels[level] ?? Buffer.alloc(0)).subarray(index * merkleHashSize, (index + 1) * merkleHashSize);
  failures.push(...(await compareStoredSubtrees({ db, levels, pageSize: subtreePageSize })));

  const checkpoints = await db
    .selectFrom('ledger_checkpoints')
    .select(['size', 'root_hash', 'note'])
    .orderBy('size')
    .execute();
  let previous: { size: number; rootHash: Buffer; isRootMatching: boolean } | undefined;
  for (const stored of checkpoints) {
    let signed;
    try {
      signed = openCheckpoint({ note: stored.note, origin, verifiers: [verifier] }).checkpoint;
    } catch (error) {
      failures.push({
        code: 'checkpoint_signature_invalid',
        message: `The checkpoint stored for size ${stored.size} does not verify with the log key (${isWritError(error) ? error.code : 'unreadable'}).`,
      });
      continue;
    }
    if (signed.size !== stored.size || !signed.rootHash.equals(stored.root_hash)) {
      failures.push({
        code: 'checkpoint_signature_invalid',
        message: `The checkpoint row for size ${stored.size} disagrees with the signed note it holds (size ${signed.size}).`,
      });
    }
    if (signed.size > entryCount) {
      failures.push({
        code: 'checkpoint_beyond_entries',
        index: entryCount,
        message: `A signed checkpoint covers ${signed.size} entries but only ${entryCount} are stored in order: entries from ${entryCount} on were removed.`,
      });
    } else {
      const root = computeTreeRoot({ treeSize: signed.size, readSubtreeHash });
      const isRootMatching = root.equals(signed.rootHash);
      if (!isRootMatching) {
        failures.push({
          code: 'checkpoint_root_mismatch',
          index: previous?.size ?? 0,
          throughIndex: signed.size - 1,
          message: `The entries do not hash to the root signed at size ${signed.size}: an entry from ${previous?.size ?? 0} to ${signed.size - 1} was altered.`,
        });
      }
      // Once a root differs from the entries, the tree cannot prove anything about the checkpoints.
      if (previous?.isRootMatching === true && isRootMatching) {
        const proof = generateConsistencyProof({
          oldSize: previous.size,
          newSize: signed.size,
          readSubtreeHash,
        });
        const isConsistent = verifyConsistency({
          oldSize: previous.size,
          newSize: signed.size,
          oldRoot: previous.rootHash,
          newRoot: signed.rootHash,
          proof,
        });
        if (!isConsistent) {
          failures.push({
            code: 'checkpoints_inconsistent',
            message: `The checkpoint at size ${signed.size} is not an extension of the one at size ${previous.size}.`,
          });
        }
      }
    }
    previous = {
      size: signed.size,
      rootHash: signed.rootHash,
      isRootMatching:
        signed.size <= entryCount &&
        computeTreeRoot({ treeSize: signed.size, readSubtreeHash }).equals(signed.rootHash),
    };
  }

  return {
    entryCount,
    claimedSize,
    checkpointsChecked: checkpoints.length,
    failures,
    firstBadIndex: findFirstBadIndex(failures),
  };
}

function findFirstBadIndex(
  failures: readonly LedgerVerificationFailure[],
): LedgerVerificationReport['firstBadIndex'] {
  const located = failures.filter((failure) => failure.index !== undefined);
  const exact = located.filter((failure) => failure.throughIndex === undefined);
  const candidates = exact.length > 0 ? exact : located;
  const first = candidates.toSorted((a, b) => (a.index ?? 0) - (b.index ?? 0))[0];
  return first?.index === undefined ? undefined : { index: first.index, throughIndex: first.throughIndex };
}

/** Leaf hashes of the gap-free prefix of entries, in one buffer; `gapAt` is the first index not stored. */
async function hashEntries({
  db,
  claimedSize,
}: {
  db: Kysely<WritDatabase>;
  claimedSize: number;
}): Promise<{ leaves: Buffer; entryCount: number; gapAt: number | undefined }> {
  // Sized from the state row, capped (the row may be wrong), and doubled when the entries run past it.
  let leaves = Buffer.alloc(Math.min(Math.max(claimedSize, 1), initialLeafCapacity) * merkleHashSize);
  let next = 0;
  const done = (gapAt: number | undefined) => ({
    leaves: leaves.subarray(0, next * merkleHashSize),
    entryCount: next,
    gapAt,
  });
  for (;;) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['idx', 'entry'])
      .where('idx', '>=', next)
      .orderBy('idx')
      .limit(entryPageSize)
      .execute();
    for (const row of rows) {
      if (row.idx !== next) return done(next);
      if ((next + 1) * merkleHashSize > leaves.length) {
        const grown = Buffer.alloc(2 * leaves.length);
        leaves.copy(grown);
        leaves = grown;
      }
      hashLeafText(row.entry).copy(leaves, next * merkleHashSize);
      next += 1;
    }
    if (rows.length < entryPageSize) return done(undefined);
  }
}

/** Every complete node of the tree over the given leaf hashes, one buffer per level. */
function buildLevels(leaves: Buffer): Buffer[] {
  const levels: Buffer[] = [leaves];
  let below = leaves;
  while (below.length >= 2 * merkleHashSize) {
    const width = Math.floor(below.length / merkleHashSize / 2);
    const above = Buffer.alloc(width * merkleHashSize);
    for (let i = 0; i < width; i += 1) {
      hashAdjacentChildren(below, 2 * i * merkleHashSize).copy(above, i * merkleHashSize);
    }
    levels.push(above);
    below = above;
  }
  return levels;
}

/**
 * The stored hashes of subtrees `from` ≤ idx < `to` at `level`, concatenated in idx order, and how many rows
 * there are: one row per page instead of one per subtree. SQLite cannot concatenate blobs, so it sends hex.
 */
async function readStoredSubtreePage({
  db,
  level,
  from,
  to,
}: {
  db: Kysely<WritDatabase>;
  level: number;
  from: number;
  to: number;
}): Promise<{ count: number; hashes: Buffer }> {
  if (isPostgres(db)) {
    const { rows } = await sql<{ count: number | string; hashes: Buffer | null }>`
      select count(*) as count, string_agg(hash, ''::bytea order by idx) as hashes
      from ledger_subtrees where level = ${level} and idx >= ${from} and idx < ${to}`.execute(db);
    const row = rows[0];
    return { count: Number(row?.count ?? 0), hashes: row?.hashes ?? Buffer.alloc(0) };
  }
  const { rows } = await sql<{ count: number; hashes: string | null }>`
    select count(*) as count, group_concat(hex(hash), '' order by idx) as hashes
    from ledger_subtrees where level = ${level} and idx >= ${from} and idx < ${to}`.execute(db);
  const row = rows[0];
  return { count: row?.count ?? 0, hashes: Buffer.from(row?.hashes ?? '', 'hex') };
}

/**
 * The first stored subtree hash per level that differs from the recomputed one. Pages that match as a whole
 * (every idx present, the concatenated hashes equal) are passed over; in the first that does not, the rows
 * are read one by one to name the subtree.
 */
async function compareStoredSubtrees({
  db,
  levels,
  pageSize,
}: {
  db: Kysely<WritDatabase>;
  levels: readonly Buffer[];
  pageSize: number;
}): Promise<LedgerVerificationFailure[]> {
  // Above a level with a difference every ancestor differs too: the lowest level says the most.
  for (const [level, computed] of levels.entries()) {
    const width = computed.length / merkleHashSize;
    for (let from = 0; from < width; from += pageSize) {
      const to = Math.min(width, from + pageSize);
      const page = await readStoredSubtreePage({ db, level, from, to });
      const isPageMatching =
        page.count === to - from &&
        page.hashes.equals(computed.subarray(from * merkleHashSize, to * merkleHashSize));
      if (isPageMatching) continue;
      const failure = await findSubtreeFailure({ db, level, computed, from });
      if (failure !== undefined) return [failure];
    }
  }
  return [];
}

/** Reads the stored subtrees of `level` from idx `from` on, row by row, up to the first that is wrong. */
async function findSubtreeFailure({
  db,
  level,
  computed,
  from,
}: {
  db: Kysely<WritDatabase>;
  level: number;
  computed: Buffer;
  from: number;
}): Promise<LedgerVerificationFailure | undefined> {
  const width = computed.length / merkleHashSize;
  let next = from;
  for (;;) {
    const rows = await db
      .selectFrom('ledger_subtrees')
      .select(['idx', 'hash'])
      .where('level', '=', level)
      .where('idx', '>=', next)
      .where('idx', '<', width)
      .orderBy('idx')
      .limit(entryPageSize)
      .execute();
    for (const row of rows) {
      const expected = computed.subarray(row.idx * merkleHashSize, (row.idx + 1) * merkleHashSize);
      if (row.idx !== next) {
        return {
          code: 'subtree_altered',
          message: `The stored hash of subtree ${level}/${next} is missing.`,
        };
      }
      if (!expected.equals(row.hash)) {
        const index = row.idx;
        return {
          code: level === 0 ? 'entry_altered' : 'subtree_altered',
          index: index * 2 ** level,
          ...(level === 0 ? {} : { throughIndex: (index + 1) * 2 ** level - 1 }),
          message:
            level === 0
              ? `Entry ${index} does not hash to the leaf hash recorded when it was sequenced: it was altered or moved.`
              : `The stored hash of subtree ${level}/${index} (entries from ${index * 2 ** level}) differs from the entries.`,
        };
      }
      next += 1;
    }
    if (rows.length < entryPageSize) {
      return next < width
        ? { code: 'subtree_altered', message: `The stored hash of subtree ${level}/${next} is missing.` }
        : undefined;
    }
  }
}
