import { hashChildren, hashEmptyTree, merkleHashSize } from './ledger.merkle.js';

/**
 * Proof verification as RFC 9162 §2.1.3.2 and §2.1.4.2 write it. Inputs may come from anyone, so every
 * malformed value (wrong type, wrong hash length, index or size out of range) answers false instead of throwing.
 * @NOTE Sizes and indices are JavaScript numbers: above 2^53 − 1 they are refused, not rounded.
 */

function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === merkleHashSize;
}

function isHashList(value: unknown): value is readonly Uint8Array[] {
  return Array.isArray(value) && value.every(isHash);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function areEqual(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

export function verifyInclusion({
  leafHash,
  leafIndex,
  treeSize,
  proof,
  rootHash,
}: {
  leafHash: Uint8Array;
  leafIndex: number;
  treeSize: number;
  proof: readonly Uint8Array[];
  rootHash: Uint8Array;
}): boolean {
  if (!isHash(leafHash) || !isHash(rootHash) || !isHashList(proof)) return false;
  if (!isCount(leafIndex) || !isCount(treeSize) || leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r: Uint8Array = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && areEqual(r, rootHash);
}

/**
 * Proves that the tree of oldSize leaves with oldRoot is a prefix of the tree of newSize leaves with newRoot.
 * @NOTE RFC 9162 defines the algorithm for 0 < oldSize < newSize. Equal sizes need an empty proof and equal
 * roots; an old size of 0 needs an empty proof and the empty tree's root, since any tree extends it.
 */
export function verifyConsistency({
  oldSize,
  newSize,
  oldRoot,
  newRoot,
  proof,
}: {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: readonly Uint8Array[];
}): boolean {
  if (!isHash(oldRoot) || !isHash(newRoot) || !isHashList(proof)) return false;
  if (!isCount(oldSize) || !isCount(newSize) || oldSize > newSize) return false;
  if (oldSize === 0) return proof.length === 0 && areEqual(oldRoot, hashEmptyTree());
  if (oldSize === newSize) return proof.length === 0 && areEqual(oldRoot, newRoot);
  return verifyGrowth({ oldSize, newSize, oldRoot, newRoot, proof });
}

/** RFC 9162 §2.1.4.2 for 0 < oldSize < newSize. */
function verifyGrowth({
  oldSize,
  newSize,
  oldRoot,
  newRoot,
  proof,
}: {
  oldSize: number;
  newSize: number;
  oldRoot: Uint8Array;
  newRoot: Uint8Array;
  proof: readonly Uint8Array[];
}): boolean {
  if (proof.length === 0) return false;
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const [first, ...rest] = path;
  if (first === undefined) return false;
  let fr: Uint8Array = first;
  let sr: Uint8Array = first;
  for (const c of rest) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && areEqual(fr, oldRoot) && areEqual(sr, newRoot);
}

function isPowerOfTwo(n: number): boolean {
  let value = n;
  while (value > 1 && !isOdd(value)) value = half(value);
  return value === 1;
}
