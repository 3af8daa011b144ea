import type { Kysely, KyselyPlugin } from 'kysely';
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
  listAccessRequestsAwaitingMe,
  listMatterAccessRequests,
  listMyAccessRequests,
  submitAccessRequest,
  withdrawAccessRequest,
} from './documents.access-requests.usecases.js';
import { createMatter, getMatter, listMatterMembers, setMatterMember } from './documents.matters.usecases.js';
import type { WritDatabase } from '../database.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import type { PolicyEngine } from '../access/access.models.js';
import { accessRequestLimits } from './documents.models.js';
import { createRendezvous, holdLedgerAppends } from './documents.races.test-utils.js';

/**
 * The database as seen by one call: every statement it runs, with its values blanked, so that two calls
 * can be compared for the work they do, whatever ids they carry.
 */
function recordingStatements(db: Kysely<WritDatabase>) {
  const statements: string[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: ({ node }) => {
      statements.push(
        JSON.stringify(node, (key, value: unknown) => (key === 'value' || key === 'values' ? '?' : value)),
      );
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  };
  return { db: db.withPlugin(plugin), statements };
}

function countingDecisions(policy: PolicyEngine) {
  const counted = { decisions: 0 };
  const engine: PolicyEngine = {
    policyIds: policy.policyIds,
    decide: (request) => {
      counted.decisions += 1;
      return policy.decide(request);
    },
  };
  return { engine, counted };
}

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
      policy: deps.access.policy,
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

  test('an owner sees what waits on every matter they own, in one list; members and requesters see nothing of it', async () => {
    const { deps, user, matter, lawyer, addMember, request } = await setup();
    const second = await createMatter({ ...deps, principal: lawyer, name: 'Second matter' });
    const colleague = await user('lawyer');
    const other = await user('lawyer');
    const viewer = await user('lawyer');
    await addMember(viewer, 'viewer');
    await request(colleague);
    await request(other, second.id, 'editor');
    const awaiting = await listAccessRequestsAwaitingMe({ ...deps, principal: lawyer });
    expect(awaiting.map((each) => [each.matterId, each.matterName, each.requesterId, each.role])).toEqual([
      [matter.id, 'Smith v Jones', colleague.userId, 'viewer'],
      [second.id, 'Second matter', other.userId, 'editor'],
    ]);
    expect(awaiting[0]?.reason).toBe('I am on the appeal team');
    for (const principal of [viewer, colleague, await user('admin')]) {
      expect(await listAccessRequestsAwaitingMe({ ...deps, principal })).toEqual([]);
    }
    // Decided, it waits no more.
    await denyAccessRequest({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      requestId: awaiting[0]?.id ?? '',
    });
    expect(
      (await listAccessRequestsAwaitingMe({ ...deps, principal: lawyer })).map((each) => each.matterId),
    ).toEqual([second.id]);
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
      policy: deps.access.policy,
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

  test('asking about a missing matter does the same work as asking about one the caller may not ask for', async () => {
    const { db, deps, user, matter, addMember, request } = await setup();
    const screened = await user('lawyer');
    const admin = await user('admin');
    const officer = await user('auditor');
    const ledger = createLedger({ clock: deps.clock });
    await designateComplianceOfficer({
      ...deps,
      policy: deps.access.policy,
      ledger,
      stepUpMinutes: 10,
      principal: admin,
      userId: officer.userId,
    });
    await screenUser({
      ...deps,
      ledger,
      policy: deps.access.policy,
      stepUpMinutes: 10,
      principal: officer,
      matterId: matter.id,
      userId: screened.userId,
    });
    const member = await user('lawyer');
    await addMember(member, 'viewer');
    const repeat = await user('lawyer');
    await request(repeat);
    const outsider = await user('lawyer');
    const client = await user('client');

    const workOf = async (principal: Principal, matterId: string) => {
      const recorded = recordingStatements(db);
      const { engine, counted } = countingDecisions(deps.access.policy);
      const answer = await submitAccessRequest({
        ...deps,
        db: recorded.db,
        access: { ...deps.access, policy: engine },
        principal,
        matterId,
        role: 'viewer',
        reason: 'I am on the appeal team',
      });
      return { answer, statements: recorded.statements, decisions: counted.decisions };
    };
    const missing = await workOf(outsider, 'mat_00000000000000000000000000');
    expect(missing.decisions).toBe(1);
    expect(missing.statements.length).toBeGreaterThanOrEqual(3);
    const before = await countLedgerEntries(db);
    for (const principal of [screened, member, repeat, client]) {
      expect(await workOf(principal, matter.id), 'the same answer, statements and decisions').toEqual(
        missing,
      );
    }
    expect(await countLedgerEntries(db)).toBe(before);
    // A real submission is the only one that does more.
    expect((await workOf(outsider, matter.id)).statements.length).toBeGreaterThan(missing.statements.length);
  });

  test('approving a viewer request from someone made editor since is refused; they stay editor', async () => {
    const { db, deps, user, lawyer, matter, addMember, request, pending } = await setup();
    const colleague = await user('lawyer');
    await request(colleague, matter.id, 'viewer');
    const requestId = (await pending())[0]?.id ?? '';
    await addMember(colleague, 'editor');
    const before = await countLedgerEntries(db);
    await expectCode(
      approveAccessRequest({ ...deps, principal: lawyer, matterId: matter.id, requestId }),
      'documents.access_request_would_reduce_access',
    );
    expect((await getMatter({ ...deps, principal: colleague, matterId: matter.id })).myRole).toBe('editor');
    expect(await pending()).toHaveLength(1);
    expect(await countLedgerEntries(db)).toBe(before);
    // The owner can still deny it.
    expect(await denyAccessRequest({ ...deps, principal: lawyer, matterId: matter.id, requestId })).toEqual({
      id: requestId,
      status: 'denied',
    });
  });

  test('an approval that would end a permanent grant, or end a grant sooner, is refused', async () => {
    const { deps, clock, user, lawyer, matter, addMember, request, pending } = await setup();
    const colleague = await user('lawyer');
    await request(colleague, matter.id, 'editor');
    const requestId = (await pending())[0]?.id ?? '';
    const approve = (expiresAt?: Date) =>
      approveAccessRequest({ ...deps, principal: lawyer, matterId: matter.id, requestId, expiresAt });
    const inDays = (days: number) => new Date(clock.now().getTime() + days * 86_400_000);
    await addMember(colleague, 'viewer');
    await expectCode(approve(inDays(5)), 'documents.access_request_would_reduce_access');
    await addMember(colleague, 'viewer', inDays(10));
    await expectCode(approve(inDays(5)), 'documents.access_request_would_reduce_access');
    const members = () => listMatterMembers({ ...deps, principal: lawyer, matterId: matter.id });
    expect((await members()).find((m) => m.userId === colleague.userId)).toMatchObject({
      role: 'viewer',
      expiresAt: inDays(10),
    });
    // Raising the role, for at least as long, goes through.
    expect(await approve(inDays(20))).toMatchObject({ status: 'approved' });
    expect((await members()).find((m) => m.userId === colleague.userId)).toMatchObject({
      role: 'editor',
      expiresAt: inDays(20),
    });
  });

  test('raising a member by approval keeps their named grant for highly sensitive content', async () => {
    const { deps, user, lawyer, matter, request, pending } = await setup();
    const assistant = await user('assistant');
    await request(assistant, matter.id, 'editor');
    const requestId = (await pending())[0]?.id ?? '';
    await setMatterMember({
      ...deps,
      principal: lawyer,
      matterId: matter.id,
      userId: assistant.userId,
      role: 'viewer',
      isNamedForHighlySensitive: true,
    });
    await approveAccessRequest({ ...deps, principal: lawyer, matterId: matter.id, requestId });
    const members = await listMatterMembers({ ...deps, principal: lawyer, matterId: matter.id });
    expect(members.find((m) => m.userId === assistant.userId)).toMatchObject({
      role: 'editor',
      isNamedForHighlySensitive: true,
    });
  });

  test('the requester withdraws a pending request: it leaves the owners’ queue, is on the ledger, cannot be decided', async () => {
    const { db, deps, user, lawyer, matter, request, pending } = await setup();
    const colleague = await user('lawyer');
    await request(colleague);
    const requestId = (await pending())[0]?.id ?? '';
    expect(
      await withdrawAccessRequest({ ...deps, principal: colleague, matterId: matter.id, requestId }),
    ).toEqual({ id: requestId, status: 'withdrawn' });
    expect(await pending()).toEqual([]);
    expect((await listMyAccessRequests({ ...deps, principal: colleague }))[0]).toMatchObject({
      id: requestId,
      status: 'withdrawn',
    });
    expect(await ledgerEntries(db, 'documents.access_request_withdrawn')).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: colleague.userId },
        data: { matterId: matter.id, requestId },
      }),
    ]);
    const before = await countLedgerEntries(db);
    const decide = { ...deps, principal: lawyer, matterId: matter.id, requestId };
    await expectCode(approveAccessRequest(decide), 'documents.access_request_decided');
    await expectCode(
      withdrawAccessRequest({ ...deps, principal: colleague, matterId: matter.id, requestId }),
      'documents.access_request_decided',
    );
    expect(await countLedgerEntries(db)).toBe(before);
    // Withdrawn, the colleague may ask again.
    await request(colleague);
    expect(await pending()).toHaveLength(1);
  });

  test('withdrawing someone else’s request, or one that does not exist, is not found and changes nothing', async () => {
    const { db, deps, user, lawyer, matter, request, pending } = await setup();
    const colleague = await user('lawyer');
    await request(colleague);
    const requestId = (await pending())[0]?.id ?? '';
    const before = await countLedgerEntries(db);
    for (const principal of [await user('lawyer'), lawyer]) {
      await expectCode(
        withdrawAccessRequest({ ...deps, principal, matterId: matter.id, requestId }),
        'documents.access_request_not_found',
      );
    }
    await expectCode(
      withdrawAccessRequest({ ...deps, principal: colleague, matterId: matter.id, requestId: 'acr_nope' }),
      'documents.access_request_not_found',
    );
    await expectCode(
      withdrawAccessRequest({
        ...deps,
        principal: colleague,
        matterId: 'mat_00000000000000000000000000',
        requestId,
      }),
      'documents.access_request_not_found',
    );
    expect(await pending()).toHaveLength(1);
    expect(await countLedgerEntries(db)).toBe(before);
  });

  test('one more pending request than the limit is refused, for a real matter and a missing one alike', async () => {
    const { db, deps, user, lawyer, request } = await setup();
    const colleague = await user('lawyer');
    const matters = [];
    for (let i = 0; i <= accessRequestLimits.maxPending; i++) {
      matters.push(await createMatter({ ...deps, principal: lawyer, name: `Matter ${i}` }));
    }
    for (const m of matters.slice(0, accessRequestLimits.maxPending)) await request(colleague, m.id);
    const mine = () => listMyAccessRequests({ ...deps, principal: colleague });
    expect(await mine()).toHaveLength(accessRequestLimits.maxPending);
    const before = await countLedgerEntries(db);
    const extra = matters[accessRequestLimits.maxPending]?.id ?? '';
    await expectCode(request(colleague, extra), 'documents.too_many_access_requests');
    await expectCode(
      request(colleague, 'mat_00000000000000000000000000'),
      'documents.too_many_access_requests',
    );
    expect(await mine()).toHaveLength(accessRequestLimits.maxPending);
    expect(await countLedgerEntries(db)).toBe(before);
    // Another person is not limited by the colleague's requests.
    expect(await request(await user('lawyer'), extra)).toEqual({ status: 'submitted' });
    // Withdrawing one makes room.
    const [first] = await mine();
    await withdrawAccessRequest({
      ...deps,
      principal: colleague,
      matterId: first?.matterId ?? '',
      requestId: first?.id ?? '',
    });
    expect(await request(colleague, extra)).toEqual({ status: 'submitted' });
  });

  test('submitting and withdrawing in a loop stops at the daily limit, which lifts a day later', async () => {
    const { deps, clock, user, matter, request } = await setup();
    const colleague = await user('lawyer');
    const withdrawLatest = async () => {
      const [latest] = await listMyAccessRequests({ ...deps, principal: colleague });
      await withdrawAccessRequest({
        ...deps,
        principal: colleague,
        matterId: matter.id,
        requestId: latest?.id ?? '',
      });
    };
    for (let i = 0; i < accessRequestLimits.maxPerDay; i++) {
      await request(colleague);
      await withdrawLatest();
      clock.advanceBy({ minutes: 1 });
    }
    await expectCode(request(colleague), 'documents.too_many_access_requests');
    clock.advanceBy({ days: 1 });
    expect(await request(colleague)).toEqual({ status: 'submitted' });
    expect(
      (await listMyAccessRequests({ ...deps, principal: colleague })).filter((r) => r.status === 'pending'),
    ).toHaveLength(1);
  });

  /**
   * The ledger with every `documents.access_requested` append held until `parties` submissions have each
   * stored their row, uncommitted (or 500 ms passed): all of them counted before any committed.
   */
  const submittingTogether = (ledger: DocumentsLedger, parties: number) => {
    const rendezvous = createRendezvous({ parties });
    return holdLedgerAppends({
      ledger,
      kinds: ['documents.access_requested'],
      wait: () => rendezvous.arrive(),
    }).ledger;
  };
  const outcomeOf = (result: PromiseSettledResult<unknown>) =>
    result.status === 'fulfilled' ? 'submitted' : (result.reason as { code?: string }).code;

  test('submissions sent at the same time cannot pass the daily limit together', async () => {
    const { deps, clock, user, lawyer, matter, request } = await setup();
    const colleague = await user('lawyer');
    const mine = () => listMyAccessRequests({ ...deps, principal: colleague });
    for (let i = 0; i < accessRequestLimits.maxPerDay - 1; i++) {
      await request(colleague);
      const [latest] = await mine();
      await withdrawAccessRequest({
        ...deps,
        principal: colleague,
        matterId: matter.id,
        requestId: latest?.id ?? '',
      });
      clock.advanceBy({ minutes: 1 });
    }
    const others = [];
    for (let i = 0; i < 3; i++) {
      others.push(await createMatter({ ...deps, principal: lawyer, name: `Matter ${i}` }));
    }
    const ledger = submittingTogether(deps.ledger, others.length);
    const outcomes = await Promise.allSettled(
      others.map((other) =>
        submitAccessRequest({
          ...deps,
          ledger,
          principal: colleague,
          matterId: other.id,
          role: 'viewer',
          reason: 'I am on the appeal team',
        }),
      ),
    );
    expect(outcomes.map(outcomeOf).sort()).toEqual([
      'documents.too_many_access_requests',
      'documents.too_many_access_requests',
      'submitted',
    ]);
    expect(await mine()).toHaveLength(accessRequestLimits.maxPerDay);
  });

  test('the same request sent twice at the same time is stored, put on the ledger and notified once', async () => {
    const { db, deps, user, lawyer, matter, pending, notificationsOf } = await setup();
    const colleague = await user('lawyer');
    const ledger = submittingTogether(deps.ledger, 2);
    const submit = () =>
      submitAccessRequest({
        ...deps,
        ledger,
        principal: colleague,
        matterId: matter.id,
        role: 'viewer',
        reason: 'I am on the appeal team',
      });
    const outcomes = await Promise.allSettled([submit(), submit()]);
    expect(outcomes.map(outcomeOf)).toEqual(['submitted', 'submitted']);
    expect(await pending()).toHaveLength(1);
    expect(
      (await ledgerEntries(db, 'documents.access_requested')).filter((e) => e.data.matterId === matter.id),
    ).toHaveLength(1);
    expect((await notificationsOf(lawyer.userId)).filter((n) => n.kind === 'access_requested')).toHaveLength(
      1,
    );
  });
});
