import { createSubtreeUnavailableError } from './ledger.errors.js';
import { hashChildren, merkleHashSize, type SubtreeHashReader, type SubtreeId } from './ledger.merkle.js';

export type MemoryMerkleTree = {
  readonly size: number;
  readonly readSubtreeHash: SubtreeHashReader;
};

/**
 * Holds every perfect subtree hash of a list of leaf hashes, level by level, as a tile store will on disk:
 * building costs one hash per node, every read afterwards none.
 */
export function createMemoryMerkleTree({
  leafHashes,
}: {
  leafHashes: readonly Uint8Array[];
}): MemoryMerkleTree {
  for (const leafHash of leafHashes) {
    if (leafHash.length !== merkleHashSize) {
      throw createSubtreeUnavailableError({ message: `A leaf hash is ${leafHash.length} bytes, not 32.` });
    }
  }
  const leaves = [...leafHashes];
  const levels: Uint8Array[][] = [leaves];
  let below = leaves;
  while (below.length >= 2) {
    const above: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) {
      above.push(hashChildren(below[i] as Uint8Array, below[i + 1] as Uint8Array));
    }
    levels.push(above);
    below = above;
  }

  function readSubtreeHash({ level, index }: SubtreeId): Uint8Array {
    const hash = Number.isInteger(index) ? levels[level]?.[index] : undefined;
    if (hash === undefined) {
      throw createSubtreeUnavailableError({
        message: `Subtree ${level}/${index} is not complete in a tree of ${leafHashes.length} leaves.`,
      });
    }
    return hash;
  }

  return { size: leafHashes.length, readSubtreeHash };
}
