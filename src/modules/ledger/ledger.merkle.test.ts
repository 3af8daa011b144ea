import { describe, expect, test } from 'vitest';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { createMemoryMerkleTree } from './ledger.merkle-memory.js';
import { verifyConsistency, verifyInclusion } from './ledger.merkle-verify.js';
import {
  computeTreeRoot,
  generateConsistencyProof,
  generateInclusionProof,
  hashChildren,
  hashEmptyTree,
  hashLeaf,
  planConsistencyProof,
  planInclusionProof,
} from './ledger.merkle.js';
import {
  emptyTreeRootHex,
  hasherVectors,
  referenceConsistencyProofs,
  referenceInclusionProofs,
  referenceLeavesHex,
  referenceRootsHex,
} from './ledger.merkle.vectors.js';

const fromHex = (hex: string): Buffer => Buffer.from(hex, 'hex');
const toHex = (hashes: readonly Uint8Array[]): string[] =>
  hashes.map((hash) => Buffer.from(hash).toString('hex'));

const leafHashes = referenceLeavesHex.map((entry) => hashLeaf(fromHex(entry)));
const tree = createMemoryMerkleTree({ leafHashes });
const rootOf = (size: number): Buffer =>
  size === 0 ? fromHex(emptyTreeRootHex) : fromHex(referenceRootsHex[size - 1] ?? '');
const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');

function flipBit(proof: readonly Uint8Array[], at: number): Buffer[] {
  return proof.map((hash, i) => {
    const copy = Buffer.from(hash);
    if (i === at) copy[0] = (copy[0] ?? 0) ^ 0x08;
    return copy;
  });
}

describe('RFC 6962 hashing', () => {
  test('leaf and node hashes match the reference hasher of transparency-dev/merkle', () => {
    expect(hashLeaf(Buffer.from(hasherVectors.leaf.entryUtf8)).toString('hex')).toBe(
      hasherVectors.leaf.hashHex,
    );
    expect(hashLeaf(Buffer.alloc(0)).toString('hex')).toBe(hasherVectors.emptyLeafHashHex);
    const { leftUtf8, rightUtf8, hashHex } = hasherVectors.node;
    expect(hashChildren(Buffer.from(leftUtf8), Buffer.from(rightUtf8)).toString('hex')).toBe(hashHex);
  });

  test('the empty tree has the root SHA-256(""), which differs from the hash of an empty entry', () => {
    expect(hashEmptyTree().toString('hex')).toBe(emptyTreeRootHex);
    expect(computeTreeRoot({ treeSize: 0, readSubtreeHash: tree.readSubtreeHash }).toString('hex')).toBe(
      emptyTreeRootHex,
    );
    expect(hashEmptyTree().equals(hashLeaf(Buffer.alloc(0)))).toBe(false);
  });

  test('the roots of the first 1 to 8 reference entries are the published roots', () => {
    const roots = [1, 2, 3, 4, 5, 6, 7, 8].map((treeSize) =>
      computeTreeRoot({ treeSize, readSubtreeHash: tree.readSubtreeHash }).toString('hex'),
    );
    expect(roots).toEqual(referenceRootsHex);
  });

  test('a root beyond the stored leaves is refused with an internal error, not computed from nothing', () => {
    expect.assertions(1);
    try {
      computeTreeRoot({ treeSize: 9, readSubtreeHash: tree.readSubtreeHash });
    } catch (error) {
      expect(isErrorWithCode({ error, code: 'ledger.subtree_unavailable' })).toBe(true);
    }
  });
});

describe('inclusion proofs', () => {
  test.each(referenceInclusionProofs)(
    'the proof for leaf $leafIndex of $treeSize is the published one and verifies',
    ({ leafIndex, treeSize, proofHex }) => {
      const proof = generateInclusionProof({ leafIndex, treeSize, readSubtreeHash: tree.readSubtreeHash });
      expect(toHex(proof)).toEqual(proofHex);
      const leafHash = leafHashes[leafIndex] ?? Buffer.alloc(0);
      expect(verifyInclusion({ leafHash, leafIndex, treeSize, proof, rootHash: rootOf(treeSize) })).toBe(
        true,
      );
    },
  );

  test.each(referenceInclusionProofs)(
    'the published proof for leaf $leafIndex of $treeSize fails once any part is tampered with',
    ({ leafIndex, treeSize, proofHex }) => {
      const proof = proofHex.map(fromHex);
      const rootHash = rootOf(treeSize);
      const leafHash = leafHashes[leafIndex] ?? Buffer.alloc(0);
      const valid = { leafHash, leafIndex, treeSize, proof, rootHash };
      const tampered = [
        { ...valid, leafIndex: leafIndex - 1 },
        { ...valid, leafIndex: leafIndex + 1 },
        { ...valid, leafIndex: leafIndex ^ 2 },
        { ...valid, treeSize: treeSize * 2 },
        { ...valid, treeSize: Math.floor(treeSize / 2) },
        { ...valid, leafHash: Buffer.from('WrongLeaf') },
        { ...valid, leafHash: someHash },
        { ...valid, rootHash: fromHex(emptyTreeRootHex) },
        { ...valid, rootHash: someHash },
        { ...valid, proof: [...proof, Buffer.alloc(0)] },
        { ...valid, proof: [...proof, rootHash] },
        { ...valid, proof: [Buffer.alloc(0), ...proof] },
        { ...valid, proof: [rootHash, ...proof] },
        { ...valid, proof: proof.slice(0, -1) },
        { ...valid, proof: [proof[0] ?? someHash, someHash, ...proof.slice(1)] },
        ...proof.map((_, at) => ({ ...valid, proof: flipBit(proof, at) })),
      ];
      expect(verifyInclusion(valid)).toBe(true);
      for (const probe of tampered) expect(verifyInclusion(probe)).toBe(false);
    },
  );

  test('the single leaf of a one-leaf tree is proved by an empty proof and its hash as root', () => {
    const leafHash = hashLeaf(Buffer.from('data'));
    const valid = { leafHash, leafIndex: 0, treeSize: 1, proof: [], rootHash: leafHash };
    expect(verifyInclusion(valid)).toBe(true);
    expect(verifyInclusion({ ...valid, rootHash: Buffer.alloc(0) })).toBe(false);
    expect(verifyInclusion({ ...valid, leafHash: Buffer.alloc(0) })).toBe(false);
  });

  test('an index at or beyond the size, or an empty tree, never verifies', () => {
    for (const [leafIndex, treeSize] of [
      [0, 0],
      [1, 0],
      [1, 1],
      [2, 1],
    ] as const) {
      expect(
        verifyInclusion({ leafHash: someHash, leafIndex, treeSize, proof: [], rootHash: someHash }),
      ).toBe(false);
    }
  });

  test('hostile values (wrong types, non-integers, unsafe integers) answer false instead of throwing', () => {
    const valid = { leafHash: someHash, leafIndex: 0, treeSize: 1, proof: [], rootHash: someHash };
    const hostile: unknown[] = [
      { ...valid, leafIndex: 0.5 },
      { ...valid, leafIndex: Number.NaN },
      { ...valid, treeSize: Number.POSITIVE_INFINITY },
      { ...valid, treeSize: 2 ** 53, leafIndex: 2 ** 53 - 1 },
      { ...valid, leafIndex: '0' },
      { ...valid, proof: 'not a list' },
      { ...valid, proof: [null] },
      { ...valid, proof: [someHash.toString('hex')] },
      { ...valid, leafHash: someHash.toString('hex') },
      { ...valid, rootHash: undefined },
    ];
    expect(verifyInclusion(valid)).toBe(true);
    for (const probe of hostile)
      expect(verifyInclusion(probe as Parameters<typeof verifyInclusion>[0])).toBe(false);
  });

  test('asking for a proof of a leaf at or beyond the tree size is a typed request error', () => {
    for (const [leafIndex, treeSize] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [8, 7],
      [-1, 3],
      [0.5, 3],
    ] as const) {
      expect
        .soft(() => planInclusionProof({ leafIndex, treeSize }))
        .toThrow(expect.objectContaining({ code: 'ledger.proof_request_invalid', status: 400 }));
    }
  });
});

describe('consistency proofs', () => {
  test.each(referenceConsistencyProofs)(
    'the proof from $oldSize to $newSize leaves is the published one and verifies',
    ({ oldSize, newSize, proofHex }) => {
      const proof = generateConsistencyProof({ oldSize, newSize, readSubtreeHash: tree.readSubtreeHash });
      expect(toHex(proof)).toEqual(proofHex);
      const roots = { oldRoot: rootOf(oldSize), newRoot: rootOf(newSize) };
      expect(verifyConsistency({ oldSize, newSize, ...roots, proof })).toBe(true);
    },
  );

  test.each(referenceConsistencyProofs.filter(({ proofHex }) => proofHex.length > 0))(
    'the published proof from $oldSize to $newSize fails once any part is tampered with',
    ({ oldSize, newSize, proofHex }) => {
      const proof = proofHex.map(fromHex);
      const oldRoot = rootOf(oldSize);
      const newRoot = rootOf(newSize);
      const valid = { oldSize, newSize, oldRoot, newRoot, proof };
      const tampered = [
        { ...valid, oldSize: oldSize - 1 },
        { ...valid, oldSize: oldSize + 1 },
        { ...valid, oldSize: oldSize ^ 2 },
        { ...valid, newSize: newSize * 2 },
        { ...valid, newSize: Math.floor(newSize / 2) },
        { ...valid, oldRoot: Buffer.from('WrongRoot') },
        { ...valid, newRoot: Buffer.from('WrongRoot') },
        { ...valid, oldRoot: newRoot, newRoot: oldRoot },
        { ...valid, proof: [] },
        { ...valid, proof: [...proof, Buffer.alloc(0)] },
        { ...valid, proof: [...proof, oldRoot] },
        { ...valid, proof: [...proof, newRoot] },
        { ...valid, proof: [Buffer.alloc(0), ...proof] },
        { ...valid, proof: [oldRoot, ...proof] },
        { ...valid, proof: [newRoot, ...proof] },
        { ...valid, proof: [proof[0] ?? someHash, ...proof] },
        { ...valid, proof: proof.slice(0, -1) },
        ...proof.map((_, at) => ({ ...valid, proof: flipBit(proof, at) })),
      ];
      expect(verifyConsistency(valid)).toBe(true);
      for (const probe of tampered) expect(verifyConsistency(probe)).toBe(false);
    },
  );

  test('equal sizes need equal roots and an empty proof; growing from empty needs the empty root', () => {
    const empty = hashEmptyTree();
    const [a, b] = [rootOf(1), rootOf(2)];
    expect(verifyConsistency({ oldSize: 0, newSize: 0, oldRoot: empty, newRoot: empty, proof: [] })).toBe(
      true,
    );
    expect(verifyConsistency({ oldSize: 0, newSize: 5, oldRoot: empty, newRoot: rootOf(5), proof: [] })).toBe(
      true,
    );
    expect(verifyConsistency({ oldSize: 0, newSize: 5, oldRoot: a, newRoot: rootOf(5), proof: [] })).toBe(
      false,
    );
    expect(verifyConsistency({ oldSize: 0, newSize: 1, oldRoot: empty, newRoot: a, proof: [empty] })).toBe(
      false,
    );
    expect(verifyConsistency({ oldSize: 1, newSize: 1, oldRoot: a, newRoot: a, proof: [] })).toBe(true);
    expect(verifyConsistency({ oldSize: 1, newSize: 1, oldRoot: a, newRoot: b, proof: [] })).toBe(false);
    expect(verifyConsistency({ oldSize: 1, newSize: 1, oldRoot: a, newRoot: a, proof: [a] })).toBe(false);
    expect(verifyConsistency({ oldSize: 1, newSize: 2, oldRoot: a, newRoot: b, proof: [] })).toBe(false);
  });

  test('a newer tree smaller than the older one never verifies, and asking for such a proof is a typed error', () => {
    const [a, b] = [rootOf(1), rootOf(2)];
    expect(verifyConsistency({ oldSize: 1, newSize: 0, oldRoot: a, newRoot: b, proof: [] })).toBe(false);
    expect(verifyConsistency({ oldSize: 2, newSize: 1, oldRoot: b, newRoot: a, proof: [] })).toBe(false);
    expect(() => planConsistencyProof({ oldSize: 9, newSize: 8 })).toThrow(
      expect.objectContaining({ code: 'ledger.proof_request_invalid' }),
    );
    expect(() => planConsistencyProof({ oldSize: 5, newSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ledger.proof_request_invalid' }),
    );
  });
});
