import { type WritError } from '../../shared/errors/errors.js';
import { decodeBase64Strictly } from './ledger.encoding.js';
import { createCheckpointInvalidError, createCheckpointOriginMismatchError } from './ledger.errors.js';
import { merkleHashSize } from './ledger.merkle.js';
import { type NoteSigner, type NoteVerifier } from './ledger.note-keys.js';
import { isValidNoteText, openNote, signNote } from './ledger.note.js';

/**
 * Checkpoints (c2sp.org/tlog-checkpoint): the note text `<origin>\n<tree size>\n<base64 root hash>\n`, then
 * optional non-empty extension lines.
 * @NOTE Checkpoints are signed and handed to third parties; this exact text is what they verify.
 */
export type Checkpoint = {
  /** Names the log; its key name should be the same string. */
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Buffer;
  readonly extensions: readonly string[];
};

const decimalSize = /^(?:0|[1-9][0-9]*)$/;

function invalid(message: string): WritError {
  return createCheckpointInvalidError({ message });
}

function isValidLine(line: string): boolean {
  return line.length > 0 && !line.includes('\n') && isValidNoteText(`${line}\n`);
}

/** @NOTE The spec allows sizes up to 2^64 − 1; sizes above 2^53 − 1 are refused rather than rounded. */
function parseSize(line: string): number {
  const size = decimalSize.test(line) ? Number(line) : Number.NaN;
  if (!Number.isSafeInteger(size))
    throw invalid('The tree size must be a decimal number without leading zeros.');
  return size;
}

function parseRootHash(line: string): Buffer {
  const rootHash = decodeBase64Strictly(line);
  if (rootHash?.length !== merkleHashSize) throw invalid('The root hash must be the base64 of 32 bytes.');
  return rootHash;
}

export function formatCheckpoint({ origin, size, rootHash, extensions }: Checkpoint): string {
  if (!isValidLine(origin)) throw invalid('The origin must be one non-empty line.');
  if (!Number.isSafeInteger(size) || size < 0) throw invalid('The tree size must be a whole number ≥ 0.');
  if (rootHash.length !== merkleHashSize) throw invalid('The root hash must be 32 bytes.');
  if (!extensions.every(isValidLine)) throw invalid('Each extension must be one non-empty line.');
  return [origin, String(size), rootHash.toString('base64'), ...extensions]
    .map((line) => `${line}\n`)
    .join('');
}

export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !isValidNoteText(text)) {
    throw invalid('A checkpoint is UTF-8 text of newline-terminated lines.');
  }
  const [origin, sizeLine, rootLine, ...extensions] = text.slice(0, -1).split('\n');
  if (origin === undefined || sizeLine === undefined || rootLine === undefined) {
    throw invalid('A checkpoint has an origin, a tree size and a root hash line.');
  }
  if (origin === '' || extensions.some((line) => line === ''))
    throw invalid('Checkpoint lines must not be empty.');
  return { origin, size: parseSize(sizeLine), rootHash: parseRootHash(rootLine), extensions };
}

export async function signCheckpoint({
  checkpoint,
  signers,
}: {
  checkpoint: Checkpoint;
  signers: readonly NoteSigner[];
}): Promise<string> {
  return signNote({ text: formatCheckpoint(checkpoint), signers });
}

/**
 * Verifies a signed checkpoint for the log named `origin`: the note must verify with a trusted key, its text
 * must be a checkpoint, and the checkpoint must name that log (a key may sign for several logs).
 */
export function openCheckpoint({
  note,
  origin,
  verifiers,
}: {
  note: string | Uint8Array;
  origin: string;
  verifiers: readonly NoteVerifier[];
}): { checkpoint: Checkpoint; verifiedBy: readonly NoteVerifier[] } {
  const { text, verifiedBy } = openNote({ note, verifiers });
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== origin) {
    throw createCheckpointOriginMismatchError({
      message: 'This checkpoint was signed for another log than the one asked about.',
    });
  }
  return { checkpoint, verifiedBy };
}
