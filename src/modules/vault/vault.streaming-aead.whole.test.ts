import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, test } from 'vitest';
import { decryptCiphertext } from './vault.streaming-aead.decrypt.js';
import { type CiphertextReader, decryptCiphertextAt } from './vault.streaming-aead.positional.js';
import {
  segmentCiphertextStart,
  segmentPlaintextSize,
  writStreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
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

type Via = 'stream' | 'reader';
const vias: Via[] = ['stream', 'reader'];

/** A blob in memory, read in place as a file would be. */
function readerOf(stored: Buffer): CiphertextReader {
  return {
    size: stored.length,
    read: (buffer, position) =>
      Promise.resolve(
        position >= stored.length ? 0 : stored.copy(buffer, 0, position, position + buffer.length),
      ),
  };
}

function decrypt({
  stored,
  ciphertextLength,
  chunkSize,
  via,
}: Required<DecryptArgs>): AsyncGenerator<Buffer> {
  const options = { params, key, associatedData, ciphertextLength };
  return via === 'stream'
    ? decryptCiphertext({ ...options, source: Readable.from(chunked(stored, chunkSize)) })
    : decryptCiphertextAt({ ...options, reader: readerOf(stored) });
}

type DecryptArgs = { stored: Buffer; ciphertextLength?: number; chunkSize?: number; via?: Via };

/**
 * Decrypts `stored` as a blob said to be `ciphertextLength` bytes, from a stream of `chunkSize` chunks or
 * read in place; returns what came out and the failure.
 */
async function decryptStored({
  stored,
  ciphertextLength = stored.length,
  chunkSize = 64,
  via = 'stream',
}: DecryptArgs): Promise<{ output: Buffer; error: unknown }> {
  const received: Buffer[] = [];
  let error: unknown;
  try {
    for await (const segment of decrypt({ stored, ciphertextLength, chunkSize, via })) {
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
    for (const via of vias) {
      for (const { name, ...rest } of cases) {
        const { output, error } = await decryptStored({ ...rest, via });
        expectIntegrityFailure(error, `${name}, ${via}`);
        expect(output.equals(plaintext.subarray(0, output.length)), `${name}, ${via}`).toBe(true);
      }
    }
  });

  test.each(vias)('a tampered segment releases nothing from it on (%s)', async (via) => {
    const tampered = Buffer.from(ciphertext);
    const position = segmentCiphertextStart(params, 2) + 3;
    tampered[position] = (tampered[position] ?? 0) ^ 1;
    const { output, error } = await decryptStored({ stored: tampered, via });
    expectIntegrityFailure(error);
    expect(output.length).toBe(segmentPlaintextSize(params, 0) + segmentPlaintextSize(params, 1));
  });
});

describe('decrypting a stored ciphertext read in place', () => {
  test('round-trips at every size around the segment boundaries, the empty plaintext included', async () => {
    for (const length of [0, 1, 39, 40, 41, 119, 120, 121, 200, 201]) {
      const content = randomBytes(length);
      const stored = await encryptWith(params, { key, associatedData, plaintext: content });
      const { output, error } = await decryptStored({ stored, via: 'reader' });
      expect(error, `${length} bytes`).toBeUndefined();
      expect(output.equals(content), `${length} bytes`).toBe(true);
    }
  });

  test('reads each segment ahead into one of two buffers and hands out pieces of at most 64 KiB', async () => {
    const writParams = writStreamingAeadParameters;
    const content = randomBytes(2 * segmentPlaintextSize(writParams, 1) + 300_000);
    const stored = await encryptWith(writParams, { key, associatedData, plaintext: content });
    const events: string[] = [];
    const buffers = new Set<ArrayBufferLike>();
    const reader: CiphertextReader = {
      size: stored.length,
      read: (buffer, position) => {
        events.push(`read ${position}`);
        if (position > 0) buffers.add(buffer.buffer);
        return Promise.resolve(stored.copy(buffer, 0, position, position + buffer.length));
      },
    };
    const pieces: Buffer[] = [];
    for await (const piece of decryptCiphertextAt({
      params: writParams,
      key,
      associatedData,
      ciphertextLength: stored.length,
      reader,
    })) {
      if (pieces.length === 0) events.push('first piece');
      pieces.push(piece);
    }
    expect(Buffer.concat(pieces).equals(content)).toBe(true);
    expect(Math.max(...pieces.map((piece) => piece.length))).toBe(64 * 1024);
    expect(buffers.size).toBe(2);
    const starts = [0, 1, 2, 3].map((index) => segmentCiphertextStart(writParams, index));
    expect(events).toEqual([
      'read 0',
      `read ${starts[0]}`,
      `read ${starts[1]}`,
      'first piece',
      `read ${starts[2]}`,
    ]);
  });

  test('a consumer that leaves waits for the read in flight, so the file can then be closed', async () => {
    const stored = await encryptWith(params, { key, associatedData, plaintext: randomBytes(200) });
    let release: (() => void) | undefined;
    const reader: CiphertextReader = {
      size: stored.length,
      read: (buffer, position) => {
        const copy = () => stored.copy(buffer, 0, position, position + buffer.length);
        if (position < segmentCiphertextStart(params, 1)) return Promise.resolve(copy());
        return new Promise((resolve) => {
          release = () => {
            resolve(copy());
          };
        });
      },
    };
    const generator = decryptCiphertextAt({
      params,
      key,
      associatedData,
      ciphertextLength: stored.length,
      reader,
    });
    expect((await generator.next()).done).toBe(false);
    let returned = false;
    const returning = generator.return(undefined).then(() => (returned = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(release).toBeDefined();
    expect(returned).toBe(false);
    release?.();
    await returning;
    expect(returned).toBe(true);
  });

  test('a failing read is reported as it is, not as tampering', async () => {
    const failure = new Error('EIO: i/o error');
    const reader: CiphertextReader = {
      size: ciphertext.length,
      read: (_buffer, position) => (position === 0 ? Promise.resolve(0) : Promise.reject(failure)),
    };
    const header = decryptCiphertextAt({
      params,
      key,
      associatedData,
      ciphertextLength: ciphertext.length,
      reader,
    });
    expectIntegrityFailure(await header.next().catch((error: unknown) => error));
    const failingSecond: CiphertextReader = {
      size: ciphertext.length,
      read: (buffer, position) =>
        position >= segmentCiphertextStart(params, 1)
          ? Promise.reject(failure)
          : Promise.resolve(ciphertext.copy(buffer, 0, position, position + buffer.length)),
    };
    const received: Buffer[] = [];
    const error = await (async () => {
      for await (const piece of decryptCiphertextAt({
        params,
        key,
        associatedData,
        ciphertextLength: ciphertext.length,
        reader: failingSecond,
      })) {
        received.push(piece);
      }
    })().catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    expect(Buffer.concat(received).equals(plaintext.subarray(0, segmentPlaintextSize(params, 0)))).toBe(true);
  });
});
