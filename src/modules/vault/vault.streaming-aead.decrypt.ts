import { Transform, type TransformCallback } from 'node:stream';
import { createByteQueue } from './vault.byte-queue.js';
import { createIntegrityFailedError } from './vault.errors.js';
import {
  assertValidParameters,
  headerLength,
  segmentCiphertextSize,
  type StreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
import {
  assertAssociatedDataLength,
  decryptSegment,
  deriveSegmentKeys,
  parseHeader,
  type SegmentKeys,
} from './vault.streaming-aead.segment.js';

export type StreamingDecryptorOptions = {
  params: StreamingAeadParameters;
  key: Uint8Array;
  associatedData: Uint8Array;
};

/**
 * Decrypts a Tink AES-GCM-HKDF-Streaming ciphertext stream; fails with `vault.integrity_failed`.
 * A segment is opened as "not last" only once a byte beyond it has arrived; what remains at end of
 * input is opened as the last segment. A stream cut at a segment boundary therefore fails: its final
 * segment was sealed with the "not last" flag.
 * Memory: one ciphertext segment, its plaintext, and the chunk being written.
 * @NOTE Each segment is released only after its own tag verified, but earlier segments are already
 * out when a later one fails: a consumer must treat the output as untrusted until the stream ends
 * without error (discard a partial file; abort an HTTP response rather than end it).
 */
export function createStreamingDecryptor({
  params,
  key,
  associatedData,
}: StreamingDecryptorOptions): Transform {
  assertValidParameters(params);
  assertAssociatedDataLength(associatedData);
  const pending = createByteQueue();
  let keys: SegmentKeys | undefined;
  let index = 0;

  function readHeader(): SegmentKeys | undefined {
    if (pending.length() < headerLength(params)) return undefined;
    const header = Buffer.concat(pending.take(headerLength(params)));
    const { salt, noncePrefix } = parseHeader(params, header);
    return deriveSegmentKeys({ params, key, salt, noncePrefix, associatedData });
  }

  function open(transform: Transform, segmentKeys: SegmentKeys, ciphertext: Buffer[], isLast: boolean) {
    for (const chunk of decryptSegment({ keys: segmentKeys, index, isLast, ciphertext })) {
      transform.push(chunk);
    }
    index += 1;
  }

  return new Transform({
    transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        if (!Buffer.isBuffer(chunk)) throw new TypeError('The decryptor takes bytes.');
        pending.append(chunk);
        keys ??= readHeader();
        while (keys !== undefined && pending.length() > segmentCiphertextSize(params, index)) {
          open(this, keys, pending.take(segmentCiphertextSize(params, index)), false);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback): void {
      try {
        // A stream that ends inside the header never had a segment, not even an empty last one.
        if (keys === undefined) throw createIntegrityFailedError();
        open(this, keys, pending.take(pending.length()), true);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
