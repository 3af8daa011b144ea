import { Transform, type TransformCallback } from 'node:stream';
import type { WritError } from '../../shared/errors/errors.js';
import { createPlaintextDigest } from '../vault/vault.digests.usecases.js';

/**
 * Counts and hashes plaintext on its way to the cipher, in the same pass (the hashing itself runs on the
 * vault's hashing thread, beside the cipher), and stops the stream as soon as it passes `limit` bytes, so
 * that an oversized upload is cut off without being read to its end.
 */
export type ContentMeter = Transform & {
  readonly bytes: number;
  /** Hex SHA-256 of everything that passed; valid once the stream has finished. */
  digest(): string;
};

export function createContentMeter({
  limit,
  createLimitError,
}: {
  limit: number;
  createLimitError: () => WritError;
}): ContentMeter {
  const hash = createPlaintextDigest();
  let bytes = 0;
  let digest: string | undefined;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > limit) {
        callback(createLimitError());
        return;
      }
      const copying = hash.update(chunk);
      if (copying === undefined) callback(null, chunk);
      else
        copying.then(() => {
          callback(null, chunk);
        }, callback);
    },
    flush(callback: TransformCallback) {
      hash.digest().then((hex) => {
        digest = hex;
        callback();
      }, callback);
    },
    destroy(error: Error | null, callback: (error: Error | null) => void) {
      hash.abandon();
      callback(error);
    },
  });
  // Object.assign would copy a getter's value at the time of the call (0): define it as a getter.
  Object.defineProperty(meter, 'bytes', { get: () => bytes, enumerable: true });
  return Object.assign(meter, {
    digest() {
      if (digest === undefined) throw new Error('The content meter has not finished.');
      return digest;
    },
  }) as ContentMeter;
}
