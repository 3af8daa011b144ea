import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  headerLength,
  segmentCiphertextStart,
  segmentPlaintextSize,
  segmentPlaintextStart,
} from './vault.streaming-aead.layout.js';
import {
  createSeededRandom,
  decryptWith,
  encryptWith,
  expectIntegrityFailure,
  smallParameters,
} from './vault.streaming-aead.test-utils.js';

const params = smallParameters;
const key = randomBytes(32);
const associatedData = Buffer.from('writ-doc-v1:doc_tamper:3', 'utf8');
// Four segments: 40 + 80 + 80 plaintext bytes in full segments, then 30 in the last.
const plaintext = randomBytes(segmentPlaintextSize(params, 0) + 2 * segmentPlaintextSize(params, 1) + 30);
const segmentCount = 4;
let ciphertext: Buffer = Buffer.alloc(0);

beforeAll(async () => {
  ciphertext = await encryptWith(params, { key, associatedData, plaintext });
});

/** Ciphertext bytes of segment `index` (the last one runs to the end). */
function segmentBytes(index: number): Buffer {
  const end = index + 1 < segmentCount ? segmentCiphertextStart(params, index + 1) : ciphertext.length;
  return ciphertext.subarray(segmentCiphertextStart(params, index), end);
}

/** The segment a ciphertext byte belongs to; -1 for the header. */
function segmentOf(position: number): number {
  let index = -1;
  for (let candidate = 0; candidate < segmentCount; candidate++) {
    if (segmentCiphertextStart(params, candidate) <= position) index = candidate;
  }
  return index;
}

/** Whatever was released must be plaintext, and end where an authenticated segment ended. */
function expectOnlyAuthenticatedPrefix(output: Buffer, context: string): void {
  expect(output.equals(plaintext.subarray(0, output.length)), context).toBe(true);
  const boundaries = [0, 1, 2, 3].map((index) => segmentPlaintextStart(params, index));
  expect(boundaries, `${context}: released ${output.length} bytes`).toContain(output.length);
}

describe('tampering with a streaming ciphertext', () => {
  test('changing any byte of the header, a segment body or a tag fails and releases nothing from that segment on', async () => {
    const random = createSeededRandom(99);
    for (let position = 0; position < ciphertext.length; position++) {
      const tampered = Buffer.from(ciphertext);
      tampered[position] = (tampered[position] ?? 0) ^ (1 + random.int(255));
      const { output, error } = await decryptWith(params, { key, associatedData, ciphertext: tampered });
      const context = `byte ${position} (segment ${segmentOf(position)})`;
      expectIntegrityFailure(error, context);
      expectOnlyAuthenticatedPrefix(output, context);
      const firstUntrusted = Math.max(segmentOf(position), 0);
      expect(output.length, context).toBeLessThanOrEqual(segmentPlaintextStart(params, firstUntrusted));
    }
  });

  test('a stream cut at any length fails, including at every segment boundary, whatever the chunking', async () => {
    const boundaries = [1, 2, 3].map((index) => segmentCiphertextStart(params, index));
    const random = createSeededRandom(5);
    for (let length = 0; length < ciphertext.length; length++) {
      const chunkSize = 1 + random.int(150);
      const cut = ciphertext.subarray(0, length);
      const { output, error } = await decryptWith(params, {
        key,
        associatedData,
        ciphertext: cut,
        chunkSize,
      });
      const context = `cut at ${length}${boundaries.includes(length) ? ' (segment boundary)' : ''}`;
      expectIntegrityFailure(error, context);
      expectOnlyAuthenticatedPrefix(output, context);
    }
  });

  test('bytes appended after the last segment make it fail', async () => {
    for (const extra of [1, 15, 16, 17, params.ciphertextSegmentSize]) {
      const extended = Buffer.concat([ciphertext, randomBytes(extra)]);
      const { error } = await decryptWith(params, { key, associatedData, ciphertext: extended });
      expectIntegrityFailure(error, `with ${extra} bytes appended`);
    }
  });

  test('swapped, duplicated or dropped segments fail', async () => {
    const header = ciphertext.subarray(0, headerLength(params));
    const [s0, s1, s2, s3] = [0, 1, 2, 3].map(segmentBytes) as [Buffer, Buffer, Buffer, Buffer];
    const variants = {
      'middle segments swapped': [header, s0, s2, s1, s3],
      'a segment duplicated': [header, s0, s1, s1, s2, s3],
      'a middle segment dropped': [header, s0, s2, s3],
      'the last segment dropped': [header, s0, s1, s2],
      'the last segment moved forward': [header, s0, s3],
    };
    for (const [name, parts] of Object.entries(variants)) {
      const { error } = await decryptWith(params, { key, associatedData, ciphertext: Buffer.concat(parts) });
      expectIntegrityFailure(error, name);
    }
  });

  test('segments spliced in from another ciphertext under the same key fail', async () => {
    const other = await encryptWith(params, { key, associatedData, plaintext });
    const spliced = Buffer.concat([
      ciphertext.subarray(0, segmentCiphertextStart(params, 2)),
      other.subarray(segmentCiphertextStart(params, 2)),
    ]);
    const { output, error } = await decryptWith(params, { key, associatedData, ciphertext: spliced });
    expectIntegrityFailure(error, 'with spliced segments');
    expectOnlyAuthenticatedPrefix(output, 'with spliced segments');
  });

  test('a header declaring another length is refused before any segment is opened', async () => {
    for (const declared of [0, 24, 41, 255]) {
      const tampered = Buffer.from(ciphertext);
      tampered[0] = declared;
      const { output, error } = await decryptWith(params, { key, associatedData, ciphertext: tampered });
      expectIntegrityFailure(error, `with header length ${declared}`);
      expect(output.length).toBe(0);
    }
  });
});
