import { decodeBase64Strictly, decodeUtf8Strictly, isNoteSafeText } from './ledger.encoding.js';
import {
  createNoteInvalidError,
  createNoteUnverifiedError,
  createSignatureInvalidError,
  createSignerInvalidError,
  createVerifierKeyInvalidError,
} from './ledger.errors.js';
import {
  ed25519SignatureSize,
  isValidKeyName,
  type NoteSigner,
  type NoteVerifier,
  noteKeyIdSize,
} from './ledger.note-keys.js';

/**
 * Signed notes (c2sp.org/signed-note): text ending in a newline, a blank line, then one or more lines
 * `— <key name> <base64(4-byte key ID ‖ signature)>`.
 * @NOTE This layout is what checkpoints and receipts are published in and what third-party tools verify:
 * it is fixed by the spec, not by Writ.
 */
const signaturePrefix = '\u2014 ';

/** The spec asks verifiers to accept at least 16; more only costs a hostile note's parse. */
export const maxNoteSignatures = 100;

export type NoteSignature = { readonly name: string; readonly keyId: Buffer; readonly signature: Buffer };

export type ParsedNote = { readonly text: string; readonly signatures: readonly NoteSignature[] };

export type OpenedNote = {
  readonly text: string;
  /** Known keys whose signatures verified, each once, in the order their first signature appears. */
  readonly verifiedBy: readonly NoteVerifier[];
  /** Signatures from keys the caller does not know: ignored, as the spec requires, but reported. */
  readonly unknownSignatures: readonly { readonly name: string; readonly keyId: Buffer }[];
};

/** Note text is valid UTF-8 without control characters other than newline, and ends with a newline. */
export function isValidNoteText(text: string): boolean {
  return text.endsWith('\n') && isNoteSafeText(text);
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(signaturePrefix)) {
    throw createNoteInvalidError({ message: 'A signature line must start with "— ".' });
  }
  const body = line.slice(signaturePrefix.length);
  const space = body.indexOf(' ');
  const name = space < 0 ? '' : body.slice(0, space);
  const decoded = space < 0 ? undefined : decodeBase64Strictly(body.slice(space + 1));
  if (!isValidKeyName(name) || decoded === undefined || decoded.length <= noteKeyIdSize) {
    throw createNoteInvalidError({ message: 'A signature line must be "— <key name> <base64 signature>".' });
  }
  return { name, keyId: decoded.subarray(0, noteKeyIdSize), signature: decoded.subarray(noteKeyIdSize) };
}

function decodeNote(note: unknown): string | undefined {
  if (typeof note === 'string') return note;
  return note instanceof Uint8Array ? decodeUtf8Strictly(note) : undefined;
}

/** Splits a note into its text and signature lines without checking any signature. */
export function parseNote(note: string | Uint8Array): ParsedNote {
  const message = decodeNote(note);
  if (message === undefined || !isNoteSafeText(message)) {
    throw createNoteInvalidError({
      message: 'A note must be UTF-8 without control characters other than newline.',
    });
  }
  // The text may hold blank lines; the signatures start after the last one.
  const split = message.lastIndexOf('\n\n');
  const block = split < 0 ? '' : message.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    throw createNoteInvalidError({
      message: 'A note must end with a blank line and newline-terminated signature lines.',
    });
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > maxNoteSignatures) {
    throw createNoteInvalidError({ message: `A note may carry at most ${maxNoteSignatures} signatures.` });
  }
  return { text: message.slice(0, split + 1), signatures: lines.map(parseSignatureLine) };
}

function signatureLine({ name, keyId, signature }: NoteSignature): string {
  return `${signaturePrefix}${name} ${Buffer.concat([keyId, signature]).toString('base64')}\n`;
}

function keyOf({ name, keyId }: { name: string; keyId: Buffer }): string {
  return `${name}+${keyId.toString('hex')}`;
}

/** Signs the text with every signer, in order; each signer is one key, so none may appear twice. */
export async function signNote({
  text,
  signers,
}: {
  text: string;
  signers: readonly NoteSigner[];
}): Promise<string> {
  if (!isValidNoteText(text)) {
    throw createNoteInvalidError({
      message: 'Note text must be UTF-8 ending in a newline, without control characters other than newline.',
    });
  }
  if (signers.length === 0 || signers.length > maxNoteSignatures) {
    throw createSignerInvalidError({ message: `A note needs 1 to ${maxNoteSignatures} signers.` });
  }
  const seen = new Set<string>();
  for (const { name, keyId } of signers) {
    if (!isValidKeyName(name) || keyId.length !== noteKeyIdSize || seen.has(keyOf({ name, keyId }))) {
      throw createSignerInvalidError({
        message: 'Each signer needs a valid key name, a 4-byte key ID, and its own key.',
      });
    }
    seen.add(keyOf({ name, keyId }));
  }
  const message = Buffer.from(text, 'utf8');
  const lines = await Promise.all(
    signers.map(async (signer) => {
      const signature = await signer.sign(message);
      if (signature.length !== ed25519SignatureSize) {
        throw createSignerInvalidError({
          message: `The signer "${signer.name}" did not return an Ed25519 signature.`,
        });
      }
      return signatureLine({ name: signer.name, keyId: signer.keyId, signature });
    }),
  );
  return `${text}\n${lines.join('')}`;
}

function indexVerifiers(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const byKey = new Map<string, NoteVerifier>();
  for (const verifier of verifiers) {
    const existing = byKey.get(keyOf(verifier));
    if (existing !== undefined && !existing.publicKey.equals(verifier.publicKey)) {
      throw createVerifierKeyInvalidError({
        message: `Two trusted keys share the name and key ID ${keyOf(verifier)}; remove one.`,
      });
    }
    byKey.set(keyOf(verifier), verifier);
  }
  return byKey;
}

/**
 * Verifies a note against trusted keys. Signatures from unknown keys (name and key ID not both matching) are
 * ignored; a failing signature from a trusted key rejects the whole note, and so does having no trusted one.
 */
export function openNote({
  note,
  verifiers,
}: {
  note: string | Uint8Array;
  verifiers: readonly NoteVerifier[];
}): OpenedNote {
  const { text, signatures } = parseNote(note);
  const trusted = indexVerifiers(verifiers);
  const message = Buffer.from(text, 'utf8');
  const verifiedBy = new Map<string, NoteVerifier>();
  const unknown = new Map<string, { name: string; keyId: Buffer }>();
  for (const { name, keyId, signature } of signatures) {
    const key = keyOf({ name, keyId });
    const verifier = trusted.get(key);
    if (verifier === undefined) {
      unknown.set(key, { name, keyId: Buffer.from(keyId) });
      continue;
    }
    // @NOTE Every signature from a trusted key is checked, repeats included: one bad line rejects the note.
    if (!verifier.verify(message, signature)) {
      throw createSignatureInvalidError({ message: `The signature by trusted key ${key} does not verify.` });
    }
    verifiedBy.set(key, verifier);
  }
  if (verifiedBy.size === 0) throw createNoteUnverifiedError();
  return { text, verifiedBy: [...verifiedBy.values()], unknownSignatures: [...unknown.values()] };
}
