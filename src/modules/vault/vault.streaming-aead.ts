import type { Transform } from 'node:stream';
import { createDataKeyInvalidError, createIntegrityFailedError } from './vault.errors.js';
import {
  ciphertextLengthFor as layoutCiphertextLengthFor,
  plaintextLengthFor as layoutPlaintextLengthFor,
  writStreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
import { createStreamingDecryptor, decryptCiphertext } from './vault.streaming-aead.decrypt.js';
import { createStreamingEncryptor } from './vault.streaming-aead.encrypt.js';
import { type CiphertextReader, decryptCiphertextAt } from './vault.streaming-aead.positional.js';
import {
  type CiphertextRangeReader,
  openRangeDecryptor,
  type RangeDecryptor,
} from './vault.streaming-aead.range.js';

/**
 * Writ's at-rest content encryption: Tink's AES-GCM-HKDF-Streaming with the AES256_GCM_HKDF_1MB
 * parameters (32-byte key, HKDF-SHA256, 1 MiB ciphertext segments, first segment offset 0), so a blob
 * can be opened by any Tink implementation given its data key and associated data.
 *
 * Associated data binds a ciphertext to its place: the caller passes the UTF-8 bytes of
 * `writ-doc-v1:<docId>:<version>`, so a blob moved to another document or version fails to decrypt.
 * It is not stored in the ciphertext; decryption must rebuild exactly the same bytes.
 * @NOTE Persisted format: the parameters and the associated-data recipe are part of every stored blob.
 */
export type StreamingAeadKeyInput = {
  /** The document's 32-byte data key. Never logged, never in an error. */
  key: Uint8Array;
  associatedData: Uint8Array;
};

export const streamingAeadKeySize = 32;

function assertDataKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== streamingAeadKeySize) throw createDataKeyInvalidError();
}

/** A Transform from plaintext bytes to ciphertext bytes (header first, then sealed segments). */
export function createEncryptStream({ key, associatedData }: StreamingAeadKeyInput): Transform {
  assertDataKey(key);
  return createStreamingEncryptor({ params: writStreamingAeadParameters, key, associatedData });
}

/**
 * A Transform from ciphertext bytes to plaintext bytes; errors with `vault.integrity_failed`.
 * Output is final only when the stream ends without error (see createStreamingDecryptor).
 */
export function createDecryptStream({ key, associatedData }: StreamingAeadKeyInput): Transform {
  assertDataKey(key);
  return createStreamingDecryptor({ params: writStreamingAeadParameters, key, associatedData });
}

/**
 * The plaintext of a whole stored ciphertext of known length, one authenticated segment at a time, from a
 * stream (decryptCiphertext) or read in place (decryptCiphertextAt); errors with `vault.integrity_failed`.
 */
export function decryptStoredCiphertext({
  key,
  associatedData,
  ciphertextLength,
  source,
}: StreamingAeadKeyInput & {
  ciphertextLength: number;
  source: AsyncIterable<Uint8Array> | CiphertextReader;
}): AsyncGenerator<Buffer, void, undefined> {
  assertDataKey(key);
  const params = writStreamingAeadParameters;
  return isReader(source)
    ? decryptCiphertextAt({ params, key, associatedData, ciphertextLength, reader: source })
    : decryptCiphertext({ params, key, associatedData, ciphertextLength, source });
}

function isReader(source: AsyncIterable<Uint8Array> | CiphertextReader): source is CiphertextReader {
  return !(Symbol.asyncIterator in source);
}

/** Random access for HTTP Range requests: opens only the segments a range needs. */
export function openDecryptedRange({
  key,
  associatedData,
  ciphertextLength,
  readCiphertext,
}: StreamingAeadKeyInput & {
  ciphertextLength: number;
  readCiphertext: CiphertextRangeReader;
}): Promise<RangeDecryptor> {
  assertDataKey(key);
  return openRangeDecryptor({
    params: writStreamingAeadParameters,
    key,
    associatedData,
    ciphertextLength,
    readCiphertext,
  });
}

/** Stored size of a plaintext of this length: a 40-byte header and 16 bytes per 1 MiB segment. */
export function ciphertextLengthFor(plaintextLength: number): number {
  return layoutCiphertextLengthFor(writStreamingAeadParameters, plaintextLength);
}

/**
 * Plaintext length held by a stored ciphertext of this length; `vault.integrity_failed` for a length
 * no ciphertext can have (a truncated or extended blob). Unauthenticated until decryption verifies it.
 */
export function plaintextLengthFor(ciphertextLength: number): number {
  const plaintextLength = layoutPlaintextLengthFor(writStreamingAeadParameters, ciphertextLength);
  if (plaintextLength === undefined) throw createIntegrityFailedError();
  return plaintextLength;
}

export type { CiphertextRangeReader, CiphertextReader, RangeDecryptor };
