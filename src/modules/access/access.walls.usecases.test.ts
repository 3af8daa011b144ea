import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures } from '../../../test/support/documents.js';
import { listFolder } from '../documents/documents.folders.usecases.js';
import { getMatter, listMatters, setMatterMember } from '../documents/documents.matters.usecases.js';
import type { Principal } from '../identity/identity.models.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import { designateComplianceOfficer, revokeComplianceOfficer } from './access.compliance.usecases.js';
import { liftScreen, listScreens, screenUser } from './access.walls.usecases.js';

describeOnDatabases('access: ethical walls and compliance officers', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, user } = fixtures;
    const admin = await user('admin');
    const officer = await user('auditor');
    await designateComplianceOfficer({
      ...deps,
      policy: deps.access.policy,
      ledger: createLedger({ clock: deps.clock }),
      stepUpMinutes: deps.access.stepUpMinutes,
      principal: admin,
      userId: officer.userId,
    });
    const walls = {
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      policy: deps.access.policy,
      stepUpMinutes: deps.access.stepUpMinutes,
    };
    const screen = (principal: Principal, userId: string, matterId = fixtures.matter.id) =>
      screenUser({ ...walls, principal, matterId, userId });
    const lift = (principal: Principal, userId: string, matterId = fixtures.matter.id) =>
      liftScreen({ ...walls, principal, matterId, userId });
    return { ...fixtures, admin, officer, walls, screen, lift };
  };

  test('an administrator designates an auditor as compliance officer, on the ledger, and can revoke it', async () => {
    const { db, deps, admin, officer } = await setup();
    expect(await ledgerEntries(db, 'access.compliance_officer_designated')).toContainEqual(
      expect.objectContaining({
        actor: { type: 'user', id: admin.userId },
        data: { userId: officer.userId },
      }),
    );
    const before = await countLedgerEntries(db);
    await designateComplianceOfficer({
      ...deps,
      policy: deps.access.policy,
      ledger: createLedger({ clock: deps.clock }),
      stepUpMinutes: 10,
      principal: admin,
      userId: officer.userId,
    });
    expect(await countLedgerEntries(db)).toBe(before);
    await revokeComplianceOfficer({
      ...deps,
      policy: deps.access.policy,
      ledger: createLedger({ clock: deps.clock }),
      stepUpMinutes: 10,
      principal: admin,
      userId: officer.userId,
    });
    expect(await ledgerEntries(db, 'access.compliance_officer_revoked')).toContainEqual(
      expect.objectContaining({ data: { userId: officer.userId } }),
    );
  });

  test('only an administrator with a recent second factor designates, and only auditors', async () => {
    const { db, deps, user, admin, lawyer, clock } = await setup();
    const auditor = await user('auditor');
    const before = await countLedgerEntries(db);
    await expectCode(
      designateComplianceOfficer({
        ...deps,
        policy: deps.access.policy,
        ledger: createLedger({ clock: deps.clock }),
        stepUpMinutes: 10,
        principal: lawyer,
        userId: auditor.userId,
      }),
      'identity.admin_required',
    );
    // The policies decide (installation.manage_accounts): an administrator's API token is refused too.
    await expectCode(
      designateComplianceOfficer({
        ...deps,
        policy: deps.access.policy,
        ledger: createLedger({ clock: deps.clock }),
        stepUpMinutes: 10,
        principal: { ...admin, via: 'api_token', sessionId: undefined, apiTokenId: 'tok_x' },
        userId: auditor.userId,
      }),
      'identity.admin_required',
    );
    await expectCode(
      designateComplianceOfficer({
        ...deps,
        policy: deps.access.policy,
        ledger: createLedger({ clock: deps.clock }),
        stepUpMinutes: 10,
        principal: admin,
        userId: lawyer.userId,
      }),
      'access.compliance_officer_not_auditor',
    );
    clock.advanceBy({ minutes: 11 });
    await expectCode(
      designateComplianceOfficer({
        ...deps,
        policy: deps.access.policy,
        ledger: createLedger({ clock: deps.clock }),
        stepUpMinutes: 10,
        principal: admin,
        userId: auditor.userId,
      }),
      'identity.step_up_required',
    );
    expect(await countLedgerEntries(db)).toBe(before);
  });

  test('a wall overrides ownership: the screened owner gets not-found everywhere, and lifting restores', async () => {
    const { db, deps, lawyer, matter, officer, walls, screen, lift, upload, download } = await setup();
    const { document } = await upload({ content: Buffer.from('privileged') });
    const owner = { ...deps, principal: lawyer, matterId: matter.id };
    await screen(officer, lawyer.userId);
    await expectCode(getMatter(owner), 'documents.matter_not_found');
    await expect(listFolder(owner)).rejects.toMatchObject({ status: 404 });
    await expect(download({ documentId: document.id })).rejects.toMatchObject({ status: 404 });
    expect(await listMatters({ ...deps, principal: lawyer })).toEqual([]);
    expect(await ledgerEntries(db, 'access.wall_added')).toContainEqual(
      expect.objectContaining({
        actor: { type: 'user', id: officer.userId },
        data: { matterId: matter.id, userId: lawyer.userId, screenId: expect.any(String) as string },
      }),
    );

    await lift(officer, lawyer.userId);
    expect((await getMatter(owner)).name).toBe('Smith v Jones');
    expect(await ledgerEntries(db, 'access.wall_lifted')).toHaveLength(1);
    expect(await listScreens({ ...walls, principal: officer, matterId: matter.id })).toEqual([]);
  });

  test('granting across a wall is refused with a clear error, and nothing changes', async () => {
    const { db, user, officer, screen, addMember } = await setup();
    const colleague = await user('lawyer');
    await screen(officer, colleague.userId);
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

  test.each(['admin', 'auditor'] as const)('a %s cannot be granted membership of a matter', async (role) => {
    const { user, addMember } = await setup();
    const grantee = await user(role);
    await expectCode(addMember(grantee, 'viewer'), 'documents.grantee_not_eligible');
  });

  test('an auditor who is not compliance officer, a lawyer, an owner and an administrator get not-found on walls', async () => {
    const { db, deps, user, admin, lawyer, matter, walls } = await setup();
    const auditor = await user('auditor');
    const colleague = await user('lawyer');
    const before = await countLedgerEntries(db);
    for (const principal of [auditor, colleague, lawyer, admin]) {
      await expectCode(
        screenUser({ ...walls, principal, matterId: matter.id, userId: colleague.userId }),
        'access.matter_not_found',
      );
      await expectCode(
        liftScreen({ ...walls, principal, matterId: matter.id, userId: colleague.userId }),
        'access.matter_not_found',
      );
      await expectCode(listScreens({ ...walls, principal, matterId: matter.id }), 'access.matter_not_found');
    }
    expect(await countLedgerEntries(db)).toBe(before);
    expect(await getMatter({ ...deps, principal: lawyer, matterId: matter.id })).toBeDefined();
  });

  test('a compliance officer gets the same not-found for a matter that does not exist', async () => {
    const { officer, lawyer, screen } = await setup();
    await expectCode(
      screen(officer, lawyer.userId, 'mat_00000000000000000000000000'),
      'access.matter_not_found',
    );
  });

  test('a revoked compliance officer can no longer manage walls', async () => {
    const { deps, admin, officer, lawyer, screen } = await setup();
    await revokeComplianceOfficer({
      ...deps,
      policy: deps.access.policy,
      ledger: createLedger({ clock: deps.clock }),
      stepUpMinutes: 10,
      principal: admin,
      userId: officer.userId,
    });
    await expectCode(screen(officer, lawyer.userId), 'access.matter_not_found');
  });

  test('screening twice and lifting a wall that does not stand are refused', async () => {
    const { officer, lawyer, screen, lift, walls, matter } = await setup();
    await screen(officer, lawyer.userId);
    await expectCode(screen(officer, lawyer.userId), 'access.already_screened');
    expect(await listScreens({ ...walls, principal: officer, matterId: matter.id })).toEqual([
      expect.objectContaining({ userId: lawyer.userId, createdBy: officer.userId }),
    ]);
    await lift(officer, lawyer.userId);
    await expectCode(lift(officer, lawyer.userId), 'access.screen_not_found');
  });

  test('an owner who is screened cannot grant either (not-found)', async () => {
    const { deps, user, officer, lawyer, matter, screen } = await setup();
    const colleague = await user('lawyer');
    await screen(officer, lawyer.userId);
    await expectCode(
      setMatterMember({
        ...deps,
        principal: lawyer,
        matterId: matter.id,
        userId: colleague.userId,
        role: 'viewer',
      }),
      'documents.matter_not_found',
    );
  });
});
