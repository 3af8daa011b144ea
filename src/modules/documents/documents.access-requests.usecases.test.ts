import { afterAll, expect, test } from 'vitest';
import { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures } from '../../../test/support/documents.js';
import { designateComplianceOfficer } from '../access/access.compliance.usecases.js';
import { screenUser } from '../access/access.walls.usecases.js';
import type { Principal } from '../identity/identity.models.js';
import { createLedger } from '../ledger/ledger.usecases.js';
import {
  approveAccessRequest,
  denyAccessRequest,
  listMatterAccessRequests,
  listMyAccessRequests,
  submitAccessRequest,
} from './documents.access-requests.usecases.js';
import { getMatter } from './documents.matters.usecases.js';

describeOnDatabases('documents: access requests', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, matter, lawyer } = fixtures;
    const request = (principal: Principal, matterId = matter.id, role = 'viewer') =>
      submitAccessRequest({ ...deps, principal, matterId, role, reason: 'I am on the appeal team' });
    const pending = () => listMatterAccessRequests({ ...deps, principal: lawyer, matterId: matter.id });
    const countRequests = async () =>
      (
        await fixtures.db
          .selectFrom('access_requests')
          .select('id')
          .where('matter_id', '=', matter.id)
          .execute()
      ).length;
    const notificationsOf = (userId: string) =>
      fixtures.db
        .selectFrom('notifications')
        .select(['kind', 'payload'])
        .where('user_id', '=', userId)
        .execute();
    return { ...fixtures, request, pending, countRequests, notificationsOf };
  };

  test('a request for a real matter and for one that does not exist answer alike; only the real one is stored', async () => {
    const { db, user, request, countRequests } = await setup();
    const colleague = await user('lawyer');
    const before = await countLedgerEntries(db);
    expect(await request(colleague, 'mat_00000000000000000000000000')).toEqual({ status: 'submitted' });
    expect(
      await db
        .selectFrom('access_requests')
        .select('id')
        .where('requester_id', '=', colleague.userId)
        .execute(),
    ).toEqual([]);
    expect(await countLedgerEntries(db)).toBe(before);
    expect(await request(colleague)).toEqual({ status: 'submitted' });
    expect(await countRequests()).toBe(1);
  });

  test('the request is on the ledger without its reason, and every owner is notified', async () => {
    const { db, deps, user, lawyer, matter, addMember, request, pending, notificationsOf } = await setup();
    const coOwner = await user('lawyer');
    await addMember(coOwner, 'owner');
    const colleague = await user('assistant');
    await request(colleague);
    const entry = (await ledgerEntries(db, 'documents.access_requested')).find(
      (e) => e.data.matterId === matter.id,
    );
    expect(entry).toMatchObject({
      actor: { type: 'user', id: colleague.userId },
      data: { matterId: matter.id, role: 'viewer' },
    });
    expect(JSON.stringify(entry)).not.toContain('appeal');
    const requests = await pending();
    expect(requests).toEqual([
      {
        id: expect.any(String) as string,
        requesterId: colleague.userId,
        role: 'viewer',
        reason: 'I am on the appeal team',
        createdAt: deps.clock.now(),
      },
    ]);
    for (const owner of [lawyer, coOwner]) {
      expect(await notificationsOf(owner.userId)).toContainEqual({
        kind: 'access_requested',
        payload: JSON.stringify({ matterId: matter.id, requestId: requests[0]?.id, role: 'viewer' }),
      });
    }
  });

  test('screened people, members, other roles and repeat requests get the same answer and store nothing', async () => {
    const { deps, user, lawyer, matter, addMember, request, countRequests } = await setup();
    const admin = await user('admin');
    const officer = await user('auditor');
    await designateComplianceOfficer({
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      stepUpMinutes: 10,
      principal: admin,
      userId: officer.userId,
    });
    const screened = await user('lawyer');
    await screenUser({
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      policy: deps.access.policy,
      stepUpMinutes: 10,
      principal: officer,
      matterId: matter.id,
      userId: screened.userId,
    });
    const member = await user('lawyer');
    await addMember(member, 'viewer');
    const client = await user('client');
    for (const principal of [screened, member, client, lawyer, admin]) {
      expect(await request(principal)).toEqual({ status: 'submitted' });
    }
    expect(await countRequests()).toBe(0);
    const colleague = await user('lawyer');
    await request(colleague);
    await request(colleague);
    expect(await countRequests()).toBe(1);
  });

  test('an approval with an expiry grants access that ends at the expiry; the requester is told', async () => {
    const { db, deps, clock, user, lawyer, matter, request, pending, notificationsOf } = await setup();
    const colleague = await user('lawyer');
    await request(colleague, matter.id, 'editor');
    const [pendingRequest] = await pending();
    const requestId = pendingRequest?.id ?? '';
    expect((await listMyAccessRequests({ ...deps, principal: colleague }))[0]).toMatchObject({
      status: 'pending',
      matterName: undefined,
    });
    const expiresAt = new Date(clock.now().getTime() + 2 * 86_400_000);
    await approveAccessRequest({ ...deps, principal: lawyer, matterId: matter.id, requestId, expiresAt });
    expect((await getMatter({ ...deps, principal: colleague, matterId: matter.id })).myRole).toBe('editor');
    expect((await listMyAccessRequests({ ...deps, principal: colleague }))[0]).toMatchObject({
      status: 'approved',
      expiresAt,
      matterName: 'Smith v Jones',
    });
    expect(await ledgerEntries(db, 'documents.access_request_approved')).toEqual([
      expect.objectContaining({
        data: {
          matterId: matter.id,
          requestId,
          userId: colleague.userId,
          role: 'editor',
          expiresAt: expiresAt.toISOString(),
        },
      }),
    ]);
    expect(await ledgerEntries(db, 'documents.member_added')).toContainEqual(
      expect.objectContaining({
        data: {
          matterId: matter.id,
          userId: colleague.userId,
          role: 'editor',
          expiresAt: expiresAt.toISOString(),
        },
      }),
    );
    expect(await notificationsOf(colleague.userId)).toContainEqual({
      kind: 'access_request_decided',
      payload: JSON.stringify({
        matterId: matter.id,
        requestId,
        decision: 'approved',
        expiresAt: expiresAt.toISOString(),
      }),
    });
    expect(await pending()).toEqual([]);

    clock.advanceBy({ days: 2, seconds: 1 });
    await expectCode(
      getMatter({ ...deps, principal: colleague, matterId: matter.id }),
      'documents.matter_not_found',
    );
    expect((await listMyAccessRequests({ ...deps, principal: colleague }))[0]?.matterName).toBeUndefined();
  });

  test('a denial is recorded and told to the requester; deciding again is a conflict', async () => {
    const { db, deps, user, lawyer, matter, request, pending, notificationsOf } = await setup();
    const colleague = await user('lawyer');
    await request(colleague);
    const requestId = (await pending())[0]?.id ?? '';
    const decide = { ...deps, principal: lawyer, matterId: matter.id, requestId };
    expect(await denyAccessRequest(decide)).toEqual({ id: requestId, status: 'denied' });
    expect(await ledgerEntries(db, 'documents.access_request_denied')).toEqual([
      expect.objectContaining({ data: { matterId: matter.id, requestId, userId: colleague.userId } }),
    ]);
    expect(await notificationsOf(colleague.userId)).toContainEqual({
      kind: 'access_request_decided',
      payload: JSON.stringify({ matterId: matter.id, requestId, decision: 'denied' }),
    });
    const before = await countLedgerEntries(db);
    await expectCode(denyAccessRequest(decide), 'documents.access_request_decided');
    await expectCode(approveAccessRequest(decide), 'documents.access_request_decided');
    expect(await countLedgerEntries(db)).toBe(before);
    await expectCode(
      getMatter({ ...deps, principal: colleague, matterId: matter.id }),
      'documents.matter_not_found',
    );
  });

  test('only owners see and decide requests; others get not-found', async () => {
    const { deps, user, matter, addMember, request, pending } = await setup();
    const colleague = await user('lawyer');
    const viewer = await user('lawyer');
    await addMember(viewer, 'viewer');
    await request(colleague);
    const requestId = (await pending())[0]?.id ?? '';
    for (const principal of [colleague, await user('lawyer'), await user('admin')]) {
      await expectCode(
        listMatterAccessRequests({ ...deps, principal, matterId: matter.id }),
        'documents.matter_not_found',
      );
      await expectCode(
        approveAccessRequest({ ...deps, principal, matterId: matter.id, requestId }),
        'documents.matter_not_found',
      );
    }
    await expectCode(
      denyAccessRequest({ ...deps, principal: viewer, matterId: matter.id, requestId }),
      'documents.action_forbidden',
    );
    expect(await pending()).toHaveLength(1);
  });

  test('approving for someone screened since the request is refused by the wall', async () => {
    const { deps, user, lawyer, matter, request, pending } = await setup();
    const colleague = await user('lawyer');
    await request(colleague);
    const requestId = (await pending())[0]?.id ?? '';
    const admin = await user('admin');
    const officer = await user('auditor');
    await designateComplianceOfficer({
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      stepUpMinutes: 10,
      principal: admin,
      userId: officer.userId,
    });
    await screenUser({
      ...deps,
      ledger: createLedger({ clock: deps.clock }),
      policy: deps.access.policy,
      stepUpMinutes: 10,
      principal: officer,
      matterId: matter.id,
      userId: colleague.userId,
    });
    await expectCode(
      approveAccessRequest({ ...deps, principal: lawyer, matterId: matter.id, requestId }),
      'documents.grantee_screened',
    );
    expect(await pending()).toHaveLength(1);
  });
});
