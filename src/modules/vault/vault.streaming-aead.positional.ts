import { createIntegrityFailedError } from './vault.errors.js';
import {
  assertValidParameters,
  headerLength,
  segmentCiphertextSize,
  segmentCiphertextStart,
  segmentCountOfCiphertext,
} from './vault.streaming-aead.layout.js';
import type { StreamingDecryptorOptions } from './vault.streaming-aead.decrypt.js';
import {
  assertAssociatedDataLength,
  decryptSegment,
  deriveSegmentKeys,
  parseHeader,
} from './vault.streaming-aead.segment.js';

/** Stored ciphertext read at a position into the caller's buffer, e.g. a file read with pread(2). */
export type CiphertextReader = {
  /** The stored length, which must be the length the caller states. */
  readonly size: number;
  /** Reads up to `buffer.length` bytes at `position`; fewer only where the ciphertext ends. */
  read(buffer: Buffer, position: number): Promise<number>;
};

/**
 * Plaintext leaves in pieces of this size: a whole segment's plaintext in one buffer would outlive the
 * young generation and wait for a full collection, and a download would hold dozens of them at once.
 */
const pieceSize = 64 * 1024;

/**
 * Decrypts a whole stored ciphertext read segment by segment into two buffers reused for the whole read:
 * the next segment is read while the current one is deciphered and sent, and no read allocates.
 * Yields each segment's plaintext only once its tag has verified; fails with `vault.integrity_failed` when
 * a segment does not authenticate or the ciphertext is not `ciphertextLength` bytes.
 * @NOTE As with decryptCiphertext, earlier segments are out when a later one fails. On return (a consumer
 * gone) the generator waits for its read in flight, so the caller may close the reader once it is done.
 */
export async function* decryptCiphertextAt({
  params,
  key,
  associatedData,
  ciphertextLength,
  reader,
}: StreamingDecryptorOptions & {
  ciphertextLength: number;
  reader: CiphertextReader;
}): AsyncGenerator<Buffer, void, undefined> {
  assertValidParameters(params);
  assertAssociatedDataLength(associatedData);
  const segmentCount = segmentCountOfCiphertext(params, ciphertextLength);
  if (segmentCount === undefined || reader.size !== ciphertextLength) throw createIntegrityFailedError();
  const header = Buffer.alloc(headerLength(params));
  await readExactly(reader, header, 0);
  const { salt, noncePrefix } = parseHeader(params, header);
  const keys = deriveSegmentKeys({ params, key, salt, noncePrefix, associatedData });

  const lastIndex = segmentCount - 1;
  const startOf = (index: number) => segmentCiphertextStart(params, index);
  const sizeOf = (index: number) =>
    index === lastIndex ? ciphertextLength - startOf(index) : segmentCiphertextSize(params, index);
  const bufferSize = Math.max(sizeOf(0), segmentCount > 1 ? sizeOf(1) : 0);
  const buffers = [
    Buffer.allocUnsafe(bufferSize),
    segmentCount > 1 ? Buffer.allocUnsafe(bufferSize) : undefined,
  ];
  const readSegment = async (index: number): Promise<Buffer> => {
    const buffer = buffers[index % 2]?.subarray(0, sizeOf(index));
    if (buffer === undefined) throw new RangeError('No buffer for this segment.');
    await readExactly(reader, buffer, startOf(index));
    return buffer;
  };

  let inFlight: Promise<Buffer> | undefined = readSegment(0);
  try {
    for (let index = 0; inFlight !== undefined; index++) {
      const ciphertext = await inFlight;
      inFlight = index < lastIndex ? readSegment(index + 1) : undefined;
      // Awaited in the next turn or in `finally`; until then its failure must not count as unhandled.
      inFlight?.catch(() => undefined);
      // Deciphered before the first yield: the buffer is free for segment index + 2 from then on.
      yield* decryptSegment({ keys, index, isLast: index === lastIndex, ciphertext: piecesOf(ciphertext) });
    }
  } finally {
    await inFlight?.catch(() => undefined);
  }
}

function piecesOf(buffer: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let start = 0; start < buffer.length; start += pieceSize) {
    pieces.push(buffer.subarray(start, start + pieceSize));
  }
  return pieces;
}

/** Storage that returns fewer bytes than asked has changed under us: an integrity failure. */
async function readExactly(reader: CiphertextReader, buffer: Buffer, position: number): Promise<void> {
  if ((await reader.read(buffer, position)) !== buffer.length) throw createIntegrityFailedError();
}
