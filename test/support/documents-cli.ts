import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type HttpsResponse, requestHttps, runWrit } from './cli.js';

/** Helpers for the end-to-end documents tests: a signed-in lawyer of a real `writ serve`, over HTTPS. */

export const lawyerPassword = 'correct horse battery staple';

/** Creates a lawyer with `writ admin create-user` (before the server starts: it holds the data directory). */
export async function createLawyer({ dataDir, username }: { dataDir: string; username: string }) {
  const result = await runWrit(
    ['admin', 'create-user', '--username', username, '--role', 'lawyer', '--data-dir', dataDir],
    { env: { WRIT_LOG_LEVEL: 'warn' }, input: `${lawyerPassword}\n` },
  );
  expect(result, result.stderr).toMatchObject({ exitCode: 0 });
}

function sessionCookieOf(response: HttpsResponse): string {
  const session = (response.headers['set-cookie'] ?? []).find((cookie) =>
    cookie.startsWith('__Host-writ_session='),
  );
  if (session === undefined) throw new Error(`no session cookie: ${response.status} ${response.text}`);
  return session.split(';')[0] ?? '';
}

export type SignedInClient = {
  url: string;
  ca: string;
  /** The `cookie` and `x-csrf-token` headers of the session. */
  headers: Record<string, string>;
  json(method: string, path: string, body?: unknown): Promise<HttpsResponse>;
};

/** Signs the lawyer in with their password and enrols TOTP (codes from oathtool): a full session. */
export async function signInLawyer({
  url,
  ca,
  username,
}: {
  url: string;
  ca: string;
  username: string;
}): Promise<SignedInClient> {
  const signIn = await requestHttps({
    url: `${url}/api/session`,
    ca,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: lawyerPassword }),
  });
  expect(signIn.status, signIn.text).toBe(200);
  const pending = {
    cookie: sessionCookieOf(signIn),
    'x-csrf-token': (signIn.json() as { csrfToken: string }).csrfToken,
  };
  const enrolment = await requestHttps({ url: `${url}/api/mfa/totp`, ca, method: 'POST', headers: pending });
  expect(enrolment.status, enrolment.text).toBe(201);
  const secret =
    new URL((enrolment.json() as { otpauthUri: string }).otpauthUri).searchParams.get('secret') ?? '';
  const code = execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
  const confirmed = await requestHttps({
    url: `${url}/api/mfa/totp/confirm`,
    ca,
    method: 'POST',
    headers: { ...pending, 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  const headers = {
    cookie: sessionCookieOf(confirmed),
    'x-csrf-token': (confirmed.json() as { session: { csrfToken: string } }).session.csrfToken,
  };
  return {
    url,
    ca,
    headers,
    json: (method, path, body) =>
      requestHttps({
        url: `${url}${path}`,
        ca,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** The same session against another server address (after a restart on the same data directory). */
export function reconnect(client: SignedInClient, url: string): SignedInClient {
  return {
    ...client,
    url,
    json: (method, path, body) =>
      requestHttps({
        url: `${url}${path}`,
        ca: client.ca,
        method,
        headers:
          body === undefined ? client.headers : { ...client.headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/**
 * A raw upload that announces `declaredLength` bytes and sends only what the caller writes: `write` sends
 * more, `destroy` cuts the connection. Errors of the request (the server going away) are swallowed.
 */
export function startPartialUpload({
  client,
  path,
  declaredLength,
  contentType = 'application/octet-stream',
}: {
  client: SignedInClient;
  path: string;
  declaredLength: number;
  contentType?: string;
}) {
  const request = httpsRequest(`${client.url}${path}`, {
    method: 'POST',
    ca: client.ca,
    agent: false,
    headers: {
      ...client.headers,
      'content-type': contentType,
      'content-length': String(declaredLength),
    },
  });
  request.on('error', () => undefined);
  request.on('response', (response) => response.resume());
  request.flushHeaders();
  return {
    /** Resolves once the chunk is handed to the socket. */
    write: (chunk: Buffer) =>
      new Promise<void>((resolve, reject) => {
        request.write(chunk, (error) => {
          if (error === null || error === undefined) resolve();
          else reject(error);
        });
      }),
    destroy: () => {
      request.destroy();
    },
  };
}

/** Every file under `dir`, recursively; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
