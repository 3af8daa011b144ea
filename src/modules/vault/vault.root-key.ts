import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createErrorFactory } from '../../shared/errors/errors.js';

/**
 * @NOTE The key file format is `WRIT-ROOT-KEY-1 <base64url of 32 random bytes>`; the version tag lets a
 * later format coexist. Changing it strands every existing installation's data.
 */
const header = 'WRIT-ROOT-KEY-1';

export const createRootKeyInvalidError = createErrorFactory({
  code: 'vault.root_key_invalid',
  status: 500,
  message: 'The root key file is not a Writ root key.',
});

/** Creates the root key file (mode 0600) when it does not exist; never overwrites one. */
export function ensureRootKeyFile(path: string): { isNew: boolean } {
  if (existsSync(path)) return { isNew: false };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, `${header} ${randomBytes(32).toString('base64url')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { isNew: true };
}

export function parseRootKey(content: string, path: string): Buffer {
  const [tag, encoded, ...rest] = content.trim().split(/\s+/);
  const key = encoded === undefined ? undefined : Buffer.from(encoded, 'base64url');
  if (tag !== header || key?.length !== 32 || rest.length > 0) {
    throw createRootKeyInvalidError({
      message: `${path} is not a Writ root key (expected "${header}" and 32 bytes). Restore it from your key backup.`,
    });
  }
  return key;
}

export function readRootKeyFile(path: string): Buffer {
  return parseRootKey(readFileSync(path, 'utf8'), path);
}
