import { expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestClock, type TestClock } from '../../shared/clock/clock.test-utils.js';
import {
  createIdentityFixtures,
  expectCode,
  ledgerEntries,
  liveSessionCount,
  snapshotTables,
} from './identity.admin.test-utils.js';
import { renderNotificationMail } from './identity.notifications.models.js';
import { resetPasswordWithRecoveryCode } from './identity.password-resets.recovery-code.usecases.js';
import { issueRecoveryCodes } from './identity.recovery-codes.usecases.js';
import { verifySecondFactor } from './identity.second-factor.usecases.js';
import { browser, createSessionFixtures, oathtoolCode } from './identity.sessions.test-utils.js';
import { signInWithPassword } from './identity.sign-in.usecases.js';

const newPassword = 'a brand new passphrase for writ';
const unchangedOnFailure = [
  'users',
  'sessions',
  'password_resets',
  'recovery_codes',
  'notifications',
] as const;

describeOnDatabases('self-service reset with a recovery code', ({ getDb }) => {
  const clock = createTestClock();
  let clients = 0;
  const setup = async () => {
    const db = getDb();
    const fixtures = createIdentityFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer' });
    await fixtures.session(user);
    const { recoveryCodes } = await issueRecoveryCodes({
      ...fixtures.deps,
      actor: { type: 'system' },
      userId: user.id,
    });
    const codes = recoveryCodes.slice(0, 2);
    const clientAddress = `198.51.100.${++clients}`;
    const reset = (args: { username?: string; recoveryCode: string; password?: string; clock?: TestClock }) =>
      resetPasswordWithRecoveryCode({
        ...fixtures.deps,
        clock: args.clock ?? clock,
        username: args.username ?? user.username,
        recoveryCode: args.recoveryCode,
        password: args.password ?? newPassword,
        clientAddress,
      });
    return { db, fixtures, user, codes: codes as [string, string], reset };
  };

  test('a valid code sets the password, is used up, ends sessions and is recorded', async () => {
    const { db, fixtures, user, codes, reset } = await setup();
    await reset({ recoveryCode: ` ${codes[0].toLowerCase()} ` });
    const row = await db
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(await fixtures.deps.passwordHasher.verify(row.password_hash, newPassword)).toBe(true);
    expect(await liveSessionCount(db, user.id)).toBe(0);
    expect(await ledgerEntries(db, 'identity.recovery_code_used')).toContainEqual(
      expect.objectContaining({ data: { userId: user.id, remaining: 9 } }),
    );
    expect(await ledgerEntries(db, 'identity.password_changed')).toContainEqual(
      expect.objectContaining({ data: { userId: user.id, via: 'recovery_code' } }),
    );
    const before = await snapshotTables(db, unchangedOnFailure);
    await expectCode(
      reset({ recoveryCode: codes[0], password: 'a third passphrase, unused' }),
      'identity.reset_failed',
    );
    expect(await snapshotTables(db, unchangedOnFailure)).toEqual(before);
  });

  test('an unknown user, a wrong code, a malformed code and a disabled account fail alike and change nothing', async () => {
    const { db, user, codes, reset } = await setup();
    const before = await snapshotTables(db, unchangedOnFailure);
    const failuresBefore = (await ledgerEntries(db, 'identity.password_reset_failed')).length;
    const errors: unknown[] = [];
    for (const attempt of [
      { username: 'no-such-user', recoveryCode: codes[0] },
      { recoveryCode: 'ABCDE-FGHJK' },
      { recoveryCode: 'not a code at all' },
    ]) {
      errors.push(
        await reset(attempt).then(
          () => undefined,
          (error: unknown) => error,
        ),
      );
    }
    expect(errors.map((error) => [(error as { code?: string }).code, (error as Error).message])).toEqual(
      Array(3).fill(['identity.reset_failed', 'The username or recovery code is not correct.']),
    );
    expect(await snapshotTables(db, unchangedOnFailure)).toEqual(before);
    const failures = (await ledgerEntries(db, 'identity.password_reset_failed')).slice(failuresBefore);
    expect(failures.map((entry) => entry.data.reason)).toEqual([
      'code_invalid',
      'code_invalid',
      'code_invalid',
    ]);
    expect(JSON.stringify(failures)).not.toContain('no-such-user');
    await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', user.id).execute();
    await expectCode(reset({ recoveryCode: codes[1] }), 'identity.reset_failed');
    const unused = await db
      .selectFrom('recovery_codes')
      .select('id')
      .where('used_at', 'is', null)
      .where('user_id', '=', user.id)
      .execute();
    expect(unused).toHaveLength(10);
  });

  test('two simultaneous resets with one code succeed once', async () => {
    const { codes, reset } = await setup();
    const results = await Promise.allSettled([
      reset({ recoveryCode: codes[0] }),
      reset({ recoveryCode: codes[0], password: 'the other passphrase here' }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  });

  test('after repeated failures resets are throttled alike for a real and an unknown name, the right code included', async () => {
    const { db, user, codes, reset } = await setup();
    for (const username of [user.username, 'no-such-user']) {
      const at = createTestClock({ now: clock.now() });
      const outcomes: string[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1) {
        outcomes.push(
          await reset({ username, recoveryCode: 'ABCDE-FGHJK', clock: at }).then(
            () => 'ok',
            (caught: unknown) => (caught as { code: string }).code,
          ),
        );
      }
      expect(outcomes).toEqual([
        ...Array<string>(5).fill('identity.reset_failed'),
        'identity.sign_in_throttled',
      ]);
    }
    const at = createTestClock({ now: clock.now() });
    await expectCode(reset({ recoveryCode: codes[0], clock: at }), 'identity.sign_in_throttled');
    const unusedBefore = await db
      .selectFrom('recovery_codes')
      .select('id')
      .where('used_at', 'is', null)
      .execute();
    at.advanceBy({ minutes: 1 });
    await reset({ recoveryCode: codes[0], clock: at });
    const unusedAfter = await db
      .selectFrom('recovery_codes')
      .select('id')
      .where('used_at', 'is', null)
      .execute();
    expect(unusedAfter).toHaveLength(unusedBefore.length - 1);
    const reasons = (await ledgerEntries(db, 'identity.password_reset_failed')).map(
      (entry) => entry.data.reason,
    );
    expect(reasons.filter((reason) => reason === 'throttled')).toHaveLength(3);
  });
});

describeOnDatabases('recovery attempts and the other brute-force counters', ({ getDb }) => {
  const outcomeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (caught: unknown) => (caught as { code: string }).code,
    );

  let users = 0;
  const setup = async () => {
    const db = getDb();
    const clock = createTestClock();
    const fixtures = createSessionFixtures({ db, clock });
    const user = await fixtures.user({ role: 'lawyer', username: `targeted-tess-${++users}` });
    const recover = ({ username, clientAddress }: { username: string; clientAddress: string }) =>
      resetPasswordWithRecoveryCode({
        ...fixtures.deps,
        username,
        recoveryCode: 'ABCDE-FGHJK',
        password: newPassword,
        clientAddress,
      });
    return { db, clock, fixtures, user, recover };
  };

  test('after five failed sign-ins for a name, recovery attempts answer alike for a real and an unknown name', async () => {
    const { fixtures, user, recover } = await setup();
    const outcomes: string[][] = [];
    for (const [index, username] of [user.username, 'no-such-person'].entries()) {
      const device = { ...browser, clientAddress: `198.51.100.${index + 1}` };
      for (let attempt = 0; attempt < 5; attempt += 1) {
        await expectCode(
          signInWithPassword({ ...fixtures.deps, username, password: 'a wrong password here', device }),
          'identity.sign_in_failed',
        );
      }
      const answers: string[] = [];
      for (let attempt = 0; attempt < 6; attempt += 1) {
        answers.push(await outcomeOf(recover({ username, clientAddress: device.clientAddress })));
      }
      outcomes.push(answers);
    }
    expect(outcomes).toEqual(
      Array(2).fill([...Array<string>(5).fill('identity.reset_failed'), 'identity.sign_in_throttled']),
    );
  });

  test('recovery attempts lock themselves out, and the victim still signs in with TOTP and steps up', async () => {
    const { db, clock, fixtures, user, recover } = await setup();
    const { secret } = await fixtures.enrolTotp({ username: user.username });
    const answers: string[] = [];
    for (let attempt = 0; attempt < 7; attempt += 1) {
      answers.push(
        await outcomeOf(recover({ username: user.username, clientAddress: `192.0.2.${attempt}` })),
      );
    }
    expect(answers).toEqual([
      ...Array<string>(5).fill('identity.reset_failed'),
      'identity.sign_in_throttled',
      'identity.sign_in_throttled',
    ]);

    const { token } = await fixtures.signIn({ username: user.username });
    const { rotation } = await verifySecondFactor({
      ...fixtures.deps,
      principal: await fixtures.principalOf(token),
      method: 'totp',
      code: oathtoolCode({ secret, at: clock.now() }),
      purpose: 'sign_in',
      clientAddress: browser.clientAddress,
    });
    clock.advanceBy({ seconds: 30 });
    const { secondFactorAt } = await verifySecondFactor({
      ...fixtures.deps,
      principal: await fixtures.principalOf(rotation?.token ?? ''),
      method: 'totp',
      code: oathtoolCode({ secret, at: clock.now() }),
      purpose: 'step_up',
      clientAddress: browser.clientAddress,
    });
    expect(secondFactorAt).toEqual(clock.now());
    expect(await ledgerEntries(db, 'identity.second_factor_failed')).toEqual([]);
  });

  test('when recovery attempts reach the lockout, the owner is told that resets are blocked, not their sign-in', async () => {
    const { db, clock, user, recover } = await setup();
    const notices = () =>
      db
        .selectFrom('notifications')
        .select(['kind', 'payload'])
        .where('user_id', '=', user.id)
        .where('kind', '=', 'account_locked')
        .execute();
    for (let attempt = 0; attempt < 30 && (await notices()).length === 0; attempt += 1) {
      const outcome = await recover({ username: user.username, clientAddress: `192.0.2.${attempt}` }).then(
        () => ({}),
        (error: unknown) => error as { details?: { retryAfterSeconds?: number } },
      );
      clock.advanceBy({ seconds: 'details' in outcome ? (outcome.details?.retryAfterSeconds ?? 1) : 1 });
    }
    const [notice] = await notices();
    const payload = JSON.parse(notice?.payload ?? '{}') as Record<string, unknown>;
    expect(payload).toMatchObject({ lock: 'recovery' });
    const mail = renderNotificationMail({
      kind: 'account_locked',
      payload,
      publicUrl: 'https://writ.example',
    });
    expect(mail.subject).toBe('Writ: password resets with a recovery code were blocked');
    expect(mail.text).toContain('You can still sign in as usual.');
  });

  test('a recovery sheet alone does not take over the account: after a reset with one code, another does not complete sign-in', async () => {
    const { db, clock, fixtures, user } = await setup();
    const { secret, recoveryCodes } = await fixtures.enrolTotp({ username: user.username });
    const [resetCode, signInCode, laterCode] = recoveryCodes as [string, string, string];
    await resetPasswordWithRecoveryCode({
      ...fixtures.deps,
      username: user.username,
      recoveryCode: resetCode,
      password: newPassword,
      clientAddress: browser.clientAddress,
    });
    const signInWithNewPassword = async () => {
      const { token } = await signInWithPassword({
        ...fixtures.deps,
        username: user.username,
        password: newPassword,
        device: browser,
      });
      return fixtures.principalOf(token);
    };
    const completeWith = async (method: 'totp' | 'recovery_code', code: string) =>
      verifySecondFactor({
        ...fixtures.deps,
        principal: await signInWithNewPassword(),
        method,
        code,
        purpose: 'sign_in',
        clientAddress: browser.clientAddress,
      });
    const unusedCodes = async () =>
      (
        await db
          .selectFrom('recovery_codes')
          .select('id')
          .where('user_id', '=', user.id)
          .where('used_at', 'is', null)
          .execute()
      ).length;

    const unusedBefore = await unusedCodes();
    await expectCode(completeWith('recovery_code', signInCode), 'identity.recovery_code_not_accepted');
    // Refused before the code was looked at: it is still unused, and the refusal is on the ledger.
    expect(await unusedCodes()).toBe(unusedBefore);
    const refusals = (await ledgerEntries(db, 'identity.second_factor_failed')).map((entry) => entry.data);
    expect(refusals).toContainEqual(
      expect.objectContaining({
        userId: user.id,
        method: 'recovery_code',
        reason: 'password_recovered',
      }),
    );

    // The authenticator completes the sign-in; from then on recovery codes work again.
    await completeWith('totp', oathtoolCode({ secret, at: clock.now() }));
    const { rotation } = await completeWith('recovery_code', signInCode);
    expect(rotation).toBeDefined();
    expect(await unusedCodes()).toBe(unusedBefore - 1);
    expect(laterCode).not.toBe(signInCode);
  });
});
