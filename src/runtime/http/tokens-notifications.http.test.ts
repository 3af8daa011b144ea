import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Caller, createAccountsHttpHarness } from './accounts.http.test-utils.js';

/** API tokens, notifications and refusals of malformed input over the real HTTP front door. */
let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness();
});
afterAll(() => harness.close());
const call = (caller: Caller | undefined, options: InjectOptions) => harness.call(caller, options);
const signedIn = (role: 'admin' | 'lawyer' | 'client') => harness.signedIn(role);

describe('API tokens, notifications and hostile input over HTTP', () => {
  test('an API token is shown once, reaches only what a token may, and cannot manage tokens or accounts', async () => {
    const { caller } = await signedIn('lawyer');
    const created = await call(caller, {
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'export script', scopes: ['documents:read'], expiresInDays: 30 },
    });
    expect(created.statusCode).toBe(201);
    const { token, apiToken } = created.json<{ token: string; apiToken: { id: string } }>();
    const listed = await call(caller, { method: 'GET', url: '/api/tokens' });
    expect(listed.body).not.toContain(token);
    expect(listed.json<{ apiTokens: object[] }>().apiTokens[0]).not.toHaveProperty('tokenHash');

    const script: Caller = { cookie: undefined, csrf: undefined, bearer: token };
    // Authenticated (403, not 401), but no account route accepts tokens.
    expect((await call(script, { method: 'GET', url: '/api/notifications' })).json()).toMatchObject({
      status: 403,
      code: 'identity.api_token_scope_missing',
    });
    const mint = await call(script, {
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'escalate', scopes: ['documents:write'], expiresInDays: 365 },
    });
    expect(mint.json()).toMatchObject({ status: 403, code: 'identity.api_token_scope_missing' });
    expect((await call(script, { method: 'GET', url: '/api/admin/users' })).statusCode).toBe(403);

    await call(caller, { method: 'DELETE', url: `/api/tokens/${apiToken.id}` });
    expect((await call(script, { method: 'GET', url: '/api/notifications' })).statusCode).toBe(401);
  });

  test('hostile input is refused before any use-case runs', async () => {
    const { caller } = await signedIn('lawyer');
    const { caller: admin } = await signedIn('admin');
    const refusals: [Caller | undefined, InjectOptions][] = [
      [
        caller,
        {
          method: 'POST',
          url: '/api/tokens',
          payload: { name: 'x'.repeat(1000), scopes: ['documents:read'], expiresInDays: 1 },
        },
      ],
      [
        caller,
        {
          method: 'POST',
          url: '/api/tokens',
          payload: { name: 'x', scopes: ['documents:read'], expiresInDays: '30' },
        },
      ],
      [
        caller,
        {
          method: 'POST',
          url: '/api/tokens',
          payload: { name: 'x', scopes: Array(17).fill('a'), expiresInDays: 1 },
        },
      ],
      [
        caller,
        {
          method: 'POST',
          url: '/api/tokens',
          payload: { name: 'x', scopes: ['documents:read'], expiresInDays: 400 },
        },
      ],
      [caller, { method: 'DELETE', url: '/api/tokens/../../admin' }],
      [caller, { method: 'POST', url: '/api/notifications/not-an-id/read' }],
      [
        caller,
        { method: 'PUT', url: '/api/me/email', payload: { email: `${'a'.repeat(300)}@firm.example` } },
      ],
      [admin, { method: 'POST', url: '/api/admin/invitations', payload: { role: 'root' } }],
      [admin, { method: 'POST', url: '/api/admin/invitations', payload: { role: 'lawyer', isAdmin: true } }],
      [admin, { method: 'GET', url: '/api/admin/users?limit=100000' }],
      [
        undefined,
        {
          method: 'POST',
          url: '/api/invitations/accept',
          payload: { token: 'x'.repeat(500), username: 'a', password: 'b' },
        },
      ],
      [
        undefined,
        {
          method: 'POST',
          url: '/api/password-resets/recovery',
          payload: { username: 'a', recoveryCode: 'x'.repeat(100), password: 'p' },
        },
      ],
    ];
    for (const [who, request] of refusals) {
      const answer = await call(who, request);
      expect([400, 404], JSON.stringify(request)).toContain(answer.statusCode);
      expect(answer.json<{ code: string }>().code).toMatch(/^http\.(invalid_request|route_not_found)$/);
    }
    const scopes = await call(caller, {
      method: 'POST',
      url: '/api/tokens',
      payload: { name: 'x', scopes: ['admin:all'], expiresInDays: 1 },
    });
    expect(scopes.json()).toMatchObject({ status: 400, code: 'identity.api_token_scope_invalid' });
  });

  test("a user reads and marks only their own notifications; another's id answers 404", async () => {
    const { caller } = await signedIn('lawyer');
    const { caller: other } = await signedIn('lawyer');
    await call(caller, { method: 'PUT', url: '/api/me/email', payload: { email: 'me@firm.example' } });
    const mine = (await call(caller, { method: 'GET', url: '/api/notifications' })).json<{
      notifications: { id: string; kind: string }[];
    }>();
    const id = mine.notifications.find((notification) => notification.kind === 'email_changed')?.id ?? '';
    expect(id).toMatch(/^ntf_/);
    const foreign = await call(other, { method: 'POST', url: `/api/notifications/${id}/read` });
    expect(foreign.json()).toMatchObject({ status: 404, code: 'identity.notification_not_found' });
    expect((await call(caller, { method: 'POST', url: `/api/notifications/${id}/read` })).statusCode).toBe(
      204,
    );
  });
});
