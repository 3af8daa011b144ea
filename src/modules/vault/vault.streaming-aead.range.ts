import { createIntegrityFailedError, createRangeNotSatisfiableError } from './vault.errors.js';
import {
  assertValidParameters,
  headerLength,
  plaintextLengthFor,
  segmentCountOfCiphertext,
  segmentCiphertextSize,
  segmentCiphertextStart,
  segmentIndexAt,
  segmentPlaintextStart,
  type StreamingAeadParameters,
} from './vault.streaming-aead.layout.js';
import {
  assertAssociatedDataLength,
  decryptSegment,
  deriveSegmentKeys,
  parseHeader,
  type SegmentKeys,
} from './vault.streaming-aead.segment.js';

/** Reads ciphertext bytes [start, end) from storage, e.g. an S3 ranged GET or a file read. */
export type CiphertextRangeReader = (range: { start: number; end: number }) => Promise<Uint8Array>;

export type RangeDecryptor = {
  /** Authenticated: the last segment verified when the decryptor was opened. */
  readonly plaintextLength: number;
  /** Yields the plaintext of [start, end), opening only the segments that overlap it. */
  readonly decryptRange: (range: { start: number; end: number }) => AsyncGenerator<Buffer>;
};

export type RangeDecryptorOptions = {
  params: StreamingAeadParameters;
  key: Uint8Array;
  associatedData: Uint8Array;
  /** The stored ciphertext's length, header included. */
  ciphertextLength: number;
  readCiphertext: CiphertextRangeReader;
};

/**
 * Opens a stored ciphertext for random access (HTTP Range requests).
 * Opening reads the header and verifies the last segment, so the plaintext length is proven before a
 * response states it, and a blob cut at a segment boundary fails here rather than in a later range.
 */
export async function openRangeDecryptor({
  params,
  key,
  associatedData,
  ciphertextLength,
  readCiphertext,
}: RangeDecryptorOptions): Promise<RangeDecryptor> {
  assertValidParameters(params);
  assertAssociatedDataLength(associatedData);
  const plaintextLength = plaintextLengthFor(params, ciphertextLength);
  const segmentCount = segmentCountOfCiphertext(params, ciphertextLength);
  if (plaintextLength === undefined || segmentCount === undefined) throw createIntegrityFailedError();
  const header = await readExactly(readCiphertext, 0, headerLength(params));
  const { salt, noncePrefix } = parseHeader(params, header);
  const keys = deriveSegmentKeys({ params, key, salt, noncePrefix, associatedData });
  const source = { params, keys, ciphertextLength, readCiphertext };
  await readSegment(source, segmentCount - 1);

  return {
    plaintextLength,
    decryptRange: (range) => decryptSegments(source, plaintextLength, range),
  };
}

type SegmentSource = {
  params: StreamingAeadParameters;
  keys: SegmentKeys;
  ciphertextLength: number;
  readCiphertext: CiphertextRangeReader;
};

async function* decryptSegments(
  source: SegmentSource,
  plaintextLength: number,
  { start, end }: { start: number; end: number },
): AsyncGenerator<Buffer> {
  const { params } = source;
  const isInside = Number.isSafeInteger(start) && Number.isSafeInteger(end) && 0 <= start && start <= end;
  if (!isInside || end > plaintextLength) throw createRangeNotSatisfiableError();
  if (start === end) return;
  for (let index = segmentIndexAt(params, start); index <= segmentIndexAt(params, end - 1); index++) {
    const segmentStart = segmentPlaintextStart(params, index);
    const plaintext = Buffer.concat(await readSegment(source, index));
    yield plaintext.subarray(
      Math.max(start - segmentStart, 0),
      Math.min(end - segmentStart, plaintext.length),
    );
  }
}

/** Reads and opens one segment; the last one is the one that ends where the ciphertext ends. */
async function readSegment(source: SegmentSource, index: number): Promise<Buffer[]> {
  const { params, keys, ciphertextLength, readCiphertext } = source;
  const start = segmentCiphertextStart(params, index);
  const end = Math.min(start + segmentCiphertextSize(params, index), ciphertextLength);
  const ciphertext = await readExactly(readCiphertext, start, end);
  return decryptSegment({ keys, index, isLast: end === ciphertextLength, ciphertext: [ciphertext] });
}

/** Storage that returns fewer or more bytes than asked has changed under us: an integrity failure. */
async function readExactly(read: CiphertextRangeReader, start: number, end: number): Promise<Buffer> {
  const bytes = await read({ start, end });
  if (bytes.length !== end - start) throw createIntegrityFailedError();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
