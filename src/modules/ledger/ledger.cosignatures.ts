import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { decodeBase64Strictly } from './ledger.encoding.js';
import { createCosignerKeyInvalidError } from './ledger.errors.js';
import { ed25519SignatureSize, isValidKeyName, noteKeyIdSize } from './ledger.note-keys.js';
import { parseNote } from './ledger.note.js';

/**
 * Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 `cosignature/v1`): a note signature line
 * `— <witness name> base64(key ID ‖ u64 timestamp ‖ Ed25519 signature)` over
 * `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint text.
 * @NOTE The type byte 0x04, the message prefix and the layout are the spec's: witnesses and every verifier
 * of Writ's receipts compute the same bytes.
 */
const cosignatureType = 0x04;
const ed25519PublicKeySize = 32;
const timestampSize = 8;
export const cosignatureSize = timestampSize + ed25519SignatureSize;

export type CosignerVerifier = {
  readonly name: string;
  readonly keyId: Buffer;
  readonly publicKey: Buffer;
  /** The verifier key as configured: `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`. */
  readonly verifierKey: string;
};

/** A verified cosignature: who, when (POSIX seconds), and the 64-byte Ed25519 signature. */
export type Cosignature = {
  readonly name: string;
  readonly keyId: Buffer;
  readonly timestamp: number;
  readonly signature: Buffer;
};

/** SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]. */
export function computeCosignerKeyId({ name, publicKey }: { name: string; publicKey: Uint8Array }): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([cosignatureType]))
    .update(publicKey)
    .digest()
    .subarray(0, noteKeyIdSize);
}

export function formatCosignerKey({ name, publicKey }: { name: string; publicKey: Uint8Array }): string {
  const keyId = computeCosignerKeyId({ name, publicKey });
  const encoded = Buffer.concat([Buffer.from([cosignatureType]), publicKey]).toString('base64');
  return `${name}+${keyId.toString('hex')}+${encoded}`;
}

/** Parses `<name>+<8 lowercase hex digits>+<base64(0x04 ‖ Ed25519 public key)>`, checking the key ID. */
export function parseCosignerKey(text: string): CosignerVerifier {
  const [name, keyIdHex, ...rest] = typeof text === 'string' ? text.trim().split('+') : [];
  const decoded = decodeBase64Strictly(rest.join('+'));
  if (
    name === undefined ||
    !isValidKeyName(name) ||
    keyIdHex === undefined ||
    !/^[0-9a-f]{8}$/.test(keyIdHex) ||
    decoded?.length !== 1 + ed25519PublicKeySize ||
    decoded[0] !== cosignatureType
  ) {
    throw createCosignerKeyInvalidError({
      message: `"${text}" is not an Ed25519 cosigner key <name>+<key id>+<base64(0x04 ‖ key)>.`,
    });
  }
  const publicKey = decoded.subarray(1);
  const keyId = computeCosignerKeyId({ name, publicKey });
  if (keyId.toString('hex') !== keyIdHex) {
    throw createCosignerKeyInvalidError({
      message: `The key ID of cosigner key ${name} does not match its key.`,
    });
  }
  return { name, keyId, publicKey, verifierKey: formatCosignerKey({ name, publicKey }) };
}

/** The bytes a witness signs: `cosignature/v1\ntime <t>\n` ‖ the checkpoint text (ending in a newline). */
export function cosignedMessage({
  checkpointText,
  timestamp,
}: {
  checkpointText: string;
  timestamp: number;
}): Buffer {
  return Buffer.from(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`, 'utf8');
}

function importPublicKey(publicKey: Buffer): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
    format: 'jwk',
  });
}

/** The timestamp of a well-formed signature body, or undefined (2^63 − 1 at most; refused above 2^53 − 1). */
function readTimestamp(body: Buffer): number | undefined {
  if (body.length !== cosignatureSize) return undefined;
  const timestamp = body.readBigUInt64BE(0);
  return timestamp > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(timestamp);
}

export function verifyCosignature({
  witness,
  checkpointText,
  body,
}: {
  witness: CosignerVerifier;
  checkpointText: string;
  /** What follows the key ID in the signature line: u64 timestamp ‖ 64-byte signature. */
  body: Buffer;
}): Cosignature | undefined {
  const timestamp = readTimestamp(body);
  if (timestamp === undefined) return undefined;
  const signature = body.subarray(timestampSize);
  try {
    const isValid = verify(
      null,
      cosignedMessage({ checkpointText, timestamp }),
      importPublicKey(witness.publicKey),
      signature,
    );
    return isValid
      ? { name: witness.name, keyId: witness.keyId, timestamp, signature: Buffer.from(signature) }
      : undefined;
  } catch {
    return undefined;
  }
}

export function formatCosignatureLine({ name, keyId, timestamp, signature }: Cosignature): string {
  const body = Buffer.alloc(cosignatureSize);
  body.writeBigUInt64BE(BigInt(timestamp), 0);
  signature.copy(body, timestampSize);
  return `\u2014 ${name} ${Buffer.concat([keyId, body]).toString('base64')}\n`;
}

export type CosignatureCheck = {
  /** Valid cosignatures from the given witnesses, at most one per witness. */
  readonly valid: readonly Cosignature[];
  /** Lines that name a given witness (name and key ID) but do not verify. */
  readonly invalid: readonly { readonly name: string; readonly keyId: Buffer }[];
};

/**
 * Checks the cosignature lines of a signed checkpoint note against the witnesses trusted. Lines from other
 * keys (the log's own signature, unknown witnesses) are ignored, as the spec requires.
 */
export function checkCosignatures({
  note,
  witnesses,
}: {
  note: string;
  witnesses: readonly CosignerVerifier[];
}): CosignatureCheck & { checkpointText: string } {
  const { text, signatures } = parseNote(note);
  const valid = new Map<string, Cosignature>();
  const invalid: { name: string; keyId: Buffer }[] = [];
  for (const { name, keyId, signature } of signatures) {
    const witness = witnesses.find((candidate) => candidate.name === name && candidate.keyId.equals(keyId));
    if (witness === undefined) continue;
    const key = `${name}+${keyId.toString('hex')}`;
    const cosignature = verifyCosignature({ witness, checkpointText: text, body: signature });
    if (cosignature === undefined) invalid.push({ name, keyId: Buffer.from(keyId) });
    else if (!valid.has(key)) valid.set(key, cosignature);
  }
  return { checkpointText: text, valid: [...valid.values()], invalid };
}
