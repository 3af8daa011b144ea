import { createPlaintextTooLongError } from './vault.errors.js';

/**
 * Byte layout of Tink's AES-GCM-HKDF-Streaming ciphertexts: pure arithmetic, no keys, no ciphers.
 *
 *   ciphertext = header ‖ segment_0 ‖ … ‖ segment_{n-1}
 *   header     = headerLength (1 byte) ‖ salt (keySize bytes) ‖ noncePrefix (7 bytes)
 *   segment_i  = AES-GCM(derivedKey, nonce_i, M_i) = ciphertext ‖ 16-byte tag
 *
 * Every segment but the last fills `ciphertextSegmentSize`; segment 0 is shorter by the header and by
 * `firstSegmentOffset` (bytes a caller keeps before the header), so segments align on the size grid.
 * Offsets here count from the first header byte: the `firstSegmentOffset` bytes are not part of it.
 */
export type StreamingAeadParameters = {
  /** AES key size of the derived per-stream key, and the salt size. */
  readonly keySize: 16 | 32;
  readonly hkdfHash: 'sha1' | 'sha256' | 'sha512';
  readonly ciphertextSegmentSize: number;
  readonly firstSegmentOffset: number;
};

/**
 * Tink's AES256_GCM_HKDF_1MB key template, the only parameters Writ stores content with.
 * @NOTE Persisted format: every stored blob depends on these values; changing one strands them all.
 */
export const writStreamingAeadParameters: StreamingAeadParameters = Object.freeze({
  keySize: 32,
  hkdfHash: 'sha256',
  ciphertextSegmentSize: 1_048_576,
  firstSegmentOffset: 0,
});

export const tagSize = 16;
export const noncePrefixSize = 7;

/**
 * Segment numbers are a 32-bit counter; Tink-Go refuses number 2^32 − 1 itself, so the strictest
 * Tink reading allows 2^32 − 1 segments (about 4 PiB at 1 MiB segments).
 */
export const maxSegmentCount = 2 ** 32 - 1;

export function headerLength(params: StreamingAeadParameters): number {
  return 1 + params.keySize + noncePrefixSize;
}

/** Tink rejects parameters where the first segment could not hold a tag and one plaintext byte. */
export function assertValidParameters(params: StreamingAeadParameters): void {
  const { ciphertextSegmentSize: size, firstSegmentOffset: offset } = params;
  const isValid =
    (params.keySize === 16 || params.keySize === 32) &&
    Number.isSafeInteger(size) &&
    Number.isSafeInteger(offset) &&
    offset >= 0 &&
    size < 2 ** 31 &&
    size > offset + headerLength(params) + tagSize;
  if (!isValid) throw new RangeError('Invalid streaming AEAD parameters.');
}

/** Largest ciphertext size of segment `index` (the last segment may be shorter). */
export function segmentCiphertextSize(params: StreamingAeadParameters, index: number): number {
  const size = params.ciphertextSegmentSize;
  return index === 0 ? size - headerLength(params) - params.firstSegmentOffset : size;
}

export function segmentPlaintextSize(params: StreamingAeadParameters, index: number): number {
  return segmentCiphertextSize(params, index) - tagSize;
}

/** Offset of segment `index` in the ciphertext. */
export function segmentCiphertextStart(params: StreamingAeadParameters, index: number): number {
  if (index === 0) return headerLength(params);
  return index * params.ciphertextSegmentSize - params.firstSegmentOffset;
}

/** Offset in the plaintext of the first byte segment `index` holds. */
export function segmentPlaintextStart(params: StreamingAeadParameters, index: number): number {
  if (index === 0) return 0;
  return segmentPlaintextSize(params, 0) + (index - 1) * segmentPlaintextSize(params, 1);
}

/** Index of the segment holding plaintext byte `offset`. */
export function segmentIndexAt(params: StreamingAeadParameters, offset: number): number {
  const first = segmentPlaintextSize(params, 0);
  if (offset < first) return 0;
  return 1 + Math.floor((offset - first) / segmentPlaintextSize(params, 1));
}

/** Segments Tink's encrypters produce for a plaintext: never an empty segment after a full one. */
export function segmentCountFor(params: StreamingAeadParameters, plaintextLength: number): number {
  const first = segmentPlaintextSize(params, 0);
  if (plaintextLength <= first) return 1;
  return 1 + Math.ceil((plaintextLength - first) / segmentPlaintextSize(params, 1));
}

export function ciphertextLengthFor(params: StreamingAeadParameters, plaintextLength: number): number {
  if (!Number.isSafeInteger(plaintextLength) || plaintextLength < 0) {
    throw new RangeError('A plaintext length is a non-negative safe integer.');
  }
  const segments = segmentCountFor(params, plaintextLength);
  if (segments > maxSegmentCount) throw createPlaintextTooLongError();
  return headerLength(params) + plaintextLength + segments * tagSize;
}

/**
 * The plaintext length a ciphertext of this length holds, or undefined when no ciphertext can have
 * this length. Segment boundaries follow from the length alone, as in Tink's seekable decrypters.
 * @NOTE A last segment of only a tag after full segments is accepted, as Tink's decrypters do; Tink's
 * encrypters never write one, so `ciphertextLengthFor` gives the shorter canonical length there.
 */
export function plaintextLengthFor(
  params: StreamingAeadParameters,
  ciphertextLength: number,
): number | undefined {
  const segments = segmentCountOfCiphertext(params, ciphertextLength);
  if (segments === undefined) return undefined;
  return ciphertextLength - headerLength(params) - segments * tagSize;
}

/** Segments in a ciphertext of this length, or undefined when no ciphertext can have this length. */
export function segmentCountOfCiphertext(
  params: StreamingAeadParameters,
  ciphertextLength: number,
): number | undefined {
  if (!Number.isSafeInteger(ciphertextLength)) return undefined;
  if (ciphertextLength < headerLength(params) + tagSize) return undefined;
  const aligned = ciphertextLength + params.firstSegmentOffset;
  const segments = Math.ceil(aligned / params.ciphertextSegmentSize);
  const lastSize = aligned - (segments - 1) * params.ciphertextSegmentSize;
  if (lastSize < tagSize || segments > maxSegmentCount) return undefined;
  return segments;
}
