import type { Transform } from 'node:stream';
import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';
import type { CiphertextRangeReader, CiphertextReader, RangeDecryptor } from './vault.streaming-aead.js';

/**
 * The top of the key hierarchy. A key file by default (`keys/root.key`); an external KMS implements the
 * same interface. Several keys may be held at once while a rotation is under way: `currentKeyId` wraps,
 * any held key unwraps.
 * @NOTE Key ids (`rk_…`) are stored in `vault_keys.parent_key_id`: an implementation must derive the same
 * id for the same key forever.
 */
export type RootKeyring = {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  wrap(args: {
    plaintext: Uint8Array;
    associatedData: Uint8Array;
  }): Promise<{ keyId: string; wrapped: string }>;
  unwrap(args: { keyId: string; wrapped: string; associatedData: Uint8Array }): Promise<Buffer>;
};

/**
 * A matter's keys opened for one use-case: seals and opens the matter's names and free text, and creates
 * or opens the data keys of its document versions. Holds plaintext keys in its closure only; never
 * serialise or log it, and do not keep it beyond the use-case (rotation and shredding must take effect).
 */
export type MatterVault = {
  readonly matterId: string;
  /**
   * Seals text under the matter's metadata key. `context` names the field's place, e.g.
   * `documents.name:doc_…`: a sealed value copied to another row or column does not open.
   * @NOTE Format `f1.<base64url(nonce ‖ ciphertext ‖ tag)>`, AES-256-GCM.
   */
  sealText(args: { plaintext: string; context: string }): string;
  /** Opens what sealText sealed; `vault.integrity_failed` if it was altered or moved. */
  openText(args: { sealed: string; context: string }): string;
  /**
   * A keyed hash of `value` under the matter's metadata key (HMAC-SHA-256, base64url), for lookups and
   * uniqueness of sealed names within the matter. Equal inputs give equal outputs within one matter only.
   */
  lookupHash(args: { value: string; purpose: string }): string;
  /**
   * A fresh data key for one document version, held in memory until `saveContentKey` stores it wrapped.
   * The associated data of the content is `writ-doc-v1:<documentId>:<version>`.
   */
  newContentKey(args: { documentId: string; version: number }): ContentKey;
};

export type ContentKey = {
  /** `dk_…`: the id the version row keeps, valid once saved. */
  readonly dataKeyId: string;
  readonly matterId: string;
  /** A Transform from plaintext to the at-rest format (Tink AES-GCM-HKDF streaming). */
  createEncryptStream(): Transform;
};

/** An opened data key of a stored version: decrypts the whole blob or any range of it. */
export type OpenedContentKey = {
  /** A Transform from ciphertext to plaintext; errors with `vault.integrity_failed`. */
  createDecryptStream(): Transform;
  /**
   * The plaintext of the whole stored ciphertext, one authenticated segment at a time; errors with
   * `vault.integrity_failed`, also when `ciphertext` does not have `ciphertextLength` bytes.
   */
  decryptWhole(args: {
    ciphertextLength: number;
    /** A stream, or a reader that reads in place (fewer allocations, the next segment read ahead). */
    ciphertext: AsyncIterable<Uint8Array> | CiphertextReader;
  }): AsyncGenerator<Buffer, void, undefined>;
  openRange(args: {
    ciphertextLength: number;
    readCiphertext: CiphertextRangeReader;
  }): Promise<RangeDecryptor>;
};

/** Progress of a resumable rotation, for the CLI's progress line. */
export type RotationProgress = { rewrapped: number; remaining: number };

/**
 * Key ids: `vk_…` for keys wrapped by the root key (matter keys), `dk_…` for data keys (content, metadata).
 * @NOTE Stored in `vault_keys.id` and `document_versions.data_key_id`: never change a prefix.
 */
export const generateVaultKeyId = createPrefixedIdGenerator({ prefix: 'vk' });
export const generateDataKeyId = createPrefixedIdGenerator({ prefix: 'dk' });

/**
 * The installation key's fixed id: one row per installation, so two processes creating it at once collide
 * on the primary key and both keep the first.
 */
export const installationKeyId = 'vk_installation';

export type KeyPurpose = 'installation' | 'matter' | 'metadata' | 'content';

/**
 * The associated data binding a wrapped key to its row: `writ-key-v1:<purpose>:<keyId>:<matterId or ->`.
 * @NOTE Part of every stored wrapped key: changing it strands them all.
 */
export function keyAssociatedData({
  purpose,
  keyId,
  matterId,
}: {
  purpose: KeyPurpose;
  keyId: string;
  matterId: string | null;
}): Buffer {
  return Buffer.from(`writ-key-v1:${purpose}:${keyId}:${matterId ?? '-'}`, 'utf8');
}

/** The associated data of a document version's content (see vault.streaming-aead.ts). */
export function contentAssociatedData({
  documentId,
  version,
}: {
  documentId: string;
  version: number;
}): Buffer {
  return Buffer.from(`writ-doc-v1:${documentId}:${version}`, 'utf8');
}
