import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import { decodeBase64Strictly, isNoteSafeText } from './ledger.encoding.js';
import { createVerifierKeyInvalidError } from './ledger.errors.js';

/**
 * Ed25519 keys of c2sp.org/signed-note: key IDs and the `<name>+<hex key ID>+<base64>` verifier key encoding.
 * @NOTE Verifier keys are published to whoever checks Writ's log offline, and the key ID is in every signature
 * line: the type byte 0x01 and the hash input below are fixed by the spec and must never change.
 */
const ed25519Type = 0x01;
const ed25519PublicKeySize = 32;
export const ed25519SignatureSize = 64;
export const noteKeyIdSize = 4;

/**
 * Signs note text with a private key the ledger never holds: the vault implements this (DESIGN.md: only the
 * vault touches private keys). `keyId` is 4 bytes, `sign` returns a 64-byte Ed25519 signature.
 */
export type NoteSigner = {
  readonly name: string;
  readonly keyId: Buffer;
  sign(message: Buffer): Promise<Buffer>;
};

export type NoteVerifier = {
  readonly name: string;
  readonly keyId: Buffer;
  readonly publicKey: Buffer;
  verify(message: Buffer, signature: Buffer): boolean;
};

const forbiddenInKeyName = /[\p{White_Space}+]/u;

/** Key names are non-empty, with no Unicode space, no '+' and nothing a note may not contain. */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !forbiddenInKeyName.test(name) && isNoteSafeText(name);
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]. */
export function computeNoteKeyId({ name, publicKey }: { name: string; publicKey: Uint8Array }): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`, 'utf8'))
    .update(Buffer.from([ed25519Type]))
    .update(publicKey)
    .digest()
    .subarray(0, noteKeyIdSize);
}

function importEd25519PublicKey(publicKey: Buffer): KeyObject {
  try {
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
      format: 'jwk',
    });
  } catch (cause) {
    throw createVerifierKeyInvalidError({ message: 'The public key is not an Ed25519 key.', cause });
  }
}

export function createNoteVerifier({
  name,
  publicKey,
}: {
  name: string;
  publicKey: Uint8Array;
}): NoteVerifier {
  if (!isValidKeyName(name)) {
    throw createVerifierKeyInvalidError({ message: "A key name is non-empty, without spaces or '+'." });
  }
  if (publicKey.length !== ed25519PublicKeySize) {
    throw createVerifierKeyInvalidError({ message: 'An Ed25519 public key is 32 bytes.' });
  }
  const key = Buffer.from(publicKey);
  const keyObject = importEd25519PublicKey(key);
  return {
    name,
    keyId: computeNoteKeyId({ name, publicKey: key }),
    publicKey: key,
    verify(message, signature) {
      if (signature.length !== ed25519SignatureSize) return false;
      try {
        return verify(null, message, keyObject, signature);
      } catch {
        return false;
      }
    },
  };
}

export function formatVerifierKey({ name, publicKey }: { name: string; publicKey: Uint8Array }): string {
  const { keyId, publicKey: key } = createNoteVerifier({ name, publicKey });
  const encoded = Buffer.concat([Buffer.from([ed25519Type]), key]).toString('base64');
  return `${name}+${keyId.toString('hex')}+${encoded}`;
}

/** Parses `<name>+<8 lowercase hex digits>+<base64(0x01 ‖ public key)>`, checking the key ID against the key. */
export function parseVerifierKey(text: string): NoteVerifier {
  const [name, keyIdHex, ...rest] = typeof text === 'string' ? text.split('+') : [];
  // The base64 part may itself contain '+'.
  const encoded = rest.join('+');
  if (
    name === undefined ||
    !isValidKeyName(name) ||
    keyIdHex === undefined ||
    !/^[0-9a-f]{8}$/.test(keyIdHex)
  ) {
    throw createVerifierKeyInvalidError();
  }
  const decoded = decodeBase64Strictly(encoded);
  if (decoded?.length !== 1 + ed25519PublicKeySize || decoded[0] !== ed25519Type) {
    throw createVerifierKeyInvalidError({
      message: 'Only Ed25519 verifier keys (type 0x01, 32 bytes) are supported.',
    });
  }
  const verifier = createNoteVerifier({ name, publicKey: decoded.subarray(1) });
  if (verifier.keyId.toString('hex') !== keyIdHex) {
    throw createVerifierKeyInvalidError({ message: 'The key ID does not match the name and public key.' });
  }
  return verifier;
}
