import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createAccountsHttpHarness } from './accounts.http.test-utils.js';

/** The anonymous recovery-code reset over the real HTTP front door, against the other throttled routes. */
let harness: Awaited<ReturnType<typeof createAccountsHttpHarness>>;
beforeAll(async () => {
  harness = await createAccountsHttpHarness();
});
afterAll(() => harness.close());

const recover = (username: string, remoteAddress: string) =>
  harness.app.inject({
    method: 'POST',
    url: '/api/password-resets/recovery',
    remoteAddress,
    payload: { username, recoveryCode: 'AAAAA-AAAAA', password: 'violet tractor harbour 93' },
  });

describe('recovery-code resets over HTTP', () => {
  test('after five failed sign-ins, the recovery route answers a real and an unknown name alike', async () => {
    const { user } = await harness.signedIn('lawyer');
    const answers: unknown[] = [];
    for (const [index, username] of [user.username, 'no-such-person'].entries()) {
      const remoteAddress = `198.51.100.${index + 1}`;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const signIn = await harness.app.inject({
          method: 'POST',
          url: '/api/session',
          remoteAddress,
          payload: { username, password: 'a wrong password here' },
        });
        expect(signIn.statusCode).toBe(401);
      }
      const reset = await recover(username, remoteAddress);
      answers.push([reset.statusCode, reset.json<{ code: string }>().code]);
    }
    expect(answers).toEqual([
      [400, 'identity.reset_failed'],
      [400, 'identity.reset_failed'],
    ]);
  });

  test("anonymous recovery attempts from many addresses do not throttle the victim's step-up", async () => {
    const { user, caller } = await harness.signedIn('lawyer');
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt += 1)
      statuses.push((await recover(user.username, `192.0.2.${attempt + 10}`)).statusCode);
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    const stepUp = await harness.call(caller, {
      method: 'POST',
      url: '/api/session/step-up',
      payload: { method: 'totp', code: '000000' },
    });
    expect(stepUp.json<{ code: string }>().code).toBe('identity.code_invalid');
  });
});
