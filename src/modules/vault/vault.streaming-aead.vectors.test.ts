import { describe, expect, test } from 'vitest';
import { createStreamingEncryptor } from './vault.streaming-aead.encrypt.js';
import { ciphertextLengthFor, plaintextLengthFor } from './vault.streaming-aead.layout.js';
import { openRangeDecryptor } from './vault.streaming-aead.range.js';
import { deriveSegmentKeys, segmentNonce } from './vault.streaming-aead.segment.js';
import { decryptWith, expectIntegrityFailure, runTransform } from './vault.streaming-aead.test-utils.js';
import { streamingAeadKnownAnswers } from './vault.streaming-aead.vectors.js';

describe.each(streamingAeadKnownAnswers)('known answer: $name', (vector) => {
  const { params } = vector;
  const key = Buffer.from(vector.keyHex, 'hex');
  const associatedData = Buffer.from(vector.associatedDataHex, 'hex');
  const plaintext = Buffer.from(vector.plaintextHex, 'hex');
  const ciphertext = Buffer.from(vector.ciphertextHex, 'hex');
  const salt = Buffer.from(vector.saltHex, 'hex');
  const noncePrefix = Buffer.from(vector.noncePrefixHex, 'hex');

  test('the published ciphertext decrypts to the published plaintext, however it is chunked', async () => {
    for (const chunkSize of [1, 2, 7, 24, 40, 63, 64, 65, ciphertext.length]) {
      const { output, error } = await decryptWith(params, { key, associatedData, ciphertext, chunkSize });
      expect(error, `chunk size ${chunkSize}`).toBeUndefined();
      expect(output.toString('hex'), `chunk size ${chunkSize}`).toBe(vector.plaintextHex);
    }
  });

  test('encrypting the published plaintext with the published salt and nonce prefix gives the published ciphertext', async () => {
    for (const chunkSize of [1, 5, 24, 25, plaintext.length]) {
      const randomness = [salt, noncePrefix];
      const randomBytes = (size: number): Buffer => {
        const next = randomness.shift();
        if (next?.length !== size) throw new Error('unexpected randomness request');
        return next;
      };
      const encryptor = createStreamingEncryptor({ params, key, associatedData, randomBytes });
      const { output, error } = await runTransform(encryptor, plaintext, chunkSize);
      expect(error).toBeUndefined();
      expect(output.toString('hex'), `chunk size ${chunkSize}`).toBe(vector.ciphertextHex);
    }
  });

  test('the derived key and the segment nonces are the intermediate values Tink publishes', () => {
    const keys = deriveSegmentKeys({ params, key, salt, noncePrefix, associatedData });
    expect(keys.derivedKey.export().toString('hex')).toBe(vector.derivedKeyHex);
    const nonces = vector.segmentNoncesHex.map((_, index, all) =>
      segmentNonce(noncePrefix, index, index === all.length - 1).toString('hex'),
    );
    expect(nonces).toEqual(vector.segmentNoncesHex);
  });

  test('the ciphertext and plaintext lengths map onto each other', () => {
    expect(ciphertextLengthFor(params, plaintext.length)).toBe(ciphertext.length);
    expect(plaintextLengthFor(params, ciphertext.length)).toBe(plaintext.length);
  });

  test('random access returns every sub-range of the published plaintext', async () => {
    const decryptor = await openRangeDecryptor({
      params,
      key,
      associatedData,
      ciphertextLength: ciphertext.length,
      readCiphertext: ({ start, end }) => Promise.resolve(ciphertext.subarray(start, end)),
    });
    expect(decryptor.plaintextLength).toBe(plaintext.length);
    for (let start = 0; start <= plaintext.length; start++) {
      for (let end = start; end <= plaintext.length; end++) {
        const parts: Buffer[] = [];
        for await (const part of decryptor.decryptRange({ start, end })) parts.push(part);
        expect(Buffer.concat(parts).equals(plaintext.subarray(start, end)), `[${start}, ${end})`).toBe(true);
      }
    }
  });

  test('the published ciphertext is refused under other associated data or with any bit flipped', async () => {
    const other = await decryptWith(params, { key, associatedData: Buffer.from('aae'), ciphertext });
    expectIntegrityFailure(other.error, 'with other associated data');
    expect(other.output.length).toBe(0);
    for (let bit = 0; bit < ciphertext.length * 8; bit++) {
      const tampered = Buffer.from(ciphertext);
      tampered[bit >> 3] = (tampered[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      const { error } = await decryptWith(params, { key, associatedData, ciphertext: tampered });
      expectIntegrityFailure(error, `with bit ${bit} flipped`);
    }
  });
});
