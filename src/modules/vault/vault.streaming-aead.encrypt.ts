import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createPlaintextTooLongError } from './vault.errors.js';
import {
  assertValidParameters,
  maxSegmentCount,
  noncePrefixSize,
  segmentPlaintextSize,
  type StreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
import { buildHeader, deriveSegmentKeys, encryptSegment } from './vault.streaming-aead.segment.js';

export type StreamingEncryptorOptions = {
  params: StreamingAeadParameters;
  key: Uint8Array;
  associatedData: Uint8Array;
  /**
   * Source of the salt and nonce prefix.
   * @NOTE Only known-answer tests replace it, to reproduce a published ciphertext; a fixed value in
   * production would reuse nonces across streams.
   */
  randomBytes?: (size: number) => Buffer;
};

/**
 * Encrypts a plaintext byte stream into a Tink AES-GCM-HKDF-Streaming ciphertext.
 * Memory: one plaintext segment buffer, reused, plus the sealed segments not yet read. A segment is
 * sealed only once a byte beyond it has arrived, because the nonce says whether it is the last one; the
 * rest is sealed as the last segment at end of input (an empty plaintext gives one segment of only a tag).
 * The buffer is zeroed when the stream ends or is destroyed.
 */
export function createStreamingEncryptor({
  params,
  key,
  associatedData,
  randomBytes = cryptoRandomBytes,
}: StreamingEncryptorOptions): Transform {
  assertValidParameters(params);
  const salt = randomBytes(params.keySize);
  const noncePrefix = randomBytes(noncePrefixSize);
  const header = buildHeader(params, salt, noncePrefix);
  const keys = deriveSegmentKeys({ params, key, salt, noncePrefix, associatedData });
  // One buffer, reused for every segment: the cipher writes its output elsewhere, so the plaintext
  // can be overwritten as soon as a segment is sealed, and no chunk of the input outlives its own step.
  const segment = Buffer.allocUnsafeSlow(
    Math.max(segmentPlaintextSize(params, 0), segmentPlaintextSize(params, 1)),
  );
  let filled = 0;
  /** The most of the buffer ever written: all that needs zeroing (a small upload touches only its bytes). */
  let used = 0;
  let index = 0;
  const wipe = () => {
    segment.fill(0, 0, used);
    used = 0;
  };

  function seal(transform: Transform, isLast: boolean): void {
    if (index >= maxSegmentCount) throw createPlaintextTooLongError();
    const plaintext = [segment.subarray(0, filled)];
    for (const chunk of encryptSegment({ keys, index, isLast, plaintext })) transform.push(chunk);
    index += 1;
    filled = 0;
  }

  const transform = new Transform({
    destroy(error: Error | null, callback: (error: Error | null) => void): void {
      wipe();
      callback(error);
    },
    // Room for two sealed segments: the next one is encrypted while the store writes the previous one,
    // instead of the whole upload pausing for every disk write.
    readableHighWaterMark: 2 * params.ciphertextSegmentSize,
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        if (!Buffer.isBuffer(chunk)) throw new TypeError('The encryptor takes bytes.');
        let offset = 0;
        while (offset < chunk.length) {
          const size = segmentPlaintextSize(params, index);
          // Full, and a byte beyond it has arrived: not the last segment.
          if (filled === size) seal(this, false);
          const count = Math.min(size - filled, chunk.length - offset);
          chunk.copy(segment, filled, offset, offset + count);
          filled += count;
          offset += count;
          used = Math.max(used, filled);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback): void {
      try {
        seal(this, true);
        wipe();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  transform.push(header);
  return transform;
}
