import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addVirtualAuthenticator } from '../support/browser.js';
import { requestHttps } from '../support/cli.js';
import { generateClientKey } from '../sftp/sftp-support.js';
import {
  expectAccessible,
  keepScreenshots,
  startWebWorld,
  totpCode,
  userPassword,
  type WebWorld,
} from './web-support.js';

/**
 * Sign-in, enrolment and account security through the web UI, in Debian's Chromium against a real
 * `writ serve`: a lawyer (whose role requires a second factor) enrols an authenticator app from the secret
 * the page shows, keeps the recovery codes, signs in with a code, a recovery code and a passkey, and ends a
 * session left on another device. Codes come from Debian's oathtool, passkeys from Chromium's CDP virtual
 * authenticator.
 */

const username = 'lena-lawyer';
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

function sessionCookieOf(headers: Record<string, string | string[] | undefined>): string {
  const cookies = headers['set-cookie'];
  const session = (Array.isArray(cookies) ? cookies : []).find((c) => c.startsWith('__Host-writ_session='));
  if (session === undefined) throw new Error('no session cookie');
  return session.split(';')[0] ?? '';
}

/** A six-digit code that is none of the codes the server accepts right now (one step either side). */
function wrongCodeFor(secret: string): string {
  const valid = new Set([-60, -30, 0, 30, 60].map((offset) => totpCode(secret, offset)));
  for (let candidate = 123_456; ; candidate += 1) {
    const code = String(candidate).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

async function signInWithPassword(page: Page): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(userPassword);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signOut(page: Page, url: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  expect((await requestSessionThroughPage(page)).status).toBe(401);
  expect(new URL(page.url()).origin).toBe(new URL(url).origin);
}

/** `GET /api/session` with the page's cookies, as the page itself would ask. */
function requestSessionThroughPage(page: Page): Promise<{ status: number }> {
  return page.evaluate(async () => ({ status: (await fetch('/api/session')).status }));
}

async function expectPathname(page: Page, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname);
}

describe('sign-in, enrolment and account security in the web UI', () => {
  let world: WebWorld | undefined;
  let keyDir: string | undefined;

  beforeAll(async () => {
    world = await startWebWorld({ users: [{ username, role: 'lawyer' }] });
  }, 120_000);

  afterAll(async () => {
    await world?.close();
    if (keyDir !== undefined) rmSync(keyDir, { recursive: true, force: true });
  });

  test('a lawyer enrols an authenticator app, signs in with a code, a recovery code and a passkey, and ends another session; open redirects, wrong and replayed codes are refused', async () => {
    if (world === undefined) throw new Error('the world did not start');
    const { url, ca } = world;
    const origin = new URL(url).origin;
    const page = await world.browser.newPage();
    const authenticator = await addVirtualAuthenticator(page);

    // A crafted `next` that leaves the site is ignored: sign-in lands on Writ's own start page.
    await page.goto(`${url}/sign-in?next=${encodeURIComponent('//evil.example/steal')}`);
    await page.getByLabel('Username').waitFor();
    await expectAccessible(page, 'the sign-in page');
    await keepScreenshots(page, 'sign-in');

    // A wrong password: the server's words (the same for an unknown username), and the field is cleared.
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password', { exact: true }).fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('The username or password is not correct.');
    expect(await page.getByLabel('Password', { exact: true }).inputValue()).toBe('');
    await signInWithPassword(page);

    // Lawyers must have a second factor: the app shows enrolment, and nothing else, until there is one.
    await page.getByRole('heading', { level: 1, name: 'Set up a second factor' }).waitFor();
    expect(new URL(page.url()).origin).toBe(origin);
    await expectPathname(page, '/');
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    await page.getByRole('img', { name: 'QR code to add Writ to your authenticator app' }).waitFor();
    await expectAccessible(page, 'the enrolment page');
    await keepScreenshots(page, 'enrolment');
    const shownSecret = (await page.locator('code.totp-secret').textContent()) ?? '';
    const secret = shownSecret.replace(/\s+/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    await page.getByLabel('Authentication code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    const recoveryCodes = (await page.locator('.recovery-code-list li').allTextContents()).map((code) =>
      code.trim(),
    );
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    // The download is made in the page: the file holds the codes, and no request went to the server.
    const requestsDuringDownload: string[] = [];
    const recordRequest = (request: { url(): string }) => requestsDuringDownload.push(request.url());
    page.on('request', recordRequest);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as a text file' }).click(),
    ]);
    const downloaded = readFileSync(await download.path(), 'utf8');
    page.off('request', recordRequest);
    expect(download.suggestedFilename()).toBe('writ-recovery-codes.txt');
    for (const code of recoveryCodes) expect(downloaded).toContain(code);
    expect(requestsDuringDownload.filter((requested) => requested.startsWith(origin))).toEqual([]);

    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expectPathname(page, '/matters');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    // Signing out from /matters brings the sign-in page back with `next` pointing home to /matters.
    await signOut(page, url);
    await signInWithPassword(page);
    const codeField = page.getByLabel('Authentication code');
    await codeField.waitFor();

    // A wrong code: the server's own words, and the session is still waiting for its second factor.
    await codeField.fill(wrongCodeFor(secret));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This code is not valid.');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('identity.code_invalid');

    // The enrolment used the current step; the next step's code is new, and sign-in returns to /matters.
    const nextStepCode = totpCode(secret, 30);
    await codeField.fill(nextStepCode);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await expectPathname(page, '/matters');

    // The same code again, in a new sign-in, is a replay: refused. A recovery code completes the sign-in.
    await signOut(page, url);
    await signInWithPassword(page);
    await codeField.fill(nextStepCode);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This code is not valid.');
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0] ?? '');
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await expectPathname(page, '/matters');

    // A passkey, added on the account page (the recovery code just proved a second factor: no step-up).
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account and security' }).waitFor();
    await page.getByLabel('Passkey name').fill('Test laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('The passkey “Test laptop” is added.').waitFor();
    await page.getByRole('cell', { name: 'Test laptop', exact: true }).waitFor();
    expect(await authenticator.credentials()).toHaveLength(1);
    await page.getByRole('cell', { name: 'This session' }).waitFor();
    await expectAccessible(page, 'the account page');
    await keepScreenshots(page, 'account');

    // The passkey completes a password sign-in. A sign-out leaves no `next` behind: the next person on a
    // shared computer starts on the start page, not where the last one was.
    await signOut(page, url);
    await signInWithPassword(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expectPathname(page, '/matters');

    // The passkey alone signs in, and an absolute `next` is refused as well.
    await signOut(page, url);
    await page.goto(`${url}/sign-in?next=${encodeURIComponent('https://evil.example/steal')}`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expectPathname(page, '/matters');
    expect(new URL(page.url()).origin).toBe(origin);
    await expect.poll(() => requestSessionThroughPage(page)).toEqual({ status: 200 });

    // A session on another device, made through the API (password, then a recovery code).
    const elsewhere = await requestHttps({
      url: `${url}/api/session`,
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': firefox },
      body: JSON.stringify({ username, password: userPassword }),
    });
    expect(elsewhere.status, elsewhere.text).toBe(200);
    const pending = {
      cookie: sessionCookieOf(elsewhere.headers),
      'x-csrf-token': (elsewhere.json() as { csrfToken: string }).csrfToken,
      'user-agent': firefox,
    };
    const completed = await requestHttps({
      url: `${url}/api/session/second-factor`,
      ca,
      method: 'POST',
      headers: { ...pending, 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'recovery_code', code: recoveryCodes[1] }),
    });
    expect(completed.status, completed.text).toBe(200);
    const otherCookie = sessionCookieOf(completed.headers);
    const checkOther = () =>
      requestHttps({
        url: `${url}/api/session`,
        ca,
        headers: { cookie: otherCookie, 'user-agent': firefox },
      });
    expect((await checkOther()).status).toBe(200);

    await page.getByRole('link', { name: 'Account' }).click();
    const sessionRows = page.locator('table.sessions-table tbody tr');
    await expect.poll(() => sessionRows.count()).toBe(2);
    await page.getByRole('button', { name: /^End session on/ }).click();
    await page
      .getByRole('dialog', { name: 'End this session?' })
      .getByRole('button', { name: 'End it' })
      .click();
    await page.getByText(/The session on .* has ended\./).waitFor();
    await expect.poll(() => sessionRows.count()).toBe(1);
    expect((await checkOther()).status).toBe(401);
    expect((await requestSessionThroughPage(page)).status).toBe(200);

    // Rename the passkey; then a new set of recovery codes, shown once, replaces the old one.
    await page.getByRole('button', { name: 'Rename Test laptop' }).click();
    const renameDialog = page.getByRole('dialog', { name: 'Rename passkey' });
    await renameDialog.getByLabel('New name').fill('Work laptop');
    await renameDialog.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('cell', { name: 'Work laptop', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Generate new recovery codes' }).click();
    await page
      .getByRole('dialog', { name: 'Replace your recovery codes?' })
      .getByRole('button', { name: 'Generate new codes' })
      .click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await expect.poll(() => page.locator('.recovery-code-list li').count()).toBe(10);
    const newCodes = (await page.locator('.recovery-code-list li').allTextContents()).map((code) =>
      code.trim(),
    );
    expect(newCodes).toHaveLength(10);
    expect(newCodes.filter((code) => recoveryCodes.includes(code))).toEqual([]);
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    await page.getByRole('button', { name: 'Generate new recovery codes' }).waitFor();

    // A new password: the session continues under a new token, and its new CSRF token works at once.
    await page.getByLabel('Current password').fill(userPassword);
    await page.getByLabel('New password', { exact: true }).fill('a brand new and rather long passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Your password is changed.').waitFor();
    // It says what the change ended, from the counts the API answered.
    expect(await page.getByText('Your password is changed.').textContent()).toMatch(
      /^Your password is changed\. (You had no other sessions\.|1 other session was signed out\.|\d+ other sessions were signed out\.)( (1 API token was|\d+ API tokens were) revoked: create new ones for your scripts\.)?$/,
    );
    await page.getByRole('button', { name: 'Rename Work laptop' }).click();
    await renameDialog.getByLabel('New name').fill('Home laptop');
    await renameDialog.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('cell', { name: 'Home laptop', exact: true }).waitFor();

    // The SFTP host key fingerprint shown is the one `writ serve` printed: people compare it with OpenSSH's.
    expect(await page.getByTestId('sftp-host-key').textContent()).toBe(world.server.sftpHostKeyFingerprint);
    expect(world.server.sftpHostKeyFingerprint).toMatch(/^SHA256:/);

    // An SSH key for SFTP: added with its fingerprint shown, then removed after confirmation.
    keyDir = mkdtempSync(join(tmpdir(), 'writ-web-identity-'));
    const { publicKey } = generateClientKey(keyDir);
    await page.getByLabel('Key name', { exact: true }).fill('Office desktop');
    await page.getByLabel('Public key').fill(publicKey);
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByText(/The key “Office desktop” \(SHA256:[A-Za-z0-9+/]+\) is added\./).waitFor();
    await page.getByRole('button', { name: 'Remove the SSH key Office desktop' }).click();
    await page
      .getByRole('dialog', { name: 'Remove the SSH key “Office desktop”?' })
      .getByRole('button', { name: 'Remove key' })
      .click();
    await page.getByText('You have no SSH keys yet.').waitFor();

    // An e-mail address for notices, and an API token shown once and then revoked.
    await page.getByLabel('New e-mail address').fill('lena@firm.example');
    await page.getByRole('button', { name: 'Save address' }).click();
    await page.getByText('Writ will send notices about your account to the new address.').waitFor();
    await page.getByLabel('Token name').fill('Nightly export');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText(/^writ_pat_/).waitFor();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('button', { name: 'Revoke the token Nightly export' }).click();
    await page
      .getByRole('dialog', { name: 'Revoke the token “Nightly export”?' })
      .getByRole('button', { name: 'Revoke token' })
      .click();
    await page.getByText('The token “Nightly export” is revoked.').waitFor();
    await expect.poll(() => page.getByText(/^writ_pat_/).count()).toBe(0);

    // Nothing about the session, its CSRF token or the codes was kept in web storage.
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  }, 240_000);
});
