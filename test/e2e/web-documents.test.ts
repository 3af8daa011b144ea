import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SftpTestUser, signInWithTotp } from '../sftp/sftp-support.js';
import {
  expectAccessible,
  keepScreenshots,
  signInThroughUi,
  startWebWorld,
  totpCode,
  userPassword,
  type WebWorld,
} from './web-support.js';

/**
 * The documents of a matter in the web UI, in headless Chromium against a real `writ serve`: a lawyer
 * (TOTP enrolled through the API, matter created through the API) uploads, cancels, downloads, renames,
 * moves, trashes and restores, and checks a document's SHA-256, receipt and preview.
 */

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/** A 1×1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const letter = {
  name: 'letter.txt',
  mimeType: 'text/plain',
  buffer: Buffer.from('Dear counsel,\nPlease find enclosed.\n'),
};
const files = [
  letter,
  { name: 'exhibit-a.png', mimeType: 'image/png', buffer: png },
  { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Meeting notes: nothing to add.\n') },
];

type Listing = { documents: { id: string; name: string }[]; folders: { id: string; name: string }[] };

describe('documents in the web UI', () => {
  let world: WebWorld;
  let lawyer: SftpTestUser;
  let matterId = '';
  let rootFolderId = '';
  let page: Page;

  async function listRoot(): Promise<Listing> {
    const answer = await lawyer.json('GET', `/api/matters/${matterId}/folders/${rootFolderId}`);
    expect(answer.status, answer.text).toBe(200);
    return answer.json() as Listing;
  }

  beforeAll(async () => {
    world = await startWebWorld({ users: [{ username: 'lena-lawyer', role: 'lawyer' }] });
    lawyer = await signInWithTotp({ url: world.url, ca: world.ca, username: 'lena-lawyer' });
    const created = await lawyer.json('POST', '/api/matters', { name: 'Smith v. Jones' });
    expect(created.status, created.text).toBe(201);
    ({ id: matterId, rootFolderId } = created.json() as { id: string; rootFolderId: string });
    // The enrolment used this window's code; a code is accepted once, so sign in with the next one.
    const used = totpCode(lawyer.totpSecret);
    while (totpCode(lawyer.totpSecret) === used) await new Promise((resolve) => setTimeout(resolve, 500));
    page = await world.browser.newPage();
    await signInThroughUi(page, world.url, {
      username: 'lena-lawyer',
      password: userPassword,
      totpSecret: lawyer.totpSecret,
    });
  }, 120_000);

  afterAll(async () => {
    await world?.close();
  });

  test('three files chosen at once each get a progress bar and all three are listed', async () => {
    await page.goto(`${world.url}/matters/${matterId}`);
    await page.getByLabel('Choose files to upload').setInputFiles(files);
    for (const file of files) {
      await expect.poll(() => page.getByRole('progressbar', { name: file.name }).count()).toBe(1);
    }
    await page.getByRole('status').filter({ hasText: '3 of 3 uploaded.' }).waitFor();
    const table = page.getByRole('table', { name: /Documents in/ });
    for (const file of files) await table.getByRole('link', { name: file.name, exact: true }).waitFor();
    await expectAccessible(page, 'the folder view with documents');
    await keepScreenshots(page, 'documents');
  }, 60_000);

  test('a large upload cancelled mid-way leaves no document', async () => {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 2 * 1024 * 1024,
    });
    try {
      const big = {
        name: 'deposition.bin',
        mimeType: 'application/octet-stream',
        buffer: Buffer.alloc(30 * 1024 * 1024, 7),
      };
      await page.getByLabel('Choose files to upload').setInputFiles([big]);
      const progress = page.getByRole('progressbar', { name: big.name });
      await expect
        .poll(async () => Number(await progress.getAttribute('value')), { timeout: 20_000 })
        .toBeGreaterThan(0);
      await page.getByRole('button', { name: `Cancel upload of ${big.name}` }).click();
      await page.getByText('Cancelled').waitFor();
    } finally {
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      await cdp.detach();
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await listRoot()).documents.map((document) => document.name)).not.toContain('deposition.bin');
    await page.reload();
    await page.getByRole('link', { name: 'letter.txt', exact: true }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'deposition.bin' }).count()).toBe(0);
  }, 60_000);

  test('rename, move to a new folder, trash and restore', async () => {
    await page.goto(`${world.url}/matters/${matterId}`);
    await page.getByRole('button', { name: 'Rename notes.txt' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('New name').fill('meeting-notes.txt');
    await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Renamed' }).waitFor();
    await page.getByRole('link', { name: 'meeting-notes.txt', exact: true }).waitFor();

    await page.getByLabel('New folder name').fill('Exhibits');
    await page.getByRole('button', { name: 'Create folder' }).click();
    await page.getByRole('link', { name: 'Exhibits', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Move meeting-notes.txt' }).click();
    await dialog.getByRole('button', { name: 'Open Exhibits' }).click();
    await dialog.getByText('Folder: Exhibits').waitFor();
    await dialog.getByRole('button', { name: 'Move here' }).click();
    await page.getByRole('status').filter({ hasText: 'Moved' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'meeting-notes.txt' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Exhibits', exact: true }).click();
    await page.getByRole('link', { name: 'meeting-notes.txt', exact: true }).waitFor();
    await page
      .getByRole('navigation', { name: 'Folder path' })
      .getByRole('link', { name: 'Top folder' })
      .click();

    await page.getByRole('button', { name: 'Trash letter.txt' }).click();
    await dialog.getByRole('button', { name: 'Move to trash' }).click();
    await page.getByRole('status').filter({ hasText: 'Moved “letter.txt” to the trash.' }).waitFor();
    await expect.poll(() => page.getByRole('link', { name: 'letter.txt', exact: true }).count()).toBe(0);
    expect((await listRoot()).documents.map((document) => document.name)).not.toContain('letter.txt');

    await page.getByRole('button', { name: 'Show trash' }).click();
    await page.getByRole('button', { name: 'Restore letter.txt' }).click();
    await page.getByRole('status').filter({ hasText: 'Restored “letter.txt”.' }).waitFor();
    await page.getByRole('button', { name: 'Back to documents' }).click();
    await page.getByRole('link', { name: 'letter.txt', exact: true }).waitFor();
    expect((await listRoot()).documents.map((document) => document.name)).toContain('letter.txt');

    await page.getByRole('button', { name: 'Rename folder Exhibits' }).click();
    await dialog.getByLabel('New folder name').fill('Exhibits 2026');
    await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
    await page.getByRole('link', { name: 'Exhibits 2026', exact: true }).waitFor();
  }, 60_000);

  test('a download matches the original, and the document page shows its SHA-256 and a receipt with a proof', async () => {
    await page.goto(`${world.url}/matters/${matterId}`);
    await page.getByRole('link', { name: letter.name, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: letter.name }).waitFor();
    await expect.poll(() => page.getByTestId('current-sha256').textContent()).toBe(sha256(letter.buffer));

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(letter.name);
    expect(sha256(await readFile(await download.path()))).toBe(sha256(letter.buffer));

    const [receiptDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download receipt' }).click(),
    ]);
    const receipt = JSON.parse(await readFile(await receiptDownload.path(), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(receipt).toMatchObject({ type: 'writ-receipt/v1' });
    expect(typeof receipt.proof).toBe('string');
    expect(typeof receipt.jws).toBe('string');
    await page.getByRole('status').filter({ hasText: 'Receipt downloaded.' }).waitFor();
    await expectAccessible(page, 'the document page');
    await keepScreenshots(page, 'document');
  }, 90_000);

  test('a PNG previews inline from a no-store response', async () => {
    const { documents } = await listRoot();
    const image = documents.find((document) => document.name === 'exhibit-a.png');
    expect(image).toBeDefined();
    const preview = page.waitForResponse((response) => response.url().includes('disposition=inline'));
    await page.goto(`${world.url}/documents/${image?.id ?? ''}`);
    const response = await preview;
    expect(response.status()).toBe(200);
    expect(response.headers()['cache-control']).toBe('no-store');
    expect(response.headers()['content-type']).toBe('image/png');
    const img = page.getByRole('img', { name: 'Preview of exhibit-a.png' });
    await img.waitFor();
    await expect.poll(() => img.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(1);
  }, 30_000);
});
