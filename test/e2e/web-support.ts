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
