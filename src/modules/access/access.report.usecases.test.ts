import { afterAll, expect, test } from 'vitest';
import { expectCode } from '../../../test/support/assertions.js';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createDocumentsFixtures } from '../../../test/support/documents.js';
import { removeMatterMember } from '../documents/documents.matters.usecases.js';
import type { Principal } from '../identity/identity.models.js';
import {
  accessPeriodsFromEvents,
  accessReportToCsv,
  buildAccessReport,
  csvCell,
} from './access.report.usecases.js';

describeOnDatabases('access: access report', ({ getDb }) => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const cleanup of cleanups) cleanup();
  });
  const setup = async () => {
    const fixtures = await createDocumentsFixtures({ db: getDb() });
    cleanups.push(fixtures.deps.cleanup);
    const { deps, matter } = fixtures;
    const report = (principal: Principal) =>
      buildAccessReport({
        db: deps.db,
        clock: deps.clock,
        policy: deps.access.policy,
        stepUpMinutes: deps.access.stepUpMinutes,
        principal,
        matterId: matter.id,
      });
    return { ...fixtures, report };
  };

  test('the report lists the creator, a time-bound member and a removed member with the right periods', async () => {
    const { deps, clock, lawyer, matter, user, addMember, report } = await setup();
    const opened = clock.now();
    const temporary = await user('lawyer');
    const removed = await user('assistant');
    clock.advanceBy({ hours: 1 });
    const added = clock.now();
    const expiresAt = new Date(added.getTime() + 24 * 3600_000);
    await addMember(temporary, 'viewer', expiresAt);
    await addMember(removed, 'editor');
    clock.advanceBy({ hours: 2 });
    await removeMatterMember({ ...deps, principal: lawyer, matterId: matter.id, userId: removed.userId });
    const removedAt = clock.now();

    const before = await report(lawyer);
    const byUser = (rows: typeof before.rows) =>
      [...rows].sort((a, b) => a.from.getTime() - b.from.getTime() || (a.userId === removed.userId ? -1 : 1));
    expect(byUser(before.rows)).toEqual([
      expect.objectContaining({
        userId: lawyer.userId,
        role: 'owner',
        from: opened,
        to: undefined,
        how: 'matter_created',
        grantedBy: lawyer.userId,
      }),
      expect.objectContaining({
        userId: removed.userId,
        role: 'editor',
        from: added,
        to: removedAt,
        how: 'membership',
        endedBy: 'removed',
        endedByUserId: lawyer.userId,
      }),
      expect.objectContaining({
        userId: temporary.userId,
        role: 'viewer',
        from: added,
        to: undefined,
        expiresAt,
      }),
    ]);
    expect(before.rows).toHaveLength(3);

    clock.advanceBy({ days: 2 });
    const after = await report(lawyer);
    expect(after.rows.find((row) => row.userId === temporary.userId)).toMatchObject({
      from: added,
      to: expiresAt,
      endedBy: 'expired',
      endedByUserId: undefined,
    });

    const csv = accessReportToCsv(after);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      'userId,role,from,to,grantedBy,how,endedBy,endedByUserId,expiresAt,namedForHighlySensitive',
    );
    expect(lines).toHaveLength(5);
    expect(lines.at(-1)).toBe('');
    expect(csv).toContain(`${removed.userId},editor,${added.toISOString()},${removedAt.toISOString()},`);
  });

  test('only owners and auditors get the report; a non-owner lawyer, an outsider and an admin get not-found', async () => {
    const { user, addMember, report, lawyer } = await setup();
    const editor = await user('lawyer');
    await addMember(editor, 'editor');
    const outsider = await user('lawyer');
    const admin = await user('admin');
    for (const principal of [editor, outsider, admin]) {
      await expectCode(report(principal), 'access.matter_not_found');
    }
    const auditor = await user('auditor');
    expect((await report(auditor)).rows.map((row) => row.userId)).toContain(lawyer.userId);
  });

  test('a matter that does not exist is not found, for an auditor too', async () => {
    const { deps, user } = await setup();
    const auditor = await user('auditor');
    await expectCode(
      buildAccessReport({
        db: deps.db,
        clock: deps.clock,
        policy: deps.access.policy,
        stepUpMinutes: deps.access.stepUpMinutes,
        principal: auditor,
        matterId: 'mat_00000000000000000000000000',
      }),
      'access.matter_not_found',
    );
  });
});

test('CSV cells are quoted per RFC 4180 and formula-looking cells are defused', () => {
  expect(csvCell('plain')).toBe('plain');
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
  for (const risky of ['+1', '-1', '@SUM(A1)', '\tx']) expect(csvCell(risky)).toBe(`'${risky}`);
});

test('walls suspend a grant and lifting them restores it; an approved request and its membership are one period', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 15, 9, minutes));
  const owner = { type: 'user' as const, id: 'usr_owner' };
  const officer = { type: 'user' as const, id: 'usr_officer' };
  const event = (kind: string, minutes: number, data: Record<string, string>, actor = owner) => ({
    entryId: `evt_${minutes}`,
    index: minutes,
    kind,
    at: at(minutes),
    actor,
    data: { matterId: 'mat_x', ...data },
  });
  const rows = accessPeriodsFromEvents({
    now: at(59),
    events: [
      event('documents.matter_created', 0, {}),
      event('documents.access_request_approved', 5, { userId: 'usr_a', role: '=cmd|x', requestId: 'arq_1' }),
      event('documents.member_added', 5, { userId: 'usr_a', role: 'viewer' }),
      event('access.wall_added', 10, { userId: 'usr_a', screenId: 'scr_1' }, officer),
      event('access.wall_lifted', 20, { userId: 'usr_a', screenId: 'scr_1' }, officer),
    ],
  });
  expect(rows).toEqual([
    expect.objectContaining({ userId: 'usr_owner', from: at(0), to: undefined }),
    expect.objectContaining({
      userId: 'usr_a',
      role: 'viewer',
      from: at(5),
      to: at(10),
      how: 'access_request',
      endedBy: 'screened',
      endedByUserId: 'usr_officer',
    }),
    expect.objectContaining({
      userId: 'usr_a',
      role: 'viewer',
      from: at(20),
      to: undefined,
      how: 'wall_lifted',
    }),
  ]);
  const csv = accessReportToCsv({
    matterId: 'mat_x',
    generatedAt: at(59),
    rows: [{ ...(rows[1] as (typeof rows)[number]), role: '=cmd|x' }],
  });
  expect(csv.split('\r\n')[1]?.split(',')[1]).toBe("'=cmd|x");
});

test('a wall on a group suspends its members’ grants while they belong to it, joining later included', () => {
  const at = (minutes: number) => new Date(Date.UTC(2026, 0, 15, 9, minutes));
  const owner = { type: 'user' as const, id: 'usr_owner' };
  const officer = { type: 'user' as const, id: 'usr_officer' };
  const admin = { type: 'user' as const, id: 'usr_admin' };
  const event = (kind: string, minutes: number, data: Record<string, string>, actor = owner) => ({
    entryId: `evt_${minutes}`,
    index: minutes,
    kind,
    at: at(minutes),
    actor,
    data,
  });
  const rows = accessPeriodsFromEvents({
    now: at(59),
    events: [
      event('documents.matter_created', 0, { matterId: 'mat_x' }),
      event('identity.group_member_added', 1, { groupId: 'grp_1', userId: 'usr_a' }, admin),
      event('documents.member_added', 2, { matterId: 'mat_x', userId: 'usr_a', role: 'viewer' }),
      event('documents.member_added', 3, { matterId: 'mat_x', userId: 'usr_b', role: 'editor' }),
      event(
        'access.group_wall_added',
        10,
        { matterId: 'mat_x', groupId: 'grp_1', screenId: 'scr_1' },
        officer,
      ),
      // B joins the screened group, then leaves it; A stays screened until the wall is lifted.
      event('identity.group_member_added', 20, { groupId: 'grp_1', userId: 'usr_b' }, admin),
      event('identity.group_member_removed', 30, { groupId: 'grp_1', userId: 'usr_b' }, admin),
      event(
        'access.group_wall_lifted',
        40,
        { matterId: 'mat_x', groupId: 'grp_1', screenId: 'scr_1' },
        officer,
      ),
    ],
  });
  expect(rows).toEqual([
    expect.objectContaining({ userId: 'usr_owner', from: at(0), to: undefined }),
    expect.objectContaining({ userId: 'usr_a', from: at(2), to: at(10), endedBy: 'screened' }),
    expect.objectContaining({
      userId: 'usr_b',
      from: at(3),
      to: at(20),
      endedBy: 'screened',
      endedByUserId: 'usr_admin',
    }),
    expect.objectContaining({
      userId: 'usr_b',
      role: 'editor',
      from: at(30),
      to: undefined,
      how: 'wall_lifted',
    }),
    expect.objectContaining({
      userId: 'usr_a',
      role: 'viewer',
      from: at(40),
      to: undefined,
      how: 'wall_lifted',
    }),
  ]);
});
