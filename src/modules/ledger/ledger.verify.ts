import type { Kysely } from 'kysely';
import { isWritError } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import { openCheckpoint } from './ledger.checkpoint.js';
import { verifyConsistency } from './ledger.merkle-verify.js';
import {
  computeTreeRoot,
  generateConsistencyProof,
  hashChildren,
  hashLeaf,
  merkleHashSize,
  type SubtreeId,
} from './ledger.merkle.js';
import type { NoteVerifier } from './ledger.note-keys.js';

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

const pageSize = 5000;

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
}: {
  db: Kysely<WritDatabase>;
  origin: string;
  verifier: NoteVerifier;
}): Promise<LedgerVerificationReport> {
  const failures: LedgerVerificationFailure[] = [];
  const claimedSize = (
    await db.selectFrom('ledger_state').select('next_index').where('id', '=', 1).executeTakeFirstOrThrow()
  ).next_index;

  const { leaves, entryCount, gapAt } = await hashEntries({ db });
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

  const levels = buildLevels(leaves, entryCount);
  const readSubtreeHash = ({ level, index }: SubtreeId) =>
    (levels[level] ?? Buffer.alloc(0)).subarray(index * merkleHashSize, (index + 1) * merkleHashSize);
  failures.push(...(await compareStoredSubtrees({ db, levels })));

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
}: {
  db: Kysely<WritDatabase>;
}): Promise<{ leaves: Buffer[]; entryCount: number; gapAt: number | undefined }> {
  const leaves: Buffer[] = [];
  let next = 0;
  for (;;) {
    const rows = await db
      .selectFrom('ledger_entries')
      .select(['idx', 'entry'])
      .where('idx', '>=', next)
      .orderBy('idx')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      if (row.idx !== next) return { leaves, entryCount: next, gapAt: next };
      leaves.push(hashLeaf(Buffer.from(row.entry, 'utf8')));
      next += 1;
    }
    if (rows.length < pageSize) return { leaves, entryCount: next, gapAt: undefined };
  }
}

/** Every complete node of the tree over the first `count` leaves, one buffer per level. */
function buildLevels(leaves: readonly Buffer[], count: number): Buffer[] {
  const levels: Buffer[] = [Buffer.concat(leaves, count * merkleHashSize)];
  let below = levels[0] ?? Buffer.alloc(0);
  while (below.length >= 2 * merkleHashSize) {
    const width = Math.floor(below.length / merkleHashSize / 2);
    const above = Buffer.alloc(width * merkleHashSize);
    for (let i = 0; i < width; i += 1) {
      const left = below.subarray(2 * i * merkleHashSize, (2 * i + 1) * merkleHashSize);
      const right = below.subarray((2 * i + 1) * merkleHashSize, (2 * i + 2) * merkleHashSize);
      hashChildren(left, right).copy(above, i * merkleHashSize);
    }
    levels.push(above);
    below = above;
  }
  return levels;
}

/** The first stored subtree hash per level that differs from the recomputed one. */
async function compareStoredSubtrees({
  db,
  levels,
}: {
  db: Kysely<WritDatabase>;
  levels: readonly Buffer[];
}): Promise<LedgerVerificationFailure[]> {
  const failures: LedgerVerificationFailure[] = [];
  // Above a level with a difference every ancestor differs too: the lowest level says the most.
  for (const [level, computed] of levels.entries()) {
    if (failures.length > 0) break;
    const width = computed.length / merkleHashSize;
    let next = 0;
    let isDone = false;
    while (!isDone) {
      const rows = await db
        .selectFrom('ledger_subtrees')
        .select(['idx', 'hash'])
        .where('level', '=', level)
        .where('idx', '>=', next)
        .where('idx', '<', width)
        .orderBy('idx')
        .limit(pageSize)
        .execute();
      for (const row of rows) {
        const expected = computed.subarray(row.idx * merkleHashSize, (row.idx + 1) * merkleHashSize);
        if (row.idx !== next) {
          failures.push({
            code: 'subtree_altered',
            message: `The stored hash of subtree ${level}/${next} is missing.`,
          });
          isDone = true;
          break;
        }
        if (!expected.equals(row.hash)) {
          const index = row.idx;
          failures.push({
            code: level === 0 ? 'entry_altered' : 'subtree_altered',
            index: index * 2 ** level,
            ...(level === 0 ? {} : { throughIndex: (index + 1) * 2 ** level - 1 }),
            message:
              level === 0
                ? `Entry ${index} does not hash to the leaf hash recorded when it was sequenced: it was altered or moved.`
                : `The stored hash of subtree ${level}/${index} (entries from ${index * 2 ** level}) differs from the entries.`,
          });
          isDone = true;
          break;
        }
        next += 1;
      }
      if (!isDone && rows.length < pageSize) {
        if (next < width) {
          failures.push({
            code: 'subtree_altered',
            message: `The stored hash of subtree ${level}/${next} is missing.`,
          });
        }
        isDone = true;
      }
    }
  }
  return failures;
}
