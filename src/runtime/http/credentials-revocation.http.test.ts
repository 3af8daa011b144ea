import { generateKeyPairSync } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { goodPassword } from '../../modules/identity/identity.sessions.test-utils.js';
import { type Caller, createAccountsHttpHarness } from './accounts.http.test-utils.js';

/** What a stolen session can leave behind (API tokens, SSH keys), over the real HTTP front door. */
let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness();
});
afterAll(() => harness.close());
const call = (caller: Caller | undefined, options: InjectOptions) => harness.call(caller, options);

function openSshKeyLine(comment: string): string {
  const der = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const field = (value: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, value.length]), value]);
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(der.subarray(der.length - 32))]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

async function plant(caller: Caller): Promise<{ script: Caller }> {
  const minted = await call(caller, {
    method: 'POST',
    url: '/api/tokens',
    payload: { name: 'attacker', scopes: ['matters:read', 'documents:read'], expiresInDays: 365 },
  });
  expect(minted.statusCode, minted.body).toBe(201);
  const added = await call(caller, {
    method: 'POST',
    url: '/api/ssh-keys',
    payload: { name: 'attacker', publicKey: openSshKeyLine('attacker@elsewhere') },
  });
  expect(added.statusCode, added.body).toBe(201);
  const script: Caller = {
    cookie: undefined,
    csrf: undefined,
    bearer: minted.json<{ token: string }>().token,
  };
  expect((await call(script, { method: 'GET', url: '/api/matters' })).statusCode).toBe(200);
  return { script };
}

describe('responses to a stolen session over HTTP', () => {
  test('changing one’s password revokes one’s API tokens, and the answer says so', async () => {
    const { caller } = await harness.signedIn('lawyer');
    const { script } = await plant(caller);
    const changed = await call(caller, {
      method: 'POST',
      url: '/api/password',
      payload: { currentPassword: goodPassword, newPassword: 'violet tractor harbour quietly 93' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await call(script, { method: 'GET', url: '/api/matters' })).statusCode).toBe(401);
    const { csrfToken, ...counts } = changed.json<{ csrfToken: string }>();
    expect(csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(counts).toEqual({ revokedSessionCount: 0, revokedApiTokenCount: 1 });
  });

  test('an administrator ending every session of an account also revokes its API tokens and SSH keys', async () => {
    const { user, caller } = await harness.signedIn('lawyer');
    const { caller: admin } = await harness.signedIn('admin');
    const { script } = await plant(caller);
    const revoked = await call(admin, { method: 'POST', url: `/api/admin/users/${user.id}/sessions/revoke` });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect((await call(script, { method: 'GET', url: '/api/matters' })).statusCode).toBe(401);
    expect(revoked.json()).toEqual({ count: 1, apiTokenCount: 1, sshKeyCount: 1 });
    const keys = await harness.db
      .selectFrom('identity_ssh_keys')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    expect(keys).toEqual([]);
  });

  test('adding an SSH key needs a recent second factor, or for a client without one a recent sign-in', async () => {
    const lawyer = await harness.signedIn('lawyer');
    const client = await harness.signedIn('client');
    const add = (caller: Caller) =>
      call(caller, {
        method: 'POST',
        url: '/api/ssh-keys',
        payload: { name: 'laptop', publicKey: openSshKeyLine('someone@laptop') },
      });
    expect((await add(client.caller)).statusCode).toBe(201);
    harness.clock.advanceBy({ minutes: 11 });
    expect((await add(lawyer.caller)).json()).toMatchObject({
      status: 401,
      code: 'identity.step_up_required',
    });
    expect((await add(client.caller)).json()).toMatchObject({
      status: 401,
      code: 'identity.recent_sign_in_required',
    });
  });
});
