import { describe, expect, test } from 'vitest';
import { createMemoryMerkleTree } from './ledger.merkle-memory.js';
import { verifyConsistency, verifyInclusion } from './ledger.merkle-verify.js';
import {
  computeTreeRoot,
  generateConsistencyProof,
  generateInclusionProof,
  hashChildren,
  hashLeaf,
} from './ledger.merkle.js';

// A literal transcription of RFC 6962 §2.1's recursive definitions over plain leaf-hash lists: slow, obviously
// right, and independent of the subtree planning the code uses.
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function referenceRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0] as Buffer;
  const k = split(leaves.length);
  return hashChildren(referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

function referencePath(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

function referenceSubproof(m: number, leaves: readonly Buffer[], isOldRoot: boolean): Buffer[] {
  if (m === leaves.length) return isOldRoot ? [] : [referenceRoot(leaves)];
  const k = split(leaves.length);
  return m <= k
    ? [...referenceSubproof(m, leaves.slice(0, k), isOldRoot), referenceRoot(leaves.slice(k))]
    : [...referenceSubproof(m - k, leaves.slice(k), false), referenceRoot(leaves.slice(0, k))];
}

const toHex = (hashes: readonly Buffer[]): string[] => hashes.map((hash) => hash.toString('hex'));

const maxSize = 70;
const leafHashes = Array.from({ length: maxSize }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));
const tree = createMemoryMerkleTree({ leafHashes });
const { readSubtreeHash } = tree;
const roots = Array.from({ length: maxSize + 1 }, (_, size) =>
  computeTreeRoot({ treeSize: size, readSubtreeHash }),
);
const sizes = Array.from({ length: maxSize }, (_, i) => i + 1);

/** A copy of the hash with one bit flipped; `variant` walks through every byte and bit position. */
function flipByte(hash: Buffer, variant: number): Buffer {
  const copy = Buffer.from(hash);
  const at = variant % copy.length;
  copy[at] = (copy[at] ?? 0) ^ (1 << (variant % 8));
  return copy;
}

function tamper(proof: readonly Buffer[], element: number, variant: number): Buffer[] {
  return proof.map((hash, i) => (i === element ? flipByte(hash, variant) : hash));
}

describe('Merkle proofs for every tree up to 70 leaves', () => {
  test('roots equal the RFC 6962 recursive definition for every size', () => {
    for (const size of sizes) expect(roots[size]).toEqual(referenceRoot(leafHashes.slice(0, size)));
  });

  test('every inclusion proof equals the RFC 6962 PATH and verifies; a changed byte, index or size does not', () => {
    let variant = 0;
    for (const treeSize of sizes) {
      const rootHash = roots[treeSize] as Buffer;
      for (let leafIndex = 0; leafIndex < treeSize; leafIndex += 1) {
        const leafHash = leafHashes[leafIndex] as Buffer;
        const proof = generateInclusionProof({ leafIndex, treeSize, readSubtreeHash });
        expect(toHex(proof)).toEqual(toHex(referencePath(leafIndex, leafHashes.slice(0, treeSize))));
        const valid = { leafHash, leafIndex, treeSize, proof, rootHash };
        expect(verifyInclusion(valid)).toBe(true);
        for (let element = 0; element < proof.length; element += 1) {
          expect(verifyInclusion({ ...valid, proof: tamper(proof, element, (variant += 1)) })).toBe(false);
        }
        expect(verifyInclusion({ ...valid, leafHash: flipByte(leafHash, (variant += 1)) })).toBe(false);
        expect(verifyInclusion({ ...valid, rootHash: flipByte(rootHash, (variant += 1)) })).toBe(false);
        for (const otherIndex of [leafIndex - 1, leafIndex + 1]) {
          expect(verifyInclusion({ ...valid, leafIndex: otherIndex })).toBe(false);
        }
        // @NOTE With the root left unchanged a proof can also fit another size: the signed checkpoint binds the
        // size to the root, never the proof alone.
        for (const otherSize of [treeSize - 1, treeSize + 1].filter((size) => size <= maxSize)) {
          expect(
            verifyInclusion({ ...valid, treeSize: otherSize, rootHash: roots[otherSize] as Buffer }),
          ).toBe(false);
        }
      }
    }
  });

  test('every consistency proof equals the RFC 6962 PROOF and verifies; a changed byte or size does not', () => {
    let variant = 0;
    for (const newSize of sizes) {
      for (let oldSize = 0; oldSize <= newSize; oldSize += 1) {
        const proof = generateConsistencyProof({ oldSize, newSize, readSubtreeHash });
        const expected = oldSize === 0 ? [] : referenceSubproof(oldSize, leafHashes.slice(0, newSize), true);
        expect(toHex(proof)).toEqual(toHex(expected));
        const valid = {
          oldSize,
          newSize,
          oldRoot: roots[oldSize] as Buffer,
          newRoot: roots[newSize] as Buffer,
          proof,
        };
        expect(verifyConsistency(valid)).toBe(true);
        for (let element = 0; element < proof.length; element += 1) {
          expect(verifyConsistency({ ...valid, proof: tamper(proof, element, (variant += 1)) })).toBe(false);
        }
        expect(verifyConsistency({ ...valid, oldRoot: flipByte(valid.oldRoot, (variant += 1)) })).toBe(false);
        // Any tree extends the empty one, so only a non-empty old tree pins the new root.
        const newRootMatters = oldSize > 0;
        expect(verifyConsistency({ ...valid, newRoot: flipByte(valid.newRoot, (variant += 1)) })).toBe(
          !newRootMatters,
        );
        if (oldSize > 0 && oldSize < newSize) {
          for (const otherOld of [oldSize - 1, oldSize + 1]) {
            expect(verifyConsistency({ ...valid, oldSize: otherOld })).toBe(false);
            expect(
              verifyConsistency({ ...valid, oldSize: otherOld, oldRoot: roots[otherOld] as Buffer }),
            ).toBe(false);
          }
        }
      }
    }
  });

  test('for small trees, flipping any single byte of any proof element is detected', () => {
    for (const treeSize of sizes.slice(0, 16)) {
      for (let leafIndex = 0; leafIndex < treeSize; leafIndex += 1) {
        const proof = generateInclusionProof({ leafIndex, treeSize, readSubtreeHash });
        const valid = {
          leafHash: leafHashes[leafIndex] as Buffer,
          leafIndex,
          treeSize,
          rootHash: roots[treeSize] as Buffer,
        };
        for (let element = 0; element < proof.length; element += 1) {
          for (let byte = 0; byte < 32; byte += 1) {
            expect(verifyInclusion({ ...valid, proof: tamper(proof, element, byte * 9) })).toBe(false);
          }
        }
      }
    }
  });
});

describe('proof cost in a large log', () => {
  test('a proof in a log of a million entries reads at most 2·log2(n) stored hashes, in well under a millisecond', () => {
    const treeSize = 1_000_003;
    const bound = 2 * Math.ceil(Math.log2(treeSize));
    const stored = hashLeaf(Buffer.from('stored subtree'));
    let reads = 0;
    const countingReader = (): Buffer => {
      reads += 1;
      return stored;
    };
    const rounds = 1000;
    const started = performance.now();
    for (let round = 0; round < rounds; round += 1) {
      reads = 0;
      const leafIndex = (round * 7919) % treeSize;
      generateInclusionProof({ leafIndex, treeSize, readSubtreeHash: countingReader });
      expect(reads).toBeLessThanOrEqual(bound);
      reads = 0;
      const oldSize = 1 + ((round * 104_729) % (treeSize - 1));
      generateConsistencyProof({ oldSize, newSize: treeSize, readSubtreeHash: countingReader });
      expect(reads).toBeLessThanOrEqual(bound);
    }
    expect((performance.now() - started) / rounds).toBeLessThan(1);
  });
});
