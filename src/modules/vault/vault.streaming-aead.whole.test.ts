import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import { decryptCiphertext } from './vault.streaming-aead.decrypt.js';
import { segmentCiphertextStart, segmentPlaintextSize } from './vault.streaming-aead.layout.js';
import {
  chunked,
  createSeededRandom,
  encryptWith,
  expectIntegrityFailure,
  smallParameters,
} from './vault.streaming-aead.test-utils.js';

const params = smallParameters;
const key = randomBytes(32);
const associatedData = Buffer.from('writ-doc-v1:doc_whole:1', 'utf8');
const plaintext = randomBytes(segmentPlaintextSize(params, 0) + 2 * segmentPlaintextSize(params, 1) + 30);
let ciphertext: Buffer = Buffer.alloc(0);

beforeAll(async () => {
  ciphertext = await encryptWith(params, { key, associatedData, plaintext });
});

/** Decrypts `stored` as a blob said to be `ciphertextLength` bytes; returns what came out and the failure. */
async function decryptStored({
  stored,
  ciphertextLength = stored.length,
  chunkSize = 64,
}: {
  stored: Buffer;
  ciphertextLength?: number;
  chunkSize?: number;
}): Promise<{ output: Buffer; error: unknown }> {
  const received: Buffer[] = [];
  let error: unknown;
  try {
    const source = Readable.from(chunked(stored, chunkSize));
    for await (const segment of decryptCiphertext({
      params,
      key,
      associatedData,
      ciphertextLength,
      source,
    })) {
      received.push(segment);
    }
  } catch (caught) {
    error = caught;
  }
  return { output: Buffer.concat(received), error };
}

describe('decrypting a stored ciphertext of known length', () => {
  test('round-trips under any chunking, including one chunk per segment', async () => {
    const random = createSeededRandom(11);
    const chunkSizes = [
      params.ciphertextSegmentSize,
      ciphertext.length,
      ...[1, 2, 3].map(() => 1 + random.int(200)),
    ];
    for (const chunkSize of chunkSizes) {
      const { output, error } = await decryptStored({ stored: ciphertext, chunkSize });
      expect(error, `chunks of ${chunkSize}`).toBeUndefined();
      expect(output.equals(plaintext), `chunks of ${chunkSize}`).toBe(true);
    }
  });

  test('a blob shorter or longer than its stated length fails, even when cut at a segment boundary', async () => {
    const boundary = segmentCiphertextStart(params, 2);
    const cases = [
      { stored: ciphertext.subarray(0, boundary), ciphertextLength: boundary, name: 'cut at a boundary' },
      {
        stored: ciphertext.subarray(0, boundary),
        ciphertextLength: ciphertext.length,
        name: 'shorter than stated',
      },
      {
        stored: Buffer.concat([ciphertext, randomBytes(5)]),
        ciphertextLength: ciphertext.length,
        name: 'longer',
      },
      { stored: ciphertext.subarray(0, 10), ciphertextLength: 10, name: 'a length no ciphertext has' },
    ];
    for (const { name, ...rest } of cases) {
      const { output, error } = await decryptStored(rest);
      expectIntegrityFailure(error, name);
      expect(output.equals(plaintext.subarray(0, output.length)), name).toBe(true);
    }
  });

  test('a tampered segment releases nothing from it on', async () => {
    const tampered = Buffer.from(ciphertext);
    const position = segmentCiphertextStart(params, 2) + 3;
    tampered[position] = (tampered[position] ?? 0) ^ 1;
    const { output, error } = await decryptStored({ stored: tampered });
    expectIntegrityFailure(error);
    expect(output.length).toBe(segmentPlaintextSize(params, 0) + segmentPlaintextSize(params, 1));
  });
});
