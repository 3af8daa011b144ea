import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  addVirtualAuthenticator,
  launchTestBrowser,
  readSimpleWebAuthnBrowserBundle,
  type TestBrowser,
} from '../support/browser.js';
import {
  cleanupCli,
  createCliWorkspace,
  querySqlite,
  readServerCertificate,
  requestJson,
  startWritServer,
  type WritServer,
} from '../support/cli.js';

/**
 * A passkey from registration to passwordless sign-in, the way a person's browser does it: headless
 * Chromium with its CDP virtual authenticator (a platform authenticator that verifies its user), against
 * the real HTTP API of a real `writ serve` on HTTPS. The web UI does not exist yet, so the page is Writ's
 * landing page (the right origin, under Writ's Content-Security-Policy) and the test drives
 * @simplewebauthn/browser and `fetch` in it through `page.evaluate`, which CDP runs outside the page's CSP.
 */

const username = 'it-admin';
const password = 'correct horse battery staple';

type ApiAnswer = { status: number; body: Record<string, unknown> };

type Ledgered = { kind: string; entry: string };

/** Identity events the server recorded, whether still pending or already sequenced into the log. */
function identityEvents(dataDir: string): Ledgered[] {
  return querySqlite<Ledgered>(
    dataDir,
    `select kind, entry from ledger_pending_entries where kind like 'identity.%'
     union all select kind, entry from ledger_entries where kind like 'identity.%'`,
  );
}

describe('passkeys end to end: headless Chromium, a virtual authenticator and writ serve', () => {
  let dataDir = '';
  let server: WritServer;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    ({ dataDir } = createCliWorkspace());
    server = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);
    const created = await requestJson({
      url: `${server.url}/api/setup`,
      ca,
      body: { token: server.setupToken, username, password },
    });
    expect(created.status).toBe(201);
    // The server's own certificate is the one the browser trusts (pinned by public key): no error is ignored.
    browser = await launchTestBrowser({ trustedCertificatePem: ca });
  });

  afterAll(async () => {
    await browser?.close();
    await cleanupCli();
  });

  test('the first administrator signs in with the password, registers a passkey, signs out, signs in with the passkey alone, then completes a password sign-in with it', async () => {
    if (browser === undefined) throw new Error('the browser did not start');
    const page = await browser.newPage();
    const authenticator = await addVirtualAuthenticator(page);
    const landing = await page.goto(`${server.url}/`);
    expect(landing?.status()).toBe(200);
    expect(
      await page.evaluate(() => (globalThis as unknown as { isSecureContext: boolean }).isSecureContext),
    ).toBe(true);

    // The page's CSP (script-src 'self') refuses an inline script; CDP evaluation is not a page script.
    await expect(page.addScriptTag({ content: 'window.inlineScriptRan = true;' })).rejects.toThrow(
      /Content Security Policy/,
    );
    expect(await page.evaluate(() => 'inlineScriptRan' in globalThis)).toBe(false);
    await page.evaluate(readSimpleWebAuthnBrowserBundle());

    const signIn = await page.evaluate(
      async (credentials): Promise<ApiAnswer> => {
        const response = await fetch('/api/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(credentials),
        });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      },
      { username, password },
    );
    expect(signIn).toMatchObject({
      status: 200,
      body: { user: { username, role: 'admin' }, isEnrolmentRequired: true, isSecondFactorRequired: false },
    });

    const registration = await page.evaluate(
      async ({ csrfToken }): Promise<ApiAnswer & { optionsStatus: number }> => {
        const optionsResponse = await fetch('/api/mfa/passkeys/registration-options', {
          method: 'POST',
          headers: { 'x-csrf-token': csrfToken },
        });
        const { options } = (await optionsResponse.json()) as { options: unknown };
        const browserApi = (
          globalThis as unknown as Record<string, Record<string, (arg: unknown) => unknown>>
        ).SimpleWebAuthnBrowser;
        const credential = await browserApi?.startRegistration?.({ optionsJSON: options });
        const response = await fetch('/api/mfa/passkeys', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
          body: JSON.stringify({ name: 'Chromium on this machine', response: credential }),
        });
        return {
          optionsStatus: optionsResponse.status,
          status: response.status,
          body: (await response.json()) as Record<string, unknown>,
        };
      },
      { csrfToken: String(signIn.body.csrfToken) },
    );
    expect(registration).toMatchObject({
      optionsStatus: 200,
      status: 201,
      body: {
        passkey: { name: 'Chromium on this machine', deviceType: 'singleDevice', isBackedUp: false },
        session: { user: { username }, isEnrolmentRequired: false, isSecondFactorRequired: false },
      },
    });
    expect(registration.body.recoveryCodes).toHaveLength(10);
    const passkeyId = (registration.body.passkey as { id: string }).id;
    expect(passkeyId).toMatch(/^pkey_/);

    const held = await authenticator.credentials();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
    expect(Buffer.from(held[0]?.userHandle ?? '', 'base64')).toHaveLength(32);
    const [stored] = querySqlite<{ id: string; credential_id: string; sign_count: number }>(
      dataDir,
      'select id, credential_id, sign_count from webauthn_credentials',
    );
    expect(stored?.id).toBe(passkeyId);
    expect(Buffer.from(stored?.credential_id ?? '', 'base64url')).toEqual(
      Buffer.from(held[0]?.credentialId ?? '', 'base64'),
    );

    const signedOut = await page.evaluate(
      async ({ csrfToken }) => {
        const signOut = await fetch('/api/session', {
          method: 'DELETE',
          headers: { 'x-csrf-token': csrfToken },
        });
        const after = await fetch('/api/session');
        return { signOut: signOut.status, after: after.status };
      },
      { csrfToken: (registration.body.session as { csrfToken: string }).csrfToken },
    );
    expect(signedOut).toEqual({ signOut: 204, after: 401 });

    const passwordless = await page.evaluate(async (): Promise<ApiAnswer & { session: ApiAnswer }> => {
      const optionsResponse = await fetch('/api/passkey-sign-in/options', { method: 'POST' });
      const { options } = (await optionsResponse.json()) as { options: unknown };
      const browserApi = (globalThis as unknown as Record<string, Record<string, (arg: unknown) => unknown>>)
        .SimpleWebAuthnBrowser;
      const assertion = await browserApi?.startAuthentication?.({ optionsJSON: options });
      const response = await fetch('/api/passkey-sign-in', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ response: assertion }),
      });
      const session = await fetch('/api/session');
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        session: { status: session.status, body: (await session.json()) as Record<string, unknown> },
      };
    });
    expect(passwordless).toMatchObject({
      status: 200,
      body: { user: { username, role: 'admin' }, isSecondFactorRequired: false, isEnrolmentRequired: false },
      session: {
        status: 200,
        body: {
          user: { username, role: 'admin' },
          isSecondFactorRequired: false,
          isEnrolmentRequired: false,
        },
      },
    });

    const cookies = await browser.context.cookies(server.url);
    expect(cookies.find((cookie) => cookie.name === '__Host-writ_session')).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/',
    });
    const [used] = querySqlite<{ sign_count: number; last_used_at: number | null }>(
      dataDir,
      'select sign_count, last_used_at from webauthn_credentials',
    );
    expect(used?.last_used_at).not.toBeNull();
    expect(used?.sign_count).toBe((await authenticator.credentials())[0]?.signCount);

    const secondFactor = await page.evaluate(
      async (credentials): Promise<{ pending: ApiAnswer; completed: ApiAnswer }> => {
        const current = (await (await fetch('/api/session')).json()) as { csrfToken: string };
        await fetch('/api/session', { method: 'DELETE', headers: { 'x-csrf-token': current.csrfToken } });
        const signInResponse = await fetch('/api/session', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(credentials),
        });
        const pending = (await signInResponse.json()) as { csrfToken: string };
        const optionsResponse = await fetch('/api/session/passkey-options', {
          method: 'POST',
          headers: { 'x-csrf-token': pending.csrfToken },
        });
        const { options } = (await optionsResponse.json()) as { options: unknown };
        const browserApi = (
          globalThis as unknown as Record<string, Record<string, (arg: unknown) => unknown>>
        ).SimpleWebAuthnBrowser;
        const assertion = await browserApi?.startAuthentication?.({ optionsJSON: options });
        const completed = await fetch('/api/session/passkey', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': pending.csrfToken },
          body: JSON.stringify({ response: assertion }),
        });
        return {
          pending: { status: signInResponse.status, body: pending },
          completed: { status: completed.status, body: (await completed.json()) as Record<string, unknown> },
        };
      },
      { username, password },
    );
    expect(secondFactor.pending).toMatchObject({
      status: 200,
      body: { isSecondFactorRequired: true, availableFactors: ['passkey', 'recovery_code'] },
    });
    expect(secondFactor.completed).toMatchObject({
      status: 200,
      body: { user: { username }, isSecondFactorRequired: false },
    });

    const events = identityEvents(dataDir);
    const kinds = events.map((event) => event.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['identity.mfa_enrolled', 'identity.recovery_codes_generated']),
    );
    const passkeySignIns = events.filter(
      (event) => event.kind === 'identity.sign_in_succeeded' && event.entry.includes('"method":"passkey"'),
    );
    expect(passkeySignIns).toHaveLength(1);
    expect(
      events.filter(
        (event) =>
          event.kind === 'identity.second_factor_verified' &&
          event.entry.includes('"method":"passkey"') &&
          event.entry.includes('"purpose":"sign_in"'),
      ),
    ).toHaveLength(2);
    expect(events.map((event) => event.entry).join('\n')).not.toContain(stored?.credential_id ?? 'none');
  });
});
