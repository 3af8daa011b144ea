import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { splitTail } from './vault.byte-queue.js';
import {
  createAssociatedDataTooLongError,
  createDataKeyInvalidError,
  createIntegrityFailedError,
} from './vault.errors.js';
import {
  headerLength,
  maxSegmentCount,
  noncePrefixSize,
  type StreamingAeadParameters,
  tagSize,
} from './vault.streaming-aead.layout.js';

/** Everything one stream's segments are sealed with: derived from the key, salt and associated data. */
export type SegmentKeys = {
  readonly algorithm: 'aes-128-gcm' | 'aes-256-gcm';
  readonly derivedKey: KeyObject;
  readonly noncePrefix: Buffer;
};

/** node:crypto's HKDF refuses `info` over 1024 bytes; Tink has no such bound. */
const maxAssociatedDataLength = 1024;

/** A Tink header is its own length byte, the HKDF salt, and the nonce prefix. */
export function buildHeader(params: StreamingAeadParameters, salt: Buffer, noncePrefix: Buffer): Buffer {
  if (salt.length !== params.keySize || noncePrefix.length !== noncePrefixSize) {
    throw new RangeError('Salt or nonce prefix has the wrong size.');
  }
  return Buffer.concat([Buffer.of(headerLength(params)), salt, noncePrefix]);
}

/**
 * Reads salt and nonce prefix from a header. The length byte must match the parameters: anything
 * else is a ciphertext of another format or a tampered one, and is reported as an integrity failure.
 */
export function parseHeader(
  params: StreamingAeadParameters,
  header: Buffer,
): { salt: Buffer; noncePrefix: Buffer } {
  const length = headerLength(params);
  if (header.length !== length || header[0] !== length) throw createIntegrityFailedError();
  return {
    salt: Buffer.from(header.subarray(1, 1 + params.keySize)),
    noncePrefix: Buffer.from(header.subarray(1 + params.keySize, length)),
  };
}

/** Checked when a stream is created, so a decrypter fails before it reads anything. */
export function assertAssociatedDataLength(associatedData: Uint8Array): void {
  if (associatedData.length > maxAssociatedDataLength) throw createAssociatedDataTooLongError();
}

/** Derives the per-stream AES key: HKDF(ikm = key, salt = header salt, info = associated data). */
export function deriveSegmentKeys({
  params,
  key,
  salt,
  noncePrefix,
  associatedData,
}: {
  params: StreamingAeadParameters;
  key: Uint8Array;
  salt: Buffer;
  noncePrefix: Buffer;
  associatedData: Uint8Array;
}): SegmentKeys {
  // Tink's rule: the input key is at least as long as the derived key, and at least 16 bytes.
  if (key.length < params.keySize || key.length < 16) throw createDataKeyInvalidError();
  assertAssociatedDataLength(associatedData);
  const derived = Buffer.from(hkdfSync(params.hkdfHash, key, salt, associatedData, params.keySize));
  const derivedKey = createSecretKey(derived);
  derived.fill(0);
  return {
    algorithm: params.keySize === 32 ? 'aes-256-gcm' : 'aes-128-gcm',
    derivedKey,
    noncePrefix,
  };
}

/** nonce = noncePrefix (7 bytes) ‖ segment number (4 bytes, big-endian) ‖ last-segment flag (1 byte). */
export function segmentNonce(noncePrefix: Buffer, index: number, isLast: boolean): Buffer {
  if (!Number.isSafeInteger(index) || index < 0 || index >= maxSegmentCount) {
    throw new RangeError('Segment number out of range.');
  }
  const nonce = Buffer.alloc(noncePrefixSize + 5);
  noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, noncePrefixSize);
  nonce[noncePrefixSize + 4] = isLast ? 1 : 0;
  return nonce;
}

/** Many tiny chunks cost more in cipher calls than one copy. */
function coalesce(chunks: Buffer[]): Buffer[] {
  return chunks.length > 32 ? [Buffer.concat(chunks)] : chunks;
}

/** Seals one segment; returns its ciphertext chunks followed by the 16-byte tag. */
export function encryptSegment({
  keys,
  index,
  isLast,
  plaintext,
}: {
  keys: SegmentKeys;
  index: number;
  isLast: boolean;
  plaintext: Buffer[];
}): Buffer[] {
  const nonce = segmentNonce(keys.noncePrefix, index, isLast);
  const cipher = createCipheriv(keys.algorithm, keys.derivedKey, nonce, { authTagLength: tagSize });
  const output = coalesce(plaintext).map((chunk) => cipher.update(chunk));
  output.push(cipher.final(), cipher.getAuthTag());
  return output.filter((chunk) => chunk.length > 0);
}

/**
 * Opens one segment (ciphertext followed by its tag, possibly spread over chunks).
 * @NOTE Plaintext is returned only after `final()` has verified the tag: Node's `update()` hands out
 * unauthenticated bytes, so they stay local until then and are dropped on failure.
 */
export function decryptSegment({
  keys,
  index,
  isLast,
  ciphertext,
}: {
  keys: SegmentKeys;
  index: number;
  isLast: boolean;
  ciphertext: Buffer[];
}): Buffer[] {
  const length = ciphertext.reduce((sum, chunk) => sum + chunk.length, 0);
  if (length < tagSize || index >= maxSegmentCount) throw createIntegrityFailedError();
  const { body, tail: tag } = splitTail(ciphertext, tagSize);
  const nonce = segmentNonce(keys.noncePrefix, index, isLast);
  const decipher = createDecipheriv(keys.algorithm, keys.derivedKey, nonce, { authTagLength: tagSize });
  decipher.setAuthTag(tag);
  const unverified = coalesce(body).map((chunk) => decipher.update(chunk));
  try {
    unverified.push(decipher.final());
  } catch {
    unverified.forEach((chunk) => chunk.fill(0));
    throw createIntegrityFailedError();
  }
  return unverified.filter((chunk) => chunk.length > 0);
}
