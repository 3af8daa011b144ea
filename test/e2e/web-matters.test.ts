import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { type SftpTestUser, signInWithTotp } from '../sftp/sftp-support.js';
import {
  adminUsername,
  expectAccessible,
  keepScreenshots,
  signInThroughUi,
  startWebWorld,
  totpCode,
  userPassword,
  type WebWorld,
} from './web-support.js';

/**
 * Matters in the web UI, in headless Chromium against a real `writ serve`: a lawyer opens matters, an
 * assistant asks for access by the reference a colleague shared, the lawyer approves one request (until a
 * date) and denies another, and each sees the outcome. Two browsers, one per person (each has its own
 * cookie jar); both enrolled TOTP through the API and sign in through the UI.
 */

const unknownMatterId = `mat_${'0'.repeat(26)}`;
const sentMessage = /was sent\. If the reference is right, the matter’s owners will decide on it/;

/** A date input's value some days ahead (local time, as the browser reads it). */
function daysAhead(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Waits for the next TOTP window: the enrolment used this one, and a code is accepted once. */
async function nextTotpWindow(user: SftpTestUser): Promise<void> {
  const used = totpCode(user.totpSecret);
  while (totpCode(user.totpSecret) === used) await new Promise((resolve) => setTimeout(resolve, 500));
}

describe('matters in the web UI', () => {
  let world: WebWorld;
  let secondBrowser: TestBrowser;
  let lawyerPage: Page;
  let assistantPage: Page;
  let lawyer: SftpTestUser;
  let matterId = '';
  let publicMatterId = '';

  beforeAll(async () => {
    world = await startWebWorld({
      users: [
        { username: 'lena-lawyer', role: 'lawyer' },
        { username: 'abe-assistant', role: 'assistant' },
        { username: 'cleo-client', role: 'client' },
        { username: 'olga-auditor', role: 'auditor' },
        { username: 'walt-lawyer', role: 'lawyer' },
      ],
    });
    lawyer = await signInWithTotp({ url: world.url, ca: world.ca, username: 'lena-lawyer' });
    const assistant = await signInWithTotp({ url: world.url, ca: world.ca, username: 'abe-assistant' });
    secondBrowser = await launchTestBrowser({ trustedCertificatePem: world.ca });
    await nextTotpWindow(assistant);
    lawyerPage = await world.browser.newPage();
    await signInThroughUi(lawyerPage, world.url, {
      username: 'lena-lawyer',
      password: userPassword,
      totpSecret: lawyer.totpSecret,
    });
    assistantPage = await secondBrowser.newPage();
    await signInThroughUi(assistantPage, world.url, {
      username: 'abe-assistant',
      password: userPassword,
      totpSecret: assistant.totpSecret,
    });
  }, 180_000);

  afterAll(async () => {
    await secondBrowser?.close();
    await world?.close();
  });

  test('a lawyer opens matters in the UI and sees them listed with their classification', async () => {
    const page = lawyerPage;
    await page.goto(`${world.url}/matters`);
    await page.getByLabel('Name', { exact: true }).fill('Smith v. Jones');
    await page.getByRole('button', { name: 'Open matter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Smith v. Jones' }).waitFor();
    matterId = /\/matters\/(mat_[0-9a-z]{26})$/.exec(new URL(page.url()).pathname)?.[1] ?? '';
    expect(matterId).not.toBe('');
    await expect.poll(() => page.locator('.tabs [aria-current="page"]').textContent()).toBe('Documents');

    await page.goto(`${world.url}/matters`);
    await page.getByLabel('Name', { exact: true }).fill('Doe estate');
    await page.getByLabel('Classification', { exact: true }).selectOption('public');
    await page.getByLabel('Why may this matter be public?').fill('Published probate filings only.');
    await page.getByRole('button', { name: 'Open matter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Doe estate' }).waitFor();
    publicMatterId = /\/matters\/(mat_[0-9a-z]{26})$/.exec(new URL(page.url()).pathname)?.[1] ?? '';
    expect(publicMatterId).not.toBe('');

    await page.goto(`${world.url}/matters`);
    const smith = page.getByRole('row').filter({ hasText: 'Smith v. Jones' });
    await smith.getByText('Internal', { exact: true }).waitFor();
    await smith.getByText(matterId).waitFor();
    await smith.getByText('Owner', { exact: true }).waitFor();
    const doe = page.getByRole('row').filter({ hasText: 'Doe estate' });
    await doe.getByText('Public', { exact: true }).waitFor();

    await page.getByLabel('Filter matters').fill('smith');
    await expect.poll(() => page.getByRole('row').count()).toBe(2);
    await page.getByText('1 of 2 matters match').waitFor();
    await page.getByLabel('Filter matters').fill('');
    await expectAccessible(page, 'the matters list');
    await keepScreenshots(page, 'matters');
  }, 60_000);

  test('an assistant asks for access by reference and hears the same whether or not the matter exists', async () => {
    const page = assistantPage;
    await page.goto(`${world.url}/matters`);
    await page.getByText('You are not a member of any matter yet.').waitFor();
    await page.getByLabel('Matter reference').fill('smith-v-jones');
    await page.getByLabel('Why you need it').fill('Drafting the reply brief with Lena.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('alert').filter({ hasText: 'A reference is mat_ followed by 26 letters' }).waitFor();
    for (const [reference, role, reason] of [
      [matterId, 'editor', 'Drafting the reply brief with Lena.'],
      [unknownMatterId, 'viewer', 'A reference I was given.'],
      [publicMatterId, 'viewer', 'Checking the probate schedule.'],
    ] as const) {
      await page.getByLabel('Matter reference').fill(reference);
      await page.getByLabel('Access you need').selectOption(role);
      await page.getByLabel('Why you need it').fill(reason);
      await page.getByRole('button', { name: 'Send request' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: sentMessage })
        .filter({ hasText: reference })
        .waitFor();
    }

    await page.goto(`${world.url}/requests`);
    const rows = page.getByRole('row');
    await rows.filter({ hasText: matterId }).getByText('Waiting for the owners').waitFor();
    await rows.filter({ hasText: publicMatterId }).getByText('Waiting for the owners').waitFor();
    // The unknown reference stored nothing: only the two real requests are listed.
    await expect.poll(() => rows.count()).toBe(3);
  }, 60_000);

  test('the lawyer approves one request until a date and denies the other', async () => {
    const page = lawyerPage;
    await page.goto(`${world.url}/matters/${matterId}/requests`);
    const card = page.getByRole('listitem').filter({ hasText: 'abe-assistant asks to be editor' });
    await card.getByText('Drafting the reply brief with Lena.').waitFor();
    await expect.poll(() => page.locator('.tabs [aria-current="page"]').textContent()).toBe('Requests');
    await expectAccessible(page, 'the requests tab');
    await keepScreenshots(page, 'matter-requests');
    await card.getByLabel('Access until (optional)').fill(daysAhead(30));
    await card.getByRole('button', { name: 'Approve abe-assistant' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'abe-assistant is now editor of this matter.' })
      .waitFor();
    await page.getByText('No pending requests.').waitFor();

    await page.goto(`${world.url}/matters/${publicMatterId}/requests`);
    await page.getByRole('button', { name: 'Deny abe-assistant' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deny abe-assistant’s request?' });
    await dialog.getByRole('button', { name: 'Deny', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'The request of abe-assistant was denied.' }).waitFor();
  }, 60_000);

  test('the members tab shows the assistant’s role and end date; owners add, change and remove members', async () => {
    const page = lawyerPage;
    await page.goto(`${world.url}/matters/${matterId}/members`);
    const abe = page.getByRole('row').filter({ hasText: 'abe-assistant' });
    await abe.getByRole('cell', { name: 'Editor', exact: true }).waitFor();
    // Formatted by the browser, as the page formats it.
    const until = await page.evaluate(
      (day) =>
        new Date(`${day}T12:00:00`).toLocaleDateString(undefined, {
          year: 'numeric',
          month: 'short',
          day: 'numeric',
        }),
      daysAhead(30),
    );
    await abe.getByRole('cell', { name: until, exact: true }).waitFor();
    await page
      .getByRole('row')
      .filter({ hasText: 'lena-lawyer' })
      .getByRole('cell', { name: 'Owner', exact: true })
      .waitFor();

    await page.getByLabel('Username', { exact: true }).fill('nobody-here');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('alert').filter({ hasText: 'Nobody has the username “nobody-here”' }).waitFor();

    await page.getByLabel('Username', { exact: true }).fill('cleo-client');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.getByRole('status').filter({ hasText: 'cleo-client was added as a viewer.' }).waitFor();
    const cleo = page.getByRole('row').filter({ hasText: 'cleo-client' });
    await cleo.getByText('No end date').waitFor();

    await abe.getByLabel('Role of abe-assistant').selectOption('viewer');
    await abe.getByRole('button', { name: 'Change role of abe-assistant' }).click();
    await page.getByRole('status').filter({ hasText: 'abe-assistant is now a viewer.' }).waitFor();
    await abe.getByRole('cell', { name: 'Viewer', exact: true }).waitFor();

    await cleo.getByRole('button', { name: 'Remove cleo-client' }).click();
    await page
      .getByRole('dialog', { name: 'Remove cleo-client?' })
      .getByRole('button', { name: 'Remove', exact: true })
      .click();
    await page.getByRole('status').filter({ hasText: 'cleo-client was removed from the matter.' }).waitFor();
    await expect.poll(() => cleo.count()).toBe(0);

    await expectAccessible(page, 'the members tab');
    await keepScreenshots(page, 'matter-members');
  }, 60_000);

  test('the assistant now sees the matter, and the denied request as denied', async () => {
    const page = assistantPage;
    await page.goto(`${world.url}/matters`);
    const smith = page.getByRole('row').filter({ hasText: 'Smith v. Jones' });
    await smith.getByText('Viewer', { exact: true }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Doe estate' }).count()).toBe(0);

    await page.goto(`${world.url}/requests`);
    await page.getByRole('row').filter({ hasText: 'Smith v. Jones' }).getByText('Approved').waitFor();
    await page.getByRole('row').filter({ hasText: publicMatterId }).getByText('Denied').waitFor();
    await expectAccessible(page, 'the requests page');
    await keepScreenshots(page, 'requests');

    await page.getByRole('link', { name: 'Smith v. Jones' }).click();
    await page.getByRole('heading', { level: 1, name: 'Smith v. Jones' }).waitFor();
    // Viewers see neither the requests nor the settings tab.
    expect(await page.locator('.tabs a').allTextContents()).toEqual(['Documents', 'Members', 'Parties']);
  }, 60_000);

  test('an assistant withdraws a pending request', async () => {
    const page = assistantPage;
    await page.goto(`${world.url}/matters`);
    await page.getByLabel('Matter reference').fill(publicMatterId);
    await page.getByLabel('Why you need it').fill('Asking again after the hearing.');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('status').filter({ hasText: sentMessage }).waitFor();
    await page.goto(`${world.url}/requests`);
    await page.getByRole('button', { name: `Withdraw the request for ${publicMatterId}` }).click();
    await page
      .getByRole('dialog', { name: 'Withdraw this request?' })
      .getByRole('button', { name: 'Withdraw', exact: true })
      .click();
    await page.getByRole('status').filter({ hasText: 'Your request was withdrawn.' }).waitFor();
    await page.getByRole('row').filter({ hasText: publicMatterId }).getByText('Withdrawn').waitFor();
  }, 60_000);

  test('adding someone an ethical wall screens from the matter shows the server’s refusal', async () => {
    const admin = await signInWithTotp({ url: world.url, ca: world.ca, username: adminUsername });
    const listed = await admin.json('GET', '/api/admin/users');
    expect(listed.status, listed.text).toBe(200);
    const { users } = listed.json() as { users: { id: string; username: string }[] };
    const idOf = (username: string) => users.find((user) => user.username === username)?.id ?? '';
    const designated = await admin.json('PUT', `/api/admin/compliance-officers/${idOf('olga-auditor')}`);
    expect(designated.status, designated.text).toBe(200);
    const officer = await signInWithTotp({ url: world.url, ca: world.ca, username: 'olga-auditor' });
    const wall = await officer.json('POST', `/api/matters/${matterId}/walls`, {
      userId: idOf('walt-lawyer'),
    });
    expect(wall.status, wall.text).toBe(201);

    const page = lawyerPage;
    await page.goto(`${world.url}/matters/${matterId}/members`);
    await page.getByLabel('Username', { exact: true }).fill('walt-lawyer');
    await page.getByRole('button', { name: 'Add member' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'screened from this matter' });
    await refusal.getByText('Error code: documents.grantee_screened').waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'walt-lawyer' }).count()).toBe(0);
  }, 60_000);

  test('the lawyer records and removes parties of a matter', async () => {
    const page = lawyerPage;
    await page.goto(`${world.url}/matters/${matterId}/parties`);
    await page.getByText('No parties recorded yet.').waitFor();
    await page.getByLabel('Kind').selectOption('client');
    await page.getByLabel('Name', { exact: true }).fill('Alice Smith');
    await page.getByRole('button', { name: 'Add party' }).click();
    await page.getByRole('status').filter({ hasText: 'Alice Smith was added as client.' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Alice Smith' }).getByText('Client').waitFor();
    await page.getByRole('button', { name: 'Remove Alice Smith' }).click();
    await page
      .getByRole('dialog', { name: 'Remove Alice Smith?' })
      .getByRole('button', { name: 'Remove', exact: true })
      .click();
    await page.getByText('No parties recorded yet.').waitFor();
  }, 60_000);

  test('the owner raises and lowers the classification (with a reason), closes the matter and rotates its key', async () => {
    const page = lawyerPage;
    await page.goto(`${world.url}/matters/${matterId}/settings`);
    await page.getByLabel('Classification of the matter').selectOption('highly_sensitive');
    await page.getByRole('button', { name: 'Save classification' }).click();
    await page.getByRole('status').filter({ hasText: 'The classification was changed.' }).waitFor();
    await page.locator('.matter-facts').getByText('Highly sensitive').waitFor();

    await page.getByLabel('Classification of the matter').selectOption('internal');
    await page.getByRole('button', { name: 'Save classification' }).click();
    // Lowering without a reason is stopped by the form (the field is required).
    await page.getByLabel('Why lower it? (recorded)').fill('Sealing order lifted.');
    await page.getByRole('button', { name: 'Save classification' }).click();
    await page.locator('.matter-facts').getByText('Internal').waitFor();

    await page.getByLabel('Status of the matter').selectOption('closed');
    await page.getByRole('button', { name: 'Save status' }).click();
    await page.getByRole('status').filter({ hasText: 'The matter is now closed (read-only).' }).waitFor();
    await page.locator('.matter-facts').getByText('Closed (read-only)').waitFor();
    await page.getByLabel('Status of the matter').selectOption('open');
    await page.getByRole('button', { name: 'Save status' }).click();
    await page.locator('.matter-facts').getByText('Open', { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Rotate the matter key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the matter key?' });
    await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();
    // The sign-in's second factor is recent, so no step-up is asked for here.
    await page.getByRole('status').filter({ hasText: 'The matter key was rotated;' }).waitFor();
    await expectAccessible(page, 'the settings tab');
  }, 60_000);

  test('a matter that does not exist, or that one cannot see, shows the same not-found page', async () => {
    for (const id of [unknownMatterId, publicMatterId]) {
      await assistantPage.goto(`${world.url}/matters/${id}/members`);
      await assistantPage.getByRole('heading', { level: 1, name: 'Nothing here' }).waitFor();
      await assistantPage.getByText('This page does not exist, or you cannot see it.').waitFor();
    }
  }, 60_000);
});
