import { createErrorFactory } from '../../shared/errors/errors.js';

/**
 * Thrown for every ciphertext that does not authenticate: a tampered, truncated, extended or reordered
 * stream, a wrong key, or associated data that does not match (another document or version).
 * @NOTE One code for all causes on purpose: telling them apart would help an attacker probe the format.
 */
export const createIntegrityFailedError = createErrorFactory({
  code: 'vault.integrity_failed',
  status: 422,
  message:
    'The encrypted content failed its integrity check: it was altered, truncated, or belongs to another document or version.',
});

/** A data key handed to the streaming cipher has the wrong length (a bug or a corrupted key store). */
export const createDataKeyInvalidError = createErrorFactory({
  code: 'vault.data_key_invalid',
  status: 500,
  isInternal: true,
  message: 'The data key does not have the length the encryption format requires.',
});

/** The associated data is longer than node:crypto's HKDF accepts as `info` (1024 bytes). */
export const createAssociatedDataTooLongError = createErrorFactory({
  code: 'vault.associated_data_too_long',
  status: 500,
  isInternal: true,
  message: 'The associated data is longer than 1024 bytes.',
});

/** The plaintext would need more segments than the 32-bit segment counter allows. */
export const createPlaintextTooLongError = createErrorFactory({
  code: 'vault.plaintext_too_long',
  status: 413,
  message: 'The content is too large to encrypt.',
});

/** A requested plaintext byte range lies outside the document. */
export const createRangeNotSatisfiableError = createErrorFactory({
  code: 'vault.range_not_satisfiable',
  status: 416,
  message: 'The requested byte range is outside the document.',
});
