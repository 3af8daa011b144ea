import { execFileSync } from 'node:child_process';
import type { Kysely } from 'kysely';
import { createTestIdentityDependencies } from '../../../test/support/identity.js';
import type { TestClock } from '../../shared/clock/clock.test-utils.js';
import type { WritDatabase } from '../database.js';
import { createUserBySystem } from './identity.admin.usecases.js';
import type { IdentitySettings } from './identity.dependencies.js';
import type { Principal, Role, User } from './identity.models.js';
import { authenticateSession, type DeviceInfo } from './identity.sessions.usecases.js';
import { signInWithPassword } from './identity.sign-in.usecases.js';
import { beginTotpEnrolment, confirmTotpEnrolment } from './identity.totp.usecases.js';

export const goodPassword = 'correct horse battery staple';
export const browser: DeviceInfo = {
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  clientAddress: '203.0.113.7',
};

export { countLedgerEntries, expectCode, ledgerEntries } from '../../../test/support/assertions.js';

/** The current TOTP code for a base32 secret at `at`, computed by Debian's `oathtool`, not by otplib. */
export function oathtoolCode({ secret, at }: { secret: string; at: Date }): string {
  return execFileSync('oathtool', ['--totp', '-b', secret, '--now', `@${Math.floor(at.getTime() / 1000)}`], {
    encoding: 'utf8',
  }).trim();
}

/** The base32 secret inside an `otpauth://totp/…?secret=…` URI. */
export function secretOfOtpauthUri(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret');
  if (secret === null) throw new Error(`no secret in ${uri}`);
  return secret;
}

/** Real identity collaborators and fixtures made through the real use-cases. */
export function createSessionFixtures({
  db,
  clock,
  settings = {},
}: {
  db: Kysely<WritDatabase>;
  clock: TestClock;
  settings?: Partial<IdentitySettings>;
}) {
  const deps = createTestIdentityDependencies({ db, clock, settings });
  let counter = 0;

  async function principalOf(token: string): Promise<Principal> {
    const session = await authenticateSession({ ...deps, token });
    if (session === undefined) throw new Error('the token opens no session');
    return session.principal;
  }

  return {
    deps,
    principalOf,
    async user({ role = 'client', username }: { role?: Role; username?: string } = {}): Promise<User> {
      counter += 1;
      const { user } = await createUserBySystem({
        ...deps,
        username: username ?? `${role.replace('_', '-')}-${counter}`,
        role,
        password: goodPassword,
      });
      return user;
    },
    signIn({ username, device = browser }: { username: string; device?: DeviceInfo }) {
      return signInWithPassword({ ...deps, username, password: goodPassword, device });
    },
    /**
     * Signs in and enrols TOTP with codes from oathtool; returns the base32 secret and a fully signed-in
     * session token. The clock then moves a step on, so that the next code is a new one.
     */
    async enrolTotp({ username }: { username: string }) {
      const { token } = await signInWithPassword({
        ...deps,
        username,
        password: goodPassword,
        device: browser,
      });
      const principal = await principalOf(token);
      const { otpauthUri } = await beginTotpEnrolment({ ...deps, principal });
      const secret = secretOfOtpauthUri(otpauthUri);
      const confirmed = await confirmTotpEnrolment({
        ...deps,
        principal,
        code: oathtoolCode({ secret, at: clock.now() }),
        clientAddress: browser.clientAddress,
      });
      clock.advanceBy({ seconds: 30 });
      return {
        secret,
        token: confirmed.rotation?.token ?? token,
        recoveryCodes: confirmed.recoveryCodes ?? [],
      };
    },
  };
}
