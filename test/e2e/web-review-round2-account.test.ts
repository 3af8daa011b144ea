import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  adminPassword,
  adminUsername,
  signInThroughUi,
  startWebWorld,
  totpCode,
  totpSecretOf,
  userPassword,
  viewports,
  type WebWorld,
  enrolApiUser,
  type ApiUser,
} from './web-support.js';

/**
 * The second round of the UX review's account and sign-in findings, in headless Chromium against a real
 * `writ serve`: TOTP enrolment on a phone (#16), what the sign-in page says after a session ends (#18),
 * used and reloaded link pages (#19), and keyboard and screen-reader details (#21).
 */

/** Groups of four characters of the shown secret that are split across two lines. */
function splitSecretGroups(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const code = document.querySelector('code.totp-secret');
    if (code === null) throw new Error('no secret shown');
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    const tops: number[] = [];
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (let index = 0; index < text.length; index += 1) {
        if (text[index]?.trim() === '') continue;
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + 1);
        tops.push(Math.round(range.getBoundingClientRect().top));
      }
    }
    const split: number[] = [];
    for (let group = 0; group * 4 < tops.length; group += 1) {
      if (new Set(tops.slice(group * 4, group * 4 + 4)).size > 1) split.push(group);
    }
    return split;
  });
}

describe('web UI: account and sign-in fixes from the second review round', () => {
  let world: WebWorld;
  let lena: ApiUser;
  let admin: ApiUser;
  let matterId = '';

  beforeAll(async () => {
    world = await startWebWorld({
      users: [
        { username: 'lena-lawyer', role: 'lawyer' },
        { username: 'pat-server', role: 'process_server' },
      ],
    });
    lena = await enrolApiUser(world, 'lena-lawyer', userPassword);
    admin = await enrolApiUser(world, adminUsername, adminPassword);
    const created = await lena.json('POST', '/api/matters', { name: 'Round two matter' });
    expect(created.status, created.text).toBe(201);
    matterId = (created.json() as { id: string }).id;
    const uploaded = await lena.raw(
      `/api/matters/${matterId}/documents?name=notes.txt`,
      Buffer.from('Notes.\n'),
    );
    expect(uploaded.status, uploaded.text).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await world?.close();
  });

  test('#16: on a phone, enrolment offers “Add to authenticator app” and “Copy secret”, and no secret group wraps; then sign-out says so and forgets `next` (#18)', async () => {
    const page = await world.browser.newPage();
    await page.setViewportSize(viewports.phone);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setTouchEmulationEnabled', { enabled: true, maxTouchPoints: 5 });
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(world.url).origin,
    });

    await page.goto(`${world.url}/sign-in`);
    await page.getByLabel('Username').fill('pat-server');
    await page.getByLabel('Password', { exact: true }).fill(userPassword);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Set up a second factor' }).waitFor();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();

    const add = page.getByRole('link', { name: 'Add to authenticator app' });
    await add.waitFor();
    const otpauthUri = (await add.getAttribute('href')) ?? '';
    expect(otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const secret = totpSecretOf(otpauthUri);
    expect(await page.getByRole('img', { name: /QR code/ }).count()).toBe(0);

    const shown = (await page.locator('code.totp-secret').textContent()) ?? '';
    expect(shown).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
    expect(shown.replace(/\s+/g, '')).toBe(secret);
    expect(await splitSecretGroups(page)).toEqual([]);

    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByRole('status').filter({ hasText: 'The secret key is copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    await page.getByLabel('Authentication code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Confirm', exact: true }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    // #18: signing out on a page deep in the app leads to a sign-in that says so, with no `next`.
    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account and security' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    const signedOut = new URL(page.url());
    expect(signedOut.pathname).toBe('/sign-in');
    expect(signedOut.search).toBe('');
    await page.close();
  }, 120_000);

  test('#21: header, file chooser focus ring, first focus in dialogs, “End session” name; #18: a revoked session says it ended', async () => {
    const page = await world.browser.newPage();
    // beforeAll used lena's current code, and a code is accepted once: wait for the next one.
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 1_000));
    await page.context().clearCookies();
    await signInThroughUi(page, world.url, {
      username: 'lena-lawyer',
      password: userPassword,
      totpSecret: lena.totpSecret,
    });
    await page.getByText('Signed in as lena-lawyer (lawyer)', { exact: true }).waitFor();

    await page.goto(`${world.url}/matters/${matterId}`);
    const fileInput = page.locator('.dropzone input[type="file"]');
    await fileInput.waitFor({ state: 'attached' });
    // Reached by the keyboard: focus lands just before it, then Tab.
    await fileInput.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await fileInput.evaluate((input) => input === document.activeElement)).toBe(true);
    const outline = await page
      .locator('.dropzone label', { hasText: 'Choose files to upload' })
      .evaluate((label) => getComputedStyle(label).outlineStyle);
    expect(outline).not.toBe('none');

    await page.getByRole('button', { name: 'Rename notes.txt' }).click();
    const rename = page.getByRole('dialog');
    await rename.waitFor();
    expect(
      await rename.evaluate((dialog) => {
        const focused = document.activeElement;
        return focused !== null && dialog.contains(focused) && focused.tagName === 'INPUT';
      }),
    ).toBe(true);
    await rename.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('link', { name: 'Account' }).click();
    const endSession = page.getByRole('button', { name: 'End session' });
    await endSession.waitFor();
    expect((await endSession.textContent())?.trim()).toBe('End session');

    // The session of this page is ended elsewhere: the next step here leads to sign-in, which says why.
    const sessions = await lena.json('GET', '/api/sessions');
    expect(sessions.status, sessions.text).toBe(200);
    const other = (sessions.json() as { sessions: { id: string; isCurrent: boolean }[] }).sessions.find(
      (session) => !session.isCurrent,
    );
    if (other === undefined) throw new Error('no browser session');
    const revoked = await lena.json('DELETE', `/api/sessions/${other.id}`);
    expect(revoked.status, revoked.text).toBeLessThan(300);
    await page.getByRole('link', { name: 'Matters' }).click();
    await page.getByRole('status').filter({ hasText: 'Your session ended. Sign in again.' }).waitFor();
    const ended = new URL(page.url());
    expect(ended.pathname).toBe('/sign-in');
    // The same person, signing in again, goes back to where they were going.
    expect(ended.searchParams.get('next')).toBe('/matters');
    await page.close();
  }, 120_000);

  test('#19: a used setup link says so before any form; an invitation page keeps its link across a reload', async () => {
    const page = await world.browser.newPage();
    await page.goto(`${world.url}/setup#token=${'a'.repeat(43)}`);
    await page.getByRole('alert').filter({ hasText: 'This setup link was already used' }).waitFor();
    expect(await page.getByLabel('Username').count()).toBe(0);
    expect(page.url()).not.toContain('token');

    const created = await admin.json('POST', '/api/admin/invitations', { role: 'client' });
    expect(created.status, created.text).toBe(201);
    const token = new URL((created.json() as { link: string }).link).hash.replace(/^#token=/, '');
    await page.goto(`${world.url}/invite#token=${token}`);
    await page.getByLabel('Username').fill('lena-lawyer');
    await page.getByLabel('New password').fill('a long and private passphrase 42');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByRole('alert').waitFor();
    expect(page.url()).not.toContain('token');

    await page.reload();
    await page.getByLabel('Username').fill('cleo-client');
    await page.getByLabel('New password').fill('a long and private passphrase 42');
    await page.getByRole('button', { name: 'Create my account' }).click();
    await page.getByText('Your account is ready').waitFor();

    // Used: the link leaves this tab's history entry, so a reload has nothing to send.
    await page.reload();
    await page.getByText('This page needs the link you were sent').waitFor();
    await page.close();
    // Opened again (a new tab, as from the e-mail): once refused, the form gives way to the link's own words.
    const again = await world.browser.newPage();
    await again.goto(`${world.url}/invite#token=${token}`);
    await again.getByLabel('Username').fill('cleo-two');
    await again.getByLabel('New password').fill('a long and private passphrase 42');
    await again.getByRole('button', { name: 'Create my account' }).click();
    await again.getByRole('alert').filter({ hasText: 'This invitation link is not valid' }).waitFor();
    expect(await again.getByLabel('Username').count()).toBe(0);
    await again.close();
  }, 120_000);
});
