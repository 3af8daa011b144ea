import { Transform, type TransformCallback } from 'node:stream';
import { type ByteQueue, createByteQueue } from './vault.byte-queue.js';
import { createIntegrityFailedError } from './vault.errors.js';
import {
  assertValidParameters,
  headerLength,
  segmentCiphertextSize,
  segmentCiphertextStart,
  segmentCountOfCiphertext,
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
  const readHeader = () => readHeaderFrom({ params, key, associatedData, pending });

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

/** Derives the segment keys once the whole header is queued; undefined until then. */
function readHeaderFrom({
  params,
  key,
  associatedData,
  pending,
}: StreamingDecryptorOptions & { pending: ByteQueue }): SegmentKeys | undefined {
  if (pending.length() < headerLength(params)) return undefined;
  const header = Buffer.concat(pending.take(headerLength(params)));
  const { salt, noncePrefix } = parseHeader(params, header);
  return deriveSegmentKeys({ params, key, salt, noncePrefix, associatedData });
}

/**
 * Decrypts a stored ciphertext whose length is known, yielding each segment's plaintext once its tag has
 * verified; fails with `vault.integrity_failed`, also when the source is longer or shorter than stated.
 * Knowing the length tells which segment is the last, so no segment waits for the next one to arrive; the
 * source's chunks are deciphered where they are, without being joined first.
 * @NOTE As with the Transform above, earlier segments are out when a later one fails: a consumer treats the
 * output as untrusted until the generator returns.
 */
export async function* decryptCiphertext({
  params,
  key,
  associatedData,
  ciphertextLength,
  source,
}: StreamingDecryptorOptions & {
  ciphertextLength: number;
  source: AsyncIterable<Uint8Array>;
}): AsyncGenerator<Buffer, void, undefined> {
  assertValidParameters(params);
  assertAssociatedDataLength(associatedData);
  const segmentCount = segmentCountOfCiphertext(params, ciphertextLength);
  if (segmentCount === undefined) throw createIntegrityFailedError();
  const lastIndex = segmentCount - 1;
  const sizeOf = (index: number) =>
    index === lastIndex
      ? ciphertextLength - segmentCiphertextStart(params, index)
      : segmentCiphertextSize(params, index);
  const pending = createByteQueue();
  let keys: SegmentKeys | undefined;
  let index = 0;
  let received = 0;
  for await (const chunk of source) {
    received += chunk.length;
    if (received > ciphertextLength) throw createIntegrityFailedError();
    pending.append(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    keys ??= readHeaderFrom({ params, key, associatedData, pending });
    while (keys !== undefined && index <= lastIndex && pending.length() >= sizeOf(index)) {
      const ciphertext = pending.take(sizeOf(index));
      yield* decryptSegment({ keys, index, isLast: index === lastIndex, ciphertext });
      index += 1;
    }
  }
  if (received !== ciphertextLength || index !== segmentCount) throw createIntegrityFailedError();
}
