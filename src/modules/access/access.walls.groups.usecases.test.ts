import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures } from '../../../test/support/documents.js';
import { listFolder } from '../documents/documents.folders.usecases.js';
import { createMatter, getMatter, listMatters } from '../documents/documents.matters.usecases.js';
import {
  addGroupMember,
  createGroup,
  deleteGroup,
  removeGroupMember,
} from '../identity/identity.groups.usecases.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { designateComplianceOfficer } from './access.compliance.usecases.js';
import { buildAccessReport } from './access.report.usecases.js';
import { isScreenedFromMatter } from './access.usecases.js';
import { liftGroupScreen, listScreens, screenGroup, screenUser } from './access.walls.usecases.js';

describeOnDatabases('access: ethical walls on groups', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  let groupCount = 0;
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, user, db } = fixtures;
    const admin = await user('admin');
    const officer = await user('auditor');
    const ledger = createLedger({ clock: deps.clock });
    await designateComplianceOfficer({
      ...deps,
      policy: deps.access.policy,
      ledger,
      stepUpMinutes: deps.access.stepUpMinutes,
      principal: admin,
      userId: officer.userId,
    });
    const walls = { ...deps, ledger, policy: deps.access.policy, stepUpMinutes: deps.access.stepUpMinutes };
    const groups = { db, clock: deps.clock, policy: deps.access.policy, ledger };
    groupCount += 1;
    const group = await createGroup({ ...groups, principal: admin, name: `Mergers team ${groupCount}` });
    const join = (userId: string) =>
      addGroupMember({ ...groups, principal: admin, groupId: group.id, userId });
    const leave = (userId: string) =>
      removeGroupMember({ ...groups, principal: admin, groupId: group.id, userId });
    const screen = () =>
      screenGroup({ ...walls, principal: officer, matterId: fixtures.matter.id, groupId: group.id });
    const lift = () =>
      liftGroupScreen({ ...walls, principal: officer, matterId: fixtures.matter.id, groupId: group.id });
    const isScreened = (userId: string) => isScreenedFromMatter({ db, matterId: fixtures.matter.id, userId });
    return { ...fixtures, admin, officer, walls, groups, group, join, leave, screen, lift, isScreened };
  };

  test('a wall on a group hides the matter from a member everywhere, ownership included, and lifting restores it', async () => {
    const { db, deps, lawyer, matter, officer, group, join, screen, lift, upload, download, walls } =
      await setup();
    const { document } = await upload({ content: Buffer.from('privileged') });
    await join(lawyer.userId);
    const owner = { ...deps, principal: lawyer, matterId: matter.id };
    const wall = await screen();
    expect(wall).toMatchObject({ matterId: matter.id, groupId: group.id, createdBy: officer.userId });
    await expectCode(getMatter(owner), 'documents.matter_not_found');
    await expect(listFolder(owner)).rejects.toMatchObject({ status: 404 });
    await expect(download({ documentId: document.id })).rejects.toMatchObject({ status: 404 });
    expect(await listMatters({ ...deps, principal: lawyer })).toEqual([]);
    expect(await ledgerEntries(db, 'access.group_wall_added')).toContainEqual(
      expect.objectContaining({
        actor: { type: 'user', id: officer.userId },
        data: { matterId: matter.id, groupId: group.id, screenId: wall.id },
      }),
    );
    expect(await listScreens({ ...walls, principal: officer, matterId: matter.id })).toEqual([
      expect.objectContaining({ id: wall.id, groupId: group.id }),
    ]);

    await lift();
    expect((await getMatter(owner)).name).toBe('Smith v Jones');
    expect((await listMatters({ ...deps, principal: lawyer })).map((each) => each.id)).toEqual([matter.id]);
    expect(await ledgerEntries(db, 'access.group_wall_lifted')).toContainEqual(
      expect.objectContaining({ data: { matterId: matter.id, groupId: group.id, screenId: wall.id } }),
    );
    expect(await listScreens({ ...walls, principal: officer, matterId: matter.id })).toEqual([]);
  });

  test('someone who joins the group after the wall is screened, and is no longer once the wall is lifted', async () => {
    const { deps, lawyer, matter, join, screen, lift, isScreened } = await setup();
    await screen();
    const owner = { ...deps, principal: lawyer, matterId: matter.id };
    expect((await getMatter(owner)).name).toBe('Smith v Jones');
    expect(await isScreened(lawyer.userId)).toBe(false);
    await join(lawyer.userId);
    expect(await isScreened(lawyer.userId)).toBe(true);
    await expectCode(getMatter(owner), 'documents.matter_not_found');
    expect(await listMatters({ ...deps, principal: lawyer })).toEqual([]);
    await lift();
    expect(await isScreened(lawyer.userId)).toBe(false);
    expect((await getMatter(owner)).name).toBe('Smith v Jones');
  });

  test('an administrator cannot lift a wall for one member by removing them from the screened group', async () => {
    const { db, user, lawyer, matter, officer, walls, group, join, leave, screen, lift, isScreened } =
      await setup();
    const bystander = await user('lawyer');
    await join(lawyer.userId);
    await join(bystander.userId);
    await screen();
    const before = await countLedgerEntries(db);
    await expectCode(leave(lawyer.userId), 'identity.group_member_screened');
    expect(await countLedgerEntries(db)).toBe(before);
    expect(await isScreened(lawyer.userId)).toBe(true);

    // Screened in person by a compliance officer, they may leave, and stay screened.
    await screenUser({ ...walls, principal: officer, matterId: matter.id, userId: lawyer.userId });
    await leave(lawyer.userId);
    expect(await isScreened(lawyer.userId)).toBe(true);
    expect(await ledgerEntries(db, 'identity.group_member_removed')).toContainEqual(
      expect.objectContaining({ data: { groupId: group.id, userId: lawyer.userId } }),
    );

    // Once the group's wall is lifted, leaving lifts nothing and is allowed.
    await lift();
    await leave(bystander.userId);
    expect(await isScreened(bystander.userId)).toBe(false);
  });

  test('a member screened in person from another matter still cannot leave a group screened from this one', async () => {
    const { deps, lawyer, matter, officer, walls, join, leave, screen } = await setup();
    const other = await createMatter({ ...deps, principal: lawyer, name: 'Other matter' });
    await join(lawyer.userId);
    await screen();
    await screenUser({ ...walls, principal: officer, matterId: other.id, userId: lawyer.userId });
    await expectCode(leave(lawyer.userId), 'identity.group_member_screened');
    await screenUser({ ...walls, principal: officer, matterId: matter.id, userId: lawyer.userId });
    await leave(lawyer.userId);
  });

  test('granting a member of a screened group is refused like a screened user, and nothing changes', async () => {
    const { db, user, join, screen, addMember } = await setup();
    const colleague = await user('lawyer');
    await join(colleague.userId);
    await screen();
    const before = await countLedgerEntries(db);
    await expectCode(addMember(colleague, 'viewer'), 'documents.grantee_screened');
    expect(await countLedgerEntries(db)).toBe(before);
    expect(
      await db
        .selectFrom('matter_members')
        .select('user_id')
        .where('user_id', '=', colleague.userId)
        .execute(),
    ).toEqual([]);
  });

  test('a wall on a person and one on their group both stand; lifting the group wall leaves the personal one', async () => {
    const { lawyer, matter, officer, join, screen, lift, walls, isScreened } = await setup();
    await join(lawyer.userId);
    await screen();
    await screenUser({ ...walls, principal: officer, matterId: matter.id, userId: lawyer.userId });
    expect(await listScreens({ ...walls, principal: officer, matterId: matter.id })).toHaveLength(2);
    await lift();
    expect(await isScreened(lawyer.userId)).toBe(true);
  });

  test('screening a group twice, a group that does not exist, and lifting a wall that does not stand are refused', async () => {
    const { db, matter, officer, screen, lift, walls } = await setup();
    await screen();
    const before = await countLedgerEntries(db);
    await expectCode(screen(), 'access.group_already_screened');
    await expectCode(
      screenGroup({
        ...walls,
        principal: officer,
        matterId: matter.id,
        groupId: 'grp_00000000000000000000000000',
      }),
      'access.group_not_found',
    );
    expect(await countLedgerEntries(db)).toBe(before);
    await lift();
    await expectCode(lift(), 'access.group_screen_not_found');
  });

  test('only a compliance officer screens a group: a lawyer, an owner and an administrator get not-found', async () => {
    const { db, user, admin, lawyer, matter, group, walls } = await setup();
    const auditor = await user('auditor');
    const before = await countLedgerEntries(db);
    for (const principal of [auditor, lawyer, admin]) {
      await expectCode(
        screenGroup({ ...walls, principal, matterId: matter.id, groupId: group.id }),
        'access.matter_not_found',
      );
      await expectCode(
        liftGroupScreen({ ...walls, principal, matterId: matter.id, groupId: group.id }),
        'access.matter_not_found',
      );
    }
    expect(await countLedgerEntries(db)).toBe(before);
  });

  test('a group that a wall screens cannot be deleted until the wall is lifted', async () => {
    const { db, admin, group, groups, lawyer, join, screen, lift, isScreened } = await setup();
    await join(lawyer.userId);
    await screen();
    const before = await countLedgerEntries(db);
    await expectCode(
      deleteGroup({ ...groups, principal: admin, groupId: group.id }),
      'identity.group_has_walls',
    );
    expect(await countLedgerEntries(db)).toBe(before);
    expect(await isScreened(lawyer.userId)).toBe(true);
    await lift();
    await deleteGroup({ ...groups, principal: admin, groupId: group.id });
    expect(await ledgerEntries(db, 'identity.group_deleted')).toContainEqual(
      expect.objectContaining({ data: { groupId: group.id, memberCount: 1 } }),
    );
  });

  test('the access report ends a member’s period when their group is screened, and reopens it when the wall is lifted', async () => {
    const { deps, clock, user, matter, officer, join, lift, screen, addMember, walls } = await setup();
    const colleague = await user('lawyer');
    await addMember(colleague, 'viewer');
    clock.advanceBy({ minutes: 5 });
    await screen();
    clock.advanceBy({ minutes: 5 });
    const screenedAt = clock.now();
    await join(colleague.userId);
    clock.advanceBy({ minutes: 5 });
    const liftedAt = clock.now();
    await lift();
    const report = await buildAccessReport({
      ...walls,
      db: deps.db,
      principal: officer,
      matterId: matter.id,
    });
    expect(report.rows.filter((row) => row.userId === colleague.userId)).toEqual([
      expect.objectContaining({ to: screenedAt, endedBy: 'screened' }),
      expect.objectContaining({ from: liftedAt, to: undefined, how: 'wall_lifted' }),
    ]);
  });
});
