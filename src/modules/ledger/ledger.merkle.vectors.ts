/**
 * Published RFC 6962 known-answer data, copied as data only (hex strings), no code.
 *
 * Source: github.com/transparency-dev/merkle (Apache License 2.0, Copyright 2016–2017 Google LLC)
 * - proof/verify_test.go @ 02194e9afb6c1d95b5381350007963aa70fff472: leaves, roots, inclusion and
 *   consistency proofs. The same reference tree first appeared in github.com/google/certificate-transparency
 *   cpp/merkletree/merkle_tree_test.cc (Apache License 2.0), kInputs / kSHA256Roots.
 * - rfc6962/rfc6962_test.go @ 78493b07ef9b552e3379abf9e23d4da26fbe797c: single leaf and node hashes.
 *
 * @NOTE Upstream numbers leaves from 1 in its inclusion vectors; here `leafIndex` counts from 0 like the code.
 */

export const emptyTreeRootHex = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The eight entries of the reference tree, in order. */
export const referenceLeavesHex: readonly string[] = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];

/** Root of the first n entries, for n = 1..8 (index n - 1). */
export const referenceRootsHex: readonly string[] = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

export const referenceInclusionProofs: readonly {
  leafIndex: number;
  treeSize: number;
  proofHex: readonly string[];
}[] = [
  {
    leafIndex: 0,
    treeSize: 8,
    proofHex: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leafIndex: 5,
    treeSize: 8,
    proofHex: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    leafIndex: 2,
    treeSize: 3,
    proofHex: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
  },
  {
    leafIndex: 1,
    treeSize: 5,
    proofHex: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

export const referenceConsistencyProofs: readonly {
  oldSize: number;
  newSize: number;
  proofHex: readonly string[];
}[] = [
  { oldSize: 1, newSize: 1, proofHex: [] },
  {
    oldSize: 1,
    newSize: 8,
    proofHex: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proofHex: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proofHex: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proofHex: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

/** rfc6962_test.go: SHA-256(0x00 ‖ "L123456"), SHA-256(0x00), and SHA-256(0x01 ‖ "N123" ‖ "N456"). */
export const hasherVectors = {
  leaf: { entryUtf8: 'L123456', hashHex: '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56' },
  emptyLeafHashHex: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  node: {
    leftUtf8: 'N123',
    rightUtf8: 'N456',
    hashHex: 'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
  },
} as const;
