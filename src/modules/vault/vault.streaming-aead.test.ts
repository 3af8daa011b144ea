import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, test } from 'vitest';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { createStreamingDecryptor } from './vault.streaming-aead.decrypt.js';
import { createStreamingEncryptor } from './vault.streaming-aead.encrypt.js';
import {
  ciphertextLengthFor as layoutCiphertextLengthFor,
  segmentPlaintextSize,
  writStreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
import {
  collectGarbage,
  createSeededRandom,
  decryptWith,
  encryptWith,
  expectIntegrityFailure,
  runTransform,
  smallParameters,
} from './vault.streaming-aead.test-utils.js';
import {
  ciphertextLengthFor,
  createDecryptStream,
  createEncryptStream,
  plaintextLengthFor,
} from './vault.streaming-aead.js';

const key = randomBytes(32);
const associatedData = Buffer.from('writ-doc-v1:doc_test:1', 'utf8');

describe('streaming encryption round trip', () => {
  test('every plaintext size across the first four segment boundaries round-trips under random chunking', async () => {
    const params = smallParameters;
    const random = createSeededRandom(20240601);
    const largest = segmentPlaintextSize(params, 0) + 3 * segmentPlaintextSize(params, 1) + 2;
    for (let size = 0; size <= largest; size++) {
      const plaintext = random.bytes(size);
      const chunkSize = 1 + random.int(120);
      const ciphertext = await encryptWith(params, { key, associatedData, plaintext, chunkSize });
      expect(ciphertext.length, `size ${size}`).toBe(layoutCiphertextLengthFor(params, size));
      const decryptChunk = 1 + random.int(120);
      const { output, error } = await decryptWith(params, {
        key,
        associatedData,
        ciphertext,
        chunkSize: decryptChunk,
      });
      expect(error, `size ${size}, chunks ${chunkSize}/${decryptChunk}`).toBeUndefined();
      expect(output.equals(plaintext), `size ${size}, chunks ${chunkSize}/${decryptChunk}`).toBe(true);
    }
  });

  test('Writ parameters round-trip sizes around the 1 MiB segment boundaries', async () => {
    const first = segmentPlaintextSize(writStreamingAeadParameters, 0);
    const full = segmentPlaintextSize(writStreamingAeadParameters, 1);
    const random = createSeededRandom(7);
    for (const size of [1, first - 1, first, first + 1, first + full, first + full + 1]) {
      const plaintext = randomBytes(size);
      const chunkSize = 1 + random.int(300_000);
      const { output: ciphertext } = await runTransform(
        createEncryptStream({ key, associatedData }),
        plaintext,
        chunkSize,
      );
      expect(ciphertext.length, `size ${size}`).toBe(ciphertextLengthFor(size));
      expect(plaintextLengthFor(ciphertext.length), `size ${size}`).toBe(size);
      const { output, error } = await runTransform(
        createDecryptStream({ key, associatedData }),
        ciphertext,
        1 + random.int(300_000),
      );
      expect(error, `size ${size}`).toBeUndefined();
      expect(output.equals(plaintext), `size ${size}, chunk ${chunkSize}`).toBe(true);
    }
  });

  test('an empty plaintext is a 40-byte header and one segment of only a tag, and decrypts to nothing', async () => {
    const { output: ciphertext } = await runTransform(
      createEncryptStream({ key, associatedData }),
      Buffer.alloc(0),
    );
    expect(ciphertext.length).toBe(56);
    expect(ciphertext[0]).toBe(40);
    const { output, error } = await runTransform(createDecryptStream({ key, associatedData }), ciphertext);
    expect(error).toBeUndefined();
    expect(output.length).toBe(0);
  });

  test('two encryptions of the same plaintext share neither salt nor nonce prefix', async () => {
    const plaintext = Buffer.from('same document, same version');
    const first = await encryptWith(smallParameters, { key, associatedData, plaintext });
    const second = await encryptWith(smallParameters, { key, associatedData, plaintext });
    expect(first.subarray(1, 33).equals(second.subarray(1, 33))).toBe(false);
    expect(first.subarray(33, 40).equals(second.subarray(33, 40))).toBe(false);
  });

  test('a chunk is copied as it is written: the encryptor keeps no reference to it until its segment is sealed', async () => {
    const encrypt = createEncryptStream({ key, associatedData });
    encrypt.resume();
    // Far less than a segment: nothing is sealed yet, so only a copy can let the chunk go.
    const reference = await (async () => {
      const chunk = Buffer.alloc(64 * 1024, 7);
      await new Promise<void>((resolve, reject) => {
        encrypt.write(chunk, (error) => {
          if (error) reject(error);
          else resolve();
        });
      });
      return new WeakRef(chunk);
    })();
    // The write callback runs before the stream drops its last bookkeeping of the write.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(reference.deref()).toBeUndefined();
    encrypt.destroy();
  });
});

describe('streaming decryption refuses what does not authenticate', () => {
  const plaintext = randomBytes(3 * 1_048_576 + 17);
  let ciphertext: Buffer = Buffer.alloc(0);
  beforeAll(async () => {
    ({ output: ciphertext } = await runTransform(
      createEncryptStream({ key, associatedData }),
      plaintext,
      65_536,
    ));
  });

  async function decrypt(ciphertext: Buffer, input = { key, associatedData }) {
    return runTransform(createDecryptStream(input), ciphertext, 65_536);
  }

  test('another key or other associated data fails before any plaintext is released', async () => {
    const otherKey = await decrypt(ciphertext, { key: randomBytes(32), associatedData });
    expectIntegrityFailure(otherKey.error, 'with another key');
    expect(otherKey.output.length).toBe(0);
    const otherVersion = Buffer.from('writ-doc-v1:doc_test:2', 'utf8');
    const otherData = await decrypt(ciphertext, { key, associatedData: otherVersion });
    expectIntegrityFailure(otherData.error, 'with another version in the associated data');
    expect(otherData.output.length).toBe(0);
  });

  test('a tampered header, segment body or tag in a Writ ciphertext fails', async () => {
    const positions = {
      headerLength: 0,
      salt: 5,
      noncePrefix: 35,
      firstBody: 41,
      middleBody: 1_048_576 + 99,
    };
    const atTags = { firstTag: 1_048_575, lastTag: ciphertext.length - 1 };
    for (const [region, position] of Object.entries({ ...positions, ...atTags })) {
      const tampered = Buffer.from(ciphertext);
      tampered[position] = (tampered[position] ?? 0) ^ 0x80;
      const { error } = await decrypt(tampered);
      expectIntegrityFailure(error, `with the ${region} byte changed`);
    }
  });

  test('a Writ ciphertext cut at a segment boundary or inside a segment fails', async () => {
    for (const length of [0, 39, 40, 56, 1_048_576, 2 * 1_048_576, 3 * 1_048_576, 1_500_000]) {
      const { output, error } = await decrypt(ciphertext.subarray(0, length));
      expectIntegrityFailure(error, `when cut at ${length}`);
      expect(output.equals(plaintext.subarray(0, output.length))).toBe(true);
    }
  });
});

describe('the Writ streaming interface', () => {
  test('keys other than 32 bytes are refused without showing the key', () => {
    const shortKey = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    let caught: unknown;
    try {
      createEncryptStream({ key: shortKey, associatedData });
    } catch (error) {
      caught = error;
    }
    expect(isErrorWithCode({ error: caught, code: 'vault.data_key_invalid' })).toBe(true);
    expect((caught as Error).message).not.toContain('00112233');
    expect(() => createDecryptStream({ key: randomBytes(16), associatedData })).toThrow(/length/);
  });

  test('an impossible stored length is an integrity failure', () => {
    expect(() => plaintextLengthFor(55)).toThrow(/integrity/);
    expect(plaintextLengthFor(57)).toBe(1);
    expect(() => plaintextLengthFor(1_048_576 + 15)).toThrow(/integrity/);
  });

  test('associated data over 1024 bytes is refused, as node:crypto HKDF cannot take it', () => {
    const params = smallParameters;
    const tooLong = Buffer.alloc(1025);
    expect(() => createStreamingEncryptor({ params, key, associatedData: Buffer.alloc(1024) })).not.toThrow();
    for (const create of [createStreamingEncryptor, createStreamingDecryptor]) {
      let caught: unknown;
      try {
        create({ params, key, associatedData: tooLong });
      } catch (error) {
        caught = error;
      }
      expect(isErrorWithCode({ error: caught, code: 'vault.associated_data_too_long' })).toBe(true);
    }
  });

  test('an integrity failure is a 422 with a message that names no key material', async () => {
    const { output: ciphertext } = await runTransform(
      createEncryptStream({ key, associatedData }),
      Buffer.from('x'),
    );
    const { error } = await runTransform(
      createDecryptStream({ key, associatedData: Buffer.from('other') }),
      ciphertext,
    );
    expectIntegrityFailure(error);
    expect((error as { status: number }).status).toBe(422);
    expect((error as Error).message).not.toContain(key.toString('hex').slice(0, 8));
  });
});
