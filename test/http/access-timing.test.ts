import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Caller, createAccountsHttpHarness } from '../../src/runtime/http/accounts.http.test-utils.js';

/*
 * Access ends when it should, over the real HTTP front door: a grant with an expiry stops at that instant,
 * and an ethical wall raised while someone is in the middle of downloading stops their very next request.
 */

let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness();
});
afterAll(() => harness.close());
const call = (caller: Caller | undefined, options: InjectOptions) => harness.call(caller, options);

const content = Buffer.from('Settlement terms, without prejudice: 1,000,000');

async function matterWithDocument(owner: Caller) {
  const matter = await call(owner, {
    method: 'POST',
    url: '/api/matters',
    payload: { name: 'Timing v Access' },
  });
  expect(matter.statusCode).toBe(201);
  const matterId = matter.json<{ id: string }>().id;
  const upload = await call(owner, {
    method: 'POST',
    url: `/api/matters/${matterId}/documents?name=terms.txt`,
    headers: { 'content-type': 'application/octet-stream' },
    payload: content,
  });
  expect(upload.statusCode).toBe(201);
  return { matterId, documentId: upload.json<{ document: { id: string } }>().document.id };
}

async function grant(owner: Caller, matterId: string, userId: string, body: Record<string, unknown>) {
  const response = await call(owner, {
    method: 'PUT',
    url: `/api/matters/${matterId}/members/${userId}`,
    payload: body,
  });
  expect(response.statusCode, response.body).toBeLessThan(300);
}

const download = (caller: Caller, documentId: string, headers: Record<string, string> = {}) =>
  call(caller, { method: 'GET', url: `/api/documents/${documentId}/content`, headers });

async function apiTokenOf(caller: Caller): Promise<Caller> {
  const response = await call(caller, {
    method: 'POST',
    url: '/api/tokens',
    payload: { name: 'sync', scopes: ['matters:read', 'documents:read'], expiresInDays: 7 },
  });
  expect(response.statusCode, response.body).toBe(201);
  return { cookie: undefined, csrf: undefined, bearer: response.json<{ token: string }>().token };
}

describe('grants expire on time', () => {
  test('a viewer with a grant until T reads until T, and gets 404 from T on, by session and by token', async () => {
    const owner = (await harness.signedIn('lawyer')).caller;
    const viewer = await harness.signedIn('lawyer');
    const { matterId, documentId } = await matterWithDocument(owner);
    const expiresAt = new Date(harness.clock.now().getTime() + 5 * 60_000);
    await grant(owner, matterId, viewer.user.id, { role: 'viewer', expiresAt: expiresAt.toISOString() });
    const token = await apiTokenOf(viewer.caller);

    expect((await download(viewer.caller, documentId)).rawPayload).toEqual(content);
    expect((await download(token, documentId)).statusCode).toBe(200);

    // One millisecond before the end: still a member.
    harness.clock.set(new Date(expiresAt.getTime() - 1));
    expect((await download(viewer.caller, documentId)).statusCode).toBe(200);
    const listed = await call(viewer.caller, { method: 'GET', url: '/api/matters' });
    expect(listed.json<{ matters: { id: string }[] }>().matters.map((m) => m.id)).toContain(matterId);

    // At the end: gone, as if the matter did not exist.
    harness.clock.set(expiresAt);
    for (const caller of [viewer.caller, token]) {
      const refused = await download(caller, documentId);
      expect(refused.statusCode).toBe(404);
      expect(refused.rawPayload.includes(content)).toBe(false);
      expect((await download(caller, documentId, { range: 'bytes=0-9' })).statusCode).toBe(404);
      expect((await call(caller, { method: 'GET', url: `/api/documents/${documentId}` })).statusCode).toBe(
        404,
      );
    }
    expect((await call(viewer.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode).toBe(
      404,
    );
    const after = await call(viewer.caller, { method: 'GET', url: '/api/matters' });
    expect(after.json<{ matters: { id: string }[] }>().matters.map((m) => m.id)).not.toContain(matterId);
    // The owner, whose membership does not expire, still reads.
    expect((await download(owner, documentId)).statusCode).toBe(200);
  });
});

describe('an approved access request with an end date ends on time', () => {
  test('a lawyer granted access until T by approval reads until T, then gets 404', async () => {
    const owner = (await harness.signedIn('lawyer')).caller;
    const requester = await harness.signedIn('lawyer');
    const { matterId, documentId } = await matterWithDocument(owner);
    expect((await download(requester.caller, documentId)).statusCode).toBe(404);
    const asked = await call(requester.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/access-requests`,
      payload: { role: 'viewer', reason: 'Covering the hearing on Friday' },
    });
    expect(asked.statusCode, asked.body).toBe(202);
    const pending = await call(owner, { method: 'GET', url: `/api/matters/${matterId}/access-requests` });
    const [request] = pending.json<{ requests: { id: string }[] }>().requests;
    if (request === undefined) throw new Error('no pending request');
    const expiresAt = new Date(harness.clock.now().getTime() + 5 * 60_000);
    const approved = await call(owner, {
      method: 'POST',
      url: `/api/matters/${matterId}/access-requests/${request.id}/approve`,
      payload: { expiresAt: expiresAt.toISOString() },
    });
    expect(approved.statusCode, approved.body).toBe(200);

    expect((await download(requester.caller, documentId)).rawPayload).toEqual(content);
    harness.clock.set(new Date(expiresAt.getTime() - 1));
    expect((await download(requester.caller, documentId)).statusCode).toBe(200);
    harness.clock.set(expiresAt);
    expect((await download(requester.caller, documentId)).statusCode).toBe(404);
    expect(
      (await call(requester.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode,
    ).toBe(404);
  });
});

describe('an ethical wall stops the next request', () => {
  async function screen(matterId: string, userId: string) {
    const admin = (await harness.signedIn('admin')).caller;
    const officer = await harness.signedIn('auditor');
    const designated = await call(admin, {
      method: 'PUT',
      url: `/api/admin/compliance-officers/${officer.user.id}`,
    });
    expect(designated.statusCode, designated.body).toBe(200);
    const wall = await call(officer.caller, {
      method: 'POST',
      url: `/api/matters/${matterId}/walls`,
      payload: { userId },
    });
    expect(wall.statusCode, wall.body).toBe(201);
  }

  test('an editor who has downloaded once gets 404 on the next download once screened, by session and token', async () => {
    const owner = (await harness.signedIn('lawyer')).caller;
    const editor = await harness.signedIn('lawyer');
    const { matterId, documentId } = await matterWithDocument(owner);
    await grant(owner, matterId, editor.user.id, { role: 'editor' });
    const token = await apiTokenOf(editor.caller);

    // Mid-way through: a first ranged read and a whole download, by session and by token.
    const first = await download(editor.caller, documentId, { range: 'bytes=0-9' });
    expect(first.statusCode).toBe(206);
    expect((await download(editor.caller, documentId)).rawPayload).toEqual(content);
    expect((await download(token, documentId)).statusCode).toBe(200);

    await screen(matterId, editor.user.id);

    for (const caller of [editor.caller, token]) {
      const next = await download(caller, documentId, { range: 'bytes=10-' });
      expect(next.statusCode).toBe(404);
      expect(next.rawPayload.includes(content.subarray(10))).toBe(false);
      expect((await download(caller, documentId)).statusCode).toBe(404);
    }
    expect((await call(editor.caller, { method: 'GET', url: `/api/matters/${matterId}` })).statusCode).toBe(
      404,
    );
    const upload = await call(editor.caller, {
      method: 'POST',
      url: `/api/documents/${documentId}/versions`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.from('after the wall'),
    });
    expect(upload.statusCode).toBe(404);
    // The owner is not screened.
    expect((await download(owner, documentId)).statusCode).toBe(200);
  });

  test('a screened member no longer sees the matter in their list of matters', async () => {
    const owner = (await harness.signedIn('lawyer')).caller;
    const editor = await harness.signedIn('lawyer');
    const { matterId } = await matterWithDocument(owner);
    await grant(owner, matterId, editor.user.id, { role: 'editor' });
    await screen(matterId, editor.user.id);
    const listed = await call(editor.caller, { method: 'GET', url: '/api/matters' });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ matters: { id: string }[] }>().matters.map((m) => m.id)).not.toContain(matterId);
  });

  test('a wall beats ownership: a screened owner gets 404 too (wall row written directly)', async () => {
    const owner = await harness.signedIn('lawyer');
    const { matterId, documentId } = await matterWithDocument(owner.caller);
    expect((await download(owner.caller, documentId)).statusCode).toBe(200);
    await harness.db
      .insertInto('access_screens')
      .values({
        id: `scr_${Date.now().toString(36)}`,
        matter_id: matterId,
        user_id: owner.user.id,
        created_by: owner.user.id,
        created_at: harness.clock.now().getTime(),
        lifted_by: null,
        lifted_at: null,
      })
      .execute();
    expect((await download(owner.caller, documentId)).statusCode).toBe(404);
    expect(
      (await call(owner.caller, { method: 'GET', url: `/api/documents/${documentId}` })).statusCode,
    ).toBe(404);
  });
});
