import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, readAll } from '../../../test/support/documents.js';
import { setClassification } from './documents.classification.usecases.js';
import { createFolder, listFolder } from './documents.folders.usecases.js';
import { listMatterMembers, setMatterMember } from './documents.matters.usecases.js';
import { getDocument, updateDocument } from './documents.usecases.js';
import { updateFolder } from './documents.folders.usecases.js';
import { openMatterVault } from '../vault/vault.keys.usecases.js';
import { sealContext } from './documents.models.js';

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

  /** A highly sensitive folder holding an inheriting document and an inheriting subfolder, and an editor. */
  const sensitiveSetup = async () => {
    const fixtures = await setup();
    const { deps, lawyer, matter, user, upload, addMember, classify } = fixtures;
    const vault = await createFolder({ ...deps, principal: lawyer, matterId: matter.id, name: 'Vault' });
    await classify({
      target: { matterId: matter.id, folderId: vault.id },
      classification: 'highly_sensitive',
    });
    const inner = await createFolder({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      parentId: vault.id,
      name: 'Settlement',
    });
    const { document } = await upload({
      target: { matterId: matter.id, folderId: vault.id, name: 'Terms.pdf' },
      content: Buffer.from('terms'),
    });
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    const changesOf = (itemId: string) =>
      fixtures.db.selectFrom('classification_changes').selectAll().where('item_id', '=', itemId).execute();
    const labelOf = async (documentId: string) =>
      (await getDocument({ ...deps, principal: lawyer, documentId })).document;
    return { ...fixtures, vault, inner, document, editor, changesOf, labelOf };
  };

  test('an editor moving an inheriting document or folder somewhere less classified is refused; nothing changes', async () => {
    const { db, deps, matter, folder, vault, inner, document, editor, changesOf, labelOf } =
      await sensitiveSetup();
    const before = await countLedgerEntries(db);
    const reason = 'Filed with the court';
    await expectCode(
      updateDocument({ ...deps, principal: editor, documentId: document.id, folderId: folder.id, reason }),
      'documents.classification_lowering_requires_owner',
    );
    await expectCode(
      updateFolder({
        ...deps,
        principal: editor,
        matterId: matter.id,
        folderId: inner.id,
        parentId: folder.id,
        name: 'Renamed',
        reason,
      }),
      'documents.classification_lowering_requires_owner',
    );
    expect(await labelOf(document.id)).toMatchObject({
      folderId: vault.id,
      classification: 'highly_sensitive',
      classificationIsInherited: true,
    });
    const innerNow = await listFolder({
      ...deps,
      principal: editor,
      matterId: matter.id,
      folderId: inner.id,
    });
    expect(innerNow.folder).toMatchObject({
      parentId: vault.id,
      name: 'Settlement',
      classification: 'highly_sensitive',
    });
    expect(await changesOf(document.id)).toEqual([]);
    expect(await changesOf(inner.id)).toEqual([]);
    expect(await countLedgerEntries(db)).toBe(before);
  });

  test('an editor may move what keeps or raises its label, and what carries its own label', async () => {
    const { db, deps, lawyer, matter, folder, vault, document, editor, upload, classify, labelOf } =
      await sensitiveSetup();
    const { document: plain } = await upload({
      target: { matterId: matter.id, folderId: folder.id, name: 'Plain.pdf' },
      content: Buffer.from('plain'),
    });
    const before = await countLedgerEntries(db);
    await updateDocument({ ...deps, principal: editor, documentId: plain.id, folderId: vault.id });
    expect(await labelOf(plain.id)).toMatchObject({ folderId: vault.id, classification: 'highly_sensitive' });
    // A moved document and a ledger entry for the move, no classification change.
    expect(await countLedgerEntries(db)).toBe(before + 1);
    await classify({ target: { documentId: document.id }, classification: 'highly_sensitive' });
    await updateDocument({ ...deps, principal: editor, documentId: document.id, folderId: folder.id });
    expect(await labelOf(document.id)).toMatchObject({
      folderId: folder.id,
      classification: 'highly_sensitive',
      classificationIsInherited: false,
    });
    expect(lawyer.userId).not.toBe(editor.userId);
  });

  test('an owner’s lowering move needs a reason, and is recorded like an explicit lowering', async () => {
    const { db, deps, lawyer, matter, folder, inner, document, changesOf, labelOf } = await sensitiveSetup();
    const before = await countLedgerEntries(db);
    for (const reason of [undefined, '   ']) {
      await expectCode(
        updateDocument({ ...deps, principal: lawyer, documentId: document.id, folderId: folder.id, reason }),
        'documents.classification_reason_required',
      );
    }
    expect(await countLedgerEntries(db)).toBe(before);
    expect(await changesOf(document.id)).toEqual([]);

    const reason = 'Exhibit filed publicly: MOVE-REASON-4411';
    const moved = await updateDocument({
      ...deps,
      principal: lawyer,
      documentId: document.id,
      folderId: folder.id,
      reason,
    });
    expect(moved).toMatchObject({ folderId: folder.id, classification: 'internal' });
    expect(await labelOf(document.id)).toMatchObject({ classification: 'internal' });
    const [change] = await changesOf(document.id);
    expect(change).toMatchObject({
      matter_id: matter.id,
      item_type: 'document',
      from_value: 'highly_sensitive',
      to_value: 'internal',
      is_inherited: 1,
      changed_by: lawyer.userId,
    });
    const matterVault = await openMatterVault({ db, keyring: deps.keyring, matterId: matter.id });
    expect(
      matterVault.openText({
        sealed: change?.reason_sealed ?? '',
        context: sealContext.classificationReason(change?.id ?? ''),
      }),
    ).toBe(reason);
    expect(
      (await ledgerEntries(db, 'documents.classification_changed')).filter(
        (entry) => entry.data.itemId === document.id,
      ),
    ).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: lawyer.userId },
        data: {
          matterId: matter.id,
          itemType: 'document',
          itemId: document.id,
          from: 'highly_sensitive',
          to: 'internal',
          inherits: true,
          changeId: change?.id,
        },
      }),
    ]);
    for (const table of ['classification_changes', 'ledger_pending_entries'] as const) {
      const rows = await db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain('MOVE-REASON-4411');
    }

    // A folder: one record for it, and what inherits below it follows.
    await updateFolder({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      folderId: inner.id,
      parentId: folder.id,
      reason: 'Reorganised after settlement',
    });
    expect(await changesOf(inner.id)).toEqual([
      expect.objectContaining({ item_type: 'folder', from_value: 'highly_sensitive', to_value: 'internal' }),
    ]);
    const innerNow = await listFolder({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      folderId: inner.id,
    });
    expect(innerNow.folder).toMatchObject({ parentId: folder.id, classification: 'internal' });
  });
});
