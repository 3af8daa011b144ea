import { describe, expect, test } from 'vitest';
import {
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  type Checkpoint,
} from './ledger.checkpoint.js';
import {
  goTlogTreeLeaf,
  goTlogTreeText,
  specExampleBody,
  sumGolangOrgOrigin,
  sumGolangOrgVerifierKey,
  sumGolangOrgWitnessedCheckpoint,
} from './ledger.checkpoint.vectors.js';
import { hashLeaf } from './ledger.merkle.js';
import { formatVerifierKey, parseVerifierKey } from './ledger.note-keys.js';
import { signNote } from './ledger.note.js';
import { createTestNoteSigner } from './ledger.test-utils.js';

const origin = 'writ.example/ledger';
const logSigner = createTestNoteSigner({ name: origin });
const logVerifier = parseVerifierKey(formatVerifierKey(logSigner));
const checkpoint: Checkpoint = {
  origin,
  size: 1_000_003,
  rootHash: hashLeaf(Buffer.from('root')),
  extensions: ['writ-extension 1'],
};
const sumGolangOrg = parseVerifierKey(sumGolangOrgVerifierKey);

const checkpointInvalid: unknown = expect.objectContaining({
  code: 'ledger.checkpoint_invalid',
  status: 400,
});
const signatureInvalid: unknown = expect.objectContaining({ code: 'ledger.signature_invalid' });

describe('checkpoint text', () => {
  test('a checkpoint is its origin, decimal size, base64 root hash and extension lines, and parses back', () => {
    const text = formatCheckpoint(checkpoint);
    expect(text).toBe(`${origin}\n1000003\n${checkpoint.rootHash.toString('base64')}\nwrit-extension 1\n`);
    expect(parseCheckpoint(text)).toEqual(checkpoint);
    expect(parseCheckpoint(formatCheckpoint({ ...checkpoint, size: 0, extensions: [] }))).toMatchObject({
      size: 0,
    });
  });

  test('the Go checksum database tree text parses, has the leaf hash of "hello world" as root, and formats back', () => {
    const parsed = parseCheckpoint(goTlogTreeText);
    expect(parsed).toEqual({
      origin: 'go.sum database tree',
      size: 123_456_789_012,
      rootHash: hashLeaf(Buffer.from(goTlogTreeLeaf)),
      extensions: [],
    });
    expect(formatCheckpoint(parsed)).toBe(goTlogTreeText);
  });

  test("the specification's example checkpoint parses", () => {
    expect(parseCheckpoint(specExampleBody)).toMatchObject({
      origin: 'example.com/behind-the-sofa',
      size: 20_852_163,
    });
  });

  test('bodies with a missing, empty or malformed line are refused', () => {
    const root = checkpoint.rootHash.toString('base64');
    const malformed = [
      '',
      `${origin}\n`,
      `${origin}\n5\n`,
      `${origin}\n5\n${root}`,
      `\n5\n${root}\n`,
      `${origin}\n5\n${root}\n\n`,
      `${origin}\n5\n${root}\next\n\n`,
      `${origin}\n05\n${root}\n`,
      `${origin}\n00\n${root}\n`,
      `${origin}\n-1\n${root}\n`,
      `${origin}\n+5\n${root}\n`,
      `${origin}\n5.0\n${root}\n`,
      `${origin}\n1e3\n${root}\n`,
      `${origin}\n 5\n${root}\n`,
      `${origin}\n9007199254740992\n${root}\n`,
      `${origin}\n5\n${root.replace('=', '')}\n`,
      `${origin}\n5\n${Buffer.alloc(31).toString('base64')}\n`,
      `${origin}\n5\n${Buffer.alloc(33).toString('base64')}\n`,
      `${origin}\n5\n${Buffer.alloc(32, 0xff).toString('base64url')}=\n`,
      `${origin}\n5\n${checkpoint.rootHash.toString('hex')}\n`,
      `${origin}\r\n5\r\n${root}\r\n`,
      `${origin}\u0007\n5\n${root}\n`,
    ];
    for (const text of malformed)
      expect.soft(() => parseCheckpoint(text), JSON.stringify(text)).toThrow(checkpointInvalid);
  });

  test('a checkpoint with an empty or multi-line origin or extension, a bad size or a short root is not formatted', () => {
    const refused: Checkpoint[] = [
      { ...checkpoint, origin: '' },
      { ...checkpoint, origin: 'two\nlines' },
      { ...checkpoint, size: -1 },
      { ...checkpoint, size: 1.5 },
      { ...checkpoint, size: 2 ** 53 },
      { ...checkpoint, rootHash: Buffer.alloc(31) },
      { ...checkpoint, extensions: [''] },
      { ...checkpoint, extensions: ['a\nb'] },
    ];
    for (const value of refused) expect(() => formatCheckpoint(value)).toThrow(checkpointInvalid);
  });
});

describe('signed checkpoints', () => {
  test("a signed checkpoint reopens with the log's key and gives back the same checkpoint", async () => {
    const note = await signCheckpoint({ checkpoint, signers: [logSigner] });
    expect(note.startsWith(`${formatCheckpoint(checkpoint)}\n\u2014 ${origin} `)).toBe(true);
    const opened = openCheckpoint({ note, origin, verifiers: [logVerifier] });
    expect(opened.checkpoint).toEqual(checkpoint);
    expect(opened.verifiedBy).toEqual([logVerifier]);
  });

  test('changing the origin, size, root hash or an extension of a signed checkpoint breaks its signature', async () => {
    const note = await signCheckpoint({ checkpoint, signers: [logSigner] });
    const root = checkpoint.rootHash.toString('base64');
    const otherRoot = hashLeaf(Buffer.from('other')).toString('base64');
    const tampered = [
      note.replace(`${origin}\n`, 'writ.example/ledger2\n'),
      note.replace('\n1000003\n', '\n1000004\n'),
      note.replace('\n1000003\n', '\n1000002\n'),
      note.replace(root, otherRoot),
      note.replace('writ-extension 1', 'writ-extension 2'),
      note.replace('writ-extension 1\n', ''),
      note.replace('writ-extension 1\n', 'writ-extension 1\nadded\n'),
    ];
    for (const text of tampered) {
      expect(text).not.toBe(note);
      // Ask about the log the tampered text claims, so only the signature can catch the change.
      const claimed = parseCheckpoint(text.slice(0, text.lastIndexOf('\n\n') + 1)).origin;
      expect(() => openCheckpoint({ note: text, origin: claimed, verifiers: [logVerifier] })).toThrow(
        signatureInvalid,
      );
    }
  });

  test('a correctly signed checkpoint for another log is refused', async () => {
    const note = await signCheckpoint({ checkpoint, signers: [logSigner] });
    expect(() => openCheckpoint({ note, origin: 'writ.example/other', verifiers: [logVerifier] })).toThrow(
      expect.objectContaining({ code: 'ledger.checkpoint_origin_mismatch' }),
    );
  });

  test('a note the log key signed whose text is not a checkpoint is refused', async () => {
    const note = await signNote({ text: `${origin}\nnot a size\n`, signers: [logSigner] });
    expect(() => openCheckpoint({ note, origin, verifiers: [logVerifier] })).toThrow(checkpointInvalid);
  });

  test('a real sum.golang.org checkpoint verifies with the published Go checksum database key; unknown witness signatures are ignored', () => {
    const opened = openCheckpoint({
      note: sumGolangOrgWitnessedCheckpoint,
      origin: sumGolangOrgOrigin,
      verifiers: [sumGolangOrg],
    });
    expect(opened.checkpoint).toEqual({
      origin: sumGolangOrgOrigin,
      size: 15_081_221,
      rootHash: Buffer.from('BoMMe1wd25Tco0mYGROkyqxHZWx+hcSCtMV315Lu6Lg=', 'base64'),
      extensions: [],
    });
    expect(opened.verifiedBy).toEqual([sumGolangOrg]);
  });

  test('the sum.golang.org checkpoint with a changed size or root is rejected', () => {
    for (const note of [
      sumGolangOrgWitnessedCheckpoint.replace('15081221', '15081222'),
      sumGolangOrgWitnessedCheckpoint.replace('BoMMe1wd', 'BoMMe1wD'),
    ]) {
      expect(() => openCheckpoint({ note, origin: sumGolangOrgOrigin, verifiers: [sumGolangOrg] })).toThrow(
        signatureInvalid,
      );
    }
  });

  test('the sum.golang.org checkpoint opened without its key is unverified, not trusted', () => {
    expect(() =>
      openCheckpoint({
        note: sumGolangOrgWitnessedCheckpoint,
        origin: sumGolangOrgOrigin,
        verifiers: [logVerifier],
      }),
    ).toThrow(expect.objectContaining({ code: 'ledger.note_unverified' }));
  });
});
