import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, readAll, readUntilError } from '../../../test/support/documents.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { resolveByteRange } from './documents.downloads.usecases.js';

const MiB = 1024 * 1024;

/**
 * The at-rest layout (ADR 0006): 1 MiB ciphertext segments with a 16-byte tag each, the first one also
 * holding the 40-byte header.
 */
const segmentPlaintextStart = (index: number) => (index === 0 ? 0 : MiB - 56 + (index - 1) * (MiB - 16));
const segmentCiphertextStart = (index: number) => index * MiB;

describeOnDatabases('documents: downloads', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  /** A matter holding one 3 MiB document of random bytes (four segments). */
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const content = randomBytes(3 * MiB);
    const { document, version } = await fixtures.upload({ content });
    const row = await fixtures.db
      .selectFrom('document_versions')
      .selectAll()
      .where('id', '=', version.id)
      .executeTakeFirstOrThrow();
    const blobPath = join(fixtures.deps.blobRoot, ...row.blob_key.split('/'));
    /** Flips one bit of the stored ciphertext at `offset`. */
    const tamper = (offset: number) => {
      const bytes = readFileSync(blobPath);
      bytes[offset] = (bytes[offset] ?? 0) ^ 0x01;
      writeFileSync(blobPath, bytes);
    };
    const integrityEvents = async () =>
      (await ledgerEntries(fixtures.db, 'documents.integrity_failed')).filter(
        (entry) => entry.data.versionId === version.id,
      );
    return { ...fixtures, content, document, version, tamper, integrityEvents };
  };

  test('byte ranges: first byte, across segment boundaries, the end, a suffix', async () => {
    const { content, document, download } = await setup();
    const size = content.length;
    const firstBoundary = segmentPlaintextStart(1);
    const cases = [
      { request: { start: 0, end: 0 }, start: 0, end: 1 },
      {
        request: { start: firstBoundary - 10, end: firstBoundary + 9 },
        start: firstBoundary - 10,
        end: firstBoundary + 10,
      },
      { request: { start: MiB - 100, end: 2 * MiB + 100 }, start: MiB - 100, end: 2 * MiB + 101 },
      { request: { start: size - 10 }, start: size - 10, end: size },
      { request: { start: size - 1, end: size + 1000 }, start: size - 1, end: size },
      { request: { suffixLength: 5000 }, start: size - 5000, end: size },
      { request: { suffixLength: size + 1 }, start: 0, end: size },
    ];
    for (const { request, start, end } of cases) {
      const downloaded = await download({ documentId: document.id, range: request });
      expect(downloaded.range).toEqual({ start, end });
      const body = await readAll(downloaded.body);
      expect(body.length).toBe(end - start);
      expect(body.equals(content.subarray(start, end))).toBe(true);
    }
  });

  test('a range outside the content is not satisfiable', async () => {
    const { content, document, download } = await setup();
    for (const range of [{ start: content.length }, { start: content.length + 100 }, { suffixLength: 0 }]) {
      await expectCode(download({ documentId: document.id, range }), 'vault.range_not_satisfiable');
    }
    expect(() => resolveByteRange({ start: 5, end: 4 }, 10)).toThrow();
    expect(() => resolveByteRange({ suffixLength: 1 }, 0)).toThrow();
  });

  test('every download is on the ledger, with its range', async () => {
    const { db, clock, lawyer, matter, document, version, download } = await setup();
    await readAll((await download({ documentId: document.id })).body);
    clock.advanceBy({ seconds: 1 });
    await readAll((await download({ documentId: document.id, range: { start: 10, end: 19 } })).body);
    const entries = (await ledgerEntries(db, 'documents.version_downloaded')).filter(
      (entry) => entry.data.documentId === document.id,
    );
    expect(entries).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: lawyer.userId },
        data: { matterId: matter.id, documentId: document.id, versionId: version.id, version: 1 },
      }),
      expect.objectContaining({
        data: {
          matterId: matter.id,
          documentId: document.id,
          versionId: version.id,
          version: 1,
          range: '10-19',
        },
      }),
    ]);
  });

  test('a tampered segment stops a full download before any of its bytes, and is recorded', async () => {
    const { content, document, download, tamper, integrityEvents } = await setup();
    tamper(segmentCiphertextStart(2) + 100);
    const { received, error } = await readUntilError((await download({ documentId: document.id })).body);
    expect(isErrorWithCode({ error, code: 'vault.integrity_failed' }), String(error)).toBe(true);
    // Only authenticated segments were released: at most segments 0 and 1.
    expect(received.length).toBeLessThanOrEqual(segmentPlaintextStart(2));
    expect(received.equals(content.subarray(0, received.length))).toBe(true);
    expect(await integrityEvents()).toHaveLength(1);
  });

  test('content that does not match its recorded length and SHA-256 is cut short of its end, and is recorded', async () => {
    const { content, document, version, db, download, integrityEvents } = await setup();
    await db
      .updateTable('document_versions')
      .set({ size: content.length + 1 })
      .where('id', '=', version.id)
      .execute();
    const { received, error } = await readUntilError((await download({ documentId: document.id })).body);
    expect(isErrorWithCode({ error, code: 'vault.integrity_failed' }), String(error)).toBe(true);
    // Every segment authenticated, but a client must never receive it whole: its last bytes are withheld.
    expect(received.length).toBeLessThanOrEqual(segmentPlaintextStart(3));
    expect(received.equals(content.subarray(0, received.length))).toBe(true);
    expect(await integrityEvents()).toHaveLength(1);
  });

  test('a tampered first segment releases nothing', async () => {
    const { document, download, tamper, integrityEvents } = await setup();
    tamper(segmentCiphertextStart(0) + 5);
    const { received, error } = await readUntilError((await download({ documentId: document.id })).body);
    expect(isErrorWithCode({ error, code: 'vault.integrity_failed' }), String(error)).toBe(true);
    expect(received.length).toBe(0);
    expect(await integrityEvents()).toHaveLength(1);
  });

  test('a range over a tampered segment fails and is recorded; a range elsewhere still reads', async () => {
    const { content, document, download, tamper, integrityEvents } = await setup();
    tamper(segmentCiphertextStart(2) + 100);
    const start = segmentPlaintextStart(2) + 10;
    const { received, error } = await readUntilError(
      (await download({ documentId: document.id, range: { start, end: start + 99 } })).body,
    );
    expect(isErrorWithCode({ error, code: 'vault.integrity_failed' }), String(error)).toBe(true);
    expect(received.length).toBe(0);
    expect(await integrityEvents()).toHaveLength(1);
    const untouched = await readAll(
      (await download({ documentId: document.id, range: { start: 0, end: 999 } })).body,
    );
    expect(untouched.equals(content.subarray(0, 1000))).toBe(true);
  });

  test('a tampered last segment fails a range as it opens, and is recorded', async () => {
    const { content, document, download, tamper, integrityEvents } = await setup();
    tamper(segmentCiphertextStart(3) + 1);
    await expectCode(
      download({ documentId: document.id, range: { start: 0, end: 9 } }),
      'vault.integrity_failed',
    );
    expect(await integrityEvents()).toHaveLength(1);
    const { received, error } = await readUntilError((await download({ documentId: document.id })).body);
    expect(isErrorWithCode({ error, code: 'vault.integrity_failed' }), String(error)).toBe(true);
    expect(received.length).toBeLessThanOrEqual(segmentPlaintextStart(3));
    expect(received.equals(content.subarray(0, received.length))).toBe(true);
    expect(await integrityEvents()).toHaveLength(2);
  });
});
