import { createHash, hash as hashOnce } from 'node:crypto';
import { createProofRequestInvalidError, createSubtreeUnavailableError } from './ledger.errors.js';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing over SHA-256.
 * @NOTE The 0x00 / 0x01 prefixes and the split rule are what every published root and proof commits to:
 * changing either invalidates all checkpoints, receipts and proofs ever issued.
 */
export const merkleHashSize = 32;

// One-shot `crypto.hash` over a reused input buffer: no Hash object per node, about half the cost of
// `createHash().update().digest()` on inputs this small. Safe to share: hashing is synchronous.
let leafInput = Buffer.alloc(4096);
const nodeInput = Buffer.alloc(1 + 2 * merkleHashSize);
nodeInput[0] = 0x01;

function leafInputOfLength(length: number): Buffer {
  if (leafInput.length < length) leafInput = Buffer.alloc(Math.max(length, 2 * leafInput.length));
  leafInput[0] = 0x00;
  return leafInput;
}

/** SHA-256(0x00 ‖ entry). */
export function hashLeaf(entry: Uint8Array): Buffer {
  const input = leafInputOfLength(entry.length + 1);
  input.set(entry, 1);
  return hashOnce('sha256', input.subarray(0, entry.length + 1), 'buffer');
}

/** SHA-256(0x00 ‖ UTF-8(entry)), the same as `hashLeaf(Buffer.from(entry, 'utf8'))` without the copy. */
export function hashLeafText(entry: string): Buffer {
  // A UTF-16 code unit never takes more than 3 bytes in UTF-8 (a lone surrogate becomes U+FFFD, 3 bytes).
  const input = leafInputOfLength(1 + 3 * entry.length);
  const length = input.write(entry, 1, 'utf8');
  return hashOnce('sha256', input.subarray(0, length + 1), 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== merkleHashSize || right.length !== merkleHashSize) {
    return createHash('sha256').update(nodeInput.subarray(0, 1)).update(left).update(right).digest();
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + merkleHashSize);
  return hashOnce('sha256', nodeInput, 'buffer');
}

/**
 * SHA-256(0x01 ‖ left ‖ right) where left and right are the adjacent 32-byte hashes starting at `offset` in
 * `level` (a level of a tree held as one buffer): no slice is allocated.
 */
export function hashAdjacentChildren(level: Buffer, offset: number): Buffer {
  level.copy(nodeInput, 1, offset, offset + 2 * merkleHashSize);
  return hashOnce('sha256', nodeInput, 'buffer');
}

/** MTH({}) = SHA-256 of the empty string (RFC 6962 §2.1). */
export function hashEmptyTree(): Buffer {
  return createHash('sha256').digest();
}

/**
 * A perfect subtree of the log: the 2^level leaves starting at leaf index × 2^level. Its hash never changes
 * once those leaves exist, so a store can keep it (in tiles) and proofs only ever read such hashes.
 */
export type SubtreeId = { readonly level: number; readonly index: number };

/** Reads the hash of a perfect subtree; a store answers from stored hashes, without hashing leaves again. */
export type SubtreeHashReader = (id: SubtreeId) => Uint8Array;

/**
 * A proof to be filled from a store: each element is the Merkle hash of these perfect subtrees, listed left to
 * right. A store can fetch every id at once (`plan.flat()`) before `buildProof` hashes them.
 */
export type ProofPlan = readonly (readonly SubtreeId[])[];

/** The largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a list of n leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function largestPowerOfTwoAtMost(n: number): { size: number; level: number } {
  let size = 1;
  let level = 0;
  while (size * 2 <= n) {
    size *= 2;
    level += 1;
  }
  return { size, level };
}

/**
 * The perfect subtrees, largest first, whose right-nested hash is MTH(D[start:end]).
 * @NOTE Only called for ranges RFC 6962's recursion produces, whose start is a multiple of a power of two at
 * least end - start; every piece is then aligned to its own size, so `index` is an integer.
 */
function decomposeRange(start: number, end: number): SubtreeId[] {
  const pieces: SubtreeId[] = [];
  let offset = start;
  while (offset < end) {
    const { size, level } = largestPowerOfTwoAtMost(end - offset);
    pieces.push({ level, index: offset / size });
    offset += size;
  }
  return pieces;
}

function isTreeSize(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** The subtrees whose hash is the root of the first treeSize leaves (none for the empty tree). */
export function planTreeRoot({ treeSize }: { treeSize: number }): readonly SubtreeId[] {
  if (!isTreeSize(treeSize)) {
    throw createProofRequestInvalidError({ message: 'A tree size is a whole number ≥ 0.' });
  }
  return decomposeRange(0, treeSize);
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), leaf to root, as subtree ranges. */
export function planInclusionProof({
  leafIndex,
  treeSize,
}: {
  leafIndex: number;
  treeSize: number;
}): ProofPlan {
  if (!isTreeSize(treeSize) || !isTreeSize(leafIndex) || leafIndex >= treeSize) {
    throw createProofRequestInvalidError({
      message: `No inclusion proof exists for leaf ${leafIndex} in a tree of ${treeSize} leaves.`,
    });
  }
  const rootToLeaf: SubtreeId[][] = [];
  let start = 0;
  let size = treeSize;
  let index = leafIndex;
  while (size > 1) {
    const k = splitPoint(size);
    if (index < k) {
      rootToLeaf.push(decomposeRange(start + k, start + size));
      size = k;
    } else {
      rootToLeaf.push(decomposeRange(start, start + k));
      start += k;
      index -= k;
      size -= k;
    }
  }
  return rootToLeaf.reverse();
}

/** RFC 6962 §2.1.2 PROOF(m, D[n]) = SUBPROOF(m, D[n], true); empty when m is 0 or m equals n. */
export function planConsistencyProof({ oldSize, newSize }: { oldSize: number; newSize: number }): ProofPlan {
  if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize) {
    throw createProofRequestInvalidError({
      message: `No consistency proof exists from a tree of ${oldSize} leaves to one of ${newSize}.`,
    });
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const rootToLeaf: SubtreeId[][] = [];
  let start = 0;
  let size = newSize;
  let remaining = oldSize;
  let isWholeOldTree = true;
  while (remaining !== size) {
    const k = splitPoint(size);
    if (remaining <= k) {
      rootToLeaf.push(decomposeRange(start + k, start + size));
      size = k;
    } else {
      rootToLeaf.push(decomposeRange(start, start + k));
      start += k;
      remaining -= k;
      size -= k;
      isWholeOldTree = false;
    }
  }
  // The verifier already holds the old root; any other subtree where the recursion stops must be sent.
  if (!isWholeOldTree) rootToLeaf.push(decomposeRange(start, start + size));
  return rootToLeaf.reverse();
}

/** The Merkle hash of adjacent perfect subtrees listed left to right (RFC 6962's split nests to the right). */
export function hashSubtrees({
  ids,
  readSubtreeHash,
}: {
  ids: readonly SubtreeId[];
  readSubtreeHash: SubtreeHashReader;
}): Buffer {
  let hash: Uint8Array | undefined;
  for (const id of ids.toReversed()) {
    const subtree = readSubtreeHash(id);
    if (subtree.length !== merkleHashSize) {
      throw createSubtreeUnavailableError({
        message: `The stored hash of subtree ${id.level}/${id.index} is ${subtree.length} bytes, not ${merkleHashSize}.`,
      });
    }
    hash = hash === undefined ? subtree : hashChildren(subtree, hash);
  }
  return hash === undefined ? hashEmptyTree() : Buffer.from(hash);
}

export function buildProof({
  plan,
  readSubtreeHash,
}: {
  plan: ProofPlan;
  readSubtreeHash: SubtreeHashReader;
}): Buffer[] {
  return plan.map((ids) => hashSubtrees({ ids, readSubtreeHash }));
}

export function generateInclusionProof({
  leafIndex,
  treeSize,
  readSubtreeHash,
}: {
  leafIndex: number;
  treeSize: number;
  readSubtreeHash: SubtreeHashReader;
}): Buffer[] {
  return buildProof({ plan: planInclusionProof({ leafIndex, treeSize }), readSubtreeHash });
}

export function generateConsistencyProof({
  oldSize,
  newSize,
  readSubtreeHash,
}: {
  oldSize: number;
  newSize: number;
  readSubtreeHash: SubtreeHashReader;
}): Buffer[] {
  return buildProof({ plan: planConsistencyProof({ oldSize, newSize }), readSubtreeHash });
}

export function computeTreeRoot({
  treeSize,
  readSubtreeHash,
}: {
  treeSize: number;
  readSubtreeHash: SubtreeHashReader;
}): Buffer {
  return hashSubtrees({ ids: planTreeRoot({ treeSize }), readSubtreeHash });
}
