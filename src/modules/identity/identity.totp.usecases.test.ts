import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { verifySecondFactor } from './identity.second-factor.usecases.js';
import {
  browser,
  countLedgerEntries,
  createSessionFixtures,
  expectCode,
  ledgerEntries,
  oathtoolCode,
  secretOfOtpauthUri,
} from './identity.sessions.test-utils.js';
import { authenticateSession } from './identity.sessions.usecases.js';
import { beginTotpEnrolment, confirmTotpEnrolment, removeTotp } from './identity.totp.usecases.js';

describeOnDatabases('TOTP enrolment', ({ getDb }) => {
  test('the enrolment shows an otpauth URI for Writ and the account, a QR code, and stores the secret sealed', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: 'enrolling-emma' });
    const { token } = await fixtures.signIn({ username: 'enrolling-emma' });
    const principal = await fixtures.principalOf(token);

    const { otpauthUri, qrCodeDataUrl } = await beginTotpEnrolment({ ...fixtures.deps, principal });
    const uri = new URL(otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Writ:enrolling-emma');
    expect(uri.searchParams.get('issuer')).toBe('Writ');
    const secret = secretOfOtpauthUri(otpauthUri);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qrCodeDataUrl.split(',')[1] ?? '', 'base64').toString('utf8')).toContain('<svg');

    const [row] = await db
      .selectFrom('totp_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(row?.secret_sealed).toMatch(/^s1\./);
    expect(row?.confirmed_at).toBeNull();
    expect(JSON.stringify(row)).not.toContain(secret);
  });

  test('an oathtool code confirms it: the first factor brings ten recovery codes, full rights and a new token', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: 'confirming-cora' });
    const { token } = await fixtures.signIn({ username: 'confirming-cora' });
    const principal = await fixtures.principalOf(token);
    expect(await authenticateSession({ ...fixtures.deps, token })).toMatchObject({
      isEnrolmentRequired: true,
    });
    const secret = secretOfOtpauthUri((await beginTotpEnrolment({ ...fixtures.deps, principal })).otpauthUri);

    const confirmed = await confirmTotpEnrolment({
      ...fixtures.deps,
      principal,
      code: oathtoolCode({ secret, at: clock.now() }),
      clientAddress: browser.clientAddress,
    });
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    for (const code of confirmed.recoveryCodes ?? [])
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(await authenticateSession({ ...fixtures.deps, token })).toBeUndefined();
    expect(
      await authenticateSession({ ...fixtures.deps, token: confirmed.rotation?.token ?? '' }),
    ).toMatchObject({
      isEnrolmentRequired: false,
      isSecondFactorRequired: false,
    });
    expect(await ledgerEntries(db, 'identity.mfa_enrolled')).toEqual([
      expect.objectContaining({ data: { userId: user.id, method: 'totp' } }),
    ]);
    expect(await ledgerEntries(db, 'identity.recovery_codes_generated')).toEqual([
      expect.objectContaining({ data: { userId: user.id, count: 10 } }),
    ]);
  });

  test('a wrong code confirms nothing; a second enrolment is refused once one is confirmed', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'client', username: 'careful-cleo' });
    const { token } = await fixtures.signIn({ username: 'careful-cleo' });
    const principal = await fixtures.principalOf(token);
    const secret = secretOfOtpauthUri((await beginTotpEnrolment({ ...fixtures.deps, principal })).otpauthUri);
    const right = oathtoolCode({ secret, at: clock.now() });
    const wrong = right === '000000' ? '000001' : '000000';
    await expectCode(
      confirmTotpEnrolment({
        ...fixtures.deps,
        principal,
        code: wrong,
        clientAddress: browser.clientAddress,
      }),
      'identity.code_invalid',
    );
    const pending = db.selectFrom('totp_credentials').select('confirmed_at').where('user_id', '=', user.id);
    expect(await pending.execute()).toEqual([{ confirmed_at: null }]);
    await confirmTotpEnrolment({
      ...fixtures.deps,
      principal,
      code: right,
      clientAddress: browser.clientAddress,
    });
    const rotated = await fixtures.principalOf((await fixtures.signIn({ username: 'careful-cleo' })).token);
    await expectCode(
      beginTotpEnrolment({ ...fixtures.deps, principal: rotated }),
      'identity.totp_already_enrolled',
    );
  });
});

describeOnDatabases('TOTP as a second factor', ({ getDb }) => {
  test('an oathtool code for the enrolled secret is accepted once; the same code is refused the second time', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    await fixtures.user({ role: 'lawyer', username: 'replay-ray' });
    const { secret } = await fixtures.enrolTotp({ username: 'replay-ray' });
    const { token, description } = await fixtures.signIn({ username: 'replay-ray' });
    expect(description).toMatchObject({
      isSecondFactorRequired: true,
      availableFactors: ['totp', 'recovery_code'],
    });
    const principal = await fixtures.principalOf(token);
    const code = oathtoolCode({ secret, at: clock.now() });
    const verify = (withPrincipal: typeof principal, purpose: 'sign_in' | 'step_up') =>
      verifySecondFactor({
        ...fixtures.deps,
        principal: withPrincipal,
        method: 'totp',
        code,
        purpose,
        clientAddress: browser.clientAddress,
      });

    const { rotation } = await verify(principal, 'sign_in');
    const signedIn = await fixtures.principalOf(rotation?.token ?? '');
    expect(signedIn.secondFactorAt).toEqual(clock.now());
    const before = await countLedgerEntries(db);
    await expectCode(verify(signedIn, 'step_up'), 'identity.code_invalid');
    const failures = await ledgerEntries(db, 'identity.second_factor_failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.data).toMatchObject({ method: 'totp', purpose: 'step_up', reason: 'code_invalid' });
    expect(await countLedgerEntries(db)).toBe(before + 1);

    clock.advanceBy({ seconds: 30 });
    await verifySecondFactor({
      ...fixtures.deps,
      principal: signedIn,
      method: 'totp',
      code: oathtoolCode({ secret, at: clock.now() }),
      purpose: 'step_up',
      clientAddress: browser.clientAddress,
    });
  });

  test('codes one step either side are accepted, two steps away and earlier than the last accepted are not', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { signInMaxFailures: 50 } });
    await fixtures.user({ role: 'client', username: 'window-will' });
    const { secret, token } = await fixtures.enrolTotp({ username: 'window-will' });
    const principal = await fixtures.principalOf(token);
    const attempt = (offsetSeconds: number) =>
      verifySecondFactor({
        ...fixtures.deps,
        principal,
        method: 'totp',
        code: oathtoolCode({ secret, at: new Date(clock.now().getTime() + offsetSeconds * 1000) }),
        purpose: 'step_up',
        clientAddress: browser.clientAddress,
      });
    clock.advanceBy({ minutes: 5 });
    await expectCode(attempt(-60), 'identity.code_invalid');
    await expectCode(attempt(60), 'identity.code_invalid');
    await attempt(-30);
    await attempt(0);
    await attempt(30);
    clock.advanceBy({ seconds: 30 });
    await expectCode(attempt(-30), 'identity.code_invalid');
  });

  test('wrong codes count in their own throttle: a right password does not reset it, and a right code is then refused', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { signInMaxFailures: 3 } });
    await fixtures.user({ role: 'lawyer', username: 'guessing-gus' });
    const { secret } = await fixtures.enrolTotp({ username: 'guessing-gus' });
    const guess = async (code: string) => {
      const { token } = await fixtures.signIn({ username: 'guessing-gus' });
      return verifySecondFactor({
        ...fixtures.deps,
        principal: await fixtures.principalOf(token),
        method: 'totp',
        code,
        purpose: 'sign_in',
        clientAddress: browser.clientAddress,
      });
    };
    const right = oathtoolCode({ secret, at: clock.now() });
    const wrong = right === '123456' ? '654321' : '123456';
    for (let failure = 0; failure < 3; failure += 1) await expectCode(guess(wrong), 'identity.code_invalid');
    await expectCode(guess(right), 'identity.sign_in_throttled');
    clock.advanceBy({ seconds: 60 });
    await guess(oathtoolCode({ secret, at: clock.now() }));
  });

  test('wrong codes that reach the lockout tell the owner that codes are blocked, not their password', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { signInMaxFailures: 3 } });
    const user = await fixtures.user({ role: 'lawyer', username: 'locked-out-lena' });
    const { secret } = await fixtures.enrolTotp({ username: 'locked-out-lena' });
    const right = oathtoolCode({ secret, at: clock.now() });
    const wrong = right === '123456' ? '654321' : '123456';
    const notices = () =>
      db
        .selectFrom('notifications')
        .select('payload')
        .where('user_id', '=', user.id)
        .where('kind', '=', 'account_locked')
        .execute();
    for (let failure = 0; failure < 30 && (await notices()).length === 0; failure += 1) {
      const { token } = await fixtures.signIn({ username: 'locked-out-lena' });
      const outcome: { details?: { retryAfterSeconds?: number } } = await verifySecondFactor({
        ...fixtures.deps,
        principal: await fixtures.principalOf(token),
        method: 'totp',
        code: wrong,
        purpose: 'sign_in',
        clientAddress: browser.clientAddress,
      }).then(
        () => ({}),
        (error: unknown) => error as { details?: { retryAfterSeconds?: number } },
      );
      clock.advanceBy({ seconds: outcome.details?.retryAfterSeconds ?? 1 });
    }
    const [notice] = await notices();
    expect(JSON.parse(notice?.payload ?? '{}')).toMatchObject({ lock: 'second_factor' });
    const locks = (await ledgerEntries(db, 'identity.account_locked')).map((entry) => entry.data);
    expect(locks).toContainEqual(expect.objectContaining({ account: user.id, lock: 'second_factor' }));
  });

  test('removing the authenticator needs a recent step-up, and a lawyer may not remove the last factor', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { stepUpMinutes: 10 } });
    await fixtures.user({ role: 'lawyer', username: 'last-factor-lou' });
    const lawyer = await fixtures.enrolTotp({ username: 'last-factor-lou' });
    await expectCode(
      removeTotp({ ...fixtures.deps, principal: await fixtures.principalOf(lawyer.token) }),
      'identity.last_second_factor',
    );

    const client = await fixtures.user({ role: 'client', username: 'leaving-liz' });
    const enrolled = await fixtures.enrolTotp({ username: 'leaving-liz' });
    clock.advanceBy({ minutes: 11 });
    const before = await countLedgerEntries(db);
    await expectCode(
      removeTotp({ ...fixtures.deps, principal: await fixtures.principalOf(enrolled.token) }),
      'identity.step_up_required',
    );
    expect(await countLedgerEntries(db)).toBe(before);
    await verifySecondFactor({
      ...fixtures.deps,
      principal: await fixtures.principalOf(enrolled.token),
      method: 'totp',
      code: oathtoolCode({ secret: enrolled.secret, at: clock.now() }),
      purpose: 'step_up',
      clientAddress: browser.clientAddress,
    });
    await removeTotp({ ...fixtures.deps, principal: await fixtures.principalOf(enrolled.token) });
    expect(
      await db.selectFrom('totp_credentials').select('user_id').where('user_id', '=', client.id).execute(),
    ).toEqual([]);
    expect(
      await db.selectFrom('recovery_codes').select('id').where('user_id', '=', client.id).execute(),
    ).toEqual([]);
    expect(await ledgerEntries(db, 'identity.mfa_removed')).toEqual([
      expect.objectContaining({ data: { userId: client.id, method: 'totp' } }),
    ]);
  });
});

describeOnDatabases('TOTP when the clock is behind the last accepted code', ({ getDb }) => {
  test('after the clock is set back, a code is refused and recorded like a wrong one, then works once time catches up', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: 'skewed-sam' });
    const { secret, token } = await fixtures.enrolTotp({ username: 'skewed-sam' });
    const principal = await fixtures.principalOf(token);
    const stepUp = () =>
      verifySecondFactor({
        ...fixtures.deps,
        principal,
        method: 'totp',
        code: oathtoolCode({ secret, at: clock.now() }),
        purpose: 'step_up',
        clientAddress: browser.clientAddress,
      });
    await stepUp();
    const acceptedAt = clock.now();

    // Another node's clock, or this one after a correction, five minutes behind the step just accepted.
    clock.set(new Date(acceptedAt.getTime() - 5 * 60_000));
    const failuresBefore = (await ledgerEntries(db, 'identity.second_factor_failed')).length;
    await expectCode(stepUp(), 'identity.code_invalid');
    const failures = await ledgerEntries(db, 'identity.second_factor_failed');
    expect(failures).toHaveLength(failuresBefore + 1);
    expect(failures.at(-1)?.data).toMatchObject({
      userId: user.id,
      method: 'totp',
      purpose: 'step_up',
      reason: 'code_invalid',
    });
    const counter = await db
      .selectFrom('sign_in_throttles')
      .select('failures')
      .where('key', '=', `factor:${user.id}`)
      .executeTakeFirst();
    expect(counter?.failures).toBe(1);

    clock.set(new Date(acceptedAt.getTime() + 30_000));
    await stepUp();
  });
});
