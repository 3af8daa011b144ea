import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Caller, createAccountsHttpHarness } from './accounts.http.test-utils.js';

describe('HTTP: ethical walls, compliance officers and access requests', () => {
  let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
  beforeAll(async () => {
    harness = await createAccountsHttpHarness();
  });
  afterAll(async () => {
    await harness.close();
  });

  const openMatter = async (caller: Caller) =>
    (
      await harness.call(caller, { method: 'POST', url: '/api/matters', payload: { name: 'Smith v Jones' } })
    ).json<{ id: string }>().id;

  test('an administrator designates an auditor, who screens an owner: the owner gets 404 until the wall is lifted', async () => {
    const admin = await harness.signedIn('admin');
    const officer = await harness.signedIn('auditor');
    const owner = await harness.signedIn('lawyer');
    const colleague = await harness.signedIn('lawyer');
    const matterId = await openMatter(owner.caller);

    const notAuditor = await harness.call(admin.caller, {
      method: 'PUT',
      url: `/api/admin/compliance-officers/${owner.user.id}`,
    });
    expect(notAuditor.statusCode).toBe(409);
    expect(notAuditor.json<{ code: string }>().code ?? notAuditor.body).toContain(
      'compliance_officer_not_auditor',
    );
    const byLawyer = await harness.call(owner.caller, {
      method: 'PUT',
      url: `/api/admin/compliance-officers/${officer.user.id}`,
    });
    expect(byLawyer.statusCode).toBe(403);
    const designated = await harness.call(admin.caller, {
      method: 'PUT',
      url: `/api/admin/compliance-officers/${officer.user.id}`,
    });
    expect(designated.json()).toEqual({ userId: officer.user.id, isComplianceOfficer: true });

    for (const caller of [owner.caller, colleague.caller, admin.caller]) {
      expect(
        (await harness.call(caller, { method: 'GET', url: `/api/matters/${matterId}/walls` })).statusCode,
      ).toBe(404);
      expect(
        (
          await harness.call(caller, {
            method: 'POST',
            url: `/api/matters/${matterId}/walls`,
            payload: { userId: colleague.user.id },
          })
        ).statusCode,
      ).toBe(404);
    }

    const screened = await harness.call(officer.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/walls`,
      payload: { userId: owner.user.id },
    });
    expect(screened.statusCode).toBe(201);
    expect(screened.json()).toMatchObject({ matterId, userId: owner.user.id, createdBy: officer.user.id });
    expect(
      (await harness.call(owner.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode,
    ).toBe(404);
    const walls = await harness.call(officer.caller, {
      method: 'GET',
      url: `/api/matters/${matterId}/walls`,
    });
    expect(walls.json<{ screens: unknown[] }>().screens).toHaveLength(1);

    const lifted = await harness.call(officer.caller, {
      method: 'DELETE',
      url: `/api/matters/${matterId}/walls/${owner.user.id}`,
    });
    expect(lifted.statusCode).toBe(204);
    expect(
      (await harness.call(owner.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode,
    ).toBe(200);

    await harness.call(officer.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/walls`,
      payload: { userId: colleague.user.id },
    });
    const acrossWall = await harness.call(owner.caller, {
      method: 'PUT',
      url: `/api/matters/${matterId}/members/${colleague.user.id}`,
      payload: { role: 'viewer' },
    });
    expect(acrossWall.statusCode).toBe(409);
    expect(acrossWall.body).toContain('screened from this matter');
    const toAdmin = await harness.call(owner.caller, {
      method: 'PUT',
      url: `/api/matters/${matterId}/members/${admin.user.id}`,
      payload: { role: 'viewer' },
    });
    expect(toAdmin.statusCode).toBe(409);
  });

  test('an administrator makes a group, a compliance officer screens it: its members get 404 until the wall is lifted', async () => {
    const admin = await harness.signedIn('admin');
    const officer = await harness.signedIn('auditor');
    const owner = await harness.signedIn('lawyer');
    const matterId = await openMatter(owner.caller);
    await harness.call(admin.caller, {
      method: 'PUT',
      url: `/api/admin/compliance-officers/${officer.user.id}`,
    });

    const byLawyer = await harness.call(owner.caller, {
      method: 'POST',
      url: '/api/admin/groups',
      payload: { name: 'Lateral hires 2026' },
    });
    expect(byLawyer.statusCode).toBe(403);
    const created = await harness.call(admin.caller, {
      method: 'POST',
      url: '/api/admin/groups',
      payload: { name: 'Lateral hires 2026' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const groupId = created.json<{ id: string }>().id;
    const taken = await harness.call(admin.caller, {
      method: 'POST',
      url: '/api/admin/groups',
      payload: { name: 'Lateral hires 2026' },
    });
    expect(taken.statusCode).toBe(409);

    const screened = await harness.call(officer.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/walls`,
      payload: { groupId },
    });
    expect(screened.statusCode, screened.body).toBe(201);
    expect(screened.json()).toMatchObject({ matterId, groupId, createdBy: officer.user.id });
    expect(screened.json<Record<string, unknown>>().userId).toBeUndefined();
    const matterOf = () => harness.call(owner.caller, { method: 'GET', url: `/api/matters/${matterId}` });
    expect((await matterOf()).statusCode).toBe(200);

    // Joining after the wall was raised screens the owner from their own matter.
    const member = `/api/admin/groups/${groupId}/members/${owner.user.id}`;
    expect((await harness.call(admin.caller, { method: 'PUT', url: member })).statusCode).toBe(200);
    expect((await matterOf()).statusCode).toBe(404);
    const walls = await harness.call(officer.caller, {
      method: 'GET',
      url: `/api/matters/${matterId}/walls`,
    });
    expect(walls.json<{ screens: unknown[] }>().screens).toEqual([expect.objectContaining({ groupId })]);
    // Leaving the group would lift the wall for them: only a compliance officer may.
    const leaving = await harness.call(admin.caller, { method: 'DELETE', url: member });
    expect(leaving.statusCode).toBe(409);
    expect(leaving.json()).toMatchObject({ code: 'identity.group_member_screened' });
    expect((await matterOf()).statusCode).toBe(404);
    const inUse = await harness.call(admin.caller, { method: 'DELETE', url: `/api/admin/groups/${groupId}` });
    expect(inUse.statusCode).toBe(409);
    const lifted = await harness.call(officer.caller, {
      method: 'DELETE',
      url: `/api/matters/${matterId}/walls/groups/${groupId}`,
    });
    expect(lifted.statusCode).toBe(204);
    expect((await matterOf()).statusCode).toBe(200);
    const deleted = await harness.call(admin.caller, {
      method: 'DELETE',
      url: `/api/admin/groups/${groupId}`,
    });
    expect(deleted.statusCode).toBe(204);
  });

  test('an access request answers 202 alike for a real and a made-up matter; the owner approves it', async () => {
    const owner = await harness.signedIn('lawyer');
    const colleague = await harness.signedIn('lawyer');
    const matterId = await openMatter(owner.caller);
    const ask = (id: string) =>
      harness.call(colleague.caller, {
        method: 'POST',
        url: `/api/matters/${id}/access-requests`,
        payload: { role: 'viewer', reason: 'Covering the hearing' },
      });
    const madeUp = await ask('mat_00000000000000000000000000');
    const real = await ask(matterId);
    expect([madeUp.statusCode, real.statusCode]).toEqual([202, 202]);
    expect(madeUp.body).toBe(real.body);

    const mine = await harness.call(colleague.caller, { method: 'GET', url: '/api/access-requests' });
    const [request] = mine.json<{ requests: { id: string; status: string; matterName?: string }[] }>()
      .requests;
    expect(request).toMatchObject({ status: 'pending' });
    expect(request?.matterName).toBeUndefined();

    expect(
      (
        await harness.call(colleague.caller, {
          method: 'GET',
          url: `/api/matters/${matterId}/access-requests`,
        })
      ).statusCode,
    ).toBe(404);
    const pending = await harness.call(owner.caller, {
      method: 'GET',
      url: `/api/matters/${matterId}/access-requests`,
    });
    expect(pending.json()).toMatchObject({
      requests: [
        { id: request?.id, requesterId: colleague.user.id, role: 'viewer', reason: 'Covering the hearing' },
      ],
    });

    const approve = () =>
      harness.call(owner.caller, {
        method: 'POST',
        url: `/api/matters/${matterId}/access-requests/${request?.id ?? ''}/approve`,
        payload: { expiresAt: '2099-01-01T00:00:00.000Z' },
      });
    const approved = await approve();
    expect(approved.json()).toEqual({
      id: request?.id,
      status: 'approved',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    expect((await approve()).statusCode).toBe(409);
    expect(
      (await harness.call(colleague.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode,
    ).toBe(200);
    const after = await harness.call(colleague.caller, { method: 'GET', url: '/api/access-requests' });
    expect(after.json()).toMatchObject({ requests: [{ status: 'approved', matterName: 'Smith v Jones' }] });
  });

  test('an owner denies a request', async () => {
    const owner = await harness.signedIn('lawyer');
    const colleague = await harness.signedIn('assistant');
    const matterId = await openMatter(owner.caller);
    await harness.call(colleague.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/access-requests`,
      payload: { role: 'editor', reason: 'Drafting' },
    });
    const pending = await harness.call(owner.caller, {
      method: 'GET',
      url: `/api/matters/${matterId}/access-requests`,
    });
    const id = pending.json<{ requests: { id: string }[] }>().requests[0]?.id ?? '';
    const denied = await harness.call(owner.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/access-requests/${id}/deny`,
    });
    expect(denied.json()).toEqual({ id, status: 'denied' });
    expect(
      (await harness.call(colleague.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode,
    ).toBe(404);
  });
});
