import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requestHttps } from '../support/cli.js';
import {
  adminPassword,
  adminUsername,
  expectAccessible,
  keepScreenshots,
  signInThroughUi,
  startWebWorld,
  userPassword,
  type WebWorld,
  enrolApiUser,
  waitForNextTotpStep,
} from './web-support.js';

/**
 * Administration, compliance and the ledger in the web UI, against a real `writ serve`: an administrator
 * invites a lawyer who joins through the link, disables and re-enables the account, designates a
 * compliance officer and makes a group with the newcomer in it; the officer screens a person and the group
 * from a matter and downloads an access report; the ledger page shows a signed checkpoint and the verifier
 * key; a document's history shows its upload with a proof status.
 */

const lawyer = { username: 'lena-lawyer', role: 'lawyer' } as const;
const auditor = { username: 'aldo-auditor', role: 'auditor' } as const;
const screened = { username: 'sam-screened', role: 'lawyer' } as const;
const newcomer = 'nina-newcomer';
const groupName = 'Mergers team';

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/\/sign-in/);
}

describe('web UI: administration, compliance and the ledger', () => {
  let world: WebWorld;
  let page: Page;
  const secrets = new Map<string, string>();
  let matterId = '';
  let documentId = '';
  let lawyerId = '';

  beforeAll(async () => {
    world = await startWebWorld({ users: [lawyer, auditor, screened] });
    const [admin, lawyerApi, auditorApi] = await Promise.all([
      enrolApiUser(world, adminUsername, adminPassword),
      enrolApiUser(world, lawyer.username, userPassword),
      enrolApiUser(world, auditor.username, userPassword),
    ]);
    secrets.set(adminUsername, admin.totpSecret);
    secrets.set(lawyer.username, lawyerApi.totpSecret);
    secrets.set(auditor.username, auditorApi.totpSecret);
    const matter = await lawyerApi.json('POST', '/api/matters', { name: 'Acme v Globex' });
    expect(matter.status, matter.text).toBe(201);
    matterId = (matter.json() as { id: string }).id;
    const uploaded = await lawyerApi.raw(
      `/api/matters/${matterId}/documents?name=complaint.txt`,
      Buffer.from('The complaint, filed today.'),
    );
    expect(uploaded.status, uploaded.text).toBe(201);
    documentId = (uploaded.json() as { document: { id: string } }).document.id;
    const session = await lawyerApi.json('GET', '/api/session');
    lawyerId = (session.json() as { user: { id: string } }).user.id;
    // Wrong passwords until the sign-in defence locks the account out.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const failed = await requestHttps({
        url: `${world.url}/api/session`,
        ca: world.ca,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: screened.username, password: 'not the password at all' }),
      });
      expect(failed.status).toBe(401);
    }
    await waitForNextTotpStep();
    page = await world.browser.newPage();
  }, 120_000);

  afterAll(async () => {
    await world?.close();
  });

  /** Each test starts from a fresh sign-in, whatever the previous one left behind. */
  const signIn = async (username: string, password: string) => {
    await page.context().clearCookies();
    await signInThroughUi(page, world.url, { username, password, totpSecret: secrets.get(username) ?? '' });
  };

  test('the administrator unlocks a locked-out account, invites a lawyer who joins, disables and enables them, designates a compliance officer and makes a group', async () => {
    await signIn(adminUsername, adminPassword);
    await page.goto(`${world.url}/admin`);
    await page.getByRole('heading', { name: 'Users', level: 2 }).waitFor();
    await page.getByRole('rowheader', { name: lawyer.username }).waitFor();
    const lockedRow = page.getByRole('row', { name: new RegExp(screened.username) });
    await expect.poll(() => lockedRow.textContent()).toMatch(/Locked out.*until/);
    await expectAccessible(page, 'admin users');
    await keepScreenshots(page, 'admin-users');
    await page.getByRole('button', { name: `Unlock ${screened.username}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlock account' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${screened.username} is unlocked` })
      .waitFor();
    await expect.poll(() => lockedRow.textContent()).toContain('Not locked');

    await page.getByRole('link', { name: 'Invitations' }).click();
    await expect.poll(() => page.url()).toMatch(/\/admin\/invitations$/);
    await page.getByLabel('Role of the new account').selectOption('auditor');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    await page.getByRole('status').filter({ hasText: 'Invitation for an auditor created.' }).waitFor();
    await page.getByLabel('Role of the new account').selectOption('lawyer');
    await page.getByRole('button', { name: 'Create invitation' }).click();
    await page.getByRole('status').filter({ hasText: 'Invitation for a lawyer created.' }).waitFor();
    const linkField = page.getByLabel(/^Invitation link/);
    await linkField.waitFor();
    const link = await linkField.inputValue();
    expect(link).toMatch(/\/invite#token=/);
    await page.getByRole('cell', { name: 'Open', exact: true }).first().waitFor();
    await expectAccessible(page, 'admin invitations');
    await keepScreenshots(page, 'admin-invitations');

    const invitee = await world.browser.newPage();
    await invitee.goto(link);
    await invitee.getByLabel('Username').fill(newcomer);
    await invitee.getByLabel('New password').fill('a long and private passphrase 42');
    await invitee.getByRole('button', { name: 'Create my account' }).click();
    await invitee.getByText('Your account is ready').waitFor();
    await invitee.close();

    await page.getByRole('link', { name: 'Users' }).click();
    const row = page.getByRole('row', { name: new RegExp(newcomer) });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toContain('Active');
    await page.getByRole('button', { name: `Disable ${newcomer}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable account' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${newcomer} is disabled` })
      .waitFor();
    await expect.poll(() => row.textContent()).toContain('Disabled');
    await page.getByRole('button', { name: `Enable ${newcomer}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Enable account' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${newcomer} is enabled` })
      .waitFor();
    await expect.poll(() => row.textContent()).toContain('Active');

    await page.getByRole('link', { name: 'Compliance officers' }).click();
    await page.getByRole('button', { name: `Make compliance officer ${auditor.username}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Make compliance officer' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${auditor.username} is a compliance officer` })
      .waitFor();
    await page
      .getByRole('row', { name: new RegExp(auditor.username) })
      .getByText(/^Yes, since/)
      .waitFor();

    await page.getByRole('link', { name: 'Groups' }).click();
    await expect.poll(() => page.url()).toMatch(/\/admin\/groups$/);
    await page.getByLabel('New group name').fill(groupName);
    await page.getByRole('button', { name: 'Create group' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `The group “${groupName}” is created` })
      .waitFor();
    await page
      .getByRole('row', { name: new RegExp(groupName) })
      .getByText('No members', { exact: true })
      .waitFor();
    await page.getByLabel(`Username to add to ${groupName}`).fill(newcomer);
    await page.getByRole('button', { name: `Add member to ${groupName}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${newcomer} is a member of ${groupName}` })
      .waitFor();
    await expect
      .poll(() => page.getByRole('row', { name: new RegExp(groupName) }).textContent())
      .toContain(newcomer);
    await expectAccessible(page, 'admin groups');
    await keepScreenshots(page, 'admin-groups');
    await signOut(page);
  }, 120_000);

  test('the compliance officer screens a person and a group from a matter and downloads its access report as CSV', async () => {
    await signIn(auditor.username, userPassword);
    await page.goto(`${world.url}/compliance`);
    await page.getByLabel('Matter reference').fill(matterId);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByText('No wall stands on this matter.').waitFor();
    await page.getByLabel('Username to screen').fill(screened.username);
    await page.getByRole('button', { name: 'Add wall' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${screened.username} is screened` })
      .waitFor();
    await page.getByRole('rowheader', { name: screened.username }).waitFor();
    await page.getByLabel('Group to screen').selectOption({ label: groupName });
    await page.getByRole('button', { name: 'Screen group' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Every member of ${groupName} is screened` })
      .waitFor();
    await page.getByRole('rowheader', { name: `Group ${groupName}` }).waitFor();
    await expectAccessible(page, 'compliance walls');
    await keepScreenshots(page, 'compliance-walls');

    await page.getByRole('link', { name: 'Access reports' }).click();
    await expect.poll(() => page.url()).toContain(`/compliance/access-reports?matter=${matterId}`);
    await page.getByRole('rowheader', { name: lawyer.username }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`access-report-${matterId}.csv`);
    const csv = readFileSync((await download.path()) ?? '', 'utf8');
    expect(csv).toContain(lawyerId);
    await expectAccessible(page, 'access report');
    await keepScreenshots(page, 'access-report');
  }, 120_000);

  test('the ledger page shows a signed checkpoint with entries and the verifier key', async () => {
    await page.goto(`${world.url}/audit`);
    // The sequencer signs a checkpoint every few seconds once the log grew.
    await expect
      .poll(
        async () => {
          await page.reload();
          const size = page.getByTestId('tree-size');
          await Promise.race([
            size.waitFor({ timeout: 5_000 }),
            page.getByRole('alert').waitFor({ timeout: 5_000 }),
          ]).catch(() => undefined);
          return (await size.count()) === 1 ? Number(await size.textContent()) : 0;
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBeGreaterThan(0);
    expect(await page.getByTestId('verifier-key').textContent()).toMatch(
      /^[^+\s]+\+[0-9a-f]{8}\+[A-Za-z0-9+/=]+$/,
    );
    await page.getByText('writ ledger prove receipt.json').waitFor();
    await expectAccessible(page, 'ledger');
    await keepScreenshots(page, 'ledger');
    await signOut(page);
  }, 120_000);

  test("a document's history shows its upload with a proof status", async () => {
    await signIn(lawyer.username, userPassword);
    await page.goto(`${world.url}/documents/${documentId}`);
    const history = page.getByRole('region', { name: 'History' });
    const upload = history.getByRole('row', { name: /Uploaded \(version 1\)/ });
    await upload.waitFor();
    await expect
      .poll(
        async () => {
          await page.reload();
          await upload.waitFor();
          return upload.textContent();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toContain('In a signed checkpoint');
    expect(await upload.textContent()).toContain('You');
  }, 120_000);
});
