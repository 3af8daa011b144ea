import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { WritError } from '../../shared/errors/errors.js';

/**
 * Counts and hashes plaintext on its way to the cipher, in the same pass, and stops the stream as soon as
 * it passes `limit` bytes, so that an oversized upload is cut off without being read to its end.
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
  const hash = createHash('sha256');
  let bytes = 0;
  let digest: string | undefined;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      if (bytes > limit) {
        callback(createLimitError());
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      digest = hash.digest('hex');
      callback();
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

/**
 * Passes plaintext through and, at its end, fails with `createMismatchError` unless it had exactly
 * `expectedLength` bytes with SHA-256 `expectedSha256`: the check a full read makes on every download.
 */
export function createDigestVerifier({
  expectedSha256,
  expectedLength,
  createMismatchError,
}: {
  expectedSha256: string;
  expectedLength: number;
  createMismatchError: () => Error;
}): Transform {
  const hash = createHash('sha256');
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      bytes += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const isIntact = bytes === expectedLength && hash.digest('hex') === expectedSha256;
      callback(isIntact ? null : createMismatchError());
    },
  });
}
