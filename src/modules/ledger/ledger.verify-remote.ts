import { isWritError } from '../../shared/errors/errors.js';
import { openCheckpoint } from './ledger.checkpoint.js';
import { checkCosignatures, type CosignerVerifier } from './ledger.cosignatures.js';
import { createMemoryMerkleTree } from './ledger.merkle-memory.js';
import { computeTreeRoot, hashLeaf, merkleHashSize, type SubtreeHashReader } from './ledger.merkle.js';
import type { NoteVerifier } from './ledger.note-keys.js';
import { decodeEntryBundle, formatTilePath, maxTileLevel, tileHeight, tileWidth } from './ledger.tiles.js';

/** Reads `<base>/<path>` of a published log; undefined when the server has no such resource (404). */
export type LedgerFetcher = (path: string) => Promise<Buffer | undefined>;

export type RemoteVerificationReport = {
  size: number | undefined;
  failures: { code: string; index?: number; message: string }[];
  cosignatures: { valid: number; required: number };
};

/**
 * Verifies a log through what it publishes (c2sp.org/tlog-tiles): the checkpoint's signature with the pinned
 * key, the root recomputed from every entry bundle against the signed root, every hash tile at every level
 * (partial ones included) against the tree those entries form, and at least `minWitnesses` cosignatures from
 * trusted witnesses. A failure names the first bad index and, for a tile, its path.
 * @NOTE Holds the recomputed tree in memory: about two 32-byte hashes per entry.
 */
export async function verifyRemoteLedger({
  fetch,
  verifier,
  witnesses = [],
  minWitnesses = 0,
}: {
  fetch: LedgerFetcher;
  verifier: NoteVerifier;
  witnesses?: readonly CosignerVerifier[];
  minWitnesses?: number;
}): Promise<RemoteVerificationReport> {
  const failures: RemoteVerificationReport['failures'] = [];
  const report = (size: number | undefined, valid = 0) => ({
    size,
    failures,
    cosignatures: { valid, required: minWitnesses },
  });
  const note = await fetch('checkpoint');
  if (note === undefined) {
    failures.push({ code: 'checkpoint_missing', message: 'The log serves no checkpoint.' });
    return report(undefined);
  }
  let checkpoint;
  try {
    ({ checkpoint } = openCheckpoint({ note, origin: verifier.name, verifiers: [verifier] }));
  } catch (error) {
    failures.push({
      code: 'checkpoint_signature_invalid',
      message: `The checkpoint does not verify with the log key: ${isWritError(error) ? error.message : 'unreadable'}`,
    });
    return report(undefined);
  }
  const { valid, invalid } = checkCosignatures({ note: note.toString('utf8'), witnesses });
  for (const bad of invalid) {
    failures.push({
      code: 'cosignature_invalid',
      message: `The cosignature by ${bad.name} does not verify.`,
    });
  }
  if (valid.length < minWitnesses) {
    failures.push({
      code: 'cosignatures_missing',
      message: `The checkpoint carries ${valid.length} valid cosignature(s) from trusted witnesses; ${minWitnesses} required.`,
    });
  }

  const size = checkpoint.size;
  const leaves = await readLeafHashes({ fetch, size });
  if ('failure' in leaves) {
    failures.push(leaves.failure);
    return report(size, valid.length);
  }
  const tree = createMemoryMerkleTree({ leafHashes: leaves.hashes });
  const root = computeTreeRoot({ treeSize: size, readSubtreeHash: tree.readSubtreeHash });
  const mismatches = await compareHashTiles({ fetch, size, readSubtreeHash: tree.readSubtreeHash });
  failures.push(...describeMismatches({ mismatches, isRootSigned: root.equals(checkpoint.rootHash), size }));
  return report(size, valid.length);
}

type Failure = RemoteVerificationReport['failures'][number];

/** The leaf hash of every entry, read bundle by bundle; a failure names the first bundle that is unusable. */
async function readLeafHashes({
  fetch,
  size,
}: {
  fetch: LedgerFetcher;
  size: number;
}): Promise<{ hashes: Buffer[] } | { failure: Failure }> {
  const hashes: Buffer[] = [];
  for (let tile = 0; tile * tileWidth < size; tile += 1) {
    const width = Math.min(tileWidth, size - tile * tileWidth);
    const first = tile * tileWidth;
    const bundle = await fetch(`tile/${formatTilePath({ kind: 'entries', level: 0, index: tile, width })}`);
    const entries = bundle === undefined ? undefined : decodeEntryBundle(bundle);
    if (entries?.length !== width) {
      return {
        failure: {
          code: 'entry_bundle_invalid',
          index: first,
          message: `The entry bundle from index ${first} is missing or does not hold ${width} entries.`,
        },
      };
    }
    for (const entry of entries) hashes.push(hashLeaf(entry));
  }
  return { hashes };
}

/** A served hash tile that differs from the recomputed tree at its first differing hash, or is unusable. */
type TileMismatch = {
  path: string;
  /** The node's level in the tree (8 × the tile level) and index at that level. */
  nodeLevel: number;
  nodeIndex: number;
  isUnreadable: boolean;
};

/**
 * Fetches every hash tile of a tree of `size` leaves, at every level and partial ones included, and compares
 * each hash with the recomputed node: what a client reading proofs from the tiles would trust.
 */
async function compareHashTiles({
  fetch,
  size,
  readSubtreeHash,
}: {
  fetch: LedgerFetcher;
  size: number;
  readSubtreeHash: SubtreeHashReader;
}): Promise<TileMismatch[]> {
  const mismatches: TileMismatch[] = [];
  for (let level = 0; level <= maxTileLevel; level += 1) {
    const nodeLevel = level * tileHeight;
    const nodeCount = Math.floor(size / 2 ** nodeLevel);
    if (nodeCount === 0) break;
    for (let index = 0; index * tileWidth < nodeCount; index += 1) {
      const width = Math.min(tileWidth, nodeCount - index * tileWidth);
      const path = `tile/${formatTilePath({ kind: 'hashes', level, index, width })}`;
      const tile = await fetch(path);
      const first = index * tileWidth;
      if (tile?.length !== width * merkleHashSize) {
        mismatches.push({ path, nodeLevel, nodeIndex: first, isUnreadable: true });
        continue;
      }
      for (let offset = 0; offset < width; offset += 1) {
        const served = tile.subarray(offset * merkleHashSize, (offset + 1) * merkleHashSize);
        if (!served.equals(readSubtreeHash({ level: nodeLevel, index: first + offset }))) {
          mismatches.push({ path, nodeLevel, nodeIndex: first + offset, isUnreadable: false });
          break;
        }
      }
    }
  }
  return mismatches;
}

/**
 * When the entries hash to the signed root they are the log, so a tile that differs is the altered one. When
 * they do not, the entries are: the lowest tile that differs from them localises the first bad entry (exactly,
 * at level 0), since a tamperer must rewrite every tile above an entry to hide it.
 */
function describeMismatches({
  mismatches,
  isRootSigned,
  size,
}: {
  mismatches: readonly TileMismatch[];
  isRootSigned: boolean;
  size: number;
}): Failure[] {
  const failures: Failure[] = [];
  const coveredEntries = ({ nodeLevel, nodeIndex }: TileMismatch) => {
    const first = nodeIndex * 2 ** nodeLevel;
    return { first, last: first + 2 ** nodeLevel - 1 };
  };
  for (const mismatch of mismatches.filter((candidate) => candidate.isUnreadable)) {
    failures.push({
      code: 'tile_invalid',
      index: coveredEntries(mismatch).first,
      message: `The hash tile ${mismatch.path} is missing or not the expected length.`,
    });
  }
  const differing = mismatches.filter((candidate) => !candidate.isUnreadable);
  if (isRootSigned) {
    for (const mismatch of differing) {
      const { first, last } = coveredEntries(mismatch);
      failures.push({
        code: 'tile_altered',
        index: first,
        message: `The hash tile ${mismatch.path} differs from the signed tree at level ${mismatch.nodeLevel} node ${mismatch.nodeIndex} (entries ${first} to ${last}).`,
      });
    }
    return failures;
  }
  const lowest = differing.toSorted((a, b) => a.nodeLevel - b.nodeLevel)[0];
  if (lowest !== undefined) {
    const { first, last } = coveredEntries(lowest);
    failures.push({
      code: 'entry_altered',
      index: first,
      message:
        lowest.nodeLevel === 0
          ? `Entry ${first} does not hash to the leaf hash in ${lowest.path}.`
          : `Entries ${first} to ${last} do not hash to level ${lowest.nodeLevel} node ${lowest.nodeIndex} in ${lowest.path}.`,
    });
  }
  failures.push({
    code: 'checkpoint_root_mismatch',
    ...(lowest === undefined ? {} : { index: coveredEntries(lowest).first }),
    message: `The ${size} entries served do not hash to the signed root.`,
  });
  return failures;
}
