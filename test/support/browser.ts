import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core, headless, on a fresh profile that is deleted on close.
 * Nothing is downloaded: playwright-core brings no browser of its own.
 */
const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export type TestBrowser = {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** Closes the browser and deletes its profile; safe to call twice. */
  close(): Promise<void>;
};

/** base64(SHA-256(SubjectPublicKeyInfo)), as Chromium's `--ignore-certificate-errors-spki-list` takes it. */
export function spkiFingerprint(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Launches Chromium. `trustedCertificatePem` is the one self-signed certificate the browser accepts besides
 * the system's CAs (pinned by its public key): every other certificate error still fails the page. This is
 * narrower than ignoring HTTPS errors, and it matters for WebAuthn, which a page with a certificate error
 * cannot use.
 */
export async function launchTestBrowser({
  trustedCertificatePem,
}: { trustedCertificatePem?: string } = {}): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'writ-chromium-'));
  const args = [...chromiumArgs];
  if (trustedCertificatePem !== undefined) {
    args.push(`--ignore-certificate-errors-spki-list=${spkiFingerprint(trustedCertificatePem)}`);
  }
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args,
      timeout: 30_000,
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    context,
    newPage: () => context.newPage(),
    close: () => {
      closing ??= context.close().finally(() => {
        rmSync(userDataDir, { recursive: true, force: true });
      });
      return closing;
    },
  };
}

export type VirtualAuthenticatorCredential = {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
};

export type VirtualAuthenticator = {
  authenticatorId: string;
  cdp: CDPSession;
  credentials(): Promise<VirtualAuthenticatorCredential[]>;
};

/**
 * Chromium's CDP virtual authenticator: a platform authenticator (internal transport, CTAP 2) that holds
 * discoverable credentials and verifies its user, answering every ceremony without a prompt.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    authenticatorId,
    cdp,
    credentials: async () => {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
  };
}

/**
 * @simplewebauthn/browser's UMD bundle, the code the web UI will run: evaluated in the page it defines
 * `globalThis.SimpleWebAuthnBrowser`.
 */
export function readSimpleWebAuthnBrowserBundle(): string {
  const require = createRequire(import.meta.url);
  // The package exports its CommonJS entry (script/index.js) only; the bundle sits beside it.
  const packageRoot = join(dirname(require.resolve('@simplewebauthn/browser')), '..');
  return readFileSync(join(packageRoot, 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}
