import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { deriveSubkey, unwrapKey, wrapKey } from './vault.key-wrap.js';
import type { RootKeyring } from './vault.keys.models.js';
import { createRootKeyUnknownError } from './vault.keys.errors.js';
import { parseRootKey } from './vault.root-key.js';

/**
 * The id of a root key: `rk_` and the first 22 characters of base64url(SHA-256("writ root key id v1" ‖ key)).
 * @NOTE Stored in `vault_keys.parent_key_id`: the derivation must never change.
 */
export function deriveRootKeyId(key: Uint8Array): string {
  const digest = createHash('sha256').update('writ root key id v1').update(key).digest('base64url');
  return `rk_${digest.slice(0, 22)}`;
}

/**
 * A keyring over key files' contents. `keys[0]` is current (wraps); every key unwraps what it wrapped.
 * Wrapping uses a key derived by HKDF-SHA-256 (info `writ root wrap v1`), not the root key itself.
 */
export function createFileRootKeyring({ keys }: { keys: readonly Uint8Array[] }): RootKeyring {
  const [current] = keys;
  if (current === undefined) throw new Error('a root keyring needs at least one key');
  const wrappingKeys = new Map<string, Buffer>();
  for (const key of keys) {
    wrappingKeys.set(deriveRootKeyId(key), deriveSubkey({ key, info: 'writ root wrap v1' }));
  }
  const currentKeyId = deriveRootKeyId(current);
  const wrappingKeyFor = (keyId: string): Buffer => {
    const wrappingKey = wrappingKeys.get(keyId);
    if (wrappingKey === undefined) {
      throw createRootKeyUnknownError({
        message: `A key is wrapped by root key ${keyId}, which this installation does not hold.`,
      });
    }
    return wrappingKey;
  };
  return {
    currentKeyId,
    keyIds: [...wrappingKeys.keys()],
    // Promise.then turns a synchronous failure into a rejection, as a remote KMS would report it.
    wrap: ({ plaintext, associatedData }) =>
      Promise.resolve().then(() => ({
        keyId: currentKeyId,
        wrapped: wrapKey({ wrappingKey: wrappingKeyFor(currentKeyId), plaintext, associatedData }),
      })),
    unwrap: ({ keyId, wrapped, associatedData }) =>
      Promise.resolve().then(() =>
        unwrapKey({ wrappingKey: wrappingKeyFor(keyId), wrapped, associatedData }),
      ),
  };
}

/** `root.key.next`: the new root key while `writ keys rotate-root` is under way. */
export function nextRootKeyFileFor(rootKeyFile: string): string {
  return `${rootKeyFile}.next`;
}

/**
 * The keyring of the key files: `root.key`, and while a rotation is under way (`root.key.next` exists) the
 * next key first, so that it wraps and the old one still unwraps. `readFile` lets the caller check the
 * files' permissions as it reads them.
 */
export function loadRootKeyring({
  rootKeyFile,
  readFile = (path) => readFileSync(path, 'utf8'),
}: {
  rootKeyFile: string;
  readFile?: (path: string) => string;
}): { keyring: RootKeyring; isRotationPending: boolean } {
  const nextFile = nextRootKeyFileFor(rootKeyFile);
  const rootKey = parseRootKey(readFile(rootKeyFile), rootKeyFile);
  if (!existsSync(nextFile)) {
    return { keyring: createFileRootKeyring({ keys: [rootKey] }), isRotationPending: false };
  }
  const nextKey = parseRootKey(readFile(nextFile), nextFile);
  return { keyring: createFileRootKeyring({ keys: [nextKey, rootKey] }), isRotationPending: true };
}
