import { describe, expect, test, vi } from 'vitest';
import { formatVerifierKey, type NoteVerifier, parseVerifierKey } from './ledger.note-keys.js';
import { openNote, parseNote, signNote } from './ledger.note.js';
import {
  enochRootSignatureLine,
  enochRootVerifierKey,
  noteText,
  peterNeumannPrivateKey,
  peterNeumannSignatureLine,
  peterNeumannVerifierKey,
} from './ledger.note.vectors.js';
import { createTestNoteSigner, importEd25519Seed } from './ledger.test-utils.js';

const peter = parseVerifierKey(peterNeumannVerifierKey);
const enoch = parseVerifierKey(enochRootVerifierKey);
const publishedNote = `${noteText}\n${peterNeumannSignatureLine}${enochRootSignatureLine}`;

const noteInvalid: unknown = expect.objectContaining({ code: 'ledger.note_invalid', status: 400 });
const noteUnverified: unknown = expect.objectContaining({ code: 'ledger.note_unverified', status: 422 });
const signatureInvalid: unknown = expect.objectContaining({ code: 'ledger.signature_invalid', status: 422 });
const signerInvalid: unknown = expect.objectContaining({ code: 'ledger.signer_invalid' });

function peterNeumannSigner(): ReturnType<typeof createTestNoteSigner> {
  const encoded = peterNeumannPrivateKey.slice('PRIVATE+KEY+PeterNeumann+c74f20a3+'.length);
  const seed = Buffer.from(encoded, 'base64').subarray(1);
  return createTestNoteSigner({ name: 'PeterNeumann', privateKey: importEd25519Seed(seed) });
}

/** Inserts characters into the base64 of a signature line, as Go's tests do to corrupt one. */
function corrupt(line: string): string {
  return `${line.slice(0, 60)}ABCD${line.slice(60)}`;
}

describe('signing notes', () => {
  test("signing Go's test text with the PeterNeumann key reproduces the published signed note byte for byte", async () => {
    const note = await signNote({ text: noteText, signers: [peterNeumannSigner()] });
    expect(note).toBe(`${noteText}\n${peterNeumannSignatureLine}`);
  });

  test('a note signed by two keys opens with either of them', async () => {
    const log = createTestNoteSigner({ name: 'writ.example/log' });
    const witness = createTestNoteSigner({ name: 'witness.example/w1' });
    const note = await signNote({ text: 'hello\n', signers: [log, witness] });
    for (const signer of [log, witness]) {
      const opened = openNote({ note, verifiers: [parseVerifierKey(formatVerifierKey(signer))] });
      expect(opened.text).toBe('hello\n');
      expect(opened.verifiedBy.map(({ name }) => name)).toEqual([signer.name]);
      expect(opened.unknownSignatures).toHaveLength(1);
    }
  });

  test('text that is empty, lacks its final newline, or holds a control character or lone surrogate is not signed', async () => {
    const sign = vi.fn(() => Promise.resolve(Buffer.alloc(64)));
    const signer = { ...peterNeumannSigner(), sign };
    for (const text of [
      '',
      'no newline',
      'tab\there\n',
      'carriage\r\n',
      'nul\u0000\n',
      'half \ud800 pair\n',
    ]) {
      await expect(signNote({ text, signers: [signer] })).rejects.toThrow(noteInvalid);
    }
    expect(sign).not.toHaveBeenCalled();
  });

  test('a signer with a bad name or key ID, the same key twice, or a non-Ed25519 signature is refused', async () => {
    const good = peterNeumannSigner();
    const refused = [
      [{ ...good, name: 'Peter Neumann' }],
      [{ ...good, name: 'Peter+Neumann' }],
      [{ ...good, keyId: Buffer.alloc(3) }],
      [good, good],
      [{ ...good, sign: () => Promise.resolve(Buffer.alloc(63)) }],
      [],
    ];
    for (const signers of refused) {
      await expect(signNote({ text: noteText, signers })).rejects.toThrow(signerInvalid);
    }
  });
});

describe('opening notes', () => {
  test("Go's published note opens with PeterNeumann's key, and EnochRoot's signature is reported as unknown", () => {
    const opened = openNote({ note: publishedNote, verifiers: [peter] });
    expect(opened.text).toBe(noteText);
    expect(opened.verifiedBy).toEqual([peter]);
    expect(opened.unknownSignatures).toEqual([{ name: 'EnochRoot', keyId: Buffer.from('af0cfe78', 'hex') }]);
  });

  test('with both keys trusted, both signatures verify, in note order', () => {
    const opened = openNote({ note: publishedNote, verifiers: [enoch, peter] });
    expect(opened.verifiedBy).toEqual([peter, enoch]);
    expect(opened.unknownSignatures).toEqual([]);
  });

  test('a note given as bytes verifies over exactly those bytes', () => {
    expect(openNote({ note: Buffer.from(publishedNote), verifiers: [peter] }).text).toBe(noteText);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(publishedNote)]);
    expect(() => openNote({ note: withBom, verifiers: [peter] })).toThrow(signatureInvalid);
  });

  test('a note signed only by unknown keys is rejected, including keys that share just the name or just the key ID', () => {
    const sameNameOtherId = { ...peter, keyId: Buffer.from('c74f20a4', 'hex') };
    const sameIdOtherName = { ...peter, name: 'PeterNeuman' };
    for (const verifiers of [[], [sameNameOtherId], [sameIdOtherName]]) {
      expect(() => openNote({ note: publishedNote, verifiers })).toThrow(noteUnverified);
    }
  });

  test("a trusted key's failing signature rejects the whole note, even beside a valid one", () => {
    const note = `${noteText}\n${corrupt(peterNeumannSignatureLine)}${enochRootSignatureLine}`;
    expect(() => openNote({ note, verifiers: [peter, enoch] })).toThrow(signatureInvalid);
    const repeated = `${noteText}\n${peterNeumannSignatureLine}${corrupt(peterNeumannSignatureLine)}`;
    expect(() => openNote({ note: repeated, verifiers: [peter] })).toThrow(signatureInvalid);
  });

  test('a changed text fails the signature of every trusted key', () => {
    const note = publishedNote.replace('problem,', 'problem;');
    expect(() => openNote({ note, verifiers: [peter] })).toThrow(signatureInvalid);
  });

  test('a repeated valid signature is accepted and its key listed once; bad unknown signatures are ignored', () => {
    const note = `${noteText}\n${peterNeumannSignatureLine}${peterNeumannSignatureLine}${corrupt(enochRootSignatureLine)}`;
    const opened = openNote({ note, verifiers: [peter] });
    expect(opened.verifiedBy).toEqual([peter]);
    expect(opened.unknownSignatures).toHaveLength(1);
  });

  test('malformed notes are rejected before any signature is checked', () => {
    const peterLine = peterNeumannSignatureLine;
    const unpadded = peterLine.replace('=\n', '\n');
    const malformed: (string | Uint8Array)[] = [
      noteText,
      `${noteText}\n`,
      `${noteText}\n${peterLine.slice(0, -1)}`,
      `\u0001${noteText}\n${peterLine}`,
      Buffer.concat([Buffer.from([0xff]), Buffer.from(`${noteText}\n${peterLine}`)]),
      `${noteText}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${noteText}\n${peterLine}Unexpected line.\n`,
      `${noteText}\n${peterLine.repeat(101)}`,
      `${noteText}\n${unpadded}`,
      `${noteText}\n${peterLine.replace('— ', '-- ')}`,
      `${noteText}\n${peterLine.replace('PeterNeumann ', 'PeterNeumann\t')}`,
      `${noteText}\n\u2014 PeterNeumann x08gow==\n`,
      `${noteText.replace('problem', 'probl\ud800em')}\n${peterLine}`,
      `${noteText}\r\n${peterLine}`,
    ];
    for (const note of malformed) {
      expect
        .soft(() => openNote({ note, verifiers: [peter] }), JSON.stringify(note.toString()))
        .toThrow(noteInvalid);
    }
    expect(() => parseNote(42 as unknown as string)).toThrow(noteInvalid);
  });

  test('a note with at most 100 signatures is accepted', () => {
    expect(
      openNote({ note: `${noteText}\n${peterNeumannSignatureLine.repeat(100)}`, verifiers: [peter] }).text,
    ).toBe(noteText);
  });

  test('two trusted keys with the same name and key ID but different public keys are a configuration error', () => {
    const impostor: NoteVerifier = { ...peter, publicKey: enoch.publicKey };
    expect(() => openNote({ note: publishedNote, verifiers: [peter, impostor] })).toThrow(
      expect.objectContaining({ code: 'ledger.verifier_key_invalid' }),
    );
  });
});
