import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requestHttps } from '../support/cli.js';
import {
  adminPassword,
  adminUsername,
  expectAccessible,
  signInThroughUi,
  startWebWorld,
  totpCode,
  userPassword,
  viewports,
  type WebWorld,
  enrolApiUser,
  type ApiUser,
} from './web-support.js';

/**
 * The second round of a UX review, in headless Chromium against a real `writ serve`: owners see access
 * requests waiting for them, clients and process servers never see their colleagues as ids, the phone
 * layout scrolls once and puts a process server's upload first, and the document page names its matter
 * and its uploaders. One browser; each person signs in after the previous one's cookies are cleared.
 */

/** A code is accepted once: waits until the user's authenticator shows another one. */
async function nextTotpWindow(user: ApiUser): Promise<void> {
  const used = totpCode(user.totpSecret);
  while (totpCode(user.totpSecret) === used) await new Promise((resolve) => setTimeout(resolve, 500));
}

describe('web UI: second round of UX review fixes (matters, documents, phone layout)', () => {
  let world: WebWorld;
  let page: Page;
  let lena: ApiUser;
  let pat: ApiUser;
  let admin: ApiUser;
  let smithId = '';
  let doeId = '';
  let briefId = '';

  async function signInAs(username: string, user?: ApiUser, password = userPassword): Promise<void> {
    await page.context().clearCookies();
    await page.setViewportSize(viewports.desktop);
    if (user !== undefined) await nextTotpWindow(user);
    await signInThroughUi(page, world.url, {
      username,
      password,
      ...(user === undefined ? {} : { totpSecret: user.totpSecret }),
    });
  }

  beforeAll(async () => {
    world = await startWebWorld({
      users: [
        { username: 'lena-lawyer', role: 'lawyer' },
        { username: 'bob-lawyer', role: 'lawyer' },
        { username: 'abe-assistant', role: 'assistant' },
        { username: 'cleo-client', role: 'client' },
        { username: 'pat-server', role: 'process_server' },
      ],
    });
    lena = await enrolApiUser(world, 'lena-lawyer');
    const bob = await enrolApiUser(world, 'bob-lawyer');
    const abe = await enrolApiUser(world, 'abe-assistant');
    pat = await enrolApiUser(world, 'pat-server');
    admin = await enrolApiUser(world, adminUsername, adminPassword);
    const create = async (name: string) => {
      const created = await lena.json('POST', '/api/matters', { name });
      expect(created.status, created.text).toBe(201);
      return (created.json() as { id: string }).id;
    };
    smithId = await create('Smith v. Jones');
    doeId = await create('Doe estate');
    const found = await lena.json('POST', '/api/directory/lookup', { usernames: ['cleo-client'] });
    expect(found.status, found.text).toBe(200);
    const cleoId = (found.json() as { users: { id: string }[] }).users[0]?.id ?? '';
    for (const [userId, role] of [
      [cleoId, 'viewer'],
      [pat.id, 'editor'],
    ] as const) {
      const added = await lena.json('PUT', `/api/matters/${smithId}/members/${userId}`, { role });
      expect(added.status, added.text).toBe(200);
    }
    for (const [who, matterId, role] of [
      [bob, smithId, 'editor'],
      [abe, smithId, 'viewer'],
      [abe, doeId, 'editor'],
    ] as const) {
      const asked = await who.json('POST', `/api/matters/${matterId}/access-requests`, {
        role,
        reason: 'Covering the hearing next week.',
      });
      expect(asked.status, asked.text).toBe(202);
    }
    // Enough documents that a boxed list would scroll inside the phone's page.
    for (let index = 10; index < 40; index += 1) {
      const uploaded = await lena.raw(
        `/api/matters/${smithId}/documents?name=exhibit-${index}.txt`,
        `Exhibit ${index}\n`,
      );
      expect(uploaded.status, uploaded.text).toBe(201);
    }
    const brief = await lena.raw(`/api/matters/${smithId}/documents?name=brief.txt`, 'Draft one.\n');
    expect(brief.status, brief.text).toBe(201);
    briefId = (brief.json() as { document: { id: string } }).document.id;
    const second = await pat.raw(`/api/matters/${smithId}/documents?name=brief.txt`, 'Served copy.\n');
    expect(second.status, second.text).toBe(200);
    page = await world.browser.newPage();
  }, 180_000);

  afterAll(async () => {
    await world?.close();
  });

  test('an owner sees how many requests wait, on the Requests link and on each matter, and decides them on the Requests page', async () => {
    await signInAs('lena-lawyer', lena);
    await page.goto(`${world.url}/matters`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: /^Requests\W+3 access requests waiting$/ }).waitFor();
    const smith = page.getByRole('row').filter({ hasText: 'Smith v. Jones' });
    await smith.getByRole('link', { name: '2 access requests waiting' }).waitFor();
    const doe = page.getByRole('row').filter({ hasText: 'Doe estate' });
    await doe.getByRole('link', { name: '1 access request waiting' }).waitFor();

    await nav.getByRole('link', { name: /^Requests/ }).click();
    const waiting = page.getByRole('region', { name: 'Requests waiting for you' });
    const bobCard = waiting
      .getByRole('listitem')
      .filter({ hasText: 'bob-lawyer asks to be editor of Smith v. Jones' });
    await bobCard.waitFor();
    await waiting
      .getByRole('listitem')
      .filter({ hasText: 'abe-assistant asks to be viewer of Smith v. Jones' })
      .waitFor();
    await waiting
      .getByRole('listitem')
      .filter({ hasText: 'abe-assistant asks to be editor of Doe estate' })
      .waitFor();
    await expectAccessible(page, 'the requests page with requests waiting');

    await bobCard.getByRole('button', { name: 'Approve bob-lawyer' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'bob-lawyer is now editor of Smith v. Jones.' })
      .waitFor();
    await nav.getByRole('link', { name: /^Requests\W+2 access requests waiting$/ }).waitFor();
    await expect.poll(() => waiting.getByRole('listitem').filter({ hasText: 'bob-lawyer' }).count()).toBe(0);
  }, 120_000);

  test('the document page names its matter first and who uploaded each version', async () => {
    await page.goto(`${world.url}/documents/${briefId}`);
    await page.getByRole('heading', { level: 1, name: 'brief.txt' }).waitFor();
    const trail = page.getByRole('navigation', { name: 'Folder' });
    await trail.getByRole('link', { name: 'Smith v. Jones' }).waitFor();
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.getByRole('columnheader', { name: 'Uploaded by' }).waitFor();
    const row = (version: number) =>
      versions
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: String(version), exact: true }) });
    await row(2).getByRole('cell', { name: 'pat-server', exact: true }).waitFor();
    await row(1).getByRole('cell', { name: 'You', exact: true }).waitFor();
  }, 60_000);

  test('the page declares a favicon that the server serves', async () => {
    await page.goto(`${world.url}/matters`);
    const href = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(href).toBeTruthy();
    const icon = await requestHttps({ url: new URL(href ?? '', world.url).toString(), ca: world.ca });
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toContain('image/svg+xml');
  }, 60_000);

  test('on a phone the document list scrolls with the page, not in a box of its own', async () => {
    await page.setViewportSize(viewports.phone);
    await page.goto(`${world.url}/matters/${smithId}`);
    const list = page.getByRole('region', { name: /^Documents in the top folder/ });
    await list.getByRole('link', { name: 'brief.txt' }).waitFor();
    const box = await list.evaluate((element) => ({
      scrollHeight: element.scrollHeight,
      clientHeight: element.clientHeight,
      overflowY: getComputedStyle(element).overflowY,
    }));
    expect(box.overflowY).toBe('visible');
    expect(box.scrollHeight).toBeLessThanOrEqual(box.clientHeight + 1);
    // Rows are measured as they render, so the page's end may move while it is scrolled to.
    const last = list.getByRole('link', { name: 'exhibit-39.txt' });
    const lastBottom = async () => {
      const box = (await last.count()) === 0 ? null : await last.boundingBox();
      return box === null ? Infinity : box.y + box.height;
    };
    await expect
      .poll(async () => {
        await page.evaluate(() => {
          window.scrollTo(0, document.documentElement.scrollHeight);
        });
        return lastBottom();
      })
      .toBeLessThanOrEqual(viewports.phone.height);
    expect(await list.evaluate((element) => element.scrollTop)).toBe(0);
    await page.setViewportSize(viewports.desktop);
  }, 60_000);

  test('a client sees herself as “(you)” and colleagues by their role, never by id, and no Ledger link', async () => {
    const lookups: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/directory/lookup') lookups.push(request.url());
    });
    await signInAs('cleo-client');
    await page.goto(`${world.url}/matters/${smithId}/members`);
    const members = page.getByRole('region', { name: 'Members' });
    await members.getByRole('row').filter({ hasText: 'cleo-client (you)' }).waitFor();
    await members.getByRole('cell', { name: 'Matter owner', exact: true }).waitFor();
    await members.getByRole('cell', { name: 'Matter editor', exact: true }).first().waitFor();
    expect(await members.textContent()).not.toMatch(/usr_/);
    await expectAccessible(page, 'the members tab as a client');

    await page.goto(`${world.url}/documents/${briefId}`);
    const history = page.getByRole('table', { name: 'Events of this document, oldest first' });
    await history.getByRole('cell', { name: 'Matter owner', exact: true }).first().waitFor();
    await history.getByRole('cell', { name: 'Matter editor', exact: true }).first().waitFor();
    expect(await history.textContent()).not.toMatch(/usr_/);
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.getByRole('cell', { name: 'Matter editor', exact: true }).waitFor();
    expect(await versions.textContent()).not.toMatch(/usr_/);
    expect(lookups).toEqual([]);

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Account' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Ledger' }).count()).toBe(0);
  }, 120_000);

  test('on a process server’s phone the upload button comes before the new folder form, and there is no Ledger link', async () => {
    await signInAs('pat-server', pat);
    await page.setViewportSize(viewports.phone);
    await page.goto(`${world.url}/matters/${smithId}`);
    const upload = page.locator('label', { hasText: 'Choose files to upload' });
    const newFolder = page.getByLabel('New folder name');
    await upload.waitFor();
    await newFolder.waitFor();
    const uploadBox = await upload.boundingBox();
    const folderBox = await newFolder.boundingBox();
    expect(uploadBox?.y ?? Infinity).toBeLessThan(folderBox?.y ?? 0);
    await page.setViewportSize(viewports.desktop);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ledger' }).count(),
    ).toBe(0);
  }, 120_000);

  test('on a phone the administrator sees each account’s status and actions without scrolling sideways', async () => {
    await signInAs(adminUsername, admin, adminPassword);
    await page.setViewportSize(viewports.phone);
    await page.goto(`${world.url}/admin`);
    const table = page.getByRole('table', { name: 'Accounts, by username' });
    await table.getByRole('rowheader', { name: 'bob-lawyer' }).waitFor();
    const wrap = await table.evaluate((element) => {
      const parent = element.parentElement ?? element;
      return { scrollWidth: parent.scrollWidth, clientWidth: parent.clientWidth };
    });
    expect(wrap.scrollWidth).toBeLessThanOrEqual(wrap.clientWidth);
    const disable = page.getByRole('button', { name: 'Disable bob-lawyer' });
    const status = table
      .getByRole('row')
      .filter({ hasText: 'bob-lawyer' })
      .getByText('Active', { exact: true });
    for (const locator of [disable, status]) {
      const box = await locator.boundingBox();
      expect(box).not.toBeNull();
      expect((box?.x ?? Infinity) + (box?.width ?? 0)).toBeLessThanOrEqual(viewports.phone.width);
    }
    await expectAccessible(page, 'the users table on a phone');
    await page.setViewportSize(viewports.desktop);
  }, 120_000);
});
