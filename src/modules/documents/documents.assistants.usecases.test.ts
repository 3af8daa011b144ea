import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, listBlobKeys } from '../../../test/support/documents.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { setClassification } from './documents.classification.usecases.js';
import { createFolder, listFolder, setFolderTrashed, updateFolder } from './documents.folders.usecases.js';
import { listMatters, setMatterMember } from './documents.matters.usecases.js';
import { isFolderEmpty } from './documents.paths.usecases.js';
import { getDocument, setDocumentTrashed, updateDocument } from './documents.usecases.js';

describeOnDatabases('documents: assistants and highly sensitive items', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });

  /**
   * An internal matter holding a highly sensitive folder with a document inherits its label, a highly
   * sensitive document in the root, an ordinary one beside it, and an assistant editor without a named grant.
   */
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { db, deps, lawyer, matter, user, upload, addMember } = fixtures;
    const asOwner = { ...deps, principal: lawyer };
    const settlement = await createFolder({ ...asOwner, matterId: matter.id, name: 'Settlement' });
    await setClassification({
      ...asOwner,
      target: { matterId: matter.id, folderId: settlement.id },
      classification: 'highly_sensitive',
    });
    const { document: terms } = await upload({
      target: { matterId: matter.id, folderId: settlement.id, name: 'Terms.pdf' },
      content: Buffer.from('terms'),
    });
    const { document: witnesses } = await upload({
      target: { matterId: matter.id, name: 'Witness list.docx' },
      content: Buffer.from('witnesses'),
    });
    await setClassification({
      ...asOwner,
      target: { documentId: witnesses.id },
      classification: 'highly_sensitive',
    });
    const { document: memo } = await upload({
      target: { matterId: matter.id, name: 'Memo.pdf' },
      content: Buffer.from('memo'),
    });
    const assistant = await user('assistant');
    await addMember(assistant, 'editor');
    const asAssistant = { ...deps, principal: assistant };

    /** Everything an assistant's refused act could have changed: rows, blobs, uploads and the ledger. */
    const snapshot = async () => ({
      documents: await db
        .selectFrom('documents')
        .select(['id', 'folder_id', 'name_lookup', 'current_version', 'trashed_at'])
        .where('matter_id', '=', matter.id)
        .orderBy('id')
        .execute(),
      folders: await db
        .selectFrom('folders')
        .select(['id', 'parent_id', 'name_lookup', 'trashed_at'])
        .where('matter_id', '=', matter.id)
        .orderBy('id')
        .execute(),
      uploads: await db
        .selectFrom('document_uploads')
        .select('id')
        .where('matter_id', '=', matter.id)
        .execute(),
      blobs: (await listBlobKeys(deps.blobStore)).sort(),
      ledger: await countLedgerEntries(db),
    });
    return { ...fixtures, asOwner, asAssistant, assistant, settlement, terms, witnesses, memo, snapshot };
  };

  test('an assistant editor without a named grant cannot rename, move or trash a highly sensitive document, and learns nothing of it', async () => {
    const { matter, asAssistant, settlement, terms, witnesses, snapshot } = await setup();
    const before = await snapshot();
    for (const document of [terms, witnesses]) {
      await expectCode(
        updateDocument({ ...asAssistant, documentId: document.id, name: 'Renamed.pdf' }),
        'documents.document_not_found',
      );
      await expectCode(
        updateDocument({ ...asAssistant, documentId: document.id, folderId: matter.rootFolderId }),
        'documents.document_not_found',
      );
      await expectCode(
        updateDocument({ ...asAssistant, documentId: document.id, folderId: settlement.id }),
        'documents.document_not_found',
      );
      await expectCode(
        setDocumentTrashed({ ...asAssistant, documentId: document.id, isTrashed: true }),
        'documents.document_not_found',
      );
    }
    expect(await snapshot()).toEqual(before);
  });

  test('uploading the name of a highly sensitive document the assistant cannot see is refused as a taken name, revealing nothing else', async () => {
    const { matter, assistant, upload, witnesses, snapshot } = await setup();
    const before = await snapshot();
    const refusal = await upload({
      principal: assistant,
      target: { matterId: matter.id, name: 'witness LIST.docx' },
      content: Buffer.from('overwritten'),
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isErrorWithCode({ error: refusal, code: 'documents.name_taken' })).toBe(true);
    expect(JSON.stringify(refusal)).not.toContain(witnesses.id);
    expect((refusal as Error).message).not.toContain(witnesses.id);
    // The same as for a visible folder of that name: the collision is all it says.
    await expectCode(
      upload({
        principal: assistant,
        target: { matterId: matter.id, name: 'settlement' },
        content: Buffer.from('x'),
      }),
      'documents.name_taken',
    );
    expect(await snapshot()).toEqual(before);
  });

  test('an assistant editor without a named grant cannot rename, move, trash or write into a highly sensitive folder', async () => {
    const { matter, asAssistant, assistant, upload, settlement, memo, snapshot } = await setup();
    const other = await createFolder({ ...asAssistant, matterId: matter.id, name: 'Correspondence' });
    const before = await snapshot();
    const inMatter = { ...asAssistant, matterId: matter.id };
    await expectCode(listFolder({ ...inMatter, folderId: settlement.id }), 'documents.folder_not_found');
    await expectCode(
      updateFolder({ ...inMatter, folderId: settlement.id, name: 'Renamed' }),
      'documents.folder_not_found',
    );
    await expectCode(
      updateFolder({ ...inMatter, folderId: settlement.id, parentId: other.id }),
      'documents.folder_not_found',
    );
    await expectCode(
      setFolderTrashed({ ...inMatter, folderId: settlement.id, isTrashed: true }),
      'documents.folder_not_found',
    );
    await expectCode(
      createFolder({ ...inMatter, parentId: settlement.id, name: 'Inside' }),
      'documents.folder_not_found',
    );
    await expectCode(
      upload({
        principal: assistant,
        target: { matterId: matter.id, folderId: settlement.id, name: 'Dropped.pdf' },
        content: Buffer.from('x'),
      }),
      'documents.folder_not_found',
    );
    // Nor file their own items into it, which would put them out of their reach and confirm it exists.
    await expectCode(
      updateDocument({ ...asAssistant, documentId: memo.id, folderId: settlement.id }),
      'documents.folder_not_found',
    );
    await expectCode(
      updateFolder({ ...inMatter, folderId: other.id, parentId: settlement.id }),
      'documents.folder_not_found',
    );
    // A folder that does not exist answers the same.
    await expectCode(
      updateFolder({ ...inMatter, folderId: 'fld_nonexistent', name: 'Renamed' }),
      'documents.folder_not_found',
    );
    await expectCode(
      updateDocument({ ...asAssistant, documentId: memo.id, folderId: 'fld_nonexistent' }),
      'documents.folder_not_found',
    );
    expect(await snapshot()).toEqual(before);
  });

  test('ordinary items stay the assistant’s to change, and a named grant opens the highly sensitive ones', async () => {
    const { deps, lawyer, matter, asAssistant, assistant, upload, settlement, terms, witnesses, memo } =
      await setup();
    expect(await updateDocument({ ...asAssistant, documentId: memo.id, name: 'Memo v2.pdf' })).toMatchObject({
      name: 'Memo v2.pdf',
    });
    const memoVersion = await upload({
      principal: assistant,
      target: { matterId: matter.id, name: 'memo V2.pdf' },
      content: Buffer.from('memo 2'),
    });
    expect(memoVersion).toMatchObject({ created: false, document: { id: memo.id, currentVersion: 2 } });

    await setMatterMember({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      userId: assistant.userId,
      role: 'editor',
      isNamedForHighlySensitive: true,
    });
    const overwritten = await upload({
      principal: assistant,
      target: { matterId: matter.id, name: 'witness LIST.docx' },
      content: Buffer.from('witnesses 2'),
    });
    expect(overwritten).toMatchObject({ created: false, document: { id: witnesses.id, currentVersion: 2 } });
    await updateFolder({ ...asAssistant, matterId: matter.id, folderId: settlement.id, name: 'Settled' });
    await updateDocument({ ...asAssistant, documentId: terms.id, name: 'Final terms.pdf' });
    await setDocumentTrashed({ ...asAssistant, documentId: terms.id, isTrashed: true });
    const { document } = await getDocument({ ...deps, principal: lawyer, documentId: terms.id });
    expect(document.name).toBe('Final terms.pdf');
    expect(document.trashedAt).toBeInstanceOf(Date);
  });

  test('a folder that looks empty to an assistant is not empty while it holds what they cannot see (SFTP rmdir)', async () => {
    const { matter, asOwner, asAssistant, assistant, upload } = await setup();
    const privileged = await createFolder({ ...asOwner, matterId: matter.id, name: 'Privileged' });
    const { document: advice } = await upload({
      target: { matterId: matter.id, folderId: privileged.id, name: 'Advice.pdf' },
      content: Buffer.from('advice'),
    });
    await setClassification({
      ...asOwner,
      target: { documentId: advice.id },
      classification: 'highly_sensitive',
    });
    const empty = await createFolder({ ...asOwner, matterId: matter.id, name: 'Empty' });
    const [seen] = (await listMatters({ ...asAssistant })).filter((each) => each.id === matter.id);
    if (seen === undefined) throw new Error('the assistant should see the matter');
    const listed = await listFolder({ ...asAssistant, matterId: matter.id, folderId: privileged.id });
    expect(listed.documents).toEqual([]);
    expect(listed.folders).toEqual([]);
    expect(await isFolderEmpty(asAssistant, assistant, { matter: seen, folder: listed.folder })).toBe(false);
    const emptyListing = await listFolder({ ...asAssistant, matterId: matter.id, folderId: empty.id });
    expect(await isFolderEmpty(asAssistant, assistant, { matter: seen, folder: emptyListing.folder })).toBe(
      true,
    );
  });
});
