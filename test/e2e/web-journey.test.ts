import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addVirtualAuthenticator, launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { runWrit } from '../support/cli.js';
import {
  adminPassword,
  adminUsername,
  expectAccessible,
  keepScreenshots,
  startWebWorld,
  totpCode,
  type WebWorld,
} from './web-support.js';

/**
 * The whole journey of the web UI, as people do it, against a real `writ serve` on a fresh data directory:
 * the setup link creates the first administrator, who invites a lawyer and an assistant; the lawyer joins,
 * enrols an authenticator app (codes computed here by oathtool) and a passkey (Chromium's virtual
 * authenticator), opens a matter and uploads three files with a progress bar each; the assistant asks for
 * access by the matter's reference, the lawyer approves, the assistant downloads a file whose SHA-256
 * matches, and the receipt verifies offline with `writ ledger prove` and the key the Ledger page shows.
 * Each person has a browser of their own (separate cookies).
 */

const lawyer = { username: 'lena-lawyer', password: 'a long and private passphrase 42' };
const assistant = { username: 'abe-assistant', password: 'another long private passphrase 7' };

const files = [
  { name: 'complaint.txt', mimeType: 'text/plain', buffer: Buffer.from('Complaint, Smith v. Jones.\n') },
  { name: 'exhibit-a.txt', mimeType: 'text/plain', buffer: Buffer.from('Exhibit A: the contract.\n') },
  { name: 'retainer.txt', mimeType: 'text/plain', buffer: Buffer.from('Retainer agreement.\n'.repeat(500)) },
];

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A code from a later 30-second window than `used`: a code is accepted once only. */
async function freshCode(secret: string, used: Set<string>): Promise<string> {
  let code = totpCode(secret);
  while (used.has(code)) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    code = totpCode(secret);
  }
  used.add(code);
  return code;
}

type Person = { page: Page; totpSecret: string; usedCodes: Set<string> };

/** Sign-in with a password, then the enrolment the app requires: authenticator app, recovery codes. */
async function signInAndEnrolTotp(
  page: Page,
  url: string,
  username: string,
  password: string,
): Promise<Person> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Set up a second factor' }).waitFor();
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.getByRole('img', { name: 'QR code to add Writ to your authenticator app' }).waitFor();
  const totpSecret = ((await page.locator('code.totp-secret').textContent()) ?? '').replace(/\s+/g, '');
  expect(totpSecret).toMatch(/^[A-Z2-7]{32}$/);
  const usedCodes = new Set<string>();
  await page.getByLabel('Authentication code').fill(await freshCode(totpSecret, usedCodes));
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
  expect(await page.locator('.recovery-code-list li').count()).toBe(10);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return { page, totpSecret, usedCodes };
}

/** Creates an invitation on the administration page and returns the link shown once. */
async function invite(page: Page, role: string): Promise<string> {
  await page.getByRole('link', { name: 'Invitations' }).click();
  await page.getByLabel('Role of the new account').selectOption(role);
  const field = page.getByLabel(/^Invitation link/);
  // A link shown earlier stays on screen until the new one replaces it.
  const earlier = (await field.count()) > 0 ? await field.inputValue() : '';
  await page.getByRole('button', { name: 'Create invitation' }).click();
  await expect.poll(() => field.inputValue()).not.toBe(earlier);
  const link = await field.inputValue();
  expect(link).toMatch(/\/invite#token=/);
  return link;
}

async function acceptInvitation(page: Page, link: string, person: { username: string; password: string }) {
  await page.goto(link);
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('New password').fill(person.password);
  await page.getByRole('button', { name: 'Create my account' }).click();
  await page.getByText('Your account is ready').waitFor();
  // The token left the address bar as soon as the page read it.
  expect(page.url()).not.toContain('token');
}

/**
 * Clicks `button`, then completes the step-up dialog if the action asked for one (a second factor proved
 * in the last minutes), and waits for `outcome`.
 */
async function clickWithStepUp(person: Person, button: Locator, outcome: Locator) {
  const dialog = person.page.getByRole('dialog', { name: 'Confirm it is you' });
  await button.click();
  const first = await Promise.race([
    dialog.waitFor().then(
      () => 'step-up',
      () => 'neither',
    ),
    outcome.waitFor().then(
      () => 'done',
      () => 'neither',
    ),
  ]);
  if (first === 'step-up') {
    await dialog
      .getByLabel('Code from your authenticator app')
      .fill(await freshCode(person.totpSecret, person.usedCodes));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
  }
  await outcome.waitFor();
}

describe('the web UI journey: setup link to a verified receipt', () => {
  let world: WebWorld;
  const browsers: TestBrowser[] = [];
  let admin: Page;
  let lawyerPerson: Person;
  let assistantPerson: Person;
  let lawyerLink = '';
  let assistantLink = '';
  let matterId = '';
  let verifierKey = '';

  beforeAll(async () => {
    world = await startWebWorld({ isSetupLeftToUi: true });
    admin = await world.browser.newPage();
  }, 120_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await world?.close();
  });

  async function newBrowserPage(): Promise<Page> {
    const browser = await launchTestBrowser({ trustedCertificatePem: world.ca });
    browsers.push(browser);
    return browser.newPage();
  }

  test('the setup link creates the first administrator, who enrols and invites a lawyer and an assistant', async () => {
    expect(world.server.setupLink).toBeDefined();
    await admin.goto(world.server.setupLink ?? '');
    await admin.getByRole('heading', { level: 1, name: 'Set up Writ' }).waitFor();
    expect(admin.url()).not.toContain('token');
    await expectAccessible(admin, 'the setup page');
    await keepScreenshots(admin, 'setup');
    await admin.getByLabel('Username').fill(adminUsername);
    await admin.getByLabel('New password').fill(adminPassword);
    await admin.getByRole('button', { name: 'Create administrator' }).click();
    await admin.getByText('The administrator is created').waitFor();

    await signInAndEnrolTotp(admin, world.url, adminUsername, adminPassword);
    await admin.goto(`${world.url}/admin`);
    lawyerLink = await invite(admin, 'lawyer');
    assistantLink = await invite(admin, 'assistant');
    expect(assistantLink).not.toBe(lawyerLink);
  }, 120_000);

  test('the lawyer joins, enrols an authenticator app and a passkey, and opens a matter', async () => {
    const page = await newBrowserPage();
    await acceptInvitation(page, lawyerLink, lawyer);
    lawyerPerson = await signInAndEnrolTotp(page, world.url, lawyer.username, lawyer.password);

    const authenticator = await addVirtualAuthenticator(page);
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account and security' }).waitFor();
    await page.getByLabel('Passkey name').fill('Office laptop');
    await clickWithStepUp(
      lawyerPerson,
      page.getByRole('button', { name: 'Add a passkey' }),
      page.getByText('The passkey “Office laptop” is added.'),
    );
    expect(await authenticator.credentials()).toHaveLength(1);

    await page.getByRole('link', { name: 'Matters' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Smith v. Jones');
    await page.getByRole('button', { name: 'Open matter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Smith v. Jones' }).waitFor();
    matterId = /\/matters\/(mat_[a-z0-9]+)/.exec(page.url())?.[1] ?? '';
    expect(matterId).not.toBe('');
  }, 120_000);

  test('the lawyer uploads three files at once, each with its progress bar', async () => {
    const page = lawyerPerson.page;
    await page.getByLabel('Choose files to upload').setInputFiles(files);
    for (const file of files) {
      await expect.poll(() => page.getByRole('progressbar', { name: file.name }).count()).toBe(1);
    }
    await page.getByRole('status').filter({ hasText: '3 of 3 uploaded.' }).waitFor();
    const table = page.getByRole('table', { name: /Documents in/ });
    for (const file of files) await table.getByRole('link', { name: file.name, exact: true }).waitFor();
  }, 60_000);

  test('the assistant joins and asks for access by the reference the lawyer shared; the lawyer approves', async () => {
    const page = await newBrowserPage();
    await acceptInvitation(page, assistantLink, assistant);
    assistantPerson = await signInAndEnrolTotp(page, world.url, assistant.username, assistant.password);
    await page.goto(`${world.url}/matters`);
    await page.getByText('You are not a member of any matter yet.').waitFor();
    await page.getByLabel('Matter reference').fill(matterId);
    await page.getByLabel('Access you need').selectOption('viewer');
    await page.getByLabel('Why you need it').fill('Preparing the exhibit binder for Lena.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('status').filter({ hasText: /sent/i }).waitFor();

    const lawyerPage = lawyerPerson.page;
    await lawyerPage.goto(`${world.url}/matters/${matterId}/requests`);
    const card = lawyerPage
      .getByRole('listitem')
      .filter({ hasText: `${assistant.username} asks to be viewer` });
    await card.getByText('Preparing the exhibit binder for Lena.').waitFor();
    await clickWithStepUp(
      lawyerPerson,
      card.getByRole('button', { name: `Approve ${assistant.username}` }),
      lawyerPage.getByText('No pending requests.'),
    );
  }, 120_000);

  test('the assistant downloads a file whose SHA-256 matches, and its receipt verifies offline', async () => {
    const page = assistantPerson.page;
    await page.goto(`${world.url}/matters`);
    await page.getByRole('link', { name: 'Smith v. Jones' }).click();
    const retainer = files[2];
    if (retainer === undefined) throw new Error('no file');
    await page.getByRole('link', { name: retainer.name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: retainer.name }).waitFor();
    await expect.poll(() => page.getByTestId('current-sha256').textContent()).toBe(sha256(retainer.buffer));

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download', exact: true }).click(),
    ]);
    expect(sha256(readFileSync(await download.path()))).toBe(sha256(retainer.buffer));

    const [receiptDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download receipt' }).click(),
    ]);
    const receiptFile = join(world.dataDir, '..', 'receipt.json');
    writeFileSync(receiptFile, readFileSync(await receiptDownload.path()));

    // The key people check receipts with is the one the Ledger page publishes.
    await page.goto(`${world.url}/audit`);
    verifierKey = (await page.getByTestId('verifier-key').textContent()) ?? '';
    expect(verifierKey).toMatch(/^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/);
    const proved = await runWrit(['ledger', 'prove', receiptFile, '--key', verifierKey]);
    expect(proved, proved.stderr).toMatchObject({ exitCode: 0 });

    // A receipt with one byte of its event changed does not verify.
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8')) as Record<string, unknown>;
    const tamperedFile = join(world.dataDir, '..', 'receipt-tampered.json');
    writeFileSync(tamperedFile, JSON.stringify({ ...receipt, jws: `${String(receipt.jws)}x` }));
    const refused = await runWrit(['ledger', 'prove', tamperedFile, '--key', verifierKey]);
    expect(refused.exitCode).not.toBe(0);

    for (const person of [admin, lawyerPerson.page, page]) {
      expect(await person.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    }
  }, 120_000);
});
