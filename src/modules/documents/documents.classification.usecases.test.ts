import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, readAll } from '../../../test/support/documents.js';
import { setClassification } from './documents.classification.usecases.js';
import { createFolder, listFolder } from './documents.folders.usecases.js';
import { listMatterMembers, setMatterMember } from './documents.matters.usecases.js';
import { getDocument } from './documents.usecases.js';

describeOnDatabases('documents: classification', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, lawyer, matter } = fixtures;
    const classify = (
      args: Omit<Parameters<typeof setClassification>[0], keyof typeof deps | 'principal'> & {
        principal?: typeof lawyer;
      },
    ) => setClassification({ ...deps, principal: lawyer, ...args });
    const folder = await createFolder({ ...deps, principal: lawyer, matterId: matter.id, name: 'Pleadings' });
    return { ...fixtures, classify, folder };
  };

  test('a document inherits the matter label, a folder label overrides it, and inherit restores it', async () => {
    const { deps, lawyer, matter, folder, upload, classify } = await setup();
    const { document } = await upload({
      target: { matterId: matter.id, folderId: folder.id, name: 'Claim.pdf' },
      content: Buffer.from('claim'),
    });
    expect(document).toMatchObject({ classification: 'internal', classificationIsInherited: true });

    await classify({ target: { matterId: matter.id }, classification: 'highly_sensitive' });
    const inherited = await getDocument({ ...deps, principal: lawyer, documentId: document.id });
    expect(inherited.document).toMatchObject({
      classification: 'highly_sensitive',
      classificationIsInherited: true,
    });

    const lowered = await classify({
      target: { matterId: matter.id, folderId: folder.id },
      classification: 'public',
      reason: 'Filed with the court: public record.',
    });
    expect(lowered).toMatchObject({ itemType: 'folder', classification: 'public', isInherited: false });
    const listing = await listFolder({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      folderId: folder.id,
    });
    expect(listing.folder).toMatchObject({ classification: 'public', classificationIsInherited: false });
    expect(listing.documents[0]).toMatchObject({ classification: 'public', classificationIsInherited: true });
    const root = await listFolder({ ...deps, principal: lawyer, matterId: matter.id });
    expect(root.folder).toMatchObject({
      classification: 'highly_sensitive',
      classificationIsInherited: true,
    });
    expect(root.folders).toEqual([expect.objectContaining({ id: folder.id, classification: 'public' })]);

    await classify({ target: { matterId: matter.id, folderId: folder.id }, classification: 'inherit' });
    const restored = await getDocument({ ...deps, principal: lawyer, documentId: document.id });
    expect(restored.document).toMatchObject({
      classification: 'highly_sensitive',
      classificationIsInherited: true,
    });

    const own = await classify({ target: { documentId: document.id }, classification: 'highly_sensitive' });
    expect(own).toMatchObject({
      itemType: 'document',
      classification: 'highly_sensitive',
      isInherited: false,
    });
  });

  test('lowering without a reason is refused and changes nothing', async () => {
    const { db, matter, folder, classify } = await setup();
    await classify({
      target: { matterId: matter.id, folderId: folder.id },
      classification: 'highly_sensitive',
    });
    const entries = await countLedgerEntries(db);
    for (const reason of [undefined, '   ', 'x'.repeat(1001)]) {
      await expectCode(
        classify({
          target: { matterId: matter.id, folderId: folder.id },
          classification: 'internal',
          reason,
        }),
        'documents.classification_reason_required',
      );
      await expectCode(
        classify({ target: { matterId: matter.id, folderId: folder.id }, classification: 'inherit', reason }),
        'documents.classification_reason_required',
      );
    }
    expect(await countLedgerEntries(db)).toBe(entries);
    const row = await db
      .selectFrom('folders')
      .select('classification')
      .where('id', '=', folder.id)
      .executeTakeFirst();
    expect(row?.classification).toBe('highly_sensitive');
  });

  test('an editor may raise a label but not lower it, nor change the matter label', async () => {
    const { db, deps, matter, folder, user, upload, addMember, classify } = await setup();
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    const { document } = await upload({ content: Buffer.from('memo') });
    const raised = await classify({
      principal: editor,
      target: { documentId: document.id },
      classification: 'highly_sensitive',
    });
    expect(raised).toMatchObject({ classification: 'highly_sensitive', isInherited: false });
    expect(
      (await getDocument({ ...deps, principal: editor, documentId: document.id })).document.classification,
    ).toBe('highly_sensitive');

    const entries = await countLedgerEntries(db);
    await expectCode(
      classify({
        principal: editor,
        target: { documentId: document.id },
        classification: 'internal',
        reason: 'I think it is fine',
      }),
      'documents.action_forbidden',
    );
    await expectCode(
      classify({ principal: editor, target: { matterId: matter.id }, classification: 'highly_sensitive' }),
      'documents.action_forbidden',
    );
    await expectCode(
      classify({
        principal: editor,
        target: { matterId: matter.id, folderId: folder.id },
        classification: 'public',
        reason: 'x',
      }),
      'documents.action_forbidden',
    );
    expect(await countLedgerEntries(db)).toBe(entries);
  });

  test('inherit is refused on a matter; outsiders see nothing', async () => {
    const { deps, matter, user, upload, classify } = await setup();
    await expectCode(
      classify({ target: { matterId: matter.id }, classification: 'inherit' }),
      'documents.classification_invalid',
    );
    const { document } = await upload({ content: Buffer.from('x') });
    for (const role of ['lawyer', 'admin', 'auditor'] as const) {
      const outsider = await user(role);
      await expectCode(
        setClassification({
          ...deps,
          principal: outsider,
          target: { matterId: matter.id },
          classification: 'public',
        }),
        'documents.matter_not_found',
      );
      await expectCode(
        setClassification({
          ...deps,
          principal: outsider,
          target: { documentId: document.id },
          classification: 'public',
        }),
        'documents.document_not_found',
      );
    }
  });

  test('a change is on the ledger without its reason, which is sealed and nowhere in clear', async () => {
    const { db, matter, lawyer, classify } = await setup();
    await classify({ target: { matterId: matter.id }, classification: 'highly_sensitive' });
    const reason = 'Settlement talks concluded: CONFIDENTIAL-REASON-7731';
    const change = await classify({ target: { matterId: matter.id }, classification: 'internal', reason });
    const entries = (await ledgerEntries(db, 'documents.classification_changed')).filter(
      (entry) => entry.data.matterId === matter.id,
    );
    // Both changes share the test clock's instant: their order in the ledger is not defined.
    expect(entries).toHaveLength(2);
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: { type: 'user', id: lawyer.userId },
          data: expect.objectContaining({
            from: 'internal',
            to: 'highly_sensitive',
            itemType: 'matter',
          }) as unknown,
        }),
        {
          kind: 'documents.classification_changed',
          at: expect.any(String) as unknown,
          actor: { type: 'user', id: lawyer.userId },
          data: {
            matterId: matter.id,
            itemType: 'matter',
            itemId: matter.id,
            from: 'highly_sensitive',
            to: 'internal',
            inherits: false,
            changeId: change.changeId,
          },
        },
      ]),
    );
    const stored = await db
      .selectFrom('classification_changes')
      .selectAll()
      .where('id', '=', change.changeId ?? '')
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      from_value: 'highly_sensitive',
      to_value: 'internal',
      changed_by: lawyer.userId,
    });
    expect(stored.reason_sealed).not.toBeNull();
    for (const table of ['classification_changes', 'ledger_pending_entries', 'matters'] as const) {
      const rows = await db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain('CONFIDENTIAL-REASON-7731');
    }
    // Setting the same label again records nothing.
    const again = await classify({ target: { matterId: matter.id }, classification: 'internal' });
    expect(again.changeId).toBeUndefined();
  });

  test('an assistant member cannot list or read a highly sensitive document until a grant names them', async () => {
    const { deps, lawyer, matter, user, upload, download, classify } = await setup();
    const assistant = await user('assistant');
    await setMatterMember({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      userId: assistant.userId,
      role: 'viewer',
    });
    const { document: ordinary } = await upload({ content: Buffer.from('ordinary') });
    const { document: secret } = await upload({
      target: { matterId: matter.id, name: 'Secret.pdf' },
      content: Buffer.from('secret'),
    });
    await classify({ target: { documentId: secret.id }, classification: 'highly_sensitive' });

    const seen = await listFolder({ ...deps, principal: assistant, matterId: matter.id });
    expect(seen.documents.map((d) => d.id)).toEqual([ordinary.id]);
    await expectCode(
      download({ principal: assistant, documentId: secret.id }),
      'documents.document_not_found',
    );
    await expectCode(
      getDocument({ ...deps, principal: assistant, documentId: secret.id }),
      'documents.document_not_found',
    );

    await setMatterMember({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      userId: assistant.userId,
      role: 'viewer',
      isNamedForHighlySensitive: true,
    });
    expect(await listMatterMembers({ ...deps, principal: lawyer, matterId: matter.id })).toContainEqual(
      expect.objectContaining({ userId: assistant.userId, isNamedForHighlySensitive: true }),
    );
    const named = await listFolder({ ...deps, principal: assistant, matterId: matter.id });
    expect(named.documents.map((d) => d.id).sort()).toEqual([ordinary.id, secret.id].sort());
    const opened = await download({ principal: assistant, documentId: secret.id });
    expect((await readAll(opened.body)).toString()).toBe('secret');
  });

  test('a lawyer owner needs a recent second factor to download a highly sensitive document', async () => {
    const { clock, lawyer, matter, upload, download, classify } = await setup();
    const { document } = await upload({ content: Buffer.from('privileged') });
    await classify({ target: { matterId: matter.id }, classification: 'highly_sensitive' });
    clock.advanceBy({ minutes: 11 });
    await expectCode(download({ documentId: document.id }), 'identity.step_up_required');
    const stepped = { ...lawyer, secondFactorAt: clock.now() };
    const opened = await download({ principal: stepped, documentId: document.id });
    expect((await readAll(opened.body)).toString()).toBe('privileged');
  });
});
