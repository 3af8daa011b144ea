import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTestDocumentsDependencies } from '../../../test/support/documents.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { createSoftwareAuthenticator } from '../../modules/identity/identity.passkeys.test-utils.js';
import { deviceCookieName, sessionCookieName } from '../../modules/identity/identity.sessions.cookies.js';
import { createSessionFixtures } from '../../modules/identity/identity.sessions.test-utils.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { buildHttpApp } from './http-app.js';
import { createHttpMetrics } from './metrics.js';

/**
 * The passkey routes over the real HTTP front door (Fastify's inject): authentication and CSRF as route
 * data, body schemas, response schemas, cookies and cache headers. The ceremonies themselves, hostile
 * cases included, have use-case tests on both engines; the browser side is test/e2e/passkeys.test.ts.
 */
let database: TestDatabase;
let app: FastifyInstance;
const clock = createTestClock();
let fixtures: ReturnType<typeof createSessionFixtures>;
const origin = 'https://localhost:8443';

type Caller = { cookie: string | undefined; csrf: string | undefined; bearer?: string };

beforeAll(async () => {
  database = await createTestDatabase('sqlite');
  fixtures = createSessionFixtures({ db: database.db, clock });
  app = await buildHttpApp({
    config: {
      jsonBodyLimitBytes: 65536,
      rateLimitPerMinute: 10_000,
      behindTlsProxy: false,
      trustedProxies: undefined,
    },
    logger: createLogger({ level: 'silent' }),
    tls: undefined,
    db: database.db,
    clock,
    identity: fixtures.deps,
    documents: createTestDocumentsDependencies({ db: database.db, clock }),
    metrics: createHttpMetrics(),
    metricsToken: undefined,
    checkReadiness: () => Promise.resolve(true),
    version: '0.0.0-test',
  });
});
afterAll(async () => {
  await app.close();
  await database.destroy();
});

function call(caller: Caller | undefined, options: InjectOptions) {
  const headers: Record<string, string> = {};
  if (caller?.csrf !== undefined) headers['x-csrf-token'] = caller.csrf;
  if (caller?.bearer !== undefined) headers.authorization = `Bearer ${caller.bearer}`;
  return app.inject({
    ...options,
    headers: { ...headers, ...(options.headers as Record<string, string> | undefined) },
    cookies: caller?.cookie === undefined ? {} : { [sessionCookieName]: caller.cookie },
  });
}

async function callerFor(token: string): Promise<Caller> {
  const session = await call({ cookie: token, csrf: undefined }, { method: 'GET', url: '/api/session' });
  return { cookie: token, csrf: session.json<{ csrfToken: string }>().csrfToken };
}

function cookieOf(response: LightMyRequestResponse, name: string) {
  return response.cookies.find((cookie) => cookie.name === name);
}

function expectProblem(response: LightMyRequestResponse, { status, code }: { status: number; code: string }) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status, code });
}

/** A lawyer who signed in with a password and enrolled a passkey as the first factor, over HTTP. */
async function lawyerWithPasskey() {
  const user = await fixtures.user({ role: 'lawyer' });
  const authenticator = createSoftwareAuthenticator({ origin });
  const { token } = await fixtures.signIn({ username: user.username });
  const caller = await callerFor(token);
  const options = await call(caller, { method: 'POST', url: '/api/mfa/passkeys/registration-options' });
  const registered = await call(caller, {
    method: 'POST',
    url: '/api/mfa/passkeys',
    payload: {
      name: 'Laptop',
      response: authenticator.createCredential({ options: options.json<{ options: never }>().options }),
    },
  });
  expect(registered.statusCode).toBe(201);
  const rotated = cookieOf(registered, sessionCookieName)?.value ?? '';
  return {
    user,
    authenticator,
    caller: await callerFor(rotated),
    passkeyId: registered.json<{ passkey: { id: string } }>().passkey.id,
  };
}

describe('passkeys over HTTP', () => {
  test('a lawyer led to enrolment registers a passkey: options not cached, recovery codes once, a new session cookie, only the declared fields', async () => {
    const user = await fixtures.user({ role: 'lawyer' });
    const { token } = await fixtures.signIn({ username: user.username });
    const caller = await callerFor(token);
    const session = await call(caller, { method: 'GET', url: '/api/session' });
    expect(session.json()).toMatchObject({ isEnrolmentRequired: true });

    const options = await call(caller, { method: 'POST', url: '/api/mfa/passkeys/registration-options' });
    expect(options.statusCode).toBe(200);
    expect(options.headers['cache-control']).toBe('no-store');
    const { options: creation } = options.json<{ options: never }>();
    expect(creation).toMatchObject({
      rp: { name: 'Writ', id: 'localhost' },
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
      attestation: 'none',
      pubKeyCredParams: [
        { alg: -7, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ],
    });

    const authenticator = createSoftwareAuthenticator({ origin });
    const registered = await call(caller, {
      method: 'POST',
      url: '/api/mfa/passkeys',
      payload: { name: 'Laptop', response: authenticator.createCredential({ options: creation }) },
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.headers['cache-control']).toBe('no-store');
    const body = registered.json<Record<string, unknown>>();
    expect(Object.keys(body).sort()).toEqual(['passkey', 'recoveryCodes', 'session']);
    expect(body.recoveryCodes).toHaveLength(10);
    expect(body.session).toMatchObject({ isEnrolmentRequired: false, isSecondFactorRequired: false });
    const rotated = cookieOf(registered, sessionCookieName);
    expect(rotated).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });
    expect(rotated?.value).not.toBe(token);
    expectProblem(await call(caller, { method: 'GET', url: '/api/mfa/passkeys' }), {
      status: 401,
      code: 'identity.unauthenticated',
    });

    const listed = await call(await callerFor(rotated?.value ?? ''), {
      method: 'GET',
      url: '/api/mfa/passkeys',
    });
    expect(listed.statusCode).toBe(200);
    const { passkeys } = listed.json<{ passkeys: Record<string, unknown>[] }>();
    expect(passkeys).toHaveLength(1);
    expect(Object.keys(passkeys[0] ?? {}).sort()).toEqual([
      'createdAt',
      'deviceType',
      'id',
      'isBackedUp',
      'lastUsedAt',
      'name',
    ]);
    expect(passkeys[0]).toMatchObject({ name: 'Laptop', lastUsedAt: null, deviceType: 'singleDevice' });
  });

  test('the routes refuse an anonymous caller, a missing CSRF token, an API token, and a sign-in still waiting for its second factor', async () => {
    const { user, passkeyId } = await lawyerWithPasskey();
    for (const [method, url] of [
      ['POST', '/api/mfa/passkeys/registration-options'],
      ['POST', '/api/mfa/passkeys'],
      ['GET', '/api/mfa/passkeys'],
      ['PATCH', `/api/mfa/passkeys/${passkeyId}`],
      ['DELETE', `/api/mfa/passkeys/${passkeyId}`],
      ['POST', '/api/session/passkey-options'],
      ['POST', '/api/session/passkey'],
      ['POST', '/api/session/step-up/passkey-options'],
      ['POST', '/api/session/step-up/passkey'],
    ] as const) {
      expectProblem(await call(undefined, { method, url }), {
        status: 401,
        code: 'identity.unauthenticated',
      });
    }

    const { token } = await fixtures.signIn({ username: user.username });
    const pending = await callerFor(token);
    expectProblem(
      await call({ ...pending, csrf: undefined }, { method: 'POST', url: '/api/session/passkey-options' }),
      { status: 403, code: 'identity.csrf_failed' },
    );
    expectProblem(await call(pending, { method: 'GET', url: '/api/mfa/passkeys' }), {
      status: 401,
      code: 'identity.second_factor_required',
    });
    expectProblem(await call(pending, { method: 'POST', url: '/api/mfa/passkeys/registration-options' }), {
      status: 401,
      code: 'identity.second_factor_required',
    });
    expectProblem(await call(pending, { method: 'POST', url: '/api/session/step-up/passkey-options' }), {
      status: 401,
      code: 'identity.second_factor_required',
    });
  });

  test('malformed bodies are refused with 400 before anything runs: unknown fields, non-base64url values, oversized strings', async () => {
    const { caller, passkeyId } = await lawyerWithPasskey();
    const creation = await call(caller, { method: 'POST', url: '/api/mfa/passkeys/registration-options' });
    const registration = createSoftwareAuthenticator({ origin }).createCredential({
      options: creation.json<{ options: never }>().options,
    });
    const bodies = [
      { name: 'Laptop', response: registration, isAdmin: true },
      { name: 'Laptop', response: { ...registration, id: 'not base64url!' } },
      { name: 'Laptop', response: { ...registration, rawId: 'A'.repeat(2000) } },
      { name: 'x'.repeat(300), response: registration },
      { name: 'Laptop' },
    ];
    for (const payload of bodies) {
      expectProblem(await call(caller, { method: 'POST', url: '/api/mfa/passkeys', payload }), {
        status: 400,
        code: 'http.invalid_request',
      });
    }
    expectProblem(
      await call(caller, {
        method: 'PATCH',
        url: `/api/mfa/passkeys/${passkeyId}`,
        payload: { name: 'New', extra: 1 },
      }),
      { status: 400, code: 'http.invalid_request' },
    );
    const listed = await call(caller, { method: 'GET', url: '/api/mfa/passkeys' });
    expect(listed.json<{ passkeys: unknown[] }>().passkeys).toHaveLength(1);
  });

  test('a password sign-in completes with the passkey (new cookie), steps up with it, renames it, and cannot remove the last factor', async () => {
    const { user, authenticator, passkeyId } = await lawyerWithPasskey();
    const other = await lawyerWithPasskey();
    const { token } = await fixtures.signIn({ username: user.username });
    const pending = await callerFor(token);
    const signInOptions = await call(pending, { method: 'POST', url: '/api/session/passkey-options' });
    expect(signInOptions.statusCode).toBe(200);
    expect(signInOptions.headers['cache-control']).toBe('no-store');
    const { options } = signInOptions.json<{ options: never }>();
    const completed = await call(pending, {
      method: 'POST',
      url: '/api/session/passkey',
      payload: { response: authenticator.getAssertion({ options }) },
    });
    expect(completed.statusCode).toBe(200);
    expect(completed.json()).toMatchObject({ isSecondFactorRequired: false, user: { id: user.id } });
    const full = await callerFor(cookieOf(completed, sessionCookieName)?.value ?? '');

    const stepUpOptions = await call(full, { method: 'POST', url: '/api/session/step-up/passkey-options' });
    const steppedUp = await call(full, {
      method: 'POST',
      url: '/api/session/step-up/passkey',
      payload: {
        response: authenticator.getAssertion({ options: stepUpOptions.json<{ options: never }>().options }),
      },
    });
    expect(steppedUp.statusCode).toBe(200);
    expect(steppedUp.json()).toEqual({ secondFactorAt: clock.now().toISOString() });
    expect(cookieOf(steppedUp, sessionCookieName)).toBeUndefined();

    const renamed = await call(full, {
      method: 'PATCH',
      url: `/api/mfa/passkeys/${passkeyId}`,
      payload: { name: 'Desk key' },
    });
    expect(renamed.json()).toMatchObject({ passkey: { id: passkeyId, name: 'Desk key' } });
    expectProblem(
      await call(full, {
        method: 'PATCH',
        url: `/api/mfa/passkeys/${other.passkeyId}`,
        payload: { name: 'Mine' },
      }),
      { status: 404, code: 'identity.passkey_not_found' },
    );
    expectProblem(await call(full, { method: 'DELETE', url: `/api/mfa/passkeys/${other.passkeyId}` }), {
      status: 404,
      code: 'identity.passkey_not_found',
    });
    expectProblem(await call(full, { method: 'DELETE', url: `/api/mfa/passkeys/${passkeyId}` }), {
      status: 409,
      code: 'identity.last_second_factor',
    });
  });

  test('passwordless sign-in sets the session and device cookies; a tampered assertion is a 401 problem', async () => {
    const { user, authenticator } = await lawyerWithPasskey();
    const first = await call(undefined, { method: 'POST', url: '/api/passkey-sign-in/options' });
    expect(first.statusCode).toBe(200);
    const { options } = first.json<{ options: { allowCredentials?: unknown } }>();
    expect(options.allowCredentials).toBeUndefined();
    expectProblem(
      await call(undefined, {
        method: 'POST',
        url: '/api/passkey-sign-in',
        payload: {
          response: authenticator.getAssertion({ options: options as never, isSignatureTampered: true }),
        },
      }),
      { status: 401, code: 'identity.passkey_rejected' },
    );

    const signedIn = await call(undefined, {
      method: 'POST',
      url: '/api/passkey-sign-in',
      payload: { response: authenticator.getAssertion({ options: options as never }) },
    });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.json()).toMatchObject({
      user: { id: user.id },
      isSecondFactorRequired: false,
      isEnrolmentRequired: false,
    });
    expect(cookieOf(signedIn, sessionCookieName)).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
    expect(cookieOf(signedIn, deviceCookieName)).toBeDefined();
    const session = await call(
      { cookie: cookieOf(signedIn, sessionCookieName)?.value, csrf: undefined },
      { method: 'GET', url: '/api/session' },
    );
    expect(session.json()).toMatchObject({ user: { id: user.id }, isSecondFactorRequired: false });
  });
});
