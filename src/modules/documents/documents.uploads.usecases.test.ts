import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import {
  createDocumentsFixtures,
  listBlobKeys,
  readAll,
  sha256Hex,
} from '../../../test/support/documents.js';
import type { DocumentsSettings } from './documents.dependencies.js';
import { expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { designateComplianceOfficer } from '../access/access.compliance.usecases.js';
import { screenUser } from '../access/access.walls.usecases.js';
import type { Principal } from '../identity/identity.models.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { createFolder, listFolder, setFolderTrashed } from './documents.folders.usecases.js';
import { getMatter, removeMatterMember, setMatterStatus } from './documents.matters.usecases.js';
import type { UploadTarget } from './documents.uploads.usecases.js';
import { getDocument, setDocumentTrashed } from './documents.usecases.js';
import { createGate, holdLedgerAppends } from './documents.races.test-utils.js';

const MiB = 1024 * 1024;

/** What a settled promise failed with (undefined when it succeeded). */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A client that sends `sentBytes` and then loses its connection. */
function connectionLostAfter(sentBytes: number): Readable {
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= sentBytes) {
        setImmediate(() => stream.destroy(new Error('ECONNRESET')));
        return;
      }
      const chunk = randomBytes(Math.min(256 * 1024, sentBytes - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return stream;
}

describeOnDatabases('documents: uploads', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async (settings: Partial<DocumentsSettings> = {}) => {
    const fixtures = await createDocumentsFixtures({ db: getDb(), settings });
    cleanups.push(fixtures.deps.cleanup);
    const { db, deps, lawyer, matter } = fixtures;

    /** Asserts that nothing of a refused upload remains: no document, no version, no upload, no blob. */
    const expectNothingStored = async ({ usedBytes = 0 }: { usedBytes?: number } = {}) => {
      const count = async (table: 'documents' | 'document_versions' | 'document_uploads') =>
        (await db.selectFrom(table).select('id').where('matter_id', '=', matter.id).execute()).length;
      expect(await count('documents')).toBe(0);
      expect(await count('document_versions')).toBe(0);
      expect(await count('document_uploads')).toBe(0);
      expect(await listBlobKeys(deps.blobStore)).toEqual([]);
      expect(incompleteFiles()).toEqual([]);
      expect((await listFolder({ ...deps, principal: lawyer, matterId: matter.id })).documents).toEqual([]);
      expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).usedBytes).toBe(
        usedBytes,
      );
    };
    const incompleteFiles = () => {
      try {
        return readdirSync(join(deps.blobRoot, '.incomplete'));
      } catch {
        return [];
      }
    };
    /**
     * An upload whose client has sent its first bytes and waits: policy, folder and name were checked and the
     * upload is recorded, but the content is not complete. `finish` sends the rest and returns the outcome.
     */
    const startUpload = async ({ principal, target }: { principal: Principal; target: UploadTarget }) => {
      const uploadRows = async () =>
        (await db.selectFrom('document_uploads').select('id').where('matter_id', '=', matter.id).execute())
          .length;
      const before = await uploadRows();
      const content = new PassThrough();
      const result = fixtures.upload({ principal, target, content });
      // Observed by `finish`; this only keeps an early refusal from being unhandled meanwhile.
      result.catch(() => undefined);
      content.write(randomBytes(64 * 1024));
      for (let waited = 0; (await uploadRows()) === before; waited += 5) {
        if (waited > 10_000) throw new Error('the upload never started');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return {
        finish: () => {
          content.end(randomBytes(64 * 1024));
          return result;
        },
      };
    };
    const uploadedVersions = async () =>
      (await ledgerEntries(db, 'documents.version_uploaded')).filter(
        (entry) => entry.data.matterId === matter.id,
      );
    return { ...fixtures, expectNothingStored, startUpload, uploadedVersions };
  };

  test.each([
    ['an empty file', 0],
    ['one byte', 1],
    ['3 MiB spanning several segments', 3 * MiB],
  ])('%s comes back byte for byte with its SHA-256', async (_label, size) => {
    const { db, deps, lawyer, matter, upload, download } = await setup();
    const content = randomBytes(size);
    const { document, version, created } = await upload({
      target: { matterId: matter.id, name: 'Exhibit A.pdf' },
      content,
      mediaType: 'Application/PDF; charset=binary',
    });
    expect(created).toBe(true);
    expect(document).toMatchObject({
      name: 'Exhibit A.pdf',
      currentVersion: 1,
      size,
      folderId: matter.rootFolderId,
    });
    expect(version).toMatchObject({
      version: 1,
      size,
      sha256: createHash('sha256').update(content).digest('hex'),
      mediaType: 'application/pdf',
      uploadedBy: lawyer.userId,
    });
    const downloaded = await download({ documentId: document.id });
    expect(downloaded.version).toEqual(version);
    expect(downloaded.range).toBeUndefined();
    expect((await readAll(downloaded.body)).equals(content)).toBe(true);
    expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).usedBytes).toBe(size);
    const uploaded = (await ledgerEntries(db, 'documents.version_uploaded')).find(
      (entry) => entry.data.documentId === document.id,
    );
    expect(uploaded?.data).toMatchObject({ matterId: matter.id, versionId: version.id, version: 1, size });
    // The ledger commits to the content without revealing its hash.
    expect(JSON.stringify(uploaded)).not.toContain(version.sha256);
    const uploads = await db
      .selectFrom('document_uploads')
      .select('id')
      .where('matter_id', '=', matter.id)
      .execute();
    expect(uploads).toEqual([]);
  });

  test('the same name in the same folder, in any case, makes a new version; each version keeps its content', async () => {
    const { deps, lawyer, matter, upload, download } = await setup();
    const first = randomBytes(1500);
    const second = randomBytes(2500);
    const v1 = await upload({ target: { matterId: matter.id, name: 'Brief.pdf' }, content: first });
    const v2 = await upload({ target: { matterId: matter.id, name: 'brief.PDF' }, content: second });
    expect(v2.created).toBe(false);
    expect(v2.document.id).toBe(v1.document.id);
    expect(v2.document).toMatchObject({ name: 'Brief.pdf', currentVersion: 2, size: 2500 });
    expect(v2.version.version).toBe(2);
    expect(
      (await readAll((await download({ documentId: v1.document.id, version: 1 })).body)).equals(first),
    ).toBe(true);
    expect(
      (await readAll((await download({ documentId: v1.document.id, version: 2 })).body)).equals(second),
    ).toBe(true);
    expect((await readAll((await download({ documentId: v1.document.id })).body)).equals(second)).toBe(true);
    await expectCode(download({ documentId: v1.document.id, version: 3 }), 'documents.version_not_found');
    const { document, versions } = await getDocument({
      ...deps,
      principal: lawyer,
      documentId: v1.document.id,
    });
    expect(document).toMatchObject({ currentVersion: 2, size: 2500 });
    expect(versions.map((v) => [v.version, v.size, v.sha256])).toEqual([
      [2, 2500, sha256Hex(second)],
      [1, 1500, sha256Hex(first)],
    ]);
    expect((await listFolder({ ...deps, principal: lawyer, matterId: matter.id })).documents).toHaveLength(1);
    expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).usedBytes).toBe(4000);
    expect(await listBlobKeys(deps.blobStore)).toHaveLength(2);
  });

  test('an upload by document id adds a version; a trashed document refuses one', async () => {
    const { deps, lawyer, upload, download } = await setup();
    const { document } = await upload({ content: Buffer.from('first draft') });
    const next = await upload({ target: { documentId: document.id }, content: Buffer.from('second draft') });
    expect(next).toMatchObject({ created: false, document: { id: document.id, currentVersion: 2 } });
    expect((await readAll((await download({ documentId: document.id })).body)).toString()).toBe(
      'second draft',
    );
    await setDocumentTrashed({ ...deps, principal: lawyer, documentId: document.id, isTrashed: true });
    await expectCode(
      upload({ target: { documentId: document.id }, content: Buffer.from('third') }),
      'documents.document_trashed',
    );
    await expectCode(
      upload({ target: { documentId: 'doc_nonexistent' }, content: Buffer.from('x') }),
      'documents.document_not_found',
    );
  });

  test('a matching expected SHA-256 passes', async () => {
    const { upload } = await setup();
    const content = randomBytes(5000);
    const { version } = await upload({ content, expectedSha256: sha256Hex(content) });
    expect(version.sha256).toBe(sha256Hex(content));
  });

  test('a mismatching expected SHA-256 stores nothing', async () => {
    const { upload, expectNothingStored } = await setup();
    const content = randomBytes(5000);
    await expectCode(
      upload({ content, expectedSha256: sha256Hex(Buffer.from('something else')) }),
      'documents.checksum_mismatch',
    );
    await expectNothingStored();
  });

  test.each([
    'abc',
    sha256Hex(Buffer.from('x')).toUpperCase(),
    `${sha256Hex(Buffer.from('x'))}0`,
    'z'.repeat(64),
  ])('a malformed expected SHA-256 (%s) is refused before reading', async (expectedSha256) => {
    const { upload, expectNothingStored } = await setup();
    await expectCode(upload({ content: Buffer.from('x'), expectedSha256 }), 'documents.checksum_invalid');
    await expectNothingStored();
  });

  test('an upload over the maximum size is refused, by its declared length or as it streams', async () => {
    const { upload, expectNothingStored } = await setup({ maxUploadBytes: MiB });
    await expectCode(
      upload({ content: randomBytes(MiB + 1), declaredLength: MiB + 1 }),
      'documents.upload_too_large',
    );
    await expectNothingStored();
    await expectCode(upload({ content: randomBytes(2 * MiB) }), 'documents.upload_too_large');
    await expectNothingStored();
    // A client that understates its length is cut off all the same.
    await expectCode(
      upload({ content: randomBytes(2 * MiB), declaredLength: 100 }),
      'documents.upload_too_large',
    );
    await expectNothingStored();
    // Exactly the maximum is fine.
    const { version } = await upload({ content: randomBytes(MiB) });
    expect(version.size).toBe(MiB);
  });

  test("an upload over the matter's quota is refused and the usage is unchanged", async () => {
    const { deps, lawyer, matter, upload, download } = await setup({ defaultMatterQuotaBytes: 10_000 });
    expect(matter.quotaBytes).toBe(10_000);
    const { document } = await upload({
      target: { matterId: matter.id, name: 'a.bin' },
      content: randomBytes(6000),
    });
    const usedBytes = async () =>
      (await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).usedBytes;
    expect(await usedBytes()).toBe(6000);
    await expectCode(
      upload({ target: { matterId: matter.id, name: 'b.bin' }, content: randomBytes(5000) }),
      'documents.quota_exceeded',
    );
    await expectCode(
      upload({
        target: { matterId: matter.id, name: 'b.bin' },
        content: randomBytes(5000),
        declaredLength: 5000,
      }),
      'documents.quota_exceeded',
    );
    await expectCode(
      upload({ target: { documentId: document.id }, content: randomBytes(4001) }),
      'documents.quota_exceeded',
    );
    expect(await usedBytes()).toBe(6000);
    expect(await listBlobKeys(deps.blobStore)).toHaveLength(1);
    expect(
      (await getDocument({ ...deps, principal: lawyer, documentId: document.id })).versions,
    ).toHaveLength(1);
    expect((await readAll((await download({ documentId: document.id })).body)).length).toBe(6000);
    // Exactly what is left fits.
    await upload({ target: { matterId: matter.id, name: 'c.bin' }, content: randomBytes(4000) });
    expect(await usedBytes()).toBe(10_000);
  });

  test('a connection lost midway is an incomplete upload that leaves nothing behind', async () => {
    const { upload, expectNothingStored } = await setup();
    await expectCode(upload({ content: connectionLostAfter(2 * MiB) }), 'documents.upload_incomplete');
    await expectNothingStored();
  });

  test('fewer bytes than the declared length is an incomplete upload', async () => {
    const { upload, expectNothingStored } = await setup();
    await expectCode(
      upload({ content: randomBytes(100), declaredLength: 200 }),
      'documents.upload_incomplete',
    );
    await expectNothingStored();
  });

  test.each(['..', '.', 'a/b', 'a\\b', 'x\u0000y', 'tab\there', 'a'.repeat(256), '', '   '])(
    'the name %j is refused',
    async (name) => {
      const { matter, upload, expectNothingStored } = await setup();
      await expectCode(
        upload({ target: { matterId: matter.id, name }, content: Buffer.from('x') }),
        'documents.name_invalid',
      );
      await expectNothingStored();
    },
  );

  test('a name of 255 characters is accepted, trimmed and in NFC', async () => {
    const { matter, upload } = await setup();
    const long = await upload({
      target: { matterId: matter.id, name: 'é'.repeat(255) },
      content: Buffer.from('x'),
    });
    expect(long.document.name).toBe('é'.repeat(255));
    const decomposed = await upload({
      target: { matterId: matter.id, name: '  Cafe\u0301 memo.txt ' },
      content: Buffer.from('x'),
    });
    expect(decomposed.document.name).toBe('Caf\u00e9 memo.txt');
  });

  test('a closed or archived matter refuses uploads but still serves its documents', async () => {
    const { db, deps, matter, upload, download } = await setup();
    const { document } = await upload({ content: Buffer.from('kept') });
    for (const status of ['closed', 'archived'] as const) {
      await db.updateTable('matters').set({ status }).where('id', '=', matter.id).execute();
      await expectCode(
        upload({ target: { matterId: matter.id, name: 'new.txt' }, content: Buffer.from('x') }),
        'documents.matter_closed',
      );
      await expectCode(
        upload({ target: { documentId: document.id }, content: Buffer.from('x') }),
        'documents.matter_closed',
      );
      expect((await readAll((await download({ documentId: document.id })).body)).toString()).toBe('kept');
    }
    const uploads = await db
      .selectFrom('document_uploads')
      .select('id')
      .where('matter_id', '=', matter.id)
      .execute();
    expect(uploads).toEqual([]);
    expect(await listBlobKeys(deps.blobStore)).toHaveLength(1);
  });

  test('an upload into a missing or trashed folder is refused', async () => {
    const { matter, upload } = await setup();
    await expectCode(
      upload({
        target: { matterId: matter.id, folderId: 'fld_nonexistent', name: 'x.txt' },
        content: Buffer.from('x'),
      }),
      'documents.folder_not_found',
    );
  });
  test('an upload that finishes after its uploader was removed is refused as not found and leaves nothing', async () => {
    const { deps, lawyer, matter, user, addMember, startUpload, expectNothingStored, uploadedVersions } =
      await setup();
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    const started = await startUpload({
      principal: editor,
      target: { matterId: matter.id, name: 'late.pdf' },
    });
    await removeMatterMember({ ...deps, principal: lawyer, matterId: matter.id, userId: editor.userId });
    await expectCode(started.finish(), 'documents.matter_not_found');
    await expectNothingStored();
    expect(await uploadedVersions()).toEqual([]);
  });

  test('an upload that finishes after the matter was closed is refused as closed, by name and by document', async () => {
    const { db, deps, lawyer, matter, upload, download, startUpload, uploadedVersions } = await setup();
    const { document } = await upload({ content: Buffer.from('kept') });
    const byName = await startUpload({ principal: lawyer, target: { matterId: matter.id, name: 'new.pdf' } });
    const byDocument = await startUpload({ principal: lawyer, target: { documentId: document.id } });
    await setMatterStatus({ ...deps, principal: lawyer, matterId: matter.id, status: 'closed' });
    await expectCode(byName.finish(), 'documents.matter_closed');
    await expectCode(byDocument.finish(), 'documents.matter_closed');
    const listing = await listFolder({ ...deps, principal: lawyer, matterId: matter.id });
    expect(listing.documents.map((d) => [d.name, d.currentVersion])).toEqual([['Brief.pdf', 1]]);
    expect((await readAll((await download({ documentId: document.id })).body)).toString()).toBe('kept');
    expect(await uploadedVersions()).toHaveLength(1);
    expect(await listBlobKeys(deps.blobStore)).toHaveLength(1);
    expect(
      await db.selectFrom('document_uploads').select('id').where('matter_id', '=', matter.id).execute(),
    ).toEqual([]);
    expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).usedBytes).toBe(4);
  });

  test('an editor removed and the matter closed mid-upload get what a fresh upload would, and the matter lists nothing', async () => {
    const { deps, lawyer, matter, user, addMember, upload, startUpload, expectNothingStored } = await setup();
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    const target = { matterId: matter.id, name: 'late.pdf' };
    const started = await startUpload({ principal: editor, target });
    await removeMatterMember({ ...deps, principal: lawyer, matterId: matter.id, userId: editor.userId });
    await setMatterStatus({ ...deps, principal: lawyer, matterId: matter.id, status: 'closed' });
    const late = await failureOf(started.finish());
    const fresh = await failureOf(upload({ principal: editor, target, content: Buffer.from('x') }));
    expect(fresh).toBeDefined();
    expect(isErrorWithCode({ error: late, code: (fresh as { code: string }).code })).toBe(true);
    await expectNothingStored();
  });

  test('an upload that finishes after an ethical wall screened its uploader is refused as not found', async () => {
    const { deps, user, matter, addMember, startUpload, expectNothingStored, uploadedVersions } =
      await setup();
    const admin = await user('admin');
    const officer = await user('auditor');
    const walls = {
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      policy: deps.access.policy,
      stepUpMinutes: deps.access.stepUpMinutes,
    };
    await designateComplianceOfficer({ ...walls, principal: admin, userId: officer.userId });
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    const started = await startUpload({
      principal: editor,
      target: { matterId: matter.id, name: 'late.pdf' },
    });
    await screenUser({ ...walls, principal: officer, matterId: matter.id, userId: editor.userId });
    await expectCode(started.finish(), 'documents.matter_not_found');
    await expectNothingStored();
    expect(await uploadedVersions()).toEqual([]);
  });

  test('an upload into a folder trashed meanwhile is refused as folder not found and leaves nothing', async () => {
    const { db, deps, lawyer, matter, startUpload, uploadedVersions } = await setup();
    const folder = await createFolder({ ...deps, principal: lawyer, matterId: matter.id, name: 'Exhibits' });
    const started = await startUpload({
      principal: lawyer,
      target: { matterId: matter.id, folderId: folder.id, name: 'late.pdf' },
    });
    await setFolderTrashed({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      folderId: folder.id,
      isTrashed: true,
    });
    await expectCode(started.finish(), 'documents.folder_not_found');
    const count = async (table: 'documents' | 'document_versions' | 'document_uploads') =>
      (await db.selectFrom(table).select('id').where('matter_id', '=', matter.id).execute()).length;
    expect([
      await count('documents'),
      await count('document_versions'),
      await count('document_uploads'),
    ]).toEqual([0, 0, 0]);
    expect(await listBlobKeys(deps.blobStore)).toEqual([]);
    expect(await uploadedVersions()).toEqual([]);
  });

  test('a new version of a document trashed meanwhile is refused, by document and by name', async () => {
    const { db, deps, lawyer, matter, upload, startUpload, uploadedVersions } = await setup();
    const { document } = await upload({ content: Buffer.from('first') });
    const byDocument = await startUpload({ principal: lawyer, target: { documentId: document.id } });
    const byName = await startUpload({
      principal: lawyer,
      target: { matterId: matter.id, name: 'brief.pdf' },
    });
    await setDocumentTrashed({ ...deps, principal: lawyer, documentId: document.id, isTrashed: true });
    await expectCode(byDocument.finish(), 'documents.document_trashed');
    await expectCode(byName.finish(), 'documents.document_trashed');
    const versions = await db
      .selectFrom('document_versions')
      .select('version')
      .where('document_id', '=', document.id)
      .execute();
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(await listBlobKeys(deps.blobStore)).toHaveLength(1);
    expect(await uploadedVersions()).toHaveLength(1);
    expect(
      await db.selectFrom('document_uploads').select('id').where('matter_id', '=', matter.id).execute(),
    ).toEqual([]);
  });

  test('a folder made while an upload of the same name streams keeps the name; the upload is refused and leaves nothing', async () => {
    const { deps, lawyer, matter, startUpload, expectNothingStored, uploadedVersions } = await setup();
    const started = await startUpload({
      principal: lawyer,
      target: { matterId: matter.id, name: 'Exhibits' },
    });
    await createFolder({ ...deps, principal: lawyer, matterId: matter.id, name: 'EXHIBITS' });
    await expectCode(started.finish(), 'documents.name_taken');
    await expectNothingStored();
    expect(await uploadedVersions()).toEqual([]);
    const listing = await listFolder({ ...deps, principal: lawyer, matterId: matter.id });
    expect(listing.folders.map((f) => f.name)).toEqual(['EXHIBITS']);
  });

  test('a folder trashed while an upload into it commits: the upload is refused and leaves nothing', async () => {
    const { deps, lawyer, matter, startUpload, expectNothingStored } = await setup();
    const folder = await createFolder({ ...deps, principal: lawyer, matterId: matter.id, name: 'Pleadings' });
    const started = await startUpload({
      principal: lawyer,
      target: { matterId: matter.id, folderId: folder.id, name: 'Answer.pdf' },
    });
    // The trash holds its transaction open, its row written, while the upload commits.
    const release = createGate();
    const held = holdLedgerAppends({
      ledger: deps.ledger,
      kinds: ['documents.folder_trashed'],
      wait: () => release.opened,
    });
    const trashing = setFolderTrashed({
      ...deps,
      ledger: held.ledger,
      principal: lawyer,
      matterId: matter.id,
      folderId: folder.id,
      isTrashed: true,
    });
    await held.entered;
    const finishing = started.finish();
    setTimeout(release.open, 300);
    await trashing;
    await expect(finishing).rejects.toMatchObject({ status: 404 });
    await expectNothingStored();
  });
});
