import { describe, expect, test } from 'vitest';
import { sumGolangOrgVerifierKey } from './ledger.checkpoint.vectors.js';
import {
  computeNoteKeyId,
  createNoteVerifier,
  formatVerifierKey,
  parseVerifierKey,
} from './ledger.note-keys.js';
import {
  enochRootVerifierKey,
  peterNeumannPrivateKey,
  peterNeumannVerifierKey,
  rejectedVerifierKeys,
} from './ledger.note.vectors.js';
import { exportEd25519PublicKey, importEd25519Seed } from './ledger.test-utils.js';

/** Reads Go's `PRIVATE+KEY+<name>+<key ID>+base64(0x01 ‖ seed)` test key format. */
function decodeGoPrivateKey(text: string): { name: string; keyIdHex: string; seed: Buffer } {
  const [, , name = '', keyIdHex = ''] = text.split('+');
  const encoded = Buffer.from(text.slice(`PRIVATE+KEY+${name}+${keyIdHex}+`.length), 'base64');
  expect(encoded[0]).toBe(0x01);
  return { name, keyIdHex, seed: encoded.subarray(1) };
}

const invalidKey: unknown = expect.objectContaining({ code: 'ledger.verifier_key_invalid', status: 400 });

describe('Ed25519 note keys', () => {
  test("the key ID and verifier key derived from Go's PeterNeumann test key are exactly the published ones", () => {
    const { name, keyIdHex, seed } = decodeGoPrivateKey(peterNeumannPrivateKey);
    const publicKey = exportEd25519PublicKey(importEd25519Seed(seed));
    expect(computeNoteKeyId({ name, publicKey }).toString('hex')).toBe(keyIdHex);
    expect(formatVerifierKey({ name, publicKey })).toBe(peterNeumannVerifierKey);
  });

  test.each([peterNeumannVerifierKey, enochRootVerifierKey, sumGolangOrgVerifierKey])(
    'the published verifier key %s parses and formats back unchanged',
    (text) => {
      const verifier = parseVerifierKey(text);
      expect(text.startsWith(`${verifier.name}+${verifier.keyId.toString('hex')}+`)).toBe(true);
      expect(verifier.publicKey).toHaveLength(32);
      expect(formatVerifierKey(verifier)).toBe(text);
    },
  );

  test('every truncation and every single-character change of a verifier key is refused', () => {
    const text = peterNeumannVerifierKey;
    const manglings: string[] = [];
    for (let start = 0; start <= text.length; start += 1) {
      for (let end = start; end <= text.length; end += 1) {
        if (start !== 0 || end !== text.length) manglings.push(text.slice(start, end));
      }
    }
    for (let at = 0; at < text.length; at += 1) {
      manglings.push(text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) + 1) + text.slice(at + 1));
    }
    for (const mangled of manglings)
      expect.soft(() => parseVerifierKey(mangled), mangled).toThrow(invalidKey);
  });

  test.each(rejectedVerifierKeys)(
    'a key of the wrong length or algorithm is refused, even with a matching key ID: %s',
    (text) => {
      expect(() => parseVerifierKey(text)).toThrow(invalidKey);
    },
  );

  test('uppercase key IDs, unpadded base64 and the URL-safe alphabet are not the canonical encoding and are refused', () => {
    const [name, keyId] = peterNeumannVerifierKey.split('+') as [string, string];
    const encoded = peterNeumannVerifierKey.slice(name.length + keyId.length + 2);
    for (const variant of [
      `${name}+${keyId.toUpperCase()}+${encoded}`,
      `${name}+${keyId}+${encoded}=`,
      `${name}+${keyId}+${encoded.replaceAll('/', '_')}`,
      `${name}+${keyId}+${encoded} `,
    ]) {
      expect(() => parseVerifierKey(variant)).toThrow(invalidKey);
    }
  });

  test('key names with a Unicode space, a plus sign or a control character, or empty, are refused', () => {
    const publicKey = parseVerifierKey(peterNeumannVerifierKey).publicKey;
    for (const name of [
      '',
      'Peter Neumann',
      'Peter+Neumann',
      'Peter\u00a0Neumann',
      'Peter\u0085Neumann',
      'Peter\u0001',
    ]) {
      expect(() => createNoteVerifier({ name, publicKey })).toThrow(invalidKey);
    }
  });

  test('a public key that is not 32 bytes is refused', () => {
    expect(() => createNoteVerifier({ name: 'example.com/log', publicKey: Buffer.alloc(31) })).toThrow(
      invalidKey,
    );
  });
});
