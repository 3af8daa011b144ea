import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, expect, test } from 'vitest';
import { expectCode } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import {
  createDocumentsFixtures,
  listBlobKeys,
  listFilesUnder,
  readAll,
} from '../../../test/support/documents.js';
import { sweepAbandonedUploads } from './documents.cleanup.usecases.js';
import { setClassification } from './documents.classification.usecases.js';
import { createFolder, listFolder, setFolderTrashed } from './documents.folders.usecases.js';
import { createMatter, setMatterMember } from './documents.matters.usecases.js';
import { contentBlobKey, generateBlobId, generateUploadId } from './documents.models.js';
import { getDocument, listTrash, setDocumentTrashed, updateDocument } from './documents.usecases.js';

describeOnDatabases('documents: cleanup and confidentiality', ({ getDb, dialect }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    return fixtures;
  };

  test("the sweep removes an abandoned upload's blob and row, and nothing newer or committed", async () => {
    const { db, clock, deps, lawyer, matter, upload, download } = await setup();
    const content = randomBytes(4000);
    const { document, version } = await upload({ content });
    const committedKey = (
      await db
        .selectFrom('document_versions')
        .select('blob_key')
        .where('id', '=', version.id)
        .executeTakeFirstOrThrow()
    ).blob_key;
    /** An upload whose process died after storing its blob (SIGKILL between put and commit). */
    const dyingUpload = async (blobKey: string) => {
      const id = generateUploadId();
      await db
        .insertInto('document_uploads')
        .values({
          id,
          matter_id: matter.id,
          blob_key: blobKey,
          started_by: lawyer.userId,
          started_at: clock.now().getTime(),
        })
        .execute();
      return id;
    };
    const abandonedKey = contentBlobKey({ matterId: matter.id, blobId: generateBlobId() });
    await deps.blobStore.put({ key: abandonedKey, source: Readable.from([randomBytes(500)]) });
    const abandoned = await dyingUpload(abandonedKey);
    // A bug that left an upload row pointing at a committed version's blob must not cost the document.
    const pointingAtCommitted = await dyingUpload(committedKey);
    clock.advanceBy({ hours: 2 });
    const recentKey = contentBlobKey({ matterId: matter.id, blobId: generateBlobId() });
    await deps.blobStore.put({ key: recentKey, source: Readable.from([randomBytes(500)]) });
    const recent = await dyingUpload(recentKey);

    const result = await sweepAbandonedUploads({
      ...deps,
      startedBefore: new Date(clock.now().getTime() - deps.settings.abandonedUploadMinutes * 60_000),
    });
    expect(result.uploads).toBe(2);
    expect((await listBlobKeys(deps.blobStore)).sort()).toEqual([committedKey, recentKey].sort());
    const rows = await db
      .selectFrom('document_uploads')
      .select('id')
      .where('matter_id', '=', matter.id)
      .execute();
    expect(rows.map((row) => row.id)).toEqual([recent]);
    expect([abandoned, pointingAtCommitted]).not.toContain(recent);
    expect((await readAll((await download({ documentId: document.id })).body)).equals(content)).toBe(true);
    expect(
      (await getDocument({ ...deps, principal: lawyer, documentId: document.id })).versions,
    ).toHaveLength(1);
  });

  test('no name, folder name, matter name or content is stored in the clear, in any table or blob', async () => {
    const { db, deps, lawyer, upload, download } = await setup();
    const marker = `MARKER-${randomBytes(3).toString('hex')}`;
    const matter = await createMatter({ ...deps, principal: lawyer, name: `${marker} Matter Smith v Jones` });
    const folder = await createFolder({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      name: `${marker}-Pleadings`,
    });
    const content = Buffer.concat([
      Buffer.from(`Privileged and confidential: ${marker}\n`),
      randomBytes(2 * 1024 * 1024),
      Buffer.from(`${marker} end`),
    ]);
    const target = { matterId: matter.id, folderId: folder.id, name: `${marker}-Smith-v-Jones.pdf` };
    const { document } = await upload({ target, content, mediaType: 'application/pdf' });
    await upload({ target, content: Buffer.from(`second version ${marker}`) });
    await updateDocument({
      ...deps,
      principal: lawyer,
      documentId: document.id,
      name: `${marker}-renamed.pdf`,
    });
    expect(
      (await readAll((await download({ documentId: document.id, version: 1 })).body)).equals(content),
    ).toBe(true);

    const needles = [marker, marker.toLowerCase()];
    const tables =
      dialect === 'sqlite'
        ? (
            await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
          ).rows.map((row) => row.name)
        : (
            await sql<{ name: string }>`select table_name as name from information_schema.tables
              where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db)
          ).rows.map((row) => row.name);
    expect(tables).toEqual(expect.arrayContaining(['matters', 'folders', 'documents', 'document_versions']));
    const leaks: string[] = [];
    for (const table of tables) {
      const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db);
      for (const row of rows) {
        for (const [column, value] of Object.entries(row)) {
          const bytes = toBytes(value);
          if (bytes !== undefined && needles.some((needle) => bytes.includes(needle))) {
            leaks.push(`${table}.${column}`);
          }
        }
      }
    }
    expect(leaks).toEqual([]);

    const files = listFilesUnder(deps.blobRoot);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      expect(file).not.toContain(marker);
      const bytes = readFileSync(file);
      for (const needle of needles) expect(bytes.includes(needle), file).toBe(false);
    }
  });
});

function toBytes(value: unknown): Buffer | undefined {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value !== null && typeof value === 'object') return Buffer.from(JSON.stringify(value), 'utf8');
  return undefined;
}

describeOnDatabases('documents: the trash', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  /** A matter whose trash holds ordinary and highly sensitive items, labelled on a folder, on a document, inherited. */
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, lawyer, matter, upload } = fixtures;
    const as = { ...deps, principal: lawyer };
    const label = (target: { folderId: string } | { documentId: string }) =>
      setClassification({
        ...as,
        target: 'folderId' in target ? { matterId: matter.id, ...target } : target,
        classification: 'highly_sensitive',
      });
    const settlement = await createFolder({ ...as, matterId: matter.id, name: 'Settlement' });
    await label({ folderId: settlement.id });
    const terms = await upload({
      target: { matterId: matter.id, folderId: settlement.id, name: 'Secret settlement terms.pdf' },
      content: randomBytes(1234),
    });
    const witnesses = await upload({
      target: { matterId: matter.id, name: 'Witness list.docx' },
      content: Buffer.from('w'),
    });
    await label({ documentId: witnesses.document.id });
    const brief = await upload({
      target: { matterId: matter.id, name: 'Brief.pdf' },
      content: Buffer.from('b'),
    });
    const drafts = await createFolder({ ...as, matterId: matter.id, name: 'Drafts' });
    const offers = await createFolder({
      ...as,
      matterId: matter.id,
      parentId: settlement.id,
      name: 'Offers',
    });
    for (const documentId of [terms.document.id, witnesses.document.id, brief.document.id]) {
      await setDocumentTrashed({ ...as, documentId, isTrashed: true });
    }
    for (const folderId of [drafts.id, offers.id]) {
      await setFolderTrashed({ ...as, matterId: matter.id, folderId, isTrashed: true });
    }
    const trashOf = async (principal: typeof lawyer) => {
      const trash = await listTrash({ ...deps, principal, matterId: matter.id });
      return {
        documents: trash.documents.map((d) => d.name).sort(),
        folders: trash.folders.map((f) => f.name).sort(),
      };
    };
    return { ...fixtures, terms, trashOf };
  };
  const everything = {
    documents: ['Brief.pdf', 'Secret settlement terms.pdf', 'Witness list.docx'],
    folders: ['Drafts', 'Offers'],
  };

  test('an assistant without a named grant sees no highly sensitive item in the trash, as in the folders', async () => {
    const { deps, user, matter, terms, addMember, trashOf } = await setup();
    const assistant = await user('assistant');
    await addMember(assistant, 'editor');
    expect(await trashOf(assistant)).toEqual({ documents: ['Brief.pdf'], folders: ['Drafts'] });
    await expectCode(
      getDocument({ ...deps, principal: assistant, documentId: terms.document.id }),
      'documents.document_not_found',
    );
    const root = await listFolder({ ...deps, principal: assistant, matterId: matter.id });
    expect(root.folders.map((f) => f.name)).not.toContain('Settlement');
  });

  test('an owner, and an assistant whose grant names them, see every trashed item', async () => {
    const { deps, user, lawyer, matter, trashOf } = await setup();
    expect(await trashOf(lawyer)).toEqual(everything);
    const named = await user('assistant');
    await setMatterMember({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      userId: named.userId,
      role: 'editor',
      isNamedForHighlySensitive: true,
    });
    expect(await trashOf(named)).toEqual(everything);
  });

  test('listing the trash of a highly sensitive matter needs no step-up, like listing its folders', async () => {
    const { deps, clock, user, lawyer, matter, addMember, trashOf } = await setup();
    await setClassification({
      ...deps,
      principal: lawyer,
      target: { matterId: matter.id },
      classification: 'highly_sensitive',
    });
    const viewer = await user('lawyer');
    await addMember(viewer, 'viewer');
    clock.advanceBy({ minutes: 30 });
    await listFolder({ ...deps, principal: viewer, matterId: matter.id });
    expect(await trashOf(viewer)).toEqual(everything);
  });
});
