import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { goodPassword } from '../../modules/identity/identity.sessions.test-utils.js';
import { type Caller, createAccountsHttpHarness, tokenOf } from './accounts.http.test-utils.js';

/** Invitations, account management, password resets and the link pages over the real HTTP front door. */
let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness();
});
afterAll(() => harness.close());
const call = (caller: Caller | undefined, options: InjectOptions) => harness.call(caller, options);
const signedIn = (role: 'admin' | 'lawyer' | 'client') => harness.signedIn(role);

describe('accounts over HTTP', () => {
  test('an invitation link creates the account once; its owner then signs in and is led to MFA enrolment', async () => {
    const { caller } = await signedIn('admin');
    const created = await call(caller, {
      method: 'POST',
      url: '/api/admin/invitations',
      payload: { role: 'lawyer' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const { link } = created.json<{ link: string }>();
    const body = {
      token: tokenOf(link),
      username: 'invited.lawyer',
      password: goodPassword,
      email: 'il@firm.example',
    };

    const accepted = await call(undefined, { method: 'POST', url: '/api/invitations/accept', payload: body });
    expect(accepted.statusCode).toBe(201);
    expect(Object.keys(accepted.json<{ user: object }>().user).sort()).toEqual([
      'createdAt',
      'id',
      'role',
      'username',
    ]);
    const replay = await call(undefined, {
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { ...body, username: 'x-two' },
    });
    expect(replay.json()).toMatchObject({ status: 400, code: 'identity.invitation_invalid' });

    const signIn = await call(undefined, {
      method: 'POST',
      url: '/api/session',
      payload: { username: 'invited.lawyer', password: goodPassword },
    });
    expect(signIn.json()).toMatchObject({ user: { role: 'lawyer' }, isEnrolmentRequired: true });
  });

  test('a non-administrator gets the same 403 from every admin endpoint, whatever id it names', async () => {
    const { user: lawyer, caller } = await signedIn('lawyer');
    const ids = [lawyer.id, 'usr_00000000000000000000000000'];
    const requests: InjectOptions[] = [
      { method: 'GET', url: '/api/admin/users' },
      { method: 'GET', url: '/api/admin/invitations' },
      { method: 'POST', url: '/api/admin/invitations', payload: { role: 'admin' } },
      { method: 'DELETE', url: '/api/admin/invitations/inv_00000000000000000000000000' },
      ...ids.flatMap((id): InjectOptions[] => [
        { method: 'POST', url: `/api/admin/users/${id}/disable` },
        { method: 'POST', url: `/api/admin/users/${id}/enable` },
        { method: 'POST', url: `/api/admin/users/${id}/sessions/revoke` },
        { method: 'POST', url: `/api/admin/users/${id}/password-reset` },
      ]),
    ];
    const answers = await Promise.all(requests.map((request) => call(caller, request)));
    for (const answer of answers) {
      expect(answer.statusCode).toBe(403);
      expect(answer.json<{ code: string; detail: string }>()).toMatchObject({
        code: 'identity.admin_required',
        detail: 'Only an administrator signed in to the web application may manage accounts.',
      });
    }
    const anonymous = await call(undefined, { method: 'GET', url: '/api/admin/users' });
    expect(anonymous.statusCode).toBe(401);
    const { caller: admin } = await signedIn('admin');
    const noCsrf = await call(
      { ...admin, csrf: undefined },
      { method: 'POST', url: `/api/admin/users/${lawyer.id}/disable` },
    );
    expect(noCsrf.json()).toMatchObject({ status: 403, code: 'identity.csrf_failed' });
  });

  test('an administrator disables a user, whose session stops working, and issues a reset link that works once', async () => {
    const { caller: admin } = await signedIn('admin');
    const { user: client, caller: clientCaller } = await signedIn('client');
    const listed = await call(admin, { method: 'GET', url: '/api/admin/users?limit=200' });
    expect(listed.json<{ users: { id: string }[] }>().users.map((user) => user.id)).toContain(client.id);

    const disabled = await call(admin, { method: 'POST', url: `/api/admin/users/${client.id}/disable` });
    expect(disabled.json()).toEqual({ userId: client.id, status: 'disabled' });
    expect((await call(clientCaller, { method: 'GET', url: '/api/notifications' })).statusCode).toBe(401);
    await call(admin, { method: 'POST', url: `/api/admin/users/${client.id}/enable` });

    const issued = await call(admin, { method: 'POST', url: `/api/admin/users/${client.id}/password-reset` });
    expect(issued.statusCode).toBe(201);
    const { link } = issued.json<{ link: string }>();
    expect(link).toMatch(/\/reset#token=/);
    const newPassword = 'an entirely new passphrase';
    const complete = {
      method: 'POST' as const,
      url: '/api/password-resets/complete',
      payload: { token: tokenOf(link), password: newPassword },
    };
    expect((await call(undefined, complete)).json()).toEqual({ isPasswordChanged: true });
    expect((await call(undefined, complete)).json()).toMatchObject({ code: 'identity.reset_link_invalid' });
    const signIn = await call(undefined, {
      method: 'POST',
      url: '/api/session',
      payload: { username: client.username, password: newPassword },
    });
    expect(signIn.statusCode).toBe(200);
    const unknown = await call(admin, {
      method: 'POST',
      url: '/api/admin/users/usr_00000000000000000000000000/disable',
    });
    expect(unknown.json()).toMatchObject({ status: 404, code: 'identity.user_not_found' });
  });

  test('the invitation and reset links open the web app, which loads no inline script; fetching a link consumes nothing', async () => {
    const { caller } = await signedIn('admin');
    const { link } = (
      await call(caller, { method: 'POST', url: '/api/admin/invitations', payload: { role: 'client' } })
    ).json<{ link: string }>();
    expect(new URL(link).hash).toMatch(/^#token=/);
    for (const path of ['/invite', '/reset']) {
      const page = await harness.app.inject({ method: 'GET', url: path });
      expect(page.statusCode).toBe(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.body).toMatch(/<script type="module" crossorigin src="\/static\/[^"]+\.js"><\/script>/);
      expect(page.body).not.toMatch(/<script>|<script type="module">|on(click|load|submit)=/);
      expect(page.body).toContain('<meta name="referrer" content="no-referrer"');
    }
    // Fetching the link the way a scanner would changes nothing: the invitation still opens an account.
    await harness.app.inject({ method: 'GET', url: new URL(link).pathname });
    const accepted = await call(undefined, {
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token: tokenOf(link), username: 'page.client', password: goodPassword },
    });
    expect(accepted.statusCode).toBe(201);
  });
});
