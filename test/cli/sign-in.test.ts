import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, test } from 'vitest';
import {
  cleanupCli,
  createCliWorkspace,
  expectProblem,
  type HttpsResponse,
  querySqlite,
  readServerCertificate,
  requestHttps,
  requestJson,
  startWritServer,
} from '../support/cli.js';

const adminUsername = 'it-admin';
const adminPassword = 'correct horse battery staple';

/** The current code for `secret`, or the one `offsetSeconds` away, from Debian's oathtool on this clock. */
function oathtool(secret: string, offsetSeconds = 0): string {
  const at = `@${Math.floor(Date.now() / 1000) + offsetSeconds}`;
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', at], { encoding: 'utf8' }).trim();
}

/** A browser's cookie jar and CSRF token over real HTTPS. */
function createClient({ url, ca }: { url: string; ca: string }) {
  const cookies = new Map<string, string>();
  let csrfToken = '';
  const remember = (response: HttpsResponse) => {
    for (const header of response.headers['set-cookie'] ?? []) {
      const [pair = ''] = header.split(';');
      const [name = '', value = ''] = pair.split('=');
      if (value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    if (response.headers['content-type']?.startsWith('application/json')) {
      const body = response.json() as { csrfToken?: unknown; session?: { csrfToken?: unknown } };
      const answered = body.csrfToken ?? body.session?.csrfToken;
      if (typeof answered === 'string') csrfToken = answered;
    }
    return response;
  };
  return {
    cookies,
    async send(method: string, path: string, body?: unknown): Promise<HttpsResponse> {
      const headers: Record<string, string> = {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      };
      if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await requestHttps({
        url: `${url}${path}`,
        ca,
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return remember(response);
    },
  };
}

describe('writ serve: signing in with a password and an authenticator app, end to end', () => {
  afterAll(cleanupCli);

  test('the administrator enrols TOTP, signs in again with an oathtool code, and that code is refused a second time', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);
    const created = await requestJson({
      url: `${server.url}/api/setup`,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: adminPassword },
    });
    expect(created.status).toBe(201);

    const browser = createClient({ url: server.url, ca });
    const signIn = await browser.send('POST', '/api/session', {
      username: adminUsername,
      password: adminPassword,
    });
    expect(signIn.status).toBe(200);
    expect(signIn.json()).toMatchObject({
      user: { username: adminUsername, role: 'admin' },
      isEnrolmentRequired: true,
    });
    expect(signIn.headers['set-cookie']?.join('\n')).toMatch(
      /__Host-writ_session=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    );
    expectProblem(await browser.send('GET', '/api/sessions'), {
      status: 403,
      code: 'identity.mfa_enrolment_required',
    });

    const enrolment = await browser.send('POST', '/api/mfa/totp');
    expect(enrolment.status).toBe(201);
    const secret =
      new URL((enrolment.json() as { otpauthUri: string }).otpauthUri).searchParams.get('secret') ?? '';
    const confirmed = await browser.send('POST', '/api/mfa/totp/confirm', { code: oathtool(secret) });
    expect(confirmed.status).toBe(200);
    expect((confirmed.json() as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);
    expect((await browser.send('GET', '/api/sessions')).status).toBe(200);
    expect((await browser.send('DELETE', '/api/session')).status).toBe(204);
    expect(browser.cookies.has('__Host-writ_session')).toBe(false);

    const again = await browser.send('POST', '/api/session', {
      username: adminUsername,
      password: adminPassword,
    });
    expect(again.json()).toMatchObject({
      isSecondFactorRequired: true,
      availableFactors: ['totp', 'recovery_code'],
    });
    expectProblem(await browser.send('GET', '/api/sessions'), {
      status: 401,
      code: 'identity.second_factor_required',
    });
    // The enrolment used this step's code: the next step's is new, and within the accepted window.
    const code = oathtool(secret, 30);
    const verified = await browser.send('POST', '/api/session/second-factor', { method: 'totp', code });
    expect(verified.status).toBe(200);

    const session = await browser.send('GET', '/api/session');
    expect(session.status).toBe(200);
    expect(session.json()).toMatchObject({
      user: { username: adminUsername, role: 'admin' },
      isSecondFactorRequired: false,
      isEnrolmentRequired: false,
    });
    expectProblem(await browser.send('POST', '/api/session/step-up', { method: 'totp', code }), {
      status: 400,
      code: 'identity.code_invalid',
    });

    const token = browser.cookies.get('__Host-writ_session') ?? '';
    const stored = querySqlite<{ token_hash: string }>(
      dataDir,
      'select token_hash from sessions where revoked_at is null',
    );
    expect(stored).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);
    // Entries wait in ledger_pending_entries until the sequencer moves them into the tree (ledger_entries).
    const tables = querySqlite<{ name: string }>(
      dataDir,
      "select name from sqlite_master where type = 'table'",
    );
    const ledgerTables = ['ledger_pending_entries', 'ledger_entries'].filter((name) =>
      tables.some((table) => table.name === name),
    );
    const kinds = ledgerTables.flatMap((table) =>
      querySqlite<{ kind: string }>(dataDir, `select kind from ${table}`).map((row) => row.kind),
    );
    expect(kinds).toEqual(
      expect.arrayContaining([
        'identity.admin_created',
        'identity.sign_in_succeeded',
        'identity.mfa_enrolled',
        'identity.second_factor_verified',
        'identity.second_factor_failed',
      ]),
    );
  });
});
