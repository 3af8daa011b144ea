import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { computeNoteKeyId, type NoteSigner } from './ledger.note-keys.js';

// PKCS #8 DER for an Ed25519 private key is this fixed prefix followed by the 32-byte seed (RFC 8410).
const pkcs8Ed25519Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

export function importEd25519Seed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([pkcs8Ed25519Prefix, seed]), format: 'der', type: 'pkcs8' });
}

export function exportEd25519PublicKey(privateKey: KeyObject): Buffer {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

/**
 * A signer holding its private key in memory, for tests only: in Writ the vault holds signing keys and the
 * ledger sees nothing but `sign`.
 */
export function createTestNoteSigner({
  name,
  privateKey = generateKeyPairSync('ed25519').privateKey,
}: {
  name: string;
  privateKey?: KeyObject;
}): NoteSigner & { publicKey: Buffer } {
  const publicKey = exportEd25519PublicKey(privateKey);
  return {
    name,
    keyId: computeNoteKeyId({ name, publicKey }),
    publicKey,
    sign: (message) => Promise.resolve(sign(null, message, privateKey)),
  };
}
