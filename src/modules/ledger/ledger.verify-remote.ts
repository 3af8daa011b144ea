import { isWritError } from '../../shared/errors/errors.js';
import { openCheckpoint } from './ledger.checkpoint.js';
import { checkCosignatures, type CosignerVerifier } from './ledger.cosignatures.js';
import { createMemoryMerkleTree } from './ledger.merkle-memory.js';
import { computeTreeRoot, hashLeaf, merkleHashSize } from './ledger.merkle.js';
import type { NoteVerifier } from './ledger.note-keys.js';
import { decodeEntryBundle, formatTilePath, tileWidth } from './ledger.tiles.js';

/** Reads `<base>/<path>` of a published log; undefined when the server has no such resource (404). */
export type LedgerFetcher = (path: string) => Promise<Buffer | undefined>;

export type RemoteVerificationReport = {
  size: number | undefined;
  failures: { code: string; index?: number; message: string }[];
  cosignatures: { valid: number; required: number };
};

/**
 * Verifies a log through what it publishes (c2sp.org/tlog-tiles): the checkpoint's signature with the pinned
 * key, every entry bundle against the level-0 hash tiles (naming the first bad index), the root recomputed
 * from the entries against the signed root, and at least `minWitnesses` cosignatures from trusted witnesses.
 * @NOTE Holds one leaf hash per entry in memory; the hash tiles above level 0 are not needed.
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
  const leafHashes: Buffer[] = [];
  let firstBad: number | undefined;
  for (let tile = 0; tile * tileWidth < size; tile += 1) {
    const width = Math.min(tileWidth, size - tile * tileWidth);
    const first = tile * tileWidth;
    const bundle = await fetch(`tile/${formatTilePath({ kind: 'entries', level: 0, index: tile, width })}`);
    const entries = bundle === undefined ? undefined : decodeEntryBundle(bundle);
    if (entries?.length !== width) {
      failures.push({
        code: 'entry_bundle_invalid',
        index: first,
        message: `The entry bundle from index ${first} is missing or does not hold ${width} entries.`,
      });
      return report(size, valid.length);
    }
    const hashes = entries.map((entry) => hashLeaf(entry));
    leafHashes.push(...hashes);
    const tileHashes = await fetch(
      `tile/${formatTilePath({ kind: 'hashes', level: 0, index: tile, width })}`,
    );
    if (firstBad !== undefined) continue;
    const mismatch = hashes.findIndex(
      (hash, i) => tileHashes?.subarray(i * merkleHashSize, (i + 1) * merkleHashSize).equals(hash) !== true,
    );
    if (mismatch >= 0) firstBad = first + mismatch;
  }
  const root = computeTreeRoot({
    treeSize: size,
    readSubtreeHash: createMemoryMerkleTree({ leafHashes }).readSubtreeHash,
  });
  if (firstBad !== undefined) {
    failures.push({
      code: 'entry_altered',
      index: firstBad,
      message: `Entry ${firstBad} does not hash to the leaf hash in the level-0 tile.`,
    });
  }
  if (!root.equals(checkpoint.rootHash)) {
    failures.push({
      code: 'checkpoint_root_mismatch',
      ...(firstBad === undefined ? {} : { index: firstBad }),
      message: `The ${size} entries served do not hash to the signed root.`,
    });
  }
  return report(size, valid.length);
}
