import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { requestHttps } from '../support/cli.js';
import {
  signInThroughUi,
  startWebWorld,
  totpCode,
  userPassword,
  type WebWorld,
  enrolApiUser,
  type ApiUser,
  waitForNextTotpStep,
} from './web-support.js';

/**
 * What a UX review found, each checked in headless Chromium against a real `writ serve` whose step-up
 * window is one minute: confirmations on the members tab, the step-up dead end of an account without a
 * second factor, downloads of highly sensitive documents, not-found pages and plain-language messages.
 */

async function userIdOf(owner: ApiUser, username: string): Promise<string> {
  const found = await owner.json('POST', '/api/directory/lookup', { usernames: [username] });
  expect(found.status, found.text).toBe(200);
  const id = (found.json() as { users: { id: string }[] }).users[0]?.id;
  if (id === undefined) throw new Error(`no ${username}`);
  return id;
}

type MemberRow = { userId: string; role: string; namedForHighlySensitive: boolean };

describe('web UI: fixes from the UX review', () => {
  let world: WebWorld;
  let lena: ApiUser;
  let page: Page;
  let clientBrowser: TestBrowser;
  let membersMatterId = '';
  let readdMatterId = '';
  let sensitiveMatterId = '';
  let sensitiveDocumentId = '';
  const ids = new Map<string, string>();

  async function membersOf(matterId: string): Promise<MemberRow[]> {
    const answer = await lena.json('GET', `/api/matters/${matterId}/members`);
    expect(answer.status, answer.text).toBe(200);
    return (answer.json() as { members: MemberRow[] }).members;
  }

  async function signInLena(): Promise<void> {
    await waitForNextTotpStep();
    await page.context().clearCookies();
    await signInThroughUi(page, world.url, {
      username: 'lena-lawyer',
      password: userPassword,
      totpSecret: lena.totpSecret,
    });
  }

  beforeAll(async () => {
    world = await startWebWorld({
      users: [
        { username: 'lena-lawyer', role: 'lawyer' },
        { username: 'walt-lawyer', role: 'lawyer' },
        { username: 'abe-assistant', role: 'assistant' },
        { username: 'cleo-client', role: 'client' },
        { username: 'tess-lawyer', role: 'lawyer' },
      ],
      env: { WRIT_STEP_UP_MINUTES: '1' },
    });
    lena = await enrolApiUser(world, 'lena-lawyer');
    for (const username of ['walt-lawyer', 'abe-assistant', 'cleo-client'])
      ids.set(username, await userIdOf(lena, username));
    const open = async (name: string) => {
      const created = await lena.json('POST', '/api/matters', { name });
      expect(created.status, created.text).toBe(201);
      return (created.json() as { id: string }).id;
    };
    const add = async (matterId: string, username: string, role: string, isNamed = false) => {
      const added = await lena.json('PUT', `/api/matters/${matterId}/members/${ids.get(username) ?? ''}`, {
        role,
        namedForHighlySensitive: isNamed,
      });
      expect(added.status, added.text).toBeLessThan(300);
    };
    membersMatterId = await open('Members matter');
    await add(membersMatterId, 'cleo-client', 'viewer');
    await add(membersMatterId, 'walt-lawyer', 'editor');
    readdMatterId = await open('Re-add matter');
    await add(readdMatterId, 'abe-assistant', 'editor', true);
    sensitiveMatterId = await open('Sensitive matter');
    await add(sensitiveMatterId, 'cleo-client', 'viewer');
    const uploaded = await lena.raw(
      `/api/matters/${sensitiveMatterId}/documents?name=notes.txt`,
      Buffer.from('Privileged notes.\n'),
    );
    expect(uploaded.status, uploaded.text).toBe(201);
    sensitiveDocumentId = (uploaded.json() as { document: { id: string } }).document.id;
    const raised = await lena.json('PUT', `/api/matters/${sensitiveMatterId}/classification`, {
      classification: 'highly_sensitive',
    });
    expect(raised.status, raised.text).toBe(200);
    // Five wrong passwords: tess's sign-ins are throttled for a while.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const failed = await requestHttps({
        url: `${world.url}/api/session`,
        ca: world.ca,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'tess-lawyer', password: 'not the password at all' }),
      });
      expect(failed.status).toBe(401);
    }
    page = await world.browser.newPage();
    clientBrowser = await launchTestBrowser({ trustedCertificatePem: world.ca });
  }, 120_000);

  afterAll(async () => {
    await clientBrowser?.close();
    await world?.close();
  });

  test('unknown, cut-short and missing links show the app’s “Nothing here” page with a way back; the API keeps JSON', async () => {
    const anonymous = await world.browser.newPage();
    for (const path of ['/no/such/page', '/Matters']) {
      const answer = await anonymous.goto(`${world.url}${path}`);
      expect(answer?.status(), path).toBe(404);
      await anonymous.getByRole('heading', { level: 1, name: 'Nothing here' }).waitFor();
      await anonymous.getByRole('link', { name: 'Go to the start page' }).waitFor();
      expect(await anonymous.content()).not.toContain('http.route_not_found');
    }
    await anonymous.goto(`${world.url}/sign-in/`);
    await anonymous.getByLabel('Username').waitFor();
    await anonymous.close();
    const api = await requestHttps({
      url: `${world.url}/api/no-such-thing`,
      ca: world.ca,
      method: 'GET',
      headers: { accept: 'text/html,application/xhtml+xml' },
    });
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');

    await signInLena();
    for (const path of [
      '/documents/doc_bogus',
      `/documents/doc_${'0'.repeat(26)}`,
      `/matters/${membersMatterId}/folders/fld_bogus`,
      '/matters/mat_bogus',
    ]) {
      await page.goto(`${world.url}${path}`);
      await page.getByRole('heading', { level: 1, name: 'Nothing here' }).waitFor();
      await page.getByRole('link', { name: 'Go to your matters' }).waitFor();
      expect(await page.getByRole('button', { name: 'Try again' }).count(), path).toBe(0);
      expect(await page.getByText('must match pattern').count(), path).toBe(0);
    }

    await page.goto(`${world.url}/matters`);
    await page.getByLabel('Name', { exact: true }).fill('   ');
    await page.getByRole('button', { name: 'Open matter' }).click();
    await page.getByRole('alert').filter({ hasText: 'Give the matter a name' }).waitFor();
    expect(await page.getByText('must NOT have fewer than').count()).toBe(0);
  }, 120_000);

  test('a throttled sign-in says once when to try again', async () => {
    // A browser of its own: the other pages' sign-in would lead /sign-in elsewhere.
    const throttled = await clientBrowser.newPage();
    await throttled.goto(`${world.url}/sign-in`);
    await throttled.getByLabel('Username').fill('tess-lawyer');
    await throttled.getByLabel('Password', { exact: true }).fill(userPassword);
    await throttled.getByRole('button', { name: 'Sign in', exact: true }).click();
    await throttled.getByRole('alert').filter({ hasText: 'Too many failed attempts' }).waitFor();
    expect(await throttled.getByText(/try again in/i).count()).toBe(1);
    await throttled.close();
  }, 60_000);

  test('on the members tab, making a client an owner, demoting the last firm owner and changing one’s own role each ask first; the page then shows the new role', async () => {
    await signInLena();
    await page.goto(`${world.url}/matters/${membersMatterId}/members`);
    const row = (username: string) => page.getByRole('row').filter({ hasText: username });
    await row('cleo-client').getByRole('cell', { name: 'Viewer', exact: true }).waitFor();

    await row('cleo-client').getByLabel('Role of cleo-client').selectOption('owner');
    await row('cleo-client').getByRole('button', { name: 'Change role of cleo-client' }).click();
    const toClient = page.getByRole('dialog', { name: 'Make cleo-client an owner?' });
    await toClient.getByText('cleo-client is a client account, from outside the firm.').waitFor();
    await toClient.getByRole('button', { name: 'Cancel' }).click();
    await row('cleo-client').getByText('Outside the firm (client)').waitFor();
    expect((await membersOf(membersMatterId)).find((m) => m.userId === ids.get('cleo-client'))?.role).toBe(
      'viewer',
    );

    await row('lena-lawyer').getByLabel('Role of lena-lawyer').selectOption('editor');
    await row('lena-lawyer').getByRole('button', { name: 'Change role of lena-lawyer' }).click();
    const self = page.getByRole('dialog', { name: 'Change your own role?' });
    await self.getByText('You are the last owner from the firm.').waitFor();
    await self.getByRole('button', { name: 'Cancel' }).click();

    await row('lena-lawyer').getByRole('button', { name: 'Remove lena-lawyer' }).click();
    const removal = page.getByRole('dialog', { name: 'Remove lena-lawyer?' });
    await removal.getByText('You are the last owner from the firm.').waitFor();
    await removal.getByRole('button', { name: 'Cancel' }).click();

    // Another firm owner: no question asked.
    await row('walt-lawyer').getByLabel('Role of walt-lawyer').selectOption('owner');
    await row('walt-lawyer').getByRole('button', { name: 'Change role of walt-lawyer' }).click();
    await page.getByRole('status').filter({ hasText: 'walt-lawyer is now an owner.' }).waitFor();

    await row('lena-lawyer').getByLabel('Role of lena-lawyer').selectOption('editor');
    await row('lena-lawyer').getByRole('button', { name: 'Change role of lena-lawyer' }).click();
    const again = page.getByRole('dialog', { name: 'Change your own role?' });
    await again.getByText(/You are changing your own role to editor/).waitFor();
    expect(await again.getByText('last owner from the firm').count()).toBe(0);
    await again.getByRole('button', { name: 'Change role' }).click();
    await page.getByRole('status').filter({ hasText: 'You are now an editor in this matter.' }).waitFor();
    await expect
      .poll(() =>
        page.locator('.matter-facts div').filter({ hasText: 'Your role' }).locator('dd').textContent(),
      )
      .toBe('Editor');
    await expect.poll(() => page.getByRole('heading', { name: 'Add a member' }).count()).toBe(0);
    await expect.poll(() => page.getByRole('link', { name: 'Settings', exact: true }).count()).toBe(0);
  }, 120_000);

  test('adding someone who is already a member says so and asks before changing their role or naming', async () => {
    await page.goto(`${world.url}/matters/${readdMatterId}/members`);
    await page.getByLabel('Username', { exact: true }).fill('abe-assistant');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Add member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change abe-assistant’s membership?' });
    await dialog
      .getByText('abe-assistant is already a member, as an editor named for highly sensitive content.')
      .waitFor();
    await dialog.getByText('They would lose their naming for highly sensitive content.').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const unchanged = (await membersOf(readdMatterId)).find((m) => m.userId === ids.get('abe-assistant'));
    expect(unchanged).toMatchObject({ role: 'editor', namedForHighlySensitive: true });

    await page.getByRole('button', { name: 'Add member' }).click();
    await dialog.getByRole('button', { name: 'Change membership' }).click();
    await page.getByRole('status').filter({ hasText: 'abe-assistant is now a viewer.' }).waitFor();
    const changed = (await membersOf(readdMatterId)).find((m) => m.userId === ids.get('abe-assistant'));
    expect(changed).toMatchObject({ role: 'viewer', namedForHighlySensitive: false });
  }, 60_000);

  test('a client without a second factor is led to the account page, not to a dead end', async () => {
    const client = await clientBrowser.newPage();
    await signInThroughUi(client, world.url, { username: 'cleo-client', password: userPassword });
    await client.goto(`${world.url}/documents/${sensitiveDocumentId}`);
    const dialog = client.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.getByRole('link', { name: 'Set up a second factor on your account page' }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await client.getByRole('link', { name: 'Set up a second factor on your account page' }).waitFor();
    expect(await client.getByRole('button', { name: 'Try again' }).count()).toBe(0);

    await client.reload();
    await dialog.getByRole('link', { name: 'Set up a second factor on your account page' }).click();
    await expect.poll(() => new URL(client.url()).pathname).toBe('/account');
    await client.getByRole('heading', { name: 'Authenticator app' }).waitFor();
    expect(await dialog.count()).toBe(0);
    await client.close();
  }, 60_000);

  test('one Download click on a highly sensitive document is one read, and after the step-up window it asks for the second factor again', async () => {
    await signInLena();
    const history = page.getByRole('region', { name: 'History' });
    /** The reads of this document on the ledger, as its History section lists them. */
    const downloadsListed = async () => {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'notes.txt' }).waitFor();
      await history.getByRole('table').or(history.getByText('No events yet.')).first().waitFor();
      return history.getByRole('cell', { name: /^Downloaded/ }).count();
    };
    await page.goto(`${world.url}/documents/${sensitiveDocumentId}`);
    await page.getByRole('heading', { level: 1, name: 'notes.txt' }).waitFor();
    const download = page.getByRole('link', { name: 'Download', exact: true });
    const [first] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(await first.failure()).toBeNull();

    // The page stays open past the one-minute window: the content route would now refuse a plain link.
    await new Promise((resolve) => setTimeout(resolve, 62_000));
    await download.click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.getByLabel('Code from your authenticator app').fill(totpCode(lena.totpSecret));
    const [second] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByRole('button', { name: 'Confirm' }).click(),
    ]);
    expect(await second.failure()).toBeNull();
    // Two clicks, two reads on the ledger.
    await expect.poll(downloadsListed).toBe(2);
  }, 150_000);
});
