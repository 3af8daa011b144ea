import { execFileSync } from 'node:child_process';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Kysely } from 'kysely';
import { afterEach, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import type { WritDatabase } from '../../modules/database.js';
import { createTestClock, type TestClock } from '../../shared/clock/clock.test-utils.js';
import {
  buildTestHttpApp,
  createTestBrowser,
  goodPassword,
  seedUser,
  setCookiesOf,
} from './authentication.test-utils.js';

const sessionCookie = '__Host-writ_session';

let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()));
  apps = [];
});

async function setUp(db: Kysely<WritDatabase>, settings = {}) {
  const clock = createTestClock();
  const built = await buildTestHttpApp({ db, clock, settings });
  apps.push(built.app);
  return { ...built, clock };
}

function oathtool(secret: string, clock: TestClock): string {
  const at = `@${Math.floor(clock.now().getTime() / 1000)}`;
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', at], { encoding: 'utf8' }).trim();
}

function expectProblem(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json<{ code: string; detail: string }>();
  expect(problem.code).toBe(code);
  return problem;
}

async function countRows(db: Kysely<WritDatabase>) {
  const count = async (table: 'ledger_pending_entries' | 'sessions' | 'totp_credentials') =>
    (await db.selectFrom(table).selectAll().execute()).length;
  return {
    ledger: await count('ledger_pending_entries'),
    sessions: await count('sessions'),
    totp: await count('totp_credentials'),
    revoked: (await db.selectFrom('sessions').select('id').where('revoked_at', 'is not', null).execute())
      .length,
  };
}

/** Signs a lawyer in and enrols TOTP through the API, as the web client does; returns the browser and secret. */
async function enrolledLawyer(app: FastifyInstance, clock: TestClock, username: string) {
  const browser = createTestBrowser(app);
  await browser.request({ method: 'POST', url: '/api/session', body: { username, password: goodPassword } });
  const enrolment = await browser.request({ method: 'POST', url: '/api/mfa/totp' });
  const secret =
    new URL(enrolment.json<{ otpauthUri: string }>().otpauthUri).searchParams.get('secret') ?? '';
  const confirmed = await browser.request({
    method: 'POST',
    url: '/api/mfa/totp/confirm',
    body: { code: oathtool(secret, clock) },
  });
  expect(confirmed.statusCode, confirmed.body).toBe(200);
  clock.advanceBy({ seconds: 30 });
  return { browser, secret };
}

describeOnDatabases('HTTP sign-in and sessions', ({ getDb }) => {
  test('sign-in sets a __Host- session cookie that is HttpOnly, Secure and SameSite=Strict, and a device cookie', async () => {
    const { app, identity } = await setUp(getDb());
    await seedUser({ identity, username: 'cookie-carl', role: 'client' });
    const response = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username: 'cookie-carl', password: goodPassword },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      user: { username: 'cookie-carl', role: 'client' },
      isSecondFactorRequired: false,
      isEnrolmentRequired: false,
      availableFactors: [],
    });
    expect(response.json<{ csrfToken: string }>().csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookies = setCookiesOf(response);
    const session = cookies.get(sessionCookie)?.header ?? '';
    expect(session).toMatch(
      /^__Host-writ_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(cookies.get('__Host-writ_device')?.header).toMatch(
      /; Max-Age=34560000; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
    expect(response.body).not.toContain(cookies.get(sessionCookie)?.value ?? 'missing');
  });

  test('an unknown user and a wrong password get the same 401 problem with the same message', async () => {
    const { app, identity } = await setUp(getDb());
    await seedUser({ identity, username: 'real-rhea', role: 'client' });
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username: 'no-such-person', password: goodPassword },
    });
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { username: 'real-rhea', password: 'wrong wrong wrong' },
    });
    const unknownProblem = expectProblem(unknown, 401, 'identity.sign_in_failed');
    const wrongProblem = expectProblem(wrong, 401, 'identity.sign_in_failed');
    expect(unknownProblem.detail).toBe(wrongProblem.detail);
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  test('a throttled sign-in answers 429 with Retry-After, alike for a real and an unknown name', async () => {
    const { app, identity } = await setUp(getDb(), { signInMaxFailures: 2 });
    await seedUser({ identity, username: 'throttled-thea', role: 'client' });
    const answers = [];
    for (const username of ['throttled-thea', 'made-up-name']) {
      for (let failure = 0; failure < 2; failure += 1)
        await app.inject({
          method: 'POST',
          url: '/api/session',
          payload: { username, password: 'wrong wrong wrong' },
        });
      const throttled = await app.inject({
        method: 'POST',
        url: '/api/session',
        payload: { username, password: goodPassword },
      });
      expect(throttled.headers['retry-after']).toBe('60');
      answers.push(expectProblem(throttled, 429, 'identity.sign_in_throttled').detail);
    }
    expect(answers[0]).toBe(answers[1]);
  });

  test('a session token planted before sign-in never becomes authenticated (session fixation)', async () => {
    const db = getDb();
    const { app, identity } = await setUp(db);
    await seedUser({ identity, username: 'fixated-fay', role: 'client' });
    const browser = createTestBrowser(app);
    const planted = 'A'.repeat(43);
    browser.cookies.set(sessionCookie, planted);
    expectProblem(
      await browser.request({ method: 'GET', url: '/api/session' }),
      401,
      'identity.unauthenticated',
    );
    browser.cookies.set(sessionCookie, planted);
    await browser.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'fixated-fay', password: goodPassword },
    });
    expect(browser.cookies.get(sessionCookie)).not.toBe(planted);
    expect((await browser.request({ method: 'GET', url: '/api/session' })).statusCode).toBe(200);

    const attacker = createTestBrowser(app);
    attacker.cookies.set(sessionCookie, planted);
    expectProblem(
      await attacker.request({ method: 'GET', url: '/api/session' }),
      401,
      'identity.unauthenticated',
    );
  });

  test('a lawyer without a factor reaches only enrolment; confirming TOTP returns recovery codes and a new cookie', async () => {
    const { app, identity, clock } = await setUp(getDb());
    await seedUser({ identity, username: 'enrolling-eli', role: 'lawyer' });
    const browser = createTestBrowser(app);
    const signIn = await browser.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'enrolling-eli', password: goodPassword },
    });
    expect(signIn.json()).toMatchObject({ isEnrolmentRequired: true, isSecondFactorRequired: false });
    expectProblem(
      await browser.request({ method: 'GET', url: '/api/sessions' }),
      403,
      'identity.mfa_enrolment_required',
    );
    expect((await browser.request({ method: 'GET', url: '/api/session' })).json()).toMatchObject({
      isEnrolmentRequired: true,
    });

    const enrolment = await browser.request({ method: 'POST', url: '/api/mfa/totp' });
    expect(enrolment.statusCode).toBe(201);
    expect(enrolment.headers['cache-control']).toBe('no-store');
    const secret =
      new URL(enrolment.json<{ otpauthUri: string }>().otpauthUri).searchParams.get('secret') ?? '';
    const before = browser.cookies.get(sessionCookie);
    const confirmed = await browser.request({
      method: 'POST',
      url: '/api/mfa/totp/confirm',
      body: { code: oathtool(secret, clock) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    expect(confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes).toHaveLength(10);
    expect(confirmed.json()).toMatchObject({
      session: { isEnrolmentRequired: false, availableFactors: ['totp', 'recovery_code'] },
    });
    expect(browser.cookies.get(sessionCookie)).not.toBe(before);
    expect((await browser.request({ method: 'GET', url: '/api/sessions' })).statusCode).toBe(200);

    const stale = createTestBrowser(app);
    stale.cookies.set(sessionCookie, before ?? '');
    expectProblem(
      await stale.request({ method: 'GET', url: '/api/session' }),
      401,
      'identity.unauthenticated',
    );
  });

  test('a state-changing request without the CSRF token, or with a wrong one, answers 403 and changes nothing', async () => {
    const db = getDb();
    const { app, identity } = await setUp(db);
    await seedUser({ identity, username: 'csrf-cass', role: 'lawyer' });
    await seedUser({ identity, username: 'csrf-client', role: 'client' });
    const lawyer = createTestBrowser(app);
    await lawyer.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'csrf-cass', password: goodPassword },
    });
    const client = createTestBrowser(app);
    await client.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'csrf-client', password: goodPassword },
    });
    const before = await countRows(db);

    // No token, a made-up one, and the other user's real one: a token is only good for its own session.
    for (const [lawyerCsrf, clientCsrf] of [
      [null, null],
      ['B'.repeat(43), 'B'.repeat(43)],
      [client.csrfToken, lawyer.csrfToken],
    ]) {
      expectProblem(
        await lawyer.request({ method: 'POST', url: '/api/mfa/totp', csrf: lawyerCsrf }),
        403,
        'identity.csrf_failed',
      );
      expectProblem(
        await lawyer.request({ method: 'DELETE', url: '/api/session', csrf: lawyerCsrf }),
        403,
        'identity.csrf_failed',
      );
      expectProblem(
        await client.request({
          method: 'POST',
          url: '/api/password',
          body: { currentPassword: goodPassword, newPassword: 'velvet anchor orbits quietly' },
          csrf: clientCsrf,
        }),
        403,
        'identity.csrf_failed',
      );
    }
    expect(await countRows(db)).toEqual(before);
    expect((await lawyer.request({ method: 'GET', url: '/api/session' })).statusCode).toBe(200);
    expect((await lawyer.request({ method: 'POST', url: '/api/mfa/totp' })).statusCode).toBe(201);
  });

  test('a sign-in waiting for its second factor reaches only that step; an oathtool code rotates the cookie, once', async () => {
    const { app, identity, clock } = await setUp(getDb());
    await seedUser({ identity, username: 'second-step-sid', role: 'lawyer' });
    const { secret } = await enrolledLawyer(app, clock, 'second-step-sid');
    const browser = createTestBrowser(app);
    const signIn = await browser.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'second-step-sid', password: goodPassword },
    });
    expect(signIn.json()).toMatchObject({
      isSecondFactorRequired: true,
      availableFactors: ['totp', 'recovery_code'],
    });
    expectProblem(
      await browser.request({ method: 'GET', url: '/api/sessions' }),
      401,
      'identity.second_factor_required',
    );
    expectProblem(
      await browser.request({ method: 'POST', url: '/api/mfa/totp' }),
      401,
      'identity.second_factor_required',
    );

    const pendingCookie = browser.cookies.get(sessionCookie);
    const code = oathtool(secret, clock);
    const verified = await browser.request({
      method: 'POST',
      url: '/api/session/second-factor',
      body: { method: 'totp', code },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toMatchObject({ isSecondFactorRequired: false });
    expect(browser.cookies.get(sessionCookie)).not.toBe(pendingCookie);
    expect((await browser.request({ method: 'GET', url: '/api/sessions' })).statusCode).toBe(200);

    const stale = createTestBrowser(app);
    stale.cookies.set(sessionCookie, pendingCookie ?? '');
    expectProblem(
      await stale.request({ method: 'GET', url: '/api/session' }),
      401,
      'identity.unauthenticated',
    );
    expectProblem(
      await browser.request({ method: 'POST', url: '/api/session/step-up', body: { method: 'totp', code } }),
      400,
      'identity.code_invalid',
    );
  });

  test("another user's session id answers 404 and the ledger does not grow", async () => {
    const db = getDb();
    const { app, identity } = await setUp(db);
    await seedUser({ identity, username: 'prying-pia', role: 'client' });
    await seedUser({ identity, username: 'private-pam', role: 'client' });
    const pia = createTestBrowser(app);
    await pia.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'prying-pia', password: goodPassword },
    });
    const pam = createTestBrowser(app);
    await pam.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'private-pam', password: goodPassword },
    });
    const [pamSession] = (await pam.request({ method: 'GET', url: '/api/sessions' })).json<{
      sessions: { id: string }[];
    }>().sessions;
    const before = await countRows(db);
    expectProblem(
      await pia.request({ method: 'DELETE', url: `/api/sessions/${pamSession?.id ?? ''}` }),
      404,
      'identity.session_not_found',
    );
    expectProblem(
      await pia.request({ method: 'DELETE', url: '/api/sessions/ses_unknown' }),
      404,
      'identity.session_not_found',
    );
    expect(await countRows(db)).toEqual(before);
    expect((await pam.request({ method: 'GET', url: '/api/session' })).statusCode).toBe(200);
  });

  test('signing out ends the session and clears its cookie; an idle session answers 401', async () => {
    const { app, identity, clock } = await setUp(getDb(), { sessionIdleMinutes: 30 });
    await seedUser({ identity, username: 'leaving-leo', role: 'client' });
    const browser = createTestBrowser(app);
    await browser.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'leaving-leo', password: goodPassword },
    });
    const token = browser.cookies.get(sessionCookie) ?? '';
    const signOut = await browser.request({ method: 'DELETE', url: '/api/session' });
    expect(signOut.statusCode).toBe(204);
    const cleared = setCookiesOf(signOut).get(sessionCookie)?.header ?? '';
    expect(cleared).toMatch(/^__Host-writ_session=; Max-Age=0; /);
    for (const attribute of ['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict'])
      expect(cleared).toContain(attribute);
    const replayed = createTestBrowser(app);
    replayed.cookies.set(sessionCookie, token);
    expectProblem(
      await replayed.request({ method: 'GET', url: '/api/session' }),
      401,
      'identity.unauthenticated',
    );

    await browser.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'leaving-leo', password: goodPassword },
    });
    clock.advanceBy({ minutes: 30 });
    expectProblem(
      await browser.request({ method: 'GET', url: '/api/session' }),
      401,
      'identity.unauthenticated',
    );
  });

  test('a bearer token that opens nothing answers 401', async () => {
    const { app } = await setUp(getDb());
    for (const authorization of ['Bearer not-a-real-token', 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const response = await app.inject({ method: 'GET', url: '/api/session', headers: { authorization } });
      expectProblem(response, 401, 'identity.unauthenticated');
    }
  });

  test('removing TOTP after stepUpMinutes answers 401 step_up_required until a second factor is proved again', async () => {
    const db = getDb();
    const { app, identity, clock } = await setUp(db, { stepUpMinutes: 10 });
    await seedUser({ identity, username: 'stepping-stella', role: 'client' });
    const { browser, secret } = await enrolledLawyer(app, clock, 'stepping-stella');
    clock.advanceBy({ minutes: 11 });
    const before = await countRows(db);
    expectProblem(
      await browser.request({ method: 'DELETE', url: '/api/mfa/totp' }),
      401,
      'identity.step_up_required',
    );
    expect(await countRows(db)).toEqual(before);
    const stepUp = await browser.request({
      method: 'POST',
      url: '/api/session/step-up',
      body: { method: 'totp', code: oathtool(secret, clock) },
    });
    expect(stepUp.json()).toEqual({ secondFactorAt: clock.now().toISOString() });
    expect((await browser.request({ method: 'DELETE', url: '/api/mfa/totp' })).statusCode).toBe(204);
  });

  test('changing the password over HTTP gives the session a new cookie and CSRF token', async () => {
    const { app, identity } = await setUp(getDb());
    await seedUser({ identity, username: 'renewing-rae', role: 'client' });
    const browser = createTestBrowser(app);
    await browser.request({
      method: 'POST',
      url: '/api/session',
      body: { username: 'renewing-rae', password: goodPassword },
    });
    const [cookie, csrf] = [browser.cookies.get(sessionCookie), browser.csrfToken];
    const changed = await browser.request({
      method: 'POST',
      url: '/api/password',
      body: { currentPassword: goodPassword, newPassword: 'velvet anchor orbits quietly' },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(browser.cookies.get(sessionCookie)).not.toBe(cookie);
    expect(browser.csrfToken).not.toBe(csrf);
    expect((await browser.request({ method: 'GET', url: '/api/session' })).json()).toMatchObject({
      csrfToken: browser.csrfToken,
    });
  });
});
