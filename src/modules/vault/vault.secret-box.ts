import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { createError } from '../../shared/errors/errors.js';
import type { KeyedHasher, SecretBox } from './vault.models.js';

export type { KeyedHasher, SecretBox } from './vault.models.js';

const sealedPrefix = 's1.';

function deriveKey(key: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
}

const createSecretBoxOpenError = () =>
  createError({
    code: 'vault.secret_unreadable',
    status: 500,
    isInternal: true,
    message:
      'A sealed secret did not authenticate: it was altered, moved, or sealed under another installation key.',
  });

/** `key` is the installation key (see loadInstallationKey). */
export function createSecretBox({ key: installationKey }: { key: Uint8Array }): SecretBox {
  const key = deriveKey(installationKey, 'writ secret box v1');
  return {
    seal({ plaintext, purpose }) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return sealedPrefix + Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]).toString('base64url');
    },
    open({ sealed, purpose }) {
      if (!sealed.startsWith(sealedPrefix)) throw createSecretBoxOpenError();
      const raw = Buffer.from(sealed.slice(sealedPrefix.length), 'base64url');
      if (raw.length < 12 + 16) throw createSecretBoxOpenError();
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      try {
        return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
      } catch {
        throw createSecretBoxOpenError();
      }
    },
  };
}

/** `key` is the installation key (see loadInstallationKey). */
export function createKeyedHasher({ key: installationKey }: { key: Uint8Array }): KeyedHasher {
  const key = deriveKey(installationKey, 'writ keyed hash v1');
  return {
    hash: ({ value, purpose }) =>
      createHmac('sha256', key).update(`${purpose}\0${value}`, 'utf8').digest('base64url'),
  };
}
