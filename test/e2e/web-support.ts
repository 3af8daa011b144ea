import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchTestBrowser, type TestBrowser } from '../support/browser.js';
import {
  cleanupCli,
  createCliWorkspace,
  readServerCertificate,
  requestJson,
  runWrit,
  requestHttps,
  startWritServer,
  type WritServer,
} from '../support/cli.js';
import { lawyerPassword } from '../support/documents-cli.js';
import { totpCode } from '../sftp/sftp-support.js';

/**
 * What the browser tests of the web UI share: a real `writ serve` on a temporary data directory, its first
 * administrator, users made with `writ admin create-user`, Debian's Chromium trusting only that server's
 * certificate, axe-core run inside the page, and screenshots kept under test-artifacts/screenshots.
 */
export const adminUsername = 'it-admin';
export const adminPassword = 'correct horse battery staple';
export const userPassword = lawyerPassword;

export type WebUser = {
  username: string;
  role: 'lawyer' | 'assistant' | 'auditor' | 'process_server' | 'client';
};

export type WebWorld = {
  dataDir: string;
  server: WritServer;
  url: string;
  ca: string;
  browser: TestBrowser;
  close(): Promise<void>;
};

/**
 * Starts Writ with its first administrator (through /api/setup, unless `isSetupLeftToUi`) and `users`,
 * then the browser.
 */
export async function startWebWorld({
  users = [],
  isSetupLeftToUi = false,
  env = {},
}: {
  users?: WebUser[];
  isSetupLeftToUi?: boolean;
  /** Settings for `writ serve` (`WRIT_STEP_UP_MINUTES`…). */
  env?: Record<string, string>;
} = {}): Promise<WebWorld> {
  const { dataDir } = createCliWorkspace();
  for (const user of users) {
    const created = await runWrit(
      ['admin', 'create-user', '--username', user.username, '--role', user.role, '--data-dir', dataDir],
      { env: { WRIT_LOG_LEVEL: 'warn' }, input: `${userPassword}\n` },
    );
    expect(created, created.stderr).toMatchObject({ exitCode: 0 });
  }
  const server = await startWritServer({ dataDir, env });
  const ca = readServerCertificate(dataDir);
  if (server.setupToken !== undefined && !isSetupLeftToUi) {
    const setup = await requestJson({
      url: `${server.url}/api/setup`,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: adminPassword },
    });
    expect(setup.status).toBe(201);
  }
  const browser = await launchTestBrowser({ trustedCertificatePem: ca });
  return {
    dataDir,
    server,
    url: server.url,
    ca,
    browser,
    close: async () => {
      await browser.close();
      await cleanupCli();
    },
  };
}

/** The TOTP secret in an `otpauth://` URI the UI showed (as text or in the QR code's alt text). */
export function totpSecretOf(otpauthUri: string): string {
  const secret = new URL(otpauthUri).searchParams.get('secret');
  if (secret === null) throw new Error(`no secret in ${otpauthUri}`);
  return secret;
}

export { totpCode };

/**
 * Signs in through the UI's sign-in page: username and password, then the authenticator code when the
 * account has one. The sign-in page's contract: fields labelled "Username", "Password" and
 * "Authentication code", buttons "Sign in" and "Verify".
 */
export async function signInThroughUi(
  page: Page,
  url: string,
  { username, password, totpSecret }: { username: string; password: string; totpSecret?: string },
): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  if (totpSecret !== undefined) {
    await page.getByLabel('Authentication code').fill(totpCode(totpSecret));
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
  }
  // The main navigation appears only once sign-in is complete (Sign out shows while a factor is pending).
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: string[] };

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/**
 * Runs axe-core in the page and returns its serious and critical violations. The script is evaluated
 * through CDP, outside the page's CSP (which rightly refuses inline scripts).
 */
export async function findSeriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    type Result = {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
    };
    const axe = (
      globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<Result> } }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
  return violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
}

/** Fails with axe's own words when the page has a serious or critical accessibility violation. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await findSeriousA11yViolations(page);
  expect(violations, `axe-core on ${where}`).toEqual([]);
}

export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

export const screenshotDir = join(process.cwd(), 'test-artifacts', 'screenshots');

/**
 * Keeps a screenshot of the page at desktop and phone widths (`<name>-desktop.png`, `<name>-phone.png`),
 * checks that at phone width nothing scrolls sideways, and restores the desktop viewport.
 */
export async function keepScreenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  for (const [label, size] of Object.entries(viewports)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(screenshotDir, `${name}-${label}.png`), fullPage: true });
    if (label === 'phone') {
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `${name} scrolls sideways at phone width`).toBeLessThanOrEqual(0);
    }
  }
  await page.setViewportSize(viewports.desktop);
}

/** A user signed in through the API with TOTP enrolled: what a browser test sets up before it looks. */
export type ApiUser = {
  id: string;
  totpSecret: string;
  json: (method: string, path: string, body?: unknown) => ReturnType<typeof requestHttps>;
  /** A POST of raw bytes (an upload). */
  raw: (path: string, body: Buffer | string) => ReturnType<typeof requestHttps>;
};

function cookieOf(headers: Record<string, string | string[] | undefined>): string {
  const setCookie = headers['set-cookie'] ?? [];
  return (Array.isArray(setCookie) ? setCookie : [setCookie]).map((line) => line.split(';')[0]).join('; ');
}

/** Signs in through the API and enrols TOTP (codes from oathtool); the session's second factor is then fresh. */
export async function enrolApiUser(
  world: WebWorld,
  username: string,
  password = userPassword,
): Promise<ApiUser> {
  const { url, ca } = world;
  const signIn = await requestHttps({
    url: `${url}/api/session`,
    ca,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(signIn.status, signIn.text).toBe(200);
  const pending = {
    cookie: cookieOf(signIn.headers),
    'x-csrf-token': (signIn.json() as { csrfToken: string }).csrfToken,
  };
  const enrolment = await requestHttps({ url: `${url}/api/mfa/totp`, ca, method: 'POST', headers: pending });
  expect(enrolment.status, enrolment.text).toBe(201);
  const totpSecret = totpSecretOf((enrolment.json() as { otpauthUri: string }).otpauthUri);
  const confirmed = await requestHttps({
    url: `${url}/api/mfa/totp/confirm`,
    ca,
    method: 'POST',
    headers: { ...pending, 'content-type': 'application/json' },
    body: JSON.stringify({ code: totpCode(totpSecret) }),
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  const session = confirmed.json() as { session: { csrfToken: string; user: { id: string } } };
  const headers = { cookie: cookieOf(confirmed.headers), 'x-csrf-token': session.session.csrfToken };
  return {
    id: session.session.user.id,
    totpSecret,
    json: (method, path, body) =>
      requestHttps({
        url: `${url}${path}`,
        ca,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    raw: (path, body) =>
      requestHttps({
        url: `${url}${path}`,
        ca,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/octet-stream' },
        body,
      }),
  };
}

/** TOTP codes are single-use per 30-second step: waits for the step after the last one used. */
export async function waitForNextTotpStep(): Promise<void> {
  const intoStep = Date.now() % 30_000;
  await new Promise((resolve) => setTimeout(resolve, 30_000 - intoStep + 1_000));
}
