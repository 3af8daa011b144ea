import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { createByteQueue } from './vault.byte-queue.js';
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
 * Memory: one plaintext segment plus the chunk being written. A segment is sealed only once a byte
 * beyond it has arrived, because the nonce says whether it is the last one; the rest is sealed as the
 * last segment at end of input (an empty plaintext gives one segment of only a tag).
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
  const pending = createByteQueue();
  let index = 0;

  function seal(transform: Transform, plaintext: Buffer[], isLast: boolean): void {
    if (index >= maxSegmentCount) throw createPlaintextTooLongError();
    for (const chunk of encryptSegment({ keys, index, isLast, plaintext })) transform.push(chunk);
    index += 1;
  }

  const transform = new Transform({
    // Room for two sealed segments: the next one is encrypted while the store writes the previous one,
    // instead of the whole upload pausing for every disk write.
    readableHighWaterMark: 2 * params.ciphertextSegmentSize,
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        if (!Buffer.isBuffer(chunk)) throw new TypeError('The encryptor takes bytes.');
        pending.append(chunk);
        while (pending.length() > segmentPlaintextSize(params, index)) {
          seal(this, pending.take(segmentPlaintextSize(params, index)), false);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback): void {
      try {
        seal(this, pending.take(pending.length()), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  transform.push(header);
  return transform;
}
