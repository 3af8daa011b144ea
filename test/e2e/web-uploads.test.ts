import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SftpTestUser, signInWithTotp } from '../sftp/sftp-support.js';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import { signInThroughUi, startWebWorld, totpCode, userPassword, type WebWorld } from './web-support.js';

/**
 * Uploads in the web UI that must not surprise anyone, in headless Chromium against a real `writ serve`:
 * uploads outlive the trash view and leaving the page asks first, a file named like a document already
 * there asks before it becomes a new version, a new version goes only once confirmed, a viewer is offered
 * no change, and the compliance pages keep one matter form. One browser per person (each its own cookies).
 */

type Listing = { documents: { id: string; name: string; currentVersion: number }[] };

const text = (name: string, content: string, mimeType = 'text/plain') => ({
  name,
  mimeType,
  buffer: Buffer.from(content),
});

/** Waits for the next TOTP window: the enrolment used this one, and a code is accepted once. */
async function nextTotpWindow(user: SftpTestUser): Promise<void> {
  const used = totpCode(user.totpSecret);
  while (totpCode(user.totpSecret) === used) await new Promise((resolve) => setTimeout(resolve, 500));
}

describe('uploads in the web UI', () => {
  let world: WebWorld;
  let viewerBrowser: TestBrowser;
  let auditorBrowser: TestBrowser;
  let owner: SftpTestUser;
  let page: Page;
  let viewerPage: Page;
  let auditorPage: Page;
  let matterId = '';
  let otherMatterId = '';
  let rootFolderId = '';

  async function listRoot(): Promise<Listing> {
    const answer = await owner.json('GET', `/api/matters/${matterId}/folders/${rootFolderId}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.json() as Listing;
  }

  async function documentNamed(name: string) {
    return (await listRoot()).documents.find((document) => document.name === name);
  }

  beforeAll(async () => {
    world = await startWebWorld({
      users: [
        { username: 'lena-lawyer', role: 'lawyer' },
        { username: 'vic-lawyer', role: 'lawyer' },
        { username: 'olga-auditor', role: 'auditor' },
      ],
    });
    owner = await signInWithTotp({ url: world.url, ca: world.ca, username: 'lena-lawyer' });
    const viewer = await signInWithTotp({ url: world.url, ca: world.ca, username: 'vic-lawyer' });
    const auditor = await signInWithTotp({ url: world.url, ca: world.ca, username: 'olga-auditor' });
    const created = await owner.json('POST', '/api/matters', { name: 'Smith v. Jones' });
    expect(created.status, created.text).toBe(201);
    ({ id: matterId, rootFolderId } = created.json() as { id: string; rootFolderId: string });
    const other = await owner.json('POST', '/api/matters', { name: 'Doe estate' });
    expect(other.status, other.text).toBe(201);
    otherMatterId = (other.json() as { id: string }).id;
    const viewerId = ((await viewer.json('GET', '/api/session')).json() as { user: { id: string } }).user.id;
    const granted = await owner.json('PUT', `/api/matters/${matterId}/members/${viewerId}`, {
      role: 'viewer',
    });
    expect(granted.status, granted.text).toBe(200);

    await nextTotpWindow(owner);
    page = await world.browser.newPage();
    await signInThroughUi(page, world.url, {
      username: 'lena-lawyer',
      password: userPassword,
      totpSecret: owner.totpSecret,
    });
    viewerBrowser = await launchTestBrowser({ trustedCertificatePem: world.ca });
    viewerPage = await viewerBrowser.newPage();
    await signInThroughUi(viewerPage, world.url, {
      username: 'vic-lawyer',
      password: userPassword,
      totpSecret: viewer.totpSecret,
    });
    auditorBrowser = await launchTestBrowser({ trustedCertificatePem: world.ca });
    auditorPage = await auditorBrowser.newPage();
    await signInThroughUi(auditorPage, world.url, {
      username: 'olga-auditor',
      password: userPassword,
      totpSecret: auditor.totpSecret,
    });
  }, 180_000);

  afterAll(async () => {
    await auditorBrowser?.close();
    await viewerBrowser?.close();
    await world?.close();
  });

  test('an upload keeps running while the trash is shown and hidden, and leaving the page meanwhile asks first', async () => {
    // A page of its own (same cookies), as this test closes it.
    const leavingPage = await world.browser.newPage();
    await leavingPage.goto(`${world.url}/matters/${matterId}`);
    // The upload's request waits here until the test lets it through, so it is still running meanwhile.
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const hold = async (route: Route) => {
      await released;
      await route.continue();
    };
    const isUpload = (url: URL) => url.pathname === `/api/matters/${matterId}/documents`;
    await leavingPage.route(isUpload, hold);
    try {
      await leavingPage
        .getByLabel('Choose files to upload')
        .setInputFiles([text('held.txt', 'Held for a while.\n')]);
      const row = leavingPage.getByRole('progressbar', { name: 'held.txt' });
      await row.waitFor();
      await leavingPage.getByRole('status').filter({ hasText: 'Uploading 1 file…' }).waitFor();

      await leavingPage.getByRole('button', { name: 'Show trash' }).click();
      await leavingPage.getByRole('heading', { name: 'Trash' }).waitFor();
      expect(await row.count()).toBe(1);
      await leavingPage.getByRole('button', { name: 'Back to documents' }).click();
      await leavingPage.getByLabel('Choose files to upload').waitFor({ state: 'attached' });
      expect(await row.count()).toBe(1);

      // Closing the page with the upload running raises the browser's leave-page question; dismissing stays.
      const [dialog] = await Promise.all([
        leavingPage.waitForEvent('dialog'),
        leavingPage.close({ runBeforeUnload: true }),
      ]);
      expect(dialog.type()).toBe('beforeunload');
      await dialog.dismiss();
      expect(leavingPage.isClosed()).toBe(false);
    } finally {
      release();
    }
    await leavingPage.getByRole('status').filter({ hasText: '1 of 1 uploaded.' }).waitFor();
    await leavingPage
      .getByRole('table', { name: /Documents in/ })
      .getByRole('link', { name: 'held.txt' })
      .waitFor();
    await leavingPage.unroute(isUpload, hold);
    const isAsking = await leavingPage.evaluate(() => {
      const event = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(event);
      return event.defaultPrevented;
    });
    expect(isAsking).toBe(false);
    await leavingPage.close();
  }, 60_000);

  test('a file named like a document in the folder (in any case) asks before it becomes a new version', async () => {
    await page.goto(`${world.url}/matters/${matterId}`);
    const chooser = page.getByLabel('Choose files to upload');
    await chooser.setInputFiles([text('notes.txt', 'First notes.\n')]);
    await page
      .getByRole('table', { name: /Documents in/ })
      .getByRole('link', { name: 'notes.txt' })
      .waitFor();
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(1);

    const question = page.getByRole('dialog', { name: 'A document named “NOTES.TXT” already exists here' });
    await chooser.setInputFiles([text('NOTES.TXT', 'Someone else’s notes.\n')]);
    await question.waitFor();
    await question.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect.poll(() => question.count()).toBe(0);
    expect(await page.getByRole('progressbar', { name: 'NOTES.TXT', exact: true }).count()).toBe(0);
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(1);

    await chooser.setInputFiles([text('NOTES.TXT', 'Someone else’s notes.\n')]);
    await question.getByRole('button', { name: 'Keep both' }).click();
    await page
      .getByRole('table', { name: /Documents in/ })
      .getByRole('link', { name: 'NOTES (2).TXT' })
      .waitFor();
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(1);

    await chooser.setInputFiles([text('notes.txt', 'Second notes.\n')]);
    await page.getByRole('dialog', { name: 'A document named “notes.txt” already exists here' }).waitFor();
    await page.getByRole('button', { name: 'Add as a new version' }).click();
    await page.getByText('Uploaded (new version)').waitFor();
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(2);
  }, 60_000);

  test('a new version is uploaded only once confirmed, with a warning when its name or type differs', async () => {
    const notes = await documentNamed('notes.txt');
    const before = notes?.currentVersion ?? 0;
    expect(before).toBeGreaterThan(0);
    await page.goto(`${world.url}/documents/${notes?.id ?? ''}`);
    const picker = page.getByLabel('File for the new version');
    await picker.setInputFiles([text('scan.pdf', '%PDF-1.4 not really\n', 'application/pdf')]);
    await page.getByText('Chosen: scan.pdf').waitFor();
    const warning = page.getByRole('alert').filter({ hasText: 'Check that it is the right file' });
    await warning.getByText('This file is named “scan.pdf”, not “notes.txt”.', { exact: false }).waitFor();
    await warning.getByText('differs from the current version’s (text/plain)', { exact: false }).waitFor();
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(before);
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await picker.waitFor();
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(before);

    await picker.setInputFiles([text('notes.txt', 'Third notes.\n')]);
    await page.getByText('Chosen: notes.txt').waitFor();
    expect(await warning.count()).toBe(0);
    await page.getByRole('button', { name: `Upload as version ${before + 1}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Version ${before + 1} uploaded.` })
      .waitFor();
    expect((await documentNamed('notes.txt'))?.currentVersion).toBe(before + 1);
  }, 60_000);

  test('a viewer is offered no upload, no folder change and no document change', async () => {
    await page.goto(`${world.url}/matters/${matterId}`);
    await page.getByLabel('Choose files to upload').setInputFiles([text('brief.txt', 'The brief.\n')]);
    await page
      .getByRole('table', { name: /Documents in/ })
      .getByRole('link', { name: 'brief.txt' })
      .waitFor();

    await viewerPage.goto(`${world.url}/matters/${matterId}`);
    await viewerPage
      .getByRole('table', { name: /Documents in/ })
      .getByRole('link', { name: 'brief.txt' })
      .waitFor();
    await viewerPage.getByText('No subfolders.').waitFor();
    expect(await viewerPage.getByLabel('Choose files to upload').count()).toBe(0);
    expect(await viewerPage.getByText('Drop files here').count()).toBe(0);
    expect(await viewerPage.getByRole('button', { name: 'Create folder' }).count()).toBe(0);
    for (const action of ['Rename', 'Move', 'Trash']) {
      expect(await viewerPage.getByRole('button', { name: `${action} brief.txt` }).count()).toBe(0);
    }

    const brief = await documentNamed('brief.txt');
    await viewerPage.goto(`${world.url}/documents/${brief?.id ?? ''}`);
    await viewerPage.getByRole('heading', { name: 'Versions' }).waitFor();
    await viewerPage.waitForLoadState('networkidle');
    expect(await viewerPage.getByRole('heading', { name: 'Upload a new version' }).count()).toBe(0);
    expect(await viewerPage.getByLabel('File for the new version').count()).toBe(0);

    // The owner, on the same pages, is offered all of it.
    await page.goto(`${world.url}/documents/${brief?.id ?? ''}`);
    await page.getByLabel('File for the new version').waitFor();
    await page.goto(`${world.url}/matters/${matterId}`);
    await page.getByRole('button', { name: 'Rename brief.txt' }).waitFor();
    await page.getByRole('button', { name: 'Create folder' }).waitFor();
  }, 60_000);

  test('the compliance pages keep one matter form when the officer opens one matter after another', async () => {
    const officer = auditorPage;
    for (const section of ['walls', 'access-reports']) {
      await officer.goto(`${world.url}/compliance/${section}`);
      for (const reference of [matterId, otherMatterId]) {
        await officer.getByLabel('Matter reference').fill(reference);
        await officer.getByRole('button', { name: 'Open', exact: true }).click();
        await expect.poll(() => officer.url()).toContain(`matter=${reference}`);
        await officer.getByText(reference, { exact: true }).first().waitFor();
      }
      await officer.goBack();
      await expect.poll(() => officer.url()).toContain(`matter=${matterId}`);
      await officer.getByText(matterId, { exact: true }).first().waitFor();
      expect(await officer.getByLabel('Matter reference').count()).toBe(1);
      expect(await officer.getByRole('button', { name: 'Open', exact: true }).count()).toBe(1);
      expect(await officer.getByLabel('Matter reference').inputValue()).toBe(matterId);
    }
  }, 60_000);
});
