import { createHash } from 'node:crypto';
import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { normalizeRecoveryCode } from './identity.recovery-codes.models.js';
import { regenerateRecoveryCodes } from './identity.recovery-codes.usecases.js';
import { verifySecondFactor } from './identity.second-factor.usecases.js';
import {
  browser,
  countLedgerEntries,
  createSessionFixtures,
  expectCode,
  ledgerEntries,
  oathtoolCode,
} from './identity.sessions.test-utils.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';

describeOnDatabases('recovery codes', ({ getDb }) => {
  test('a recovery code completes a sign-in once; used twice it is refused; the event says how many remain', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: 'lost-phone-lin' });
    const { recoveryCodes } = await fixtures.enrolTotp({ username: 'lost-phone-lin' });
    const code = recoveryCodes[3] ?? '';
    const signInWith = async (typed: string) => {
      const { token } = await fixtures.signIn({ username: 'lost-phone-lin' });
      return verifySecondFactor({
        ...fixtures.deps,
        principal: await fixtures.principalOf(token),
        method: 'recovery_code',
        code: typed,
        purpose: 'sign_in',
        clientAddress: browser.clientAddress,
      });
    };

    // Typed by hand: lower case, spaces for the hyphen, O for 0.
    const { rotation } = await signInWith(` ${code.toLowerCase().replace('-', ' ').replace(/0/g, 'o')} `);
    expect(rotation).toBeDefined();
    expect(await ledgerEntries(db, 'identity.recovery_code_used')).toEqual([
      expect.objectContaining({ data: { userId: user.id, remaining: 9 } }),
    ]);
    await expectCode(signInWith(code), 'identity.code_invalid');
    expect(await ledgerEntries(db, 'identity.recovery_code_used')).toHaveLength(1);
  });

  test('codes are stored as keyed hashes: neither a code nor its plain SHA-256 is in the database', async () => {
    const db = getDb();
    const fixtures = createSessionFixtures({ db, clock: createTestClock() });
    await fixtures.user({ username: 'hashed-hana' });
    const { recoveryCodes } = await fixtures.enrolTotp({ username: 'hashed-hana' });
    const stored = JSON.stringify(await db.selectFrom('recovery_codes').selectAll().execute());
    for (const code of recoveryCodes) {
      const normalized = normalizeRecoveryCode(code) ?? '';
      expect(stored).not.toContain(normalized);
      expect(stored).not.toContain(createHash('sha256').update(normalized).digest('hex'));
    }
  });

  test('a new set needs a recent step-up and replaces the old set', async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock, settings: { stepUpMinutes: 10 } });
    await fixtures.user({ role: 'lawyer', username: 'renewing-rob' });
    const { token, secret, recoveryCodes: oldCodes } = await fixtures.enrolTotp({ username: 'renewing-rob' });
    clock.advanceBy({ minutes: 11 });
    const before = await countLedgerEntries(db);
    await expectCode(
      regenerateRecoveryCodes({ ...fixtures.deps, principal: await fixtures.principalOf(token) }),
      'identity.step_up_required',
    );
    expect(await countLedgerEntries(db)).toBe(before);

    await verifySecondFactor({
      ...fixtures.deps,
      principal: await fixtures.principalOf(token),
      method: 'totp',
      code: oathtoolCode({ secret, at: clock.now() }),
      purpose: 'step_up',
      clientAddress: browser.clientAddress,
    });
    const { recoveryCodes } = await regenerateRecoveryCodes({
      ...fixtures.deps,
      principal: await fixtures.principalOf(token),
    });
    expect(recoveryCodes).toHaveLength(10);
    expect(recoveryCodes).not.toContain(oldCodes[0]);

    const { token: next } = await fixtures.signIn({ username: 'renewing-rob' });
    await expectCode(
      verifySecondFactor({
        ...fixtures.deps,
        principal: await fixtures.principalOf(next),
        method: 'recovery_code',
        code: oldCodes[0] ?? '',
        purpose: 'sign_in',
        clientAddress: browser.clientAddress,
      }),
      'identity.code_invalid',
    );
  });
});

test('step-up passes within stepUpMinutes of the last second factor, and tells the client how to step up after', () => {
  const clock = createTestClock();
  const principal = {
    userId: 'usr_1',
    role: 'lawyer' as const,
    via: 'session' as const,
    sessionId: 'ses_1',
    apiTokenId: undefined,
    secondFactorAt: clock.now(),
    scopes: undefined,
  };
  const settings = { stepUpMinutes: 10 };
  clock.advanceBy({ minutes: 10 });
  expect(() => {
    requireRecentSecondFactor({ principal, clock, settings });
  }).not.toThrow();
  clock.advanceBy({ seconds: 1 });
  expect(() => {
    requireRecentSecondFactor({ principal, clock, settings });
  }).toThrow(
    expect.objectContaining({
      code: 'identity.step_up_required',
      status: 401,
      details: {
        stepUp: { method: 'POST', url: '/api/session/step-up', purpose: 'step_up', withinMinutes: 10 },
      },
    }),
  );
  const token = {
    ...principal,
    via: 'api_token' as const,
    sessionId: undefined,
    secondFactorAt: clock.now(),
  };
  expect(() => {
    requireRecentSecondFactor({ principal: token, clock, settings });
  }).toThrow(expect.objectContaining({ code: 'identity.step_up_required' }));
});
