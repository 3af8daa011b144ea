import { randomBytes } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures, readAll } from '../../../test/support/documents.js';
import { expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import type { Principal, Role } from '../identity/identity.models.js';
import { createFolder, listFolder } from './documents.folders.usecases.js';
import { destroyMatterKeys } from '../vault/vault.keys.usecases.js';
import { setClassification } from './documents.classification.usecases.js';
import {
  createMatter,
  getMatter,
  listMatterMembers,
  listMatters,
  removeMatterMember,
  setMatterMember,
  setMatterStatus,
  shredMatter,
} from './documents.matters.usecases.js';
import { listDirectory, type PathDeps } from './documents.paths.usecases.js';
import { addMatterParty, listMatterParties, removeMatterParty } from './documents.parties.usecases.js';
import { getDocument, listTrash, setDocumentTrashed, updateDocument } from './documents.usecases.js';

describeOnDatabases('documents: matters and access', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    return fixtures;
  };

  test('a lawyer opens a matter and is its owner, with a root folder and a ledger entry', async () => {
    const { db, deps, lawyer, matter } = await setup();
    expect(matter).toMatchObject({ name: 'Smith v Jones', status: 'open', myRole: 'owner', usedBytes: 0 });
    expect(await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).toEqual(matter);
    expect(await listMatterMembers({ ...deps, principal: lawyer, matterId: matter.id })).toEqual([
      {
        userId: lawyer.userId,
        role: 'owner',
        addedAt: deps.clock.now(),
        expiresAt: undefined,
        isNamedForHighlySensitive: false,
      },
    ]);
    const root = await listFolder({ ...deps, principal: lawyer, matterId: matter.id });
    expect(root.folder.id).toBe(matter.rootFolderId);
    expect(root.path).toEqual([]);
    expect(await ledgerEntries(db, 'documents.matter_created')).toContainEqual(
      expect.objectContaining({ data: { matterId: matter.id } }),
    );
  });

  test.each<Role>(['admin', 'assistant', 'client', 'auditor', 'process_server'])(
    'a %s cannot open a matter',
    async (role) => {
      const { deps, user } = await setup();
      const principal = await user(role);
      await expectCode(
        createMatter({ ...deps, principal, name: 'Not mine' }),
        'documents.matter_creation_forbidden',
      );
      expect(await listMatters({ ...deps, principal })).toEqual([]);
    },
  );

  test('an owner closes a matter: it stays readable, nothing changes in it until reopened', async () => {
    const { db, deps, lawyer, user, matter, upload, download, addMember } = await setup();
    const { document } = await upload({ content: Buffer.from('the order') });
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    await expectCode(
      setMatterStatus({ ...deps, principal: editor, matterId: matter.id, status: 'closed' }),
      'documents.action_forbidden',
    );
    await expectCode(
      setMatterStatus({ ...deps, principal: lawyer, matterId: matter.id, status: 'shut' }),
      'documents.matter_status_invalid',
    );
    const closed = await setMatterStatus({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      status: 'closed',
    });
    expect(closed.status).toBe('closed');
    expect(
      (await readAll((await download({ principal: editor, documentId: document.id })).body)).toString(),
    ).toBe('the order');
    await expectCode(
      upload({ principal: editor, target: { documentId: document.id }, content: Buffer.from('late') }),
      'documents.matter_closed',
    );
    await expectCode(
      createFolder({ ...deps, principal: lawyer, matterId: matter.id, name: 'After' }),
      'documents.matter_closed',
    );
    await setMatterStatus({ ...deps, principal: lawyer, matterId: matter.id, status: 'open' });
    await upload({
      principal: editor,
      target: { documentId: document.id },
      content: Buffer.from('reopened'),
    });
    const changes = await ledgerEntries(db, 'documents.matter_status_changed');
    expect(changes.map((entry) => entry.data)).toEqual(
      expect.arrayContaining([
        { matterId: matter.id, from: 'open', to: 'closed' },
        { matterId: matter.id, from: 'closed', to: 'open' },
      ]),
    );
    expect(changes).toHaveLength(2);
  });

  test('client and party records: sealed at rest, editors record them, viewers and strangers cannot', async () => {
    const { db, deps, lawyer, user, matter, addMember } = await setup();
    const name = `Client ${randomBytes(6).toString('hex')} GmbH`;
    const party = await addMatterParty({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      kind: 'client',
      name,
    });
    expect(await listMatterParties({ ...deps, principal: lawyer, matterId: matter.id })).toEqual([party]);
    const rows = await db.selectFrom('matter_parties').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(name);
    await expectCode(
      addMatterParty({ ...deps, principal: lawyer, matterId: matter.id, kind: 'judge', name: 'X' }),
      'documents.party_kind_invalid',
    );
    const viewer = await user('client');
    await addMember(viewer, 'viewer');
    await expectCode(
      addMatterParty({ ...deps, principal: viewer, matterId: matter.id, kind: 'other', name: 'X' }),
      'documents.action_forbidden',
    );
    const stranger = await user('lawyer');
    await expectCode(
      listMatterParties({ ...deps, principal: stranger, matterId: matter.id }),
      'documents.matter_not_found',
    );
    await removeMatterParty({ ...deps, principal: lawyer, matterId: matter.id, partyId: party.id });
    expect(await listMatterParties({ ...deps, principal: lawyer, matterId: matter.id })).toEqual([]);
    await expectCode(
      removeMatterParty({ ...deps, principal: lawyer, matterId: matter.id, partyId: party.id }),
      'documents.party_not_found',
    );
    expect(await ledgerEntries(db, 'documents.party_added')).toHaveLength(1);
  });

  test('an invalid matter name is refused', async () => {
    const { deps, lawyer } = await setup();
    await expectCode(createMatter({ ...deps, principal: lawyer, name: '  ' }), 'documents.name_invalid');
  });

  test('listMatters shows only the matters the caller is a member of', async () => {
    const { deps, user, lawyer, matter, addMember } = await setup();
    const other = await user('lawyer');
    const otherMatter = await createMatter({ ...deps, principal: other, name: 'Doe v Roe' });
    expect((await listMatters({ ...deps, principal: lawyer })).map((m) => m.id)).toEqual([matter.id]);
    expect((await listMatters({ ...deps, principal: other })).map((m) => m.id)).toEqual([otherMatter.id]);
    await addMember(other, 'viewer');
    const seen = await listMatters({ ...deps, principal: other });
    expect(seen.map((m) => [m.id, m.myRole, m.name]).sort()).toEqual(
      [
        [matter.id, 'viewer', 'Smith v Jones'],
        [otherMatter.id, 'owner', 'Doe v Roe'],
      ].sort(),
    );
  });

  test("a non-member sees another matter's ids as not found, administrator included", async () => {
    const { deps, user, matter, upload, download } = await setup();
    const { document } = await upload({ content: Buffer.from('privileged') });
    for (const outsider of [await user('lawyer'), await user('admin')]) {
      const as = { ...deps, principal: outsider };
      await expectCode(getMatter({ ...as, matterId: matter.id }), 'documents.matter_not_found');
      await expectCode(listMatterMembers({ ...as, matterId: matter.id }), 'documents.matter_not_found');
      await expectCode(listFolder({ ...as, matterId: matter.id }), 'documents.matter_not_found');
      await expectCode(
        listFolder({ ...as, matterId: matter.id, folderId: matter.rootFolderId }),
        'documents.matter_not_found',
      );
      await expectCode(listTrash({ ...as, matterId: matter.id }), 'documents.matter_not_found');
      await expectCode(
        createFolder({ ...as, matterId: matter.id, name: 'Mine now' }),
        'documents.matter_not_found',
      );
      await expectCode(
        upload({
          principal: outsider,
          target: { matterId: matter.id, name: 'x.txt' },
          content: Buffer.from('x'),
        }),
        'documents.matter_not_found',
      );
      await expectCode(
        upload({ principal: outsider, target: { documentId: document.id }, content: Buffer.from('x') }),
        'documents.document_not_found',
      );
      await expectCode(
        download({ principal: outsider, documentId: document.id }),
        'documents.document_not_found',
      );
      await expectCode(
        download({ principal: outsider, documentId: document.id, range: { start: 0 } }),
        'documents.document_not_found',
      );
      await expectCode(getDocument({ ...as, documentId: document.id }), 'documents.document_not_found');
      await expectCode(
        updateDocument({ ...as, documentId: document.id, name: 'renamed.pdf' }),
        'documents.document_not_found',
      );
      await expectCode(
        setDocumentTrashed({ ...as, documentId: document.id, isTrashed: true }),
        'documents.document_not_found',
      );
      await expectCode(
        setMatterMember({ ...as, matterId: matter.id, userId: outsider.userId, role: 'owner' }),
        'documents.matter_not_found',
      );
    }
    // A matter that does not exist answers the same.
    await expectCode(
      getMatter({ ...deps, principal: await user(), matterId: `mat_${randomBytes(4).toString('hex')}` }),
      'documents.matter_not_found',
    );
  });

  test('a viewer reads but may not upload, organise or manage members', async () => {
    const { deps, user, matter, upload, download, addMember } = await setup();
    const { document } = await upload({ content: Buffer.from('the pleading') });
    const viewer = await user('client');
    await addMember(viewer, 'viewer');
    const as = { ...deps, principal: viewer };
    expect((await getMatter({ ...as, matterId: matter.id })).myRole).toBe('viewer');
    expect((await listFolder({ ...as, matterId: matter.id })).documents.map((d) => d.id)).toEqual([
      document.id,
    ]);
    expect(
      (await readAll((await download({ principal: viewer, documentId: document.id })).body)).toString(),
    ).toBe('the pleading');
    await expectCode(
      upload({
        principal: viewer,
        target: { matterId: matter.id, name: 'mine.txt' },
        content: Buffer.from('x'),
      }),
      'documents.action_forbidden',
    );
    await expectCode(
      upload({ principal: viewer, target: { documentId: document.id }, content: Buffer.from('x') }),
      'documents.action_forbidden',
    );
    await expectCode(
      createFolder({ ...as, matterId: matter.id, name: 'Mine' }),
      'documents.action_forbidden',
    );
    await expectCode(
      setDocumentTrashed({ ...as, documentId: document.id, isTrashed: true }),
      'documents.action_forbidden',
    );
    await expectCode(
      setMatterMember({ ...as, matterId: matter.id, userId: viewer.userId, role: 'owner' }),
      'documents.action_forbidden',
    );
  });

  test('an editor uploads and organises but does not manage members', async () => {
    const { deps, user, matter, upload, addMember } = await setup();
    const editor = await user('assistant');
    await addMember(editor, 'editor');
    const { created } = await upload({
      principal: editor,
      target: { matterId: matter.id, name: 'Draft.docx' },
      content: Buffer.from('draft'),
    });
    expect(created).toBe(true);
    await createFolder({ ...deps, principal: editor, matterId: matter.id, name: 'Drafts' });
    await expectCode(
      removeMatterMember({ ...deps, principal: editor, matterId: matter.id, userId: editor.userId }),
      'documents.action_forbidden',
    );
  });

  test('a membership past its expiry no longer grants access', async () => {
    const { deps, clock, user, lawyer, matter, upload, download, addMember } = await setup();
    const { document } = await upload({ content: Buffer.from('time-limited') });
    const guest = await user('client');
    await addMember(guest, 'viewer', new Date(clock.now().getTime() + 60 * 60_000));
    expect((await getMatter({ ...deps, principal: guest, matterId: matter.id })).myRole).toBe('viewer');
    clock.advanceBy({ minutes: 59 });
    await download({ principal: guest, documentId: document.id });
    clock.advanceBy({ minutes: 1 });
    await expectCode(
      getMatter({ ...deps, principal: guest, matterId: matter.id }),
      'documents.matter_not_found',
    );
    await expectCode(
      listFolder({ ...deps, principal: guest, matterId: matter.id }),
      'documents.matter_not_found',
    );
    await expectCode(download({ principal: guest, documentId: document.id }), 'documents.document_not_found');
    expect(await listMatters({ ...deps, principal: guest })).toEqual([]);
    const members = await listMatterMembers({ ...deps, principal: lawyer, matterId: matter.id });
    expect(members.map((m) => m.userId)).toEqual([lawyer.userId]);
  });

  test('the last owner can be neither removed nor demoted; with a second owner both work', async () => {
    const { db, deps, user, lawyer, matter, addMember } = await setup();
    const as = { ...deps, principal: lawyer, matterId: matter.id };
    await expectCode(removeMatterMember({ ...as, userId: lawyer.userId }), 'documents.last_owner');
    await expectCode(
      setMatterMember({ ...as, userId: lawyer.userId, role: 'editor' }),
      'documents.last_owner',
    );
    await expectCode(
      setMatterMember({ ...as, userId: lawyer.userId, role: 'viewer' }),
      'documents.last_owner',
    );
    // An owner whose membership expires does not keep the matter owned.
    const temporary = await user('lawyer');
    await addMember(temporary, 'owner', new Date(deps.clock.now().getTime() + 60_000));
    await expectCode(removeMatterMember({ ...as, userId: lawyer.userId }), 'documents.last_owner');
    // Nor may the last permanent owner make their own ownership expire.
    await expectCode(
      setMatterMember({
        ...as,
        userId: lawyer.userId,
        role: 'owner',
        expiresAt: new Date(deps.clock.now().getTime() + 60_000),
      }),
      'documents.last_owner',
    );

    const partner = await user('lawyer');
    await addMember(partner, 'owner');
    await setMatterMember({ ...as, userId: lawyer.userId, role: 'editor' });
    expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).myRole).toBe('editor');
    await removeMatterMember({ ...deps, principal: partner, matterId: matter.id, userId: lawyer.userId });
    await expectCode(
      getMatter({ ...deps, principal: lawyer, matterId: matter.id }),
      'documents.matter_not_found',
    );
    expect(await ledgerEntries(db, 'documents.member_removed')).toContainEqual(
      expect.objectContaining({ data: { matterId: matter.id, userId: lawyer.userId } }),
    );
  });

  test('members are real users with a known role', async () => {
    const { deps, lawyer, matter } = await setup();
    const as = { ...deps, principal: lawyer, matterId: matter.id };
    await expectCode(
      setMatterMember({ ...as, userId: 'usr_nobody', role: 'viewer' }),
      'documents.user_not_found',
    );
    await expectCode(
      setMatterMember({ ...as, userId: lawyer.userId, role: 'admin' }),
      'documents.member_role_invalid',
    );
  });
});

describeOnDatabases('documents: outsiders, concurrent owners and shredded matters', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    return fixtures;
  };
  const outcomeOf = (result: PromiseSettledResult<unknown>) =>
    result.status === 'fulfilled' ? 'done' : (result.reason as { code?: string }).code;

  test('an outsider with a stale second factor cannot tell a highly sensitive document or a closed matter from a missing one', async () => {
    const { deps, clock, user, lawyer, matter, upload, addMember } = await setup();
    const secret = await createFolder({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      name: 'Settlement',
    });
    await setClassification({
      ...deps,
      principal: lawyer,
      target: { matterId: matter.id, folderId: secret.id },
      classification: 'highly_sensitive',
    });
    const highly = await upload({
      target: { matterId: matter.id, folderId: secret.id, name: 'Terms.pdf' },
      content: Buffer.from('terms'),
    });
    const ordinary = await upload({ content: Buffer.from('brief') });
    const viewer = await user('lawyer');
    await addMember(viewer, 'viewer');
    const outsider = await user('lawyer');
    clock.advanceBy({ minutes: 30 });
    const apiToken = { ...outsider, via: 'api_token' as const, secondFactorAt: undefined };
    for (const principal of [outsider, apiToken]) {
      for (const documentId of [highly.document.id, ordinary.document.id, 'doc_00000000000000000000000000']) {
        await expectCode(getDocument({ ...deps, principal, documentId }), 'documents.document_not_found');
      }
    }
    // A member is still told what to do: confirm a second factor.
    await expectCode(
      getDocument({ ...deps, principal: viewer, documentId: highly.document.id }),
      'identity.step_up_required',
    );

    await setMatterStatus({
      ...deps,
      principal: { ...lawyer, secondFactorAt: clock.now() },
      matterId: matter.id,
      status: 'closed',
    });
    for (const matterId of [matter.id, 'mat_00000000000000000000000000']) {
      await expectCode(
        createFolder({ ...deps, principal: outsider, matterId, name: 'Mine now' }),
        'documents.matter_not_found',
      );
    }
    await expectCode(
      createFolder({
        ...deps,
        principal: { ...lawyer, secondFactorAt: clock.now() },
        matterId: matter.id,
        name: 'x',
      }),
      'documents.matter_closed',
    );
  });

  test('two owners removing each other at the same time leave the matter with an owner', async () => {
    for (let round = 0; round < 8; round++) {
      const { db, deps, user, lawyer, matter, addMember } = await setup();
      const partner = await user('lawyer');
      await addMember(partner, 'owner');
      const outcomes = await Promise.allSettled([
        removeMatterMember({ ...deps, principal: lawyer, matterId: matter.id, userId: partner.userId }),
        removeMatterMember({ ...deps, principal: partner, matterId: matter.id, userId: lawyer.userId }),
      ]);
      const owners = await db
        .selectFrom('matter_members')
        .select('user_id')
        .where('matter_id', '=', matter.id)
        .where('role', '=', 'owner')
        .execute();
      expect(owners, `round ${round}: ${outcomes.map(outcomeOf).join(', ')}`).toHaveLength(1);
      // The one removed first is no longer an owner when their own request runs: not found.
      expect(outcomes.map(outcomeOf).sort()).toEqual(['documents.matter_not_found', 'done']);
      expect(await ledgerEntries(db, 'documents.member_removed')).toHaveLength(round + 1);
    }
  });

  test('two owners demoting each other at the same time leave the matter with an owner', async () => {
    for (let round = 0; round < 8; round++) {
      const { db, deps, user, lawyer, matter, addMember } = await setup();
      const partner = await user('lawyer');
      await addMember(partner, 'owner');
      const outcomes = await Promise.allSettled([
        setMatterMember({
          ...deps,
          principal: lawyer,
          matterId: matter.id,
          userId: partner.userId,
          role: 'editor',
        }),
        setMatterMember({
          ...deps,
          principal: partner,
          matterId: matter.id,
          userId: lawyer.userId,
          role: 'editor',
        }),
      ]);
      const owners = await db
        .selectFrom('matter_members')
        .select('user_id')
        .where('matter_id', '=', matter.id)
        .where('role', '=', 'owner')
        .execute();
      expect(owners, `round ${round}: ${outcomes.map(outcomeOf).join(', ')}`).toHaveLength(1);
      expect(outcomes.map(outcomeOf).sort()).toEqual(['documents.action_forbidden', 'done']);
    }
  });

  /** The matters an SFTP client sees as directories at `/`. */
  const sftpRootMatterIds = async (deps: PathDeps, principal: Principal) =>
    (await listDirectory(deps, principal, { kind: 'root' })).flatMap((entry) =>
      entry.kind === 'folder' ? [entry.matter.id] : [],
    );

  test('shredding a matter marks it shredded: its members still list their matters, by HTTP and SFTP, and only its name is gone', async () => {
    const { db, deps, user, lawyer, matter, addMember, upload } = await setup();
    const { document } = await upload({ content: Buffer.from('privileged') });
    const colleague = await user('lawyer');
    await addMember(colleague, 'editor');
    const live = await createMatter({ ...deps, principal: colleague, name: 'Doe v Roe' });

    expect(await shredMatter({ ...deps, matterId: matter.id, actor: { type: 'system' } })).toEqual({
      destroyed: expect.any(Number) as number,
    });

    const row = await db
      .selectFrom('matters')
      .select('shredded_at')
      .where('id', '=', matter.id)
      .executeTakeFirst();
    expect(row?.shredded_at).toBe(deps.clock.now().getTime());
    expect(await ledgerEntries(db, 'vault.matter_keys_destroyed')).toContainEqual(
      expect.objectContaining({ data: expect.objectContaining({ matterId: matter.id }) as unknown }),
    );
    for (const principal of [lawyer, colleague]) {
      const listed = await listMatters({ ...deps, principal });
      expect(listed.find((m) => m.id === matter.id)?.name).toBe('');
      expect(await sftpRootMatterIds(deps, principal)).toContain(matter.id);
    }
    expect((await listMatters({ ...deps, principal: colleague })).find((m) => m.id === live.id)?.name).toBe(
      'Doe v Roe',
    );
    expect((await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).name).toBe('');
    await expectCode(
      getDocument({ ...deps, principal: lawyer, documentId: document.id }),
      'vault.matter_keys_destroyed',
    );
    // Again: nothing more is destroyed or recorded.
    const entries = (await ledgerEntries(db, 'vault.matter_keys_destroyed')).length;
    expect(await shredMatter({ ...deps, matterId: matter.id, actor: { type: 'system' } })).toEqual({
      destroyed: 0,
    });
    expect(await ledgerEntries(db, 'vault.matter_keys_destroyed')).toHaveLength(entries);
    await expectCode(
      shredMatter({ ...deps, matterId: 'mat_00000000000000000000000000', actor: { type: 'system' } }),
      'documents.matter_not_found',
    );
  });

  test('a matter whose keys were erased without being marked shredded does not break the list, and shredding it again marks it', async () => {
    const { db, deps, lawyer, matter } = await setup();
    const live = await createMatter({ ...deps, principal: lawyer, name: 'Doe v Roe' });
    await destroyMatterKeys({ ...deps, matterId: matter.id, actor: { type: 'system' } });

    const listed = await listMatters({ ...deps, principal: lawyer });
    expect(listed.map((m) => [m.id, m.name]).sort()).toEqual(
      [
        [matter.id, ''],
        [live.id, 'Doe v Roe'],
      ].sort(),
    );
    expect((await sftpRootMatterIds(deps, lawyer)).sort()).toEqual([matter.id, live.id].sort());

    expect(await shredMatter({ ...deps, matterId: matter.id, actor: { type: 'system' } })).toEqual({
      destroyed: 0,
    });
    const row = await db
      .selectFrom('matters')
      .select('shredded_at')
      .where('id', '=', matter.id)
      .executeTakeFirst();
    expect(row?.shredded_at).not.toBeNull();
  });
});
