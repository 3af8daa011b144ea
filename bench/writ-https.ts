import { execFileSync } from 'node:child_process';
import { type Agent, request as httpsRequest } from 'node:https';

/*
 * What the benchmarks ask of a running `writ serve` over HTTPS, as a browser or script would: JSON requests
 * trusting its self-signed certificate, and the sign-in of a staff user who must enrol TOTP first.
 */

export type HttpsAnswer = { status: number; setCookies: string[]; body: string };

type RequestTarget = {
  origin: string;
  ca: string;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** Keeps connections alive; without one, each request has its own. */
  agent?: Agent;
};

/** A request with a raw body (or none). */
export function sendRequest({
  origin,
  ca,
  path,
  method = 'GET',
  headers = {},
  body,
  agent,
}: RequestTarget & { body?: string | Buffer }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${origin}${path}`,
      { method, ca, agent: agent ?? false, headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            setCookies: response.headers['set-cookie'] ?? [],
            body: text,
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A request with a JSON body (or none). */
export function requestJson({
  body,
  headers = {},
  ...target
}: RequestTarget & { body?: unknown }): Promise<HttpsAnswer> {
  if (body === undefined) return sendRequest({ ...target, headers });
  return sendRequest({
    ...target,
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The answer's JSON body, or an error naming the request when the status is not the one expected. */
export async function expectJson<T>(
  answer: Promise<HttpsAnswer>,
  status: number,
  what: string,
): Promise<T & HttpsAnswer> {
  const response = await answer;
  if (response.status !== status)
    throw new Error(`${what}: HTTP ${response.status} (expected ${status}): ${response.body.slice(0, 500)}`);
  return { ...(JSON.parse(response.body) as T), ...response };
}

/** The `name=value` of the session cookie a response set. */
export function sessionCookieOf(setCookies: string[]): string {
  const session = setCookies.find((cookie) => cookie.startsWith('__Host-writ_session='));
  if (session === undefined) throw new Error(`no session cookie in ${JSON.stringify(setCookies)}`);
  return session.split(';')[0] ?? '';
}

/** A TOTP code from Debian's oathtool, now or `offsetSeconds` later. */
export function totpCode(secret: string, offsetSeconds = 0): string {
  const args = ['--totp', '-b', secret];
  if (offsetSeconds !== 0) args.push('-N', `now + ${offsetSeconds} seconds`);
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

/**
 * Signs a new staff user in with their password and enrols TOTP, as roles that require MFA must; returns
 * the headers of the full session (cookie and CSRF token) and the TOTP secret.
 */
export async function signInWithTotp({
  origin,
  ca,
  username,
  password,
  agent,
}: {
  origin: string;
  ca: string;
  username: string;
  password: string;
  agent?: Agent;
}): Promise<{ headers: Record<string, string>; sessionCookie: string; totpSecret: string }> {
  const connection = { origin, ca, ...(agent === undefined ? {} : { agent }) };
  const signedIn = await expectJson<{ csrfToken: string }>(
    requestJson({ ...connection, path: '/api/session', method: 'POST', body: { username, password } }),
    200,
    'POST /api/session',
  );
  const pending = { cookie: sessionCookieOf(signedIn.setCookies), 'x-csrf-token': signedIn.csrfToken };
  const enrolment = await expectJson<{ otpauthUri: string }>(
    requestJson({ ...connection, path: '/api/mfa/totp', method: 'POST', headers: pending }),
    201,
    'POST /api/mfa/totp',
  );
  const totpSecret = new URL(enrolment.otpauthUri).searchParams.get('secret') ?? '';
  const confirmed = await expectJson<{ session: { csrfToken: string } }>(
    requestJson({
      ...connection,
      path: '/api/mfa/totp/confirm',
      method: 'POST',
      headers: pending,
      body: { code: totpCode(totpSecret) },
    }),
    200,
    'POST /api/mfa/totp/confirm',
  );
  const sessionCookie = sessionCookieOf(confirmed.setCookies);
  return {
    headers: { cookie: sessionCookie, 'x-csrf-token': confirmed.session.csrfToken },
    sessionCookie,
    totpSecret,
  };
}
