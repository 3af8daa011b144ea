import { afterAll, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures } from '../../../test/support/documents.js';
import { expectCode } from '../../../test/support/assertions.js';
import { createFolder, listFolder, setFolderTrashed, updateFolder } from './documents.folders.usecases.js';
import { createRendezvous, holdLedgerAppends } from './documents.races.test-utils.js';
import { listTrash, setDocumentTrashed, updateDocument } from './documents.usecases.js';

describeOnDatabases('documents: folders and trash', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, lawyer, matter } = fixtures;
    const as = { ...deps, principal: lawyer, matterId: matter.id };
    const folder = (name: string, parentId?: string) => createFolder({ ...as, name, parentId });
    const list = async (folderId?: string) => listFolder({ ...as, folderId });
    const namesIn = async (folderId?: string) => {
      const listing = await list(folderId);
      return {
        folders: listing.folders.map((f) => f.name).sort(),
        documents: listing.documents.map((d) => d.name).sort(),
      };
    };
    return { ...fixtures, as, folder, list, namesIn };
  };

  test('nested folders list with their path from the root', async () => {
    const { matter, folder, list, namesIn } = await setup();
    const pleadings = await folder('Pleadings');
    const motions = await folder('Motions', pleadings.id);
    const drafts = await folder('Drafts', motions.id);
    expect(pleadings).toMatchObject({
      name: 'Pleadings',
      parentId: matter.rootFolderId,
      trashedAt: undefined,
    });
    const listing = await list(drafts.id);
    expect(listing.folder).toEqual(drafts);
    expect(listing.path.map((f) => [f.id, f.name])).toEqual([
      [matter.rootFolderId, ''],
      [pleadings.id, 'Pleadings'],
      [motions.id, 'Motions'],
    ]);
    expect(await namesIn()).toEqual({ folders: ['Pleadings'], documents: [] });
    expect(await namesIn(pleadings.id)).toEqual({ folders: ['Motions'], documents: [] });
    await expectCode(list('fld_nonexistent'), 'documents.folder_not_found');
    await expectCode(folder('x', 'fld_nonexistent'), 'documents.folder_not_found');
  });

  test('names are unique in a folder regardless of case, between folders and documents alike', async () => {
    const { matter, folder, upload } = await setup();
    const pleadings = await folder('Pleadings');
    await expectCode(folder('pleadings'), 'documents.name_taken');
    await expectCode(folder('PLEADINGS '), 'documents.name_taken');
    await expectCode(
      upload({ target: { matterId: matter.id, name: 'Pleadings' }, content: Buffer.from('x') }),
      'documents.name_taken',
    );
    await upload({ target: { matterId: matter.id, name: 'Memo.pdf' }, content: Buffer.from('x') });
    await expectCode(folder('memo.PDF'), 'documents.name_taken');
    // The same name in another folder is fine.
    await folder('pleadings', pleadings.id);
    await upload({
      target: { matterId: matter.id, folderId: pleadings.id, name: 'Memo.pdf' },
      content: Buffer.from('y'),
    });
    await expectCode(folder('..'), 'documents.name_invalid');
  });

  test('a folder is renamed and moved, but not into itself or below itself', async () => {
    const { as, matter, folder, namesIn } = await setup();
    const a = await folder('A');
    const b = await folder('B', a.id);
    const c = await folder('C', b.id);
    const other = await folder('Other');
    expect(await updateFolder({ ...as, folderId: a.id, name: 'Alpha' })).toMatchObject({ name: 'Alpha' });
    expect(await namesIn()).toEqual({ folders: ['Alpha', 'Other'], documents: [] });
    await expectCode(updateFolder({ ...as, folderId: a.id, name: 'other' }), 'documents.name_taken');
    await expectCode(
      updateFolder({ ...as, folderId: a.id, parentId: c.id }),
      'documents.folder_move_invalid',
    );
    await expectCode(
      updateFolder({ ...as, folderId: a.id, parentId: b.id }),
      'documents.folder_move_invalid',
    );
    await expectCode(
      updateFolder({ ...as, folderId: a.id, parentId: a.id }),
      'documents.folder_move_invalid',
    );
    await expectCode(
      updateFolder({ ...as, folderId: matter.rootFolderId, parentId: a.id }),
      'documents.folder_move_invalid',
    );
    const moved = await updateFolder({ ...as, folderId: c.id, parentId: other.id });
    expect(moved.parentId).toBe(other.id);
    expect(await namesIn(other.id)).toEqual({ folders: ['C'], documents: [] });
    expect(await namesIn(b.id)).toEqual({ folders: [], documents: [] });
  });

  test('a trashed folder is not listed and takes no uploads; restored, it is back', async () => {
    const { as, matter, folder, list, namesIn, upload } = await setup();
    const exhibits = await folder('Exhibits');
    await upload({
      target: { matterId: matter.id, folderId: exhibits.id, name: 'a.pdf' },
      content: Buffer.from('a'),
    });
    await setFolderTrashed({ ...as, folderId: exhibits.id, isTrashed: true });
    expect(await namesIn()).toEqual({ folders: [], documents: [] });
    await expectCode(list(exhibits.id), 'documents.folder_not_found');
    await expectCode(
      upload({
        target: { matterId: matter.id, folderId: exhibits.id, name: 'b.pdf' },
        content: Buffer.from('b'),
      }),
      'documents.folder_not_found',
    );
    expect((await listTrash(as)).folders.map((f) => f.id)).toEqual([exhibits.id]);
    await setFolderTrashed({ ...as, folderId: exhibits.id, isTrashed: false });
    expect(await namesIn()).toEqual({ folders: ['Exhibits'], documents: [] });
    expect(await namesIn(exhibits.id)).toEqual({ folders: [], documents: ['a.pdf'] });
    expect((await listTrash(as)).folders).toEqual([]);
    await expectCode(
      setFolderTrashed({ ...as, folderId: matter.rootFolderId, isTrashed: true }),
      'documents.folder_not_found',
    );
  });

  test('a trashed document is listed in the trash only; restored, it is back', async () => {
    const { as, matter, namesIn, upload } = await setup();
    const { document } = await upload({
      target: { matterId: matter.id, name: 'Brief.pdf' },
      content: Buffer.from('x'),
    });
    await setDocumentTrashed({ ...as, documentId: document.id, isTrashed: true });
    expect(await namesIn()).toEqual({ folders: [], documents: [] });
    const trash = await listTrash(as);
    expect(trash.documents.map((d) => [d.id, d.name, d.size])).toEqual([[document.id, 'Brief.pdf', 1]]);
    expect(trash.documents[0]?.trashedAt).toEqual(as.clock.now());
    await expectCode(
      updateDocument({ ...as, documentId: document.id, name: 'x.pdf' }),
      'documents.document_trashed',
    );
    await setDocumentTrashed({ ...as, documentId: document.id, isTrashed: false });
    expect(await namesIn()).toEqual({ folders: [], documents: ['Brief.pdf'] });
    expect((await listTrash(as)).documents).toEqual([]);
  });

  test('a document is renamed and moved; a taken name is refused', async () => {
    const { as, matter, folder, namesIn, upload } = await setup();
    const target = await folder('Target');
    const { document } = await upload({
      target: { matterId: matter.id, name: 'one.pdf' },
      content: Buffer.from('1'),
    });
    await upload({ target: { matterId: matter.id, name: 'two.pdf' }, content: Buffer.from('2') });
    await expectCode(
      updateDocument({ ...as, documentId: document.id, name: 'TWO.pdf' }),
      'documents.name_taken',
    );
    await expectCode(
      updateDocument({ ...as, documentId: document.id, name: 'target' }),
      'documents.name_taken',
    );
    const renamed = await updateDocument({
      ...as,
      documentId: document.id,
      name: 'One (final).pdf',
      folderId: target.id,
    });
    expect(renamed).toMatchObject({ name: 'One (final).pdf', folderId: target.id, size: 1 });
    expect(await namesIn(target.id)).toEqual({ folders: [], documents: ['One (final).pdf'] });
    expect(await namesIn()).toEqual({ folders: ['Target'], documents: ['two.pdf'] });
  });

  test('restoring is refused when the name was taken in the meantime', async () => {
    const { as, matter, folder, upload } = await setup();
    const { document } = await upload({
      target: { matterId: matter.id, name: 'Brief.pdf' },
      content: Buffer.from('old'),
    });
    await setDocumentTrashed({ ...as, documentId: document.id, isTrashed: true });
    const replacement = await upload({
      target: { matterId: matter.id, name: 'brief.pdf' },
      content: Buffer.from('new'),
    });
    expect(replacement.created).toBe(true);
    await expectCode(
      setDocumentTrashed({ ...as, documentId: document.id, isTrashed: false }),
      'documents.name_taken',
    );

    const drafts = await folder('Drafts');
    await setFolderTrashed({ ...as, folderId: drafts.id, isTrashed: true });
    await folder('DRAFTS');
    await expectCode(
      setFolderTrashed({ ...as, folderId: drafts.id, isTrashed: false }),
      'documents.name_taken',
    );
    const trash = await listTrash(as);
    expect(trash.documents.map((d) => d.id)).toEqual([document.id]);
    expect(trash.folders.map((f) => f.id)).toEqual([drafts.id]);
  });
  test('someone outside the matter is told the matter is not found, whatever folder they name', async () => {
    const { deps, matter, user, folder } = await setup();
    const pleadings = await folder('Pleadings');
    const outsider = await user('lawyer');
    const asOutsider = { ...deps, principal: outsider };
    for (const folderId of [undefined, pleadings.id, 'fld_nonexistent']) {
      await expectCode(
        listFolder({ ...asOutsider, matterId: matter.id, folderId }),
        'documents.matter_not_found',
      );
    }
    await expectCode(
      listFolder({ ...asOutsider, matterId: 'mat_nonexistent', folderId: 'fld_nonexistent' }),
      'documents.matter_not_found',
    );
  });

  test('a folder made and a document renamed to the same name at the same time: one is refused, the name is held once', async () => {
    const { deps, lawyer, matter, as, upload, namesIn } = await setup();
    const { document } = await upload({
      target: { matterId: matter.id, name: 'Draft.pdf' },
      content: Buffer.from('x'),
    });
    // Each act waits, its row written but not committed, until the other has written its own (or 500 ms).
    const rendezvous = createRendezvous({ parties: 2 });
    const { ledger } = holdLedgerAppends({
      ledger: deps.ledger,
      kinds: ['documents.folder_created', 'documents.document_renamed'],
      wait: () => rendezvous.arrive(),
    });
    const outcomes = await Promise.allSettled([
      createFolder({ ...as, ledger, name: 'Exhibits' }),
      updateDocument({ ...deps, ledger, principal: lawyer, documentId: document.id, name: 'exhibits' }),
    ]);
    const outcomeOf = (result: PromiseSettledResult<unknown>) =>
      result.status === 'fulfilled' ? 'done' : (result.reason as { code?: string }).code;
    expect(outcomes.map(outcomeOf).sort()).toEqual(['documents.name_taken', 'done']);
    const { folders, documents } = await namesIn();
    expect([...folders, ...documents].filter((name) => name.toLowerCase() === 'exhibits')).toHaveLength(1);
  });

  test('two folders moved into each other at the same time: one move is refused, and no folder contains itself', async () => {
    const { deps, as } = await setup();
    const left = await createFolder({ ...as, name: 'Left' });
    const right = await createFolder({ ...as, name: 'Right' });
    const rendezvous = createRendezvous({ parties: 2 });
    const { ledger } = holdLedgerAppends({
      ledger: deps.ledger,
      kinds: ['documents.folder_moved'],
      wait: () => rendezvous.arrive(),
    });
    const outcomes = await Promise.allSettled([
      updateFolder({ ...as, ledger, folderId: left.id, parentId: right.id }),
      updateFolder({ ...as, ledger, folderId: right.id, parentId: left.id }),
    ]);
    const outcomeOf = (result: PromiseSettledResult<unknown>) =>
      result.status === 'fulfilled' ? 'done' : (result.reason as { code?: string }).code;
    expect(outcomes.map(outcomeOf).sort()).toEqual(['documents.folder_move_invalid', 'done']);
    const rows = await deps.db
      .selectFrom('folders')
      .select(['id', 'parent_id'])
      .where('id', 'in', [left.id, right.id])
      .execute();
    const parentOf = new Map(rows.map((row) => [row.id, row.parent_id]));
    expect(parentOf.get(left.id) === right.id && parentOf.get(right.id) === left.id).toBe(false);
  });
});
