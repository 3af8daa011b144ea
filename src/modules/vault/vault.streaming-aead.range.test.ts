import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { segmentCiphertextStart, segmentPlaintextSize } from './vault.streaming-aead.layout.js';
import { openRangeDecryptor, type RangeDecryptor } from './vault.streaming-aead.range.js';
import {
  createSeededRandom,
  encryptWith,
  expectRejectionCode,
  smallParameters,
} from './vault.streaming-aead.test-utils.js';
import { createEncryptStream, openDecryptedRange } from './vault.streaming-aead.js';
import { runTransform } from './vault.streaming-aead.test-utils.js';

const params = smallParameters;
const key = randomBytes(32);
const associatedData = Buffer.from('writ-doc-v1:doc_range:1', 'utf8');

type Reads = { start: number; end: number }[];

function open(ciphertext: Buffer, reads: Reads = [], length = ciphertext.length): Promise<RangeDecryptor> {
  return openRangeDecryptor({
    params,
    key,
    associatedData,
    ciphertextLength: length,
    readCiphertext: (range) => {
      reads.push(range);
      return Promise.resolve(ciphertext.subarray(range.start, range.end));
    },
  });
}

async function collect(decryptor: RangeDecryptor, range: { start: number; end: number }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of decryptor.decryptRange(range)) parts.push(part);
  return Buffer.concat(parts);
}

describe('random access to a streaming ciphertext', () => {
  const plaintext = randomBytes(segmentPlaintextSize(params, 0) + 6 * segmentPlaintextSize(params, 1) + 11);
  let ciphertext: Buffer = Buffer.alloc(0);
  beforeAll(async () => {
    ciphertext = await encryptWith(params, { key, associatedData, plaintext });
  });

  test('random ranges decrypt to the same bytes as full decryption', async () => {
    const decryptor = await open(ciphertext);
    expect(decryptor.plaintextLength).toBe(plaintext.length);
    const random = createSeededRandom(42);
    for (let round = 0; round < 400; round++) {
      const start = random.int(plaintext.length + 1);
      const end = start + random.int(plaintext.length - start + 1);
      const bytes = await collect(decryptor, { start, end });
      expect(bytes.equals(plaintext.subarray(start, end)), `[${start}, ${end})`).toBe(true);
    }
  });

  test('a range reads the header, the last segment, and only the segments it overlaps', async () => {
    const reads: Reads = [];
    const decryptor = await open(ciphertext, reads);
    const openingReads = reads.length;
    const inSecondSegment = segmentPlaintextSize(params, 0) + 3;
    await collect(decryptor, { start: inSecondSegment, end: inSecondSegment + 10 });
    expect(openingReads).toBe(2);
    expect(reads.slice(openingReads)).toEqual([
      { start: segmentCiphertextStart(params, 1), end: segmentCiphertextStart(params, 2) },
    ]);
  });

  test('an empty range yields nothing and a range past the end is not satisfiable', async () => {
    const decryptor = await open(ciphertext);
    expect((await collect(decryptor, { start: 5, end: 5 })).length).toBe(0);
    for (const range of [
      { start: 0, end: plaintext.length + 1 },
      { start: 10, end: 9 },
      { start: -1, end: 3 },
      { start: 0.5, end: 3 },
    ]) {
      await expectRejectionCode(collect(decryptor, range), 'vault.range_not_satisfiable');
    }
  });

  test('a blob cut at a segment boundary is refused when opened, before any range is served', async () => {
    for (const index of [1, 2, 6]) {
      const cut = ciphertext.subarray(0, segmentCiphertextStart(params, index));
      await expectRejectionCode(open(cut), 'vault.integrity_failed');
    }
  });

  test('a wrong length, short reads, a wrong key or other associated data are integrity failures', async () => {
    await expectRejectionCode(open(ciphertext, [], ciphertext.length + 1), 'vault.integrity_failed');
    await expectRejectionCode(open(ciphertext, [], ciphertext.length - 1), 'vault.integrity_failed');
    await expectRejectionCode(open(ciphertext, [], 55), 'vault.integrity_failed');
    const shortReads = openRangeDecryptor({
      params,
      key,
      associatedData,
      ciphertextLength: ciphertext.length,
      readCiphertext: ({ start, end }) => Promise.resolve(ciphertext.subarray(start, end - 1)),
    });
    await expectRejectionCode(shortReads, 'vault.integrity_failed');
    const readCiphertext = ({ start, end }: { start: number; end: number }) =>
      Promise.resolve(ciphertext.subarray(start, end));
    const ciphertextLength = ciphertext.length;
    const otherKey = { params, key: randomBytes(32), associatedData, ciphertextLength, readCiphertext };
    await expectRejectionCode(openRangeDecryptor(otherKey), 'vault.integrity_failed');
    const otherData = { params, key, associatedData: Buffer.from('x'), ciphertextLength, readCiphertext };
    await expectRejectionCode(openRangeDecryptor(otherData), 'vault.integrity_failed');
  });

  test('a tampered segment fails the range that needs it and yields none of its bytes', async () => {
    const tampered = Buffer.from(ciphertext);
    const position = segmentCiphertextStart(params, 3) + 7;
    tampered[position] = (tampered[position] ?? 0) ^ 1;
    const decryptor = await open(tampered);
    const segmentThreeStart = segmentPlaintextSize(params, 0) + 2 * segmentPlaintextSize(params, 1);
    const yielded: Buffer[] = [];
    const reading = (async () => {
      for await (const part of decryptor.decryptRange({
        start: segmentThreeStart - 5,
        end: segmentThreeStart + 5,
      })) {
        yielded.push(part);
      }
    })();
    await expectRejectionCode(reading, 'vault.integrity_failed');
    expect(Buffer.concat(yielded).equals(plaintext.subarray(segmentThreeStart - 5, segmentThreeStart))).toBe(
      true,
    );
    // A range only authenticates the segments it opens: one that avoids segment 3 still reads.
    expect((await collect(decryptor, { start: 0, end: 10 })).equals(plaintext.subarray(0, 10))).toBe(true);
  });
});

describe('random access with Writ parameters', () => {
  test('ranges across the 1 MiB boundaries of a stored blob match the plaintext', async () => {
    const plaintext = randomBytes(2 * 1_048_576 + 333);
    const { output: ciphertext } = await runTransform(
      createEncryptStream({ key, associatedData }),
      plaintext,
    );
    const decryptor = await openDecryptedRange({
      key,
      associatedData,
      ciphertextLength: ciphertext.length,
      readCiphertext: ({ start, end }) => Promise.resolve(ciphertext.subarray(start, end)),
    });
    expect(decryptor.plaintextLength).toBe(plaintext.length);
    const first = 1_048_576 - 56;
    for (const [start, end] of [
      [0, plaintext.length],
      [first - 1, first + 1],
      [first + 1_048_560 - 2, plaintext.length],
      [12_345, 12_346],
    ] as const) {
      expect((await collect(decryptor, { start, end })).equals(plaintext.subarray(start, end))).toBe(true);
    }
  });
});
