import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { createKeyUnwrapFailedError } from './vault.keys.errors.js';

/**
 * Wraps keys with AES-256-GCM: `w1.<base64url(nonce ‖ ciphertext ‖ tag)>`, 12-byte random nonce, 16-byte
 * tag. The associated data (see keyAssociatedData) binds a wrapped key to its row.
 * @NOTE Stored in `vault_keys.wrapped`: changing the format needs a migration that re-wraps every key.
 */
const wrappedPrefix = 'w1.';
const nonceSize = 12;
const tagSize = 16;

/** A 32-byte key for one use of `key`, so that one key never serves two purposes directly. */
export function deriveSubkey({ key, info }: { key: Uint8Array; info: string }): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
}

export function wrapKey({
  wrappingKey,
  plaintext,
  associatedData,
}: {
  wrappingKey: Uint8Array;
  plaintext: Uint8Array;
  associatedData: Uint8Array;
}): string {
  const nonce = randomBytes(nonceSize);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, nonce);
  cipher.setAAD(associatedData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return wrappedPrefix + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url');
}

/** The plaintext key; `vault.key_unwrap_failed` when the value was altered, moved or wrapped by another key. */
export function unwrapKey({
  wrappingKey,
  wrapped,
  associatedData,
}: {
  wrappingKey: Uint8Array;
  wrapped: string;
  associatedData: Uint8Array;
}): Buffer {
  if (!wrapped.startsWith(wrappedPrefix)) throw createKeyUnwrapFailedError();
  const raw = Buffer.from(wrapped.slice(wrappedPrefix.length), 'base64url');
  if (raw.length < nonceSize + tagSize) throw createKeyUnwrapFailedError();
  const decipher = createDecipheriv('aes-256-gcm', wrappingKey, raw.subarray(0, nonceSize));
  decipher.setAAD(associatedData);
  decipher.setAuthTag(raw.subarray(raw.length - tagSize));
  try {
    return Buffer.concat([decipher.update(raw.subarray(nonceSize, raw.length - tagSize)), decipher.final()]);
  } catch {
    throw createKeyUnwrapFailedError();
  }
}
