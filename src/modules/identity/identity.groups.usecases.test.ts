import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { testPolicyEngine } from '../../../test/support/documents.js';
import { createDocumentsFixtures } from '../../../test/support/documents.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import {
  addGroupMember,
  createGroup,
  deleteGroup,
  listGroupNames,
  listGroups,
  removeGroupMember,
  renameGroup,
} from './identity.groups.usecases.js';
import type { Principal } from './identity.models.js';

describeOnDatabases('identity: groups of users', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const admin = await fixtures.user('admin');
    const groups = {
      db: fixtures.db,
      clock: fixtures.deps.clock,
      policy: fixtures.deps.access.policy,
      ledger: createLedger({ clock: fixtures.deps.clock }),
    };
    return { ...fixtures, admin, groups };
  };

  test('an administrator creates, renames, fills, empties and deletes a group, each act on the ledger by id', async () => {
    const { db, admin, lawyer, groups } = await setup();
    const group = await createGroup({ ...groups, principal: admin, name: '  Mergers team ' });
    expect(group).toMatchObject({ name: 'Mergers team', members: [] });
    expect(group.id).toMatch(/^grp_/);
    await renameGroup({ ...groups, principal: admin, groupId: group.id, name: 'M&A team' });
    await addGroupMember({ ...groups, principal: admin, groupId: group.id, userId: lawyer.userId });
    // Adding again changes nothing and records nothing.
    const before = await countLedgerEntries(db);
    await addGroupMember({ ...groups, principal: admin, groupId: group.id, userId: lawyer.userId });
    expect(await countLedgerEntries(db)).toBe(before);
    expect((await listGroups({ ...groups, principal: admin })).groups).toEqual([
      expect.objectContaining({
        id: group.id,
        name: 'M&A team',
        members: [{ userId: lawyer.userId, username: expect.any(String) as string }],
      }),
    ]);
    await removeGroupMember({ ...groups, principal: admin, groupId: group.id, userId: lawyer.userId });
    await expectCode(
      removeGroupMember({ ...groups, principal: admin, groupId: group.id, userId: lawyer.userId }),
      'identity.group_member_not_found',
    );
    await deleteGroup({ ...groups, principal: admin, groupId: group.id });
    expect((await listGroups({ ...groups, principal: admin })).groups).toEqual([]);

    const actor = { type: 'user', id: admin.userId };
    expect(await ledgerEntries(db, 'identity.group_created')).toEqual([
      expect.objectContaining({ actor, data: { groupId: group.id } }),
    ]);
    expect(await ledgerEntries(db, 'identity.group_renamed')).toEqual([
      expect.objectContaining({ actor, data: { groupId: group.id } }),
    ]);
    expect(await ledgerEntries(db, 'identity.group_member_added')).toEqual([
      expect.objectContaining({ actor, data: { groupId: group.id, userId: lawyer.userId } }),
    ]);
    expect(await ledgerEntries(db, 'identity.group_member_removed')).toEqual([
      expect.objectContaining({ actor, data: { groupId: group.id, userId: lawyer.userId } }),
    ]);
    expect(await ledgerEntries(db, 'identity.group_deleted')).toEqual([
      expect.objectContaining({ actor, data: { groupId: group.id, memberCount: 0 } }),
    ]);
    const events = await db.selectFrom('ledger_pending_entries').selectAll().execute();
    expect(JSON.stringify(events)).not.toContain('Mergers');
  });

  test('group names are unique and well-formed', async () => {
    const { db, admin, groups } = await setup();
    const mergers = await createGroup({ ...groups, principal: admin, name: 'Mergers team' });
    const laterals = await createGroup({ ...groups, principal: admin, name: 'Lateral hires 2026' });
    const before = await countLedgerEntries(db);
    await expectCode(
      createGroup({ ...groups, principal: admin, name: 'Mergers team' }),
      'identity.group_name_taken',
    );
    await expectCode(
      renameGroup({ ...groups, principal: admin, groupId: laterals.id, name: 'Mergers team' }),
      'identity.group_name_taken',
    );
    await expectCode(
      createGroup({ ...groups, principal: admin, name: '   ' }),
      'identity.group_name_invalid',
    );
    await expectCode(
      createGroup({ ...groups, principal: admin, name: 'a\u0000b' }),
      'identity.group_name_invalid',
    );
    await expectCode(
      renameGroup({ ...groups, principal: admin, groupId: 'grp_00000000000000000000000000', name: 'X' }),
      'identity.group_not_found',
    );
    expect(await countLedgerEntries(db)).toBe(before);
    const ids = new Set([laterals.id, mergers.id]);
    // By name: "Lateral hires 2026" before "Mergers team".
    expect(
      (await listGroups({ ...groups, principal: admin })).groups
        .map((group) => group.id)
        .filter((id) => ids.has(id)),
    ).toEqual([laterals.id, mergers.id]);
  });

  test('adding a user who does not exist, or to a group that does not exist, is refused', async () => {
    const { admin, lawyer, groups } = await setup();
    const group = await createGroup({ ...groups, principal: admin, name: 'Team' });
    await expectCode(
      addGroupMember({
        ...groups,
        principal: admin,
        groupId: group.id,
        userId: 'usr_00000000000000000000000000',
      }),
      'identity.user_not_found',
    );
    await expectCode(
      addGroupMember({
        ...groups,
        principal: admin,
        groupId: 'grp_00000000000000000000000000',
        userId: lawyer.userId,
      }),
      'identity.group_not_found',
    );
  });

  test('a lawyer, an auditor and an administrator through an API token are refused every group act, and nothing changes', async () => {
    const { db, user, admin, lawyer, groups } = await setup();
    const group = await createGroup({ ...groups, principal: admin, name: 'Tax team' });
    const auditor = await user('auditor');
    const byToken: Principal = { ...admin, via: 'api_token', sessionId: undefined, apiTokenId: 'tok_x' };
    const before = await countLedgerEntries(db);
    for (const principal of [lawyer, auditor, byToken]) {
      await expectCode(listGroups({ ...groups, principal }), 'identity.admin_required');
      await expectCode(createGroup({ ...groups, principal, name: 'Other' }), 'identity.admin_required');
      await expectCode(
        renameGroup({ ...groups, principal, groupId: group.id, name: 'Other' }),
        'identity.admin_required',
      );
      await expectCode(deleteGroup({ ...groups, principal, groupId: group.id }), 'identity.admin_required');
      await expectCode(
        addGroupMember({ ...groups, principal, groupId: group.id, userId: lawyer.userId }),
        'identity.admin_required',
      );
      await expectCode(
        removeGroupMember({ ...groups, principal, groupId: group.id, userId: lawyer.userId }),
        'identity.admin_required',
      );
    }
    expect(await countLedgerEntries(db)).toBe(before);
    expect((await listGroups({ ...groups, principal: admin })).groups).toContainEqual(
      expect.objectContaining({ id: group.id, name: 'Tax team', members: [] }),
    );
  });

  test('staff see the groups by id and name to choose one; clients and API tokens do not', async () => {
    const { db, user, admin, groups } = await setup();
    const group = await createGroup({ ...groups, principal: admin, name: 'Litigation team' });
    const auditor = await user('auditor');
    expect(
      (await listGroupNames({ db, policy: testPolicyEngine(), principal: auditor })).groups,
    ).toContainEqual({
      id: group.id,
      name: 'Litigation team',
    });
    const client = await user('client');
    await expectCode(
      listGroupNames({ db, policy: testPolicyEngine(), principal: client }),
      'identity.directory_not_allowed',
    );
    await expectCode(
      listGroupNames({
        db,
        policy: testPolicyEngine(),
        principal: { ...auditor, via: 'api_token', sessionId: undefined, apiTokenId: 'tok_x' },
      }),
      'identity.directory_not_allowed',
    );
  });
});
