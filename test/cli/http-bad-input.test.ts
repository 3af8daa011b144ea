import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  cleanupCli,
  createCliWorkspace,
  expectProblem,
  querySqlite,
  readServerCertificate,
  requestHttps,
  requestJson,
  startWritServer,
  type WritServer,
} from '../support/cli.js';

/**
 * Bad requests against one real server (POST /api/setup takes ten a minute per address: this file sends fewer).
 * Several carry the server's valid setup token, so "nothing changed" means: no user, token still unused.
 */
const jsonBodyLimitBytes = 2048;

describe('the HTTP API refuses bad input from a real server', () => {
  let dataDir = '';
  let server: WritServer;
  let ca = '';
  let setupUrl = '';
  const validSetup = () => ({
    token: server.setupToken,
    username: 'it-admin',
    password: 'correct horse battery staple',
  });

  beforeAll(async () => {
    ({ dataDir } = createCliWorkspace());
    server = await startWritServer({
      dataDir,
      env: { WRIT_JSON_BODY_LIMIT_BYTES: String(jsonBodyLimitBytes) },
    });
    ca = readServerCertificate(dataDir);
    setupUrl = `${server.url}/api/setup`;
  });
  afterAll(cleanupCli);

  afterEach(() => {
    expect(querySqlite<{ count: number }>(dataDir, 'select count(*) as count from users')).toEqual([
      { count: 0 },
    ]);
    expect(
      querySqlite<{ count: number }>(
        dataDir,
        'select count(*) as count from setup_tokens where consumed_at is null',
      ),
    ).toEqual([{ count: 1 }]);
    expect(server.isRunning()).toBe(true);
  });

  test('malformed JSON gets 400 http.malformed_json as problem+json without a stack trace', async () => {
    const response = await requestHttps({
      url: setupUrl,
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"token": "${server.setupToken ?? ''}", "username": `,
    });
    const problem = expectProblem(response, { status: 400, code: 'http.malformed_json' });
    expect(problem.detail).toBe('The request body is not valid JSON.');
  });

  test('a JSON body over WRIT_JSON_BODY_LIMIT_BYTES gets 413 http.body_too_large', async () => {
    const body = JSON.stringify({ ...validSetup(), padding: 'x'.repeat(jsonBodyLimitBytes) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(jsonBodyLimitBytes);
    const response = await requestHttps({
      url: setupUrl,
      ca,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expectProblem(response, { status: 413, code: 'http.body_too_large' });
  });

  test('an unknown route gets 404 http.route_not_found for GET and POST alike', async () => {
    expectProblem(await requestHttps({ url: `${server.url}/api/no-such-thing`, ca }), {
      status: 404,
      code: 'http.route_not_found',
    });
    expectProblem(await requestJson({ url: `${server.url}/api/no-such-thing`, ca, body: {} }), {
      status: 404,
      code: 'http.route_not_found',
    });
  });

  test('an unknown JSON property gets 400 http.invalid_request with an errors list, even with a valid token', async () => {
    const response = await requestJson({ url: setupUrl, ca, body: { ...validSetup(), role: 'admin' } });
    const problem = expectProblem(response, { status: 400, code: 'http.invalid_request' });
    expect(problem.errors).toEqual([{ path: 'body', message: 'must NOT have additional properties' }]);
  });

  test('a property of the wrong type gets 400 http.invalid_request naming the property, not a converted value', async () => {
    const number = await requestJson({ url: setupUrl, ca, body: { ...validSetup(), username: 42 } });
    expect(expectProblem(number, { status: 400, code: 'http.invalid_request' }).errors).toEqual([
      { path: 'body/username', message: 'must be string' },
    ]);
    const array = await requestJson({
      url: setupUrl,
      ca,
      body: { ...validSetup(), password: [validSetup().password] },
    });
    expect(expectProblem(array, { status: 400, code: 'http.invalid_request' }).errors).toEqual([
      { path: 'body/password', message: 'must be string' },
    ]);
  });

  test('bodies a cross-site form can send (text/plain, urlencoded, multipart) get 415 http.unsupported_media_type', async () => {
    const bodies: [string, string][] = [
      ['text/plain', JSON.stringify(validSetup())],
      [
        'application/x-www-form-urlencoded',
        new URLSearchParams({ token: server.setupToken ?? '', username: 'x' }).toString(),
      ],
      [
        'multipart/form-data; boundary=b',
        '--b\r\nContent-Disposition: form-data; name="token"\r\n\r\nx\r\n--b--\r\n',
      ],
    ];
    for (const [contentType, body] of bodies) {
      const response = await requestHttps({
        url: setupUrl,
        ca,
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      expectProblem(response, { status: 415, code: 'http.unsupported_media_type' });
    }
  });

  test('every response carries its own x-request-id, and a client-sent one is not echoed', async () => {
    const answers = await Promise.all([
      requestHttps({ url: `${server.url}/healthz`, ca }),
      requestHttps({ url: `${server.url}/setup`, ca }),
      requestHttps({
        url: `${server.url}/api/setup`,
        ca,
        headers: { 'x-request-id': 'req_chosen-by-the-client' },
      }),
    ]);
    const ids = answers.map((answer) => answer.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(/^req_[A-Za-z0-9_-]{8,}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain('req_chosen-by-the-client');
  });
});
