import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { IdGenerator } from '../../shared/ids/ids.js';
import { createIntegrityFailedError } from './vault.errors.js';
import { deriveSubkey } from './vault.key-wrap.js';
import {
  type ContentKey,
  contentAssociatedData,
  generateDataKeyId,
  type MatterVault,
  type OpenedContentKey,
} from './vault.keys.models.js';
import {
  createDecryptStream,
  decryptStoredCiphertext,
  createEncryptStream,
  openDecryptedRange,
  streamingAeadKeySize,
} from './vault.streaming-aead.js';

const sealedPrefix = 'f1.';
const nonceSize = 12;
const tagSize = 16;

/**
 * The plaintext of each unsaved content key, kept out of the ContentKey object so that nothing outside the
 * vault can read it; saveContentKey takes it from here.
 */
const contentKeyMaterial = new WeakMap<ContentKey, Buffer>();

export function readContentKeyMaterial(contentKey: ContentKey): Buffer | undefined {
  return contentKeyMaterial.get(contentKey);
}

/**
 * A MatterVault over the matter's plaintext metadata key. Sealing and lookups use their own subkeys, derived
 * by HKDF-SHA-256 (`writ metadata seal v1`, `writ metadata lookup v1`).
 * @NOTE The info strings are part of every sealed name and lookup hash: changing one strands them.
 */
export function createMatterVault({
  matterId,
  metadataKey,
  generateId = generateDataKeyId,
}: {
  matterId: string;
  metadataKey: Uint8Array;
  generateId?: IdGenerator;
}): MatterVault {
  const sealKey = deriveSubkey({ key: metadataKey, info: 'writ metadata seal v1' });
  const lookupKey = deriveSubkey({ key: metadataKey, info: 'writ metadata lookup v1' });
  return {
    matterId,
    sealText({ plaintext, context }) {
      const nonce = randomBytes(nonceSize);
      const cipher = createCipheriv('aes-256-gcm', sealKey, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return sealedPrefix + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },
    openText({ sealed, context }) {
      if (!sealed.startsWith(sealedPrefix)) throw createIntegrityFailedError();
      const raw = Buffer.from(sealed.slice(sealedPrefix.length), 'base64url');
      if (raw.length < nonceSize + tagSize) throw createIntegrityFailedError();
      const decipher = createDecipheriv('aes-256-gcm', sealKey, raw.subarray(0, nonceSize));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - tagSize));
      try {
        return Buffer.concat([
          decipher.update(raw.subarray(nonceSize, raw.length - tagSize)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw createIntegrityFailedError();
      }
    },
    lookupHash: ({ value, purpose }) =>
      createHmac('sha256', lookupKey).update(`${purpose}\0${value}`, 'utf8').digest('base64url'),
    newContentKey({ documentId, version }) {
      const key = randomBytes(streamingAeadKeySize);
      const associatedData = contentAssociatedData({ documentId, version });
      const contentKey: ContentKey = {
        dataKeyId: generateId(),
        matterId,
        createEncryptStream: () => createEncryptStream({ key, associatedData }),
      };
      contentKeyMaterial.set(contentKey, key);
      return contentKey;
    },
  };
}

export function createOpenedContentKey({
  key,
  documentId,
  version,
}: {
  key: Uint8Array;
  documentId: string;
  version: number;
}): OpenedContentKey {
  const associatedData = contentAssociatedData({ documentId, version });
  return {
    createDecryptStream: () => createDecryptStream({ key, associatedData }),
    decryptWhole: ({ ciphertextLength, ciphertext }) =>
      decryptStoredCiphertext({ key, associatedData, ciphertextLength, source: ciphertext }),
    openRange: ({ ciphertextLength, readCiphertext }) =>
      openDecryptedRange({ key, associatedData, ciphertextLength, readCiphertext }),
  };
}
