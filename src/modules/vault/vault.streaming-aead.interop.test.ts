import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { runTransform } from './vault.streaming-aead.test-utils.js';
import { createEncryptStream } from './vault.streaming-aead.js';

/**
 * Cross-check against an independent decrypter written from Tink's format description in Python
 * (test/interop/tink_streaming_decrypt.py, HKDF and AES-GCM from python3-cryptography).
 * @NOTE Not skippable: without python3-cryptography this file fails, naming the package to install.
 */
const script = fileURLToPath(new URL('../../../test/interop/tink_streaming_decrypt.py', import.meta.url));
const run = promisify(execFile);
const workDir = mkdtempSync(join(tmpdir(), 'writ-vault-interop-'));
afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

/** Debian's interpreter first (where python3-cryptography installs), then whatever `python3` is. */
let python: string | undefined;
function findPython(): string {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (python !== undefined) return python;
    const probe = spawnSync(candidate, ['-c', 'import cryptography.hazmat.primitives.ciphers.aead']);
    if (probe.status === 0) python = candidate;
  }
  if (python !== undefined) return python;
  throw new Error(
    'python3 with the cryptography package is required for the Tink interoperability check: ' +
      'run `apt-get install -y python3-cryptography`.',
  );
}

const key = randomBytes(32);
const associatedData = Buffer.from('writ-doc-v1:doc_interop:7', 'utf8');
const firstSegment = 1_048_576 - 40 - 16;

async function decryptWithPython(ciphertext: Buffer, name: string): Promise<string> {
  const path = join(workDir, `${name}.bin`);
  writeFileSync(path, ciphertext);
  const args = [script, '--key-hex', key.toString('hex'), '--ad-hex', associatedData.toString('hex')];
  const { stdout } = await run(findPython(), [...args, '--ciphertext', path]);
  return stdout.trim();
}

describe('interoperability with an independent Tink-format decrypter', () => {
  test('the independent decrypter reproduces Tink’s published test vector', async () => {
    const { stdout } = await run(findPython(), [script, '--self-test']);
    expect(stdout.trim()).toBe('self-test ok');
  });

  test.each([
    ['empty', 0],
    ['one byte', 1],
    ['exactly the first segment', firstSegment],
    ['one byte past the first segment', firstSegment + 1],
    ['3 MiB + 17 bytes', 3 * 1_048_576 + 17],
  ])('a %s plaintext encrypted by Writ decrypts to the same SHA-256', async (name, size) => {
    const plaintext = randomBytes(size);
    const { output: ciphertext, error } = await runTransform(
      createEncryptStream({ key, associatedData }),
      plaintext,
      65_536,
    );
    expect(error).toBeUndefined();
    const expected = createHash('sha256').update(plaintext).digest('hex');
    expect(await decryptWithPython(ciphertext, name.replace(/\W+/g, '-'))).toBe(expected);
  });

  test('the independent decrypter refuses a Writ ciphertext with one byte changed', async () => {
    const { output: ciphertext } = await runTransform(
      createEncryptStream({ key, associatedData }),
      randomBytes(2 * 1_048_576),
    );
    const position = 1_048_576 + 1000;
    ciphertext[position] = (ciphertext[position] ?? 0) ^ 1;
    const failure = await decryptWithPython(ciphertext, 'tampered').then(
      () => undefined,
      (error: unknown) => error as { code?: number; stderr?: string },
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('segment 1 does not authenticate');
  });
});
