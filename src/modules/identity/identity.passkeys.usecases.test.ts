import type { Kysely } from 'kysely';
import { beforeEach, expect, test } from 'vitest';
import { describeOnDatabases } from '../../../test/support/databases.js';
import { createTestIdentityDependencies } from '../../../test/support/identity.js';
import { createTestClock, type TestClock } from '../../shared/clock/clock.test-utils.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import type { WritDatabase } from '../database.js';
import { createUserBySystem, setUserStatus } from './identity.admin.usecases.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import type { Principal, Role, User } from './identity.models.js';
import {
  authenticatorFlags,
  createSoftwareAuthenticator,
  type SoftwareAuthenticator,
} from './identity.passkeys.test-utils.js';
import {
  completePasskeyRegistration,
  confirmSessionWithPasskey,
  listPasskeys,
  removePasskey,
  renamePasskey,
  signInWithPasskey,
  startPasskeyAssertion,
  startPasskeyRegistration,
} from './identity.passkeys.usecases.js';
import { authenticateSession, startSession } from './identity.sessions.usecases.js';

const goodPassword = 'correct horse battery staple';
const origin = 'https://localhost:8443';
const sessionClientAddress = '203.0.113.7';
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0.0.0 Safari/537.36';

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isErrorWithCode({ error, code }), `expected ${code}, got ${String(error)}`).toBe(true);
}

/**
 * Every row a passkey act may touch, and the ledger's size: a refusal must leave all of it as it was. The
 * sign-in throttle is left out on purpose: counting a refused attempt is its job.
 */
async function snapshot(db: Kysely<WritDatabase>) {
  const passkeys = await db
    .selectFrom('webauthn_credentials')
    .select(['id', 'user_id', 'name', 'sign_count', 'last_used_at', 'is_backed_up'])
    .orderBy('id')
    .execute();
  const challenges = await db.selectFrom('webauthn_challenges').select(['id']).orderBy('id').execute();
  const sessions = await db
    .selectFrom('sessions')
    .select(['id', 'token_hash', 'second_factor_at', 'revoked_at'])
    .orderBy('id')
    .execute();
  const recoveryCodes = await db
    .selectFrom('recovery_codes')
    .select(['id', 'used_at'])
    .orderBy('id')
    .execute();
  const ledger = await db.selectFrom('ledger_pending_entries').select(['id']).execute();
  return { passkeys, challenges, sessions, recoveryCodes, ledgerSize: ledger.length };
}

type LedgerEntry = { actor: { type: string; id?: string }; data: Record<string, unknown> };

/** The ledger entries of one kind, parsed. */
async function ledgerEntries(db: Kysely<WritDatabase>, kind: string): Promise<LedgerEntry[]> {
  const rows = await db
    .selectFrom('ledger_pending_entries')
    .select('entry')
    .where('kind', '=', kind)
    .execute();
  return rows.map((row) => JSON.parse(row.entry) as LedgerEntry);
}

/** Asserts that nothing changed between two snapshots but `added` new ledger entries. */
function expectUnchangedButLedger(
  before: Awaited<ReturnType<typeof snapshot>>,
  after: Awaited<ReturnType<typeof snapshot>>,
  added: number,
): void {
  expect({ ...after, ledgerSize: before.ledgerSize }).toEqual(before);
  expect(after.ledgerSize).toBe(before.ledgerSize + added);
}

async function isChallengeOpen(db: Kysely<WritDatabase>, challenge: string): Promise<boolean> {
  const rows = await db
    .selectFrom('webauthn_challenges')
    .select('id')
    .where('challenge', '=', challenge)
    .execute();
  return rows.length === 1;
}

describeOnDatabases('passkeys', ({ getDb }) => {
  let clock: TestClock;
  let deps: IdentityDependencies;
  let userCount = 0;
  let clientCount = 0;

  beforeEach(() => {
    clock = createTestClock({ now: new Date('2026-02-01T10:00:00.000Z') });
    deps = createTestIdentityDependencies({ db: getDb(), clock, publicUrl: origin });
  });

  /** A new client network for each use, so that the sign-in throttle of one test never reaches another. */
  function newDevice(): { userAgent: string; clientAddress: string } {
    clientCount += 1;
    return { userAgent, clientAddress: `198.51.${Math.floor(clientCount / 250)}.${clientCount % 250}` };
  }

  async function seedUser(role: Role = 'lawyer'): Promise<User> {
    userCount += 1;
    const { user } = await createUserBySystem({
      ...deps,
      username: `person-${userCount}`,
      role,
      password: goodPassword,
    });
    return user;
  }

  async function principalOf(token: string): Promise<Principal> {
    const authenticated = await authenticateSession({ ...deps, token });
    if (authenticated === undefined) throw new Error('the token opens no session');
    return authenticated.principal;
  }

  /** A password sign-in: the session waits for a second factor (or its enrolment). */
  async function signInWithPassword(user: User): Promise<{ principal: Principal; token: string }> {
    const { token } = await startSession({
      ...deps,
      userId: user.id,
      method: 'password',
      isSecondFactorVerified: false,
      device: newDevice(),
    });
    return { principal: await principalOf(token), token };
  }

  /** A session that proved its second factor just now. */
  async function signInFully(user: User): Promise<Principal> {
    const { token } = await startSession({
      ...deps,
      userId: user.id,
      method: 'password',
      isSecondFactorVerified: true,
      device: newDevice(),
    });
    return principalOf(token);
  }

  async function registerPasskey({
    principal,
    authenticator,
    name = 'Work laptop',
  }: {
    principal: Principal;
    authenticator: SoftwareAuthenticator;
    name?: string;
  }) {
    const { options } = await startPasskeyRegistration({ ...deps, principal });
    const response = authenticator.createCredential({ options });
    return completePasskeyRegistration({ ...deps, principal, name, response });
  }

  /** A user with one passkey, enrolled as their first factor right after a password sign-in. */
  async function seedUserWithPasskey(role: Role = 'lawyer') {
    const user = await seedUser(role);
    const authenticator = createSoftwareAuthenticator({ origin });
    const { passkey } = await registerPasskey({
      principal: (await signInWithPassword(user)).principal,
      authenticator,
    });
    const credential = authenticator.credentials[0];
    if (credential === undefined) throw new Error('the authenticator holds no credential');
    return { user, authenticator, passkey, credential };
  }

  async function signInOptions() {
    return (await startPasskeyAssertion({ ...deps, purpose: 'sign_in' })).options;
  }

  test('a user whose sign-in awaits enrolment registers a passkey: key and counter stored, one mfa_enrolled entry naming the pkey_ id, recovery codes issued, the sign-in completed with a new token', async () => {
    const db = getDb();
    const user = await seedUser();
    const { principal, token } = await signInWithPassword(user);
    const authenticator = createSoftwareAuthenticator({ origin });
    const before = await snapshot(db);

    const { options } = await startPasskeyRegistration({ ...deps, principal });
    expect(options.rp).toEqual({ name: 'Writ', id: 'localhost' });
    expect(options.authenticatorSelection).toMatchObject({
      residentKey: 'preferred',
      userVerification: 'required',
    });
    expect(options.attestation).toBe('none');
    expect(options.pubKeyCredParams.map((param) => param.alg)).toEqual([-7, -257]);
    expect(options.excludeCredentials).toEqual([]);
    expect(options.timeout).toBe(5 * 60_000);

    const response = authenticator.createCredential({ options });
    const { passkey, recoveryCodes, rotation } = await completePasskeyRegistration({
      ...deps,
      principal,
      name: '  Work laptop ',
      response,
    });
    expect(passkey).toMatchObject({ name: 'Work laptop', deviceType: 'singleDevice', isBackedUp: false });
    expect(passkey.id).toMatch(/^pkey_/);
    expect(recoveryCodes).toHaveLength(10);

    const [row] = await db
      .selectFrom('webauthn_credentials')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    expect(row).toMatchObject({
      id: passkey.id,
      credential_id: response.id,
      sign_count: 0,
      transports: '["internal"]',
      last_used_at: null,
    });
    expect(Buffer.from(row?.public_key ?? []).length).toBeGreaterThan(64);

    expect(await authenticateSession({ ...deps, token })).toBeUndefined();
    expect(rotation).toBeDefined();
    const upgraded = await principalOf(rotation?.token ?? '');
    expect(upgraded).toMatchObject({ sessionId: principal.sessionId, secondFactorAt: clock.now() });

    const after = await snapshot(db);
    expect(after.ledgerSize).toBe(before.ledgerSize + 3);
    expect(after.challenges).toEqual(before.challenges);
    const enrolled = (await ledgerEntries(db, 'identity.mfa_enrolled')).filter(
      (entry) => entry.data.credentialId === passkey.id,
    );
    expect(enrolled).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: user.id },
        data: { userId: user.id, method: 'passkey', credentialId: passkey.id },
      }),
    ]);
    expect(JSON.stringify(enrolled)).not.toContain(response.id);
    const verified = (await ledgerEntries(db, 'identity.second_factor_verified')).filter(
      (entry) => entry.data.sessionId === principal.sessionId,
    );
    expect(verified.map((entry) => entry.data)).toEqual([
      { userId: user.id, sessionId: principal.sessionId, method: 'passkey', purpose: 'sign_in' },
    ]);
  });

  test('the user handle is 32 opaque bytes, the same at every registration, and holds neither the username nor the user id', async () => {
    const user = await seedUser();
    const { principal } = await signInWithPassword(user);
    const first = await startPasskeyRegistration({ ...deps, principal });
    const second = await startPasskeyRegistration({ ...deps, principal });
    const handle = Buffer.from(first.options.user.id, 'base64url');
    expect(handle).toHaveLength(32);
    expect(second.options.user.id).toBe(first.options.user.id);
    expect(second.options.challenge).not.toBe(first.options.challenge);
    expect(handle.toString('latin1')).not.toContain(user.username);
    expect(handle.toString('latin1')).not.toContain(user.id);
    const other = await startPasskeyRegistration({
      ...deps,
      principal: (await signInWithPassword(await seedUser())).principal,
    });
    expect(other.options.user.id).not.toBe(first.options.user.id);
    expect(first.options.user.name).toBe(user.username);
  });

  test('a session that has not proved the existing factor, or proved it too long ago, cannot add a passkey', async () => {
    const db = getDb();
    const { user } = await seedUserWithPasskey();
    const pending = (await signInWithPassword(user)).principal;
    const stale = await signInFully(user);
    clock.advanceBy({ minutes: 11 });
    const before = await snapshot(db);
    await expectCode(startPasskeyRegistration({ ...deps, principal: pending }), 'identity.step_up_required');
    await expectCode(startPasskeyRegistration({ ...deps, principal: stale }), 'identity.step_up_required');
    expect(await snapshot(db)).toEqual(before);
  });

  test('a second passkey, with a recent second factor: the options exclude the first, no recovery codes, no new token', async () => {
    const db = getDb();
    const { user, authenticator } = await seedUserWithPasskey();
    const principal = await signInFully(user);
    const { options } = await startPasskeyRegistration({ ...deps, principal });
    expect(options.excludeCredentials?.map((descriptor) => descriptor.id)).toEqual([
      authenticator.credentials[0]?.id.toString('base64url'),
    ]);
    expect(() => authenticator.createCredential({ options })).toThrow(/InvalidStateError/);

    const securityKey = createSoftwareAuthenticator({ origin, transports: ['usb', 'nfc', 'carrier-pigeon'] });
    const response = securityKey.createCredential({ options, algorithm: 'RS256' });
    const registered = await completePasskeyRegistration({
      ...deps,
      principal,
      name: 'YubiKey',
      response,
    });
    expect(registered).toMatchObject({ recoveryCodes: undefined, rotation: undefined });
    const [row] = await db
      .selectFrom('webauthn_credentials')
      .select('transports')
      .where('credential_id', '=', response.id)
      .execute();
    expect(row?.transports).toBe('["usb","nfc"]');
  });

  test('hostile registration responses are refused and change nothing: wrong origin, wrong RP ID, no user verification, no user presence, a get() answer, cross-origin, an Ed25519 key', async () => {
    const db = getDb();
    const { principal } = await signInWithPassword(await seedUser());
    const authenticator = createSoftwareAuthenticator({ origin });
    const { options } = await startPasskeyRegistration({ ...deps, principal });
    const before = await snapshot(db);

    const hostile = [
      authenticator.createCredential({ options, origin: 'https://writ.evil.example' }),
      authenticator.createCredential({ options, origin: 'https://localhost:8444' }),
      authenticator.createCredential({ options, rpId: 'evil.example' }),
      authenticator.createCredential({ options, flags: authenticatorFlags.up | authenticatorFlags.at }),
      authenticator.createCredential({ options, flags: authenticatorFlags.uv | authenticatorFlags.at }),
      authenticator.createCredential({ options, type: 'webauthn.get' }),
      authenticator.createCredential({ options, isCrossOrigin: true }),
      authenticator.createCredential({ options, algorithm: 'EdDSA' }),
    ];
    for (const response of hostile) {
      await expectCode(
        completePasskeyRegistration({ ...deps, principal, name: 'Mallory key', response }),
        'identity.passkey_registration_rejected',
      );
    }
    expect(await snapshot(db)).toEqual(before);

    // The challenge survived the refusals: the honest answer still registers.
    await completePasskeyRegistration({
      ...deps,
      principal,
      name: 'Laptop',
      response: authenticator.createCredential({ options }),
    });
    expect((await snapshot(db)).passkeys).toHaveLength(before.passkeys.length + 1);
  });

  test('a registration challenge is single use, expires after five minutes, and answers only the session it was issued to', async () => {
    const db = getDb();
    const user = await seedUser();
    const { principal } = await signInWithPassword(user);
    const otherSession = (await signInWithPassword(user)).principal;
    const authenticator = createSoftwareAuthenticator({ origin });

    const { options } = await startPasskeyRegistration({ ...deps, principal });
    const response = authenticator.createCredential({ options });
    const beforeOther = await snapshot(db);
    await expectCode(
      completePasskeyRegistration({ ...deps, principal: otherSession, name: 'Laptop', response }),
      'identity.passkey_challenge_invalid',
    );
    expect(await snapshot(db)).toEqual(beforeOther);
    await completePasskeyRegistration({ ...deps, principal, name: 'Laptop', response });

    const verified = await signInFully(user);
    const afterFirst = await snapshot(db);
    await expectCode(
      completePasskeyRegistration({ ...deps, principal: verified, name: 'Again', response }),
      'identity.passkey_challenge_invalid',
    );
    expect(await snapshot(db)).toEqual(afterFirst);

    const { options: expiring } = await startPasskeyRegistration({ ...deps, principal: verified });
    const late = createSoftwareAuthenticator({ origin }).createCredential({ options: expiring });
    clock.advanceBy({ minutes: 5 });
    const stillRecent = await signInFully(user);
    const beforeLate = await snapshot(db);
    await expectCode(
      completePasskeyRegistration({ ...deps, principal: verified, name: 'Late', response: late }),
      'identity.passkey_challenge_invalid',
    );
    const forged = createSoftwareAuthenticator({ origin }).createCredential({
      options: expiring,
      challenge: Buffer.alloc(32, 7).toString('base64url'),
    });
    await expectCode(
      completePasskeyRegistration({ ...deps, principal: stillRecent, name: 'Forged', response: forged }),
      'identity.passkey_challenge_invalid',
    );
    expect(await snapshot(db)).toEqual(beforeLate);
  });

  test('an authenticator credential registered to one account cannot be registered again, to another', async () => {
    const db = getDb();
    const { credential } = await seedUserWithPasskey();
    const { principal } = await signInWithPassword(await seedUser());
    const { options } = await startPasskeyRegistration({ ...deps, principal });
    const response = createSoftwareAuthenticator({ origin }).createCredential({
      options,
      reused: credential,
    });
    const before = await snapshot(db);
    await expectCode(
      completePasskeyRegistration({ ...deps, principal, name: 'Stolen id', response }),
      'identity.passkey_already_registered',
    );
    expect(await snapshot(db)).toEqual(before);
  });

  test('a name that is blank, too long or has control or direction characters is refused', async () => {
    const db = getDb();
    const { principal } = await signInWithPassword(await seedUser());
    const { options } = await startPasskeyRegistration({ ...deps, principal });
    const response = createSoftwareAuthenticator({ origin }).createCredential({ options });
    const before = await snapshot(db);
    for (const name of ['   ', 'x'.repeat(65), 'bad\u0000name', 'line\nbreak', 'rtl\u202eoverride']) {
      await expectCode(
        completePasskeyRegistration({ ...deps, principal, name, response }),
        'identity.passkey_name_invalid',
      );
    }
    expect(await snapshot(db)).toEqual(before);
  });

  test('an API token can neither register, list, rename nor remove passkeys, nor ask for assertion options', async () => {
    const db = getDb();
    const { user, passkey } = await seedUserWithPasskey();
    const token: Principal = {
      ...(await signInFully(user)),
      via: 'api_token',
      sessionId: undefined,
      apiTokenId: 'tok_1',
      scopes: ['documents:read'],
    };
    const before = await snapshot(db);
    await expectCode(startPasskeyRegistration({ ...deps, principal: token }), 'identity.session_required');
    await expectCode(listPasskeys({ ...deps, principal: token }), 'identity.session_required');
    await expectCode(
      renamePasskey({ ...deps, principal: token, passkeyId: passkey.id, name: 'x' }),
      'identity.session_required',
    );
    await expectCode(
      removePasskey({ ...deps, principal: token, passkeyId: passkey.id }),
      'identity.session_required',
    );
    await expectCode(
      startPasskeyAssertion({ ...deps, purpose: 'step_up', principal: token }),
      'identity.session_required',
    );
    expect(await snapshot(db)).toEqual(before);
  });

  test('a user lists only their own passkeys, with name, dates, device type and backup state', async () => {
    const { user, passkey } = await seedUserWithPasskey();
    await seedUserWithPasskey();
    const { passkeys } = await listPasskeys({ ...deps, principal: await signInFully(user) });
    expect(passkeys).toEqual([
      {
        id: passkey.id,
        name: 'Work laptop',
        createdAt: clock.now(),
        lastUsedAt: undefined,
        deviceType: 'singleDevice',
        isBackedUp: false,
      },
    ]);
  });

  test('a synced platform passkey is listed as multi-device and backed up', async () => {
    const { principal } = await signInWithPassword(await seedUser());
    const authenticator = createSoftwareAuthenticator({ origin, isBackupEligible: true });
    const { passkey } = await registerPasskey({ principal, authenticator });
    expect(passkey).toMatchObject({ deviceType: 'multiDevice', isBackedUp: true });
  });

  test("renaming records an entry without the name; another user's passkey is not found and nothing changes", async () => {
    const db = getDb();
    const { user, passkey } = await seedUserWithPasskey();
    const mallory = await signInFully(await seedUser());
    const owner = await signInFully(user);
    const before = await snapshot(db);
    await expectCode(
      renamePasskey({ ...deps, principal: mallory, passkeyId: passkey.id, name: 'Mine now' }),
      'identity.passkey_not_found',
    );
    await expectCode(
      renamePasskey({ ...deps, principal: owner, passkeyId: passkey.id, name: '' }),
      'identity.passkey_name_invalid',
    );
    expect(await snapshot(db)).toEqual(before);

    const { passkey: renamed } = await renamePasskey({
      ...deps,
      principal: owner,
      passkeyId: passkey.id,
      name: 'Home desktop',
    });
    expect(renamed.name).toBe('Home desktop');
    const renames = (await ledgerEntries(db, 'identity.passkey_renamed')).filter(
      (entry) => entry.data.credentialId === passkey.id,
    );
    expect(renames.map((entry) => entry.data)).toEqual([{ userId: user.id, credentialId: passkey.id }]);
    expect(JSON.stringify(renames)).not.toContain('Home desktop');
    expect((await snapshot(db)).ledgerSize).toBe(before.ledgerSize + 1);
  });

  test("removing a passkey needs a recent step-up, answers not-found for another user's, and refuses the last factor of a role that requires MFA", async () => {
    const db = getDb();
    const { user, passkey } = await seedUserWithPasskey('lawyer');
    const mallory = await signInFully(await seedUser());
    const pending = (await signInWithPassword(user)).principal;
    const owner = await signInFully(user);
    const before = await snapshot(db);

    await expectCode(
      removePasskey({ ...deps, principal: pending, passkeyId: passkey.id }),
      'identity.step_up_required',
    );
    await expectCode(
      removePasskey({ ...deps, principal: mallory, passkeyId: passkey.id }),
      'identity.passkey_not_found',
    );
    await expectCode(
      removePasskey({ ...deps, principal: owner, passkeyId: 'pkey_00000000000000000000000000' }),
      'identity.passkey_not_found',
    );
    await expectCode(
      removePasskey({ ...deps, principal: owner, passkeyId: passkey.id }),
      'identity.last_second_factor',
    );
    expect(await snapshot(db)).toEqual(before);

    const { passkey: spare } = await registerPasskey({
      principal: owner,
      authenticator: createSoftwareAuthenticator({ origin }),
      name: 'Spare key',
    });
    await removePasskey({ ...deps, principal: owner, passkeyId: passkey.id });
    const { passkeys } = await listPasskeys({ ...deps, principal: owner });
    expect(passkeys.map((remaining) => remaining.id)).toEqual([spare.id]);
    const removals = (await ledgerEntries(db, 'identity.mfa_removed')).filter(
      (entry) => entry.data.credentialId === passkey.id,
    );
    expect(removals).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: user.id },
        data: { userId: user.id, method: 'passkey', credentialId: passkey.id },
      }),
    ]);
  });

  test('a client, whose role does not require MFA, may remove their only passkey, and its recovery codes go with it', async () => {
    const db = getDb();
    const { user, passkey } = await seedUserWithPasskey('client');
    const principal = await signInFully(user);
    const codesOf = () =>
      db.selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).execute();
    expect(await codesOf()).toHaveLength(10);
    await removePasskey({ ...deps, principal, passkeyId: passkey.id });
    expect((await listPasskeys({ ...deps, principal })).passkeys).toEqual([]);
    expect(await codesOf()).toEqual([]);
  });

  test('two removals at once cannot take away the last two factors of a role that requires MFA', async () => {
    const db = getDb();
    const { user, passkey } = await seedUserWithPasskey('lawyer');
    const principal = await signInFully(user);
    const { passkey: second } = await registerPasskey({
      principal,
      authenticator: createSoftwareAuthenticator({ origin }),
      name: 'Second',
    });
    // Warm PostgreSQL's pool, so that both transactions get a connection at once and really overlap.
    await Promise.all([1, 2, 3].map(() => listPasskeys({ ...deps, principal })));
    const results = await Promise.allSettled([
      removePasskey({ ...deps, principal, passkeyId: passkey.id }),
      removePasskey({ ...deps, principal, passkeyId: second.id }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const remaining = await db
      .selectFrom('webauthn_credentials')
      .select('id')
      .where('user_id', '=', user.id)
      .execute();
    expect(remaining).toHaveLength(1);
  });

  test('passwordless sign-in with a discoverable credential starts a fully signed-in session once; the replay is refused and recorded', async () => {
    const db = getDb();
    const { user, authenticator, passkey } = await seedUserWithPasskey();
    const options = await signInOptions();
    expect(options.allowCredentials).toBeUndefined();
    expect(options.userVerification).toBe('required');
    expect(options.rpId).toBe('localhost');
    const response = authenticator.getAssertion({ options });
    clock.advanceBy({ minutes: 1 });

    const started = await signInWithPasskey({ ...deps, response, device: newDevice() });
    const principal = await principalOf(started.token);
    expect(principal).toMatchObject({ userId: user.id, secondFactorAt: clock.now(), via: 'session' });
    const [row] = await db
      .selectFrom('webauthn_credentials')
      .select(['sign_count', 'last_used_at'])
      .where('id', '=', passkey.id)
      .execute();
    expect(row).toEqual({ sign_count: 1, last_used_at: clock.now().getTime() });
    expect(await isChallengeOpen(db, options.challenge)).toBe(false);
    const signIns = (await ledgerEntries(db, 'identity.sign_in_succeeded')).filter(
      (entry) => entry.data.sessionId === started.session.id,
    );
    expect(signIns.map((entry) => entry.data)).toEqual([
      { userId: user.id, sessionId: started.session.id, method: 'passkey', isNewDevice: true },
    ]);

    const before = await snapshot(db);
    await expectCode(
      signInWithPasskey({ ...deps, response, device: newDevice() }),
      'identity.passkey_challenge_invalid',
    );
    expectUnchangedButLedger(before, await snapshot(db), 1);
    const failures = (await ledgerEntries(db, 'identity.sign_in_failed')).filter(
      (entry) => entry.data.account === user.id,
    );
    expect(failures.map((entry) => entry.data.reason)).toEqual(['passkey_challenge_invalid']);
  });

  test('hostile assertions are refused, each recorded as a failed sign-in, and change nothing else: wrong origin, wrong RP ID, no user verification, no user presence, a create() answer, cross-origin, a tampered signature, a foreign user handle', async () => {
    const db = getDb();
    const { user, authenticator, credential } = await seedUserWithPasskey();
    const options = await signInOptions();
    const before = await snapshot(db);

    const hostile = [
      authenticator.getAssertion({ options, origin: 'https://writ.evil.example' }),
      authenticator.getAssertion({ options, rpId: 'evil.example' }),
      authenticator.getAssertion({ options, flags: authenticatorFlags.up }),
      authenticator.getAssertion({ options, flags: authenticatorFlags.uv }),
      authenticator.getAssertion({ options, type: 'webauthn.create' }),
      authenticator.getAssertion({ options, isCrossOrigin: true }),
      authenticator.getAssertion({ options, isSignatureTampered: true }),
      authenticator.getAssertion({ options, userHandle: Buffer.alloc(32, 1) }),
    ];
    for (const response of hostile) {
      await expectCode(
        signInWithPasskey({ ...deps, response, device: newDevice() }),
        'identity.passkey_rejected',
      );
    }
    expectUnchangedButLedger(before, await snapshot(db), hostile.length);
    const failures = (await ledgerEntries(db, 'identity.sign_in_failed')).filter(
      (entry) => entry.data.account === user.id,
    );
    expect(failures).toHaveLength(hostile.length);
    for (const failure of failures) {
      expect(failure).toMatchObject({
        actor: { type: 'anonymous' },
        data: { account: user.id, reason: 'passkey_rejected' },
      });
      expect(failure.data.clientHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }

    // Nothing was consumed: the authenticator's honest answer (its counter moved on meanwhile) still works.
    const honest = authenticator.getAssertion({ options });
    expect(credential.signCount).toBe(hostile.length + 1);
    const started = await signInWithPasskey({ ...deps, response: honest, device: newDevice() });
    expect(started.session.userId).toBe(user.id);
  });

  test('an unknown credential is refused and recorded under a keyed hash, never the credential id; a missing user handle is fine', async () => {
    const db = getDb();
    const { user, authenticator } = await seedUserWithPasskey();
    const options = await signInOptions();
    const stranger = createSoftwareAuthenticator({ origin });
    stranger.createCredential({
      options: (
        await startPasskeyRegistration({
          ...deps,
          principal: (await signInWithPassword(await seedUser())).principal,
        })
      ).options,
    });
    const response = stranger.getAssertion({ options });
    await expectCode(
      signInWithPasskey({ ...deps, response, device: newDevice() }),
      'identity.passkey_rejected',
    );
    const unknownAccounts = (await ledgerEntries(db, 'identity.sign_in_failed')).filter(
      (entry) => !String(entry.data.account).startsWith('usr_'),
    );
    expect(unknownAccounts).toHaveLength(1);
    const [failure] = unknownAccounts;
    expect(failure?.data.account).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(failure)).not.toContain(response.id);

    const started = await signInWithPasskey({
      ...deps,
      response: authenticator.getAssertion({ options, userHandle: null }),
      device: newDevice(),
    });
    expect(started.session.userId).toBe(user.id);
  });

  test('an expired sign-in challenge is refused and starts no session', async () => {
    const db = getDb();
    const { authenticator } = await seedUserWithPasskey();
    const options = await signInOptions();
    const response = authenticator.getAssertion({ options });
    clock.advanceBy({ minutes: 5 });
    const before = await snapshot(db);
    await expectCode(
      signInWithPasskey({ ...deps, response, device: newDevice() }),
      'identity.passkey_challenge_invalid',
    );
    expectUnchangedButLedger(before, await snapshot(db), 1);
  });

  test('a signature counter that does not increase is refused as a possible clone: recorded, the counter kept, the challenge spent, no session', async () => {
    const db = getDb();
    const { user, authenticator, passkey } = await seedUserWithPasskey();
    await signInWithPasskey({
      ...deps,
      response: authenticator.getAssertion({ options: await signInOptions(), signCount: 7 }),
      device: newDevice(),
    });

    for (const signCount of [7, 3, 0]) {
      const options = await signInOptions();
      const before = await snapshot(db);
      await expectCode(
        signInWithPasskey({
          ...deps,
          response: authenticator.getAssertion({ options, signCount }),
          device: newDevice(),
        }),
        'identity.passkey_rejected',
      );
      const after = await snapshot(db);
      expect(after.passkeys).toEqual(before.passkeys);
      expect(after.sessions).toEqual(before.sessions);
      expect(await isChallengeOpen(db, options.challenge)).toBe(false);
      expect(after.ledgerSize).toBe(before.ledgerSize + 2);
      const regressions = (await ledgerEntries(db, 'identity.passkey_counter_regressed')).filter(
        (entry) => entry.data.credentialId === passkey.id && entry.data.presentedCounter === signCount,
      );
      expect(regressions.map((entry) => entry.data)).toEqual([
        { userId: user.id, credentialId: passkey.id, storedCounter: 7, presentedCounter: signCount },
      ]);
    }
    const [row] = await db
      .selectFrom('webauthn_credentials')
      .select('sign_count')
      .where('id', '=', passkey.id)
      .execute();
    expect(row?.sign_count).toBe(7);
  });

  test('an authenticator without a counter (always zero) keeps working', async () => {
    const { authenticator } = await seedUserWithPasskey();
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const started = await signInWithPasskey({
        ...deps,
        response: authenticator.getAssertion({ options: await signInOptions(), signCount: 0 }),
        device: newDevice(),
      });
      expect(started.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  test('the same assertion sent twice at once starts one session', async () => {
    const db = getDb();
    const { user, authenticator, passkey } = await seedUserWithPasskey();
    const response = authenticator.getAssertion({ options: await signInOptions() });
    const sessionsBefore = (await snapshot(db)).sessions.length;
    await Promise.all([1, 2, 3].map(() => signInOptions()));
    const results = await Promise.allSettled([
      signInWithPasskey({ ...deps, response, device: newDevice() }),
      signInWithPasskey({ ...deps, response, device: newDevice() }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect((await snapshot(db)).sessions).toHaveLength(sessionsBefore + 1);
    const [row] = await db
      .selectFrom('webauthn_credentials')
      .select('sign_count')
      .where('id', '=', passkey.id)
      .execute();
    expect(row?.sign_count).toBe(1);
    expect(user.id).toMatch(/^usr_/);
  });

  test('a disabled account cannot sign in with its passkey', async () => {
    const db = getDb();
    const { user, authenticator } = await seedUserWithPasskey();
    const admin = await signInFully(await seedUser('admin'));
    await setUserStatus({ ...deps, principal: admin, userId: user.id, status: 'disabled' });
    const options = await signInOptions();
    const before = await snapshot(db);
    await expectCode(
      signInWithPasskey({ ...deps, response: authenticator.getAssertion({ options }), device: newDevice() }),
      'identity.passkey_rejected',
    );
    expectUnchangedButLedger(before, await snapshot(db), 1);
  });

  test('failed passkey sign-ins from one network are throttled: past the allowance even a valid assertion waits, unchecked', async () => {
    const db = getDb();
    const { user, authenticator } = await seedUserWithPasskey();
    const device = newDevice();
    for (let failure = 0; failure < deps.settings.signInMaxFailures; failure += 1) {
      const response = authenticator.getAssertion({
        options: await signInOptions(),
        isSignatureTampered: true,
      });
      await expectCode(signInWithPasskey({ ...deps, response, device }), 'identity.passkey_rejected');
    }
    const options = await signInOptions();
    const valid = authenticator.getAssertion({ options });
    const before = await snapshot(db);
    await expectCode(signInWithPasskey({ ...deps, response: valid, device }), 'identity.sign_in_throttled');
    expectUnchangedButLedger(before, await snapshot(db), 1);
    const throttled = (await ledgerEntries(db, 'identity.sign_in_failed')).filter(
      (entry) => entry.data.account === user.id && entry.data.reason === 'throttled',
    );
    expect(throttled).toHaveLength(1);
    expect(await isChallengeOpen(db, options.challenge)).toBe(true);

    clock.advanceBy({ minutes: 1 });
    const started = await signInWithPasskey({ ...deps, response: valid, device });
    expect(started.session.userId).toBe(user.id);
  });

  test("a password session completes its sign-in with the user's passkey: new token, second factor recorded; another user's passkey and another session's challenge are refused", async () => {
    const db = getDb();
    const alice = await seedUserWithPasskey();
    const bob = await seedUserWithPasskey();
    const { principal, token } = await signInWithPassword(alice.user);
    expect(principal.secondFactorAt).toBeUndefined();
    const { options } = await startPasskeyAssertion({ ...deps, purpose: 'second_factor', principal });
    expect(options.allowCredentials?.map((descriptor) => descriptor.id)).toEqual([
      alice.credential.id.toString('base64url'),
    ]);
    const otherSession = (await signInWithPassword(alice.user)).principal;
    const before = await snapshot(db);

    await expectCode(
      confirmSessionWithPasskey({
        ...deps,
        clientAddress: sessionClientAddress,
        principal,
        purpose: 'second_factor',
        response: bob.authenticator.getAssertion({ options, credential: bob.credential }),
      }),
      'identity.passkey_rejected',
    );
    await expectCode(
      confirmSessionWithPasskey({
        ...deps,
        clientAddress: sessionClientAddress,
        principal: otherSession,
        purpose: 'second_factor',
        response: alice.authenticator.getAssertion({ options }),
      }),
      'identity.passkey_challenge_invalid',
    );
    expectUnchangedButLedger(before, await snapshot(db), 2);
    const failures = (await ledgerEntries(db, 'identity.second_factor_failed')).filter(
      (entry) => entry.data.userId === alice.user.id,
    );
    expect(failures).toHaveLength(2);
    expect(failures.map((entry) => entry.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          userId: alice.user.id,
          sessionId: principal.sessionId,
          method: 'passkey',
          purpose: 'sign_in',
          reason: 'passkey_rejected',
        }),
        expect.objectContaining({
          userId: alice.user.id,
          sessionId: otherSession.sessionId,
          method: 'passkey',
          purpose: 'sign_in',
          reason: 'passkey_challenge_invalid',
        }),
      ]),
    );

    clock.advanceBy({ minutes: 1 });
    const { secondFactorAt, rotation } = await confirmSessionWithPasskey({
      ...deps,
      clientAddress: sessionClientAddress,
      principal,
      purpose: 'second_factor',
      response: alice.authenticator.getAssertion({ options }),
    });
    expect(secondFactorAt).toEqual(clock.now());
    expect(await authenticateSession({ ...deps, token })).toBeUndefined();
    expect(await principalOf(rotation?.token ?? '')).toMatchObject({
      sessionId: principal.sessionId,
      secondFactorAt: clock.now(),
    });
    const verified = (await ledgerEntries(db, 'identity.second_factor_verified')).filter(
      (entry) => entry.data.sessionId === principal.sessionId,
    );
    expect(verified.map((entry) => entry.data.purpose)).toEqual(['sign_in']);
  });

  test('a step-up with a passkey refreshes the second factor without a new token; a session still waiting for its second factor cannot step up', async () => {
    const db = getDb();
    const { user, authenticator } = await seedUserWithPasskey();
    const principal = await signInFully(user);
    clock.advanceBy({ minutes: 20 });
    const { options } = await startPasskeyAssertion({ ...deps, purpose: 'step_up', principal });
    const { secondFactorAt, rotation } = await confirmSessionWithPasskey({
      ...deps,
      clientAddress: sessionClientAddress,
      principal,
      purpose: 'step_up',
      response: authenticator.getAssertion({ options }),
    });
    expect(secondFactorAt).toEqual(clock.now());
    expect(rotation).toBeUndefined();
    const verified = (await ledgerEntries(db, 'identity.second_factor_verified')).filter(
      (entry) => entry.data.sessionId === principal.sessionId,
    );
    expect(verified.map((entry) => entry.data.purpose)).toEqual(['step_up']);

    const pending = (await signInWithPassword(user)).principal;
    const { options: pendingOptions } = await startPasskeyAssertion({
      ...deps,
      purpose: 'step_up',
      principal: pending,
    });
    const before = await snapshot(db);
    await expectCode(
      confirmSessionWithPasskey({
        ...deps,
        clientAddress: sessionClientAddress,
        principal: pending,
        purpose: 'step_up',
        response: authenticator.getAssertion({ options: pendingOptions }),
      }),
      'identity.second_factor_required',
    );
    expect(await snapshot(db)).toEqual(before);
  });

  test('a challenge answers only its purpose: a sign-in challenge neither steps up nor completes a session, and a step-up challenge signs nobody in', async () => {
    const db = getDb();
    const { user, authenticator } = await seedUserWithPasskey();
    const verified = await signInFully(user);
    const pending = (await signInWithPassword(user)).principal;
    const signIn = await signInOptions();
    const stepUp = (await startPasskeyAssertion({ ...deps, purpose: 'step_up', principal: verified }))
      .options;
    const secondFactor = (
      await startPasskeyAssertion({ ...deps, purpose: 'second_factor', principal: pending })
    ).options;
    const before = await snapshot(db);
    await expectCode(
      confirmSessionWithPasskey({
        ...deps,
        clientAddress: sessionClientAddress,
        principal: verified,
        purpose: 'step_up',
        response: authenticator.getAssertion({ options: signIn }),
      }),
      'identity.passkey_challenge_invalid',
    );
    await expectCode(
      confirmSessionWithPasskey({
        ...deps,
        clientAddress: sessionClientAddress,
        principal: pending,
        purpose: 'second_factor',
        response: authenticator.getAssertion({ options: stepUp }),
      }),
      'identity.passkey_challenge_invalid',
    );
    await expectCode(
      confirmSessionWithPasskey({
        ...deps,
        clientAddress: sessionClientAddress,
        principal: verified,
        purpose: 'step_up',
        response: authenticator.getAssertion({ options: secondFactor }),
      }),
      'identity.passkey_challenge_invalid',
    );
    expectUnchangedButLedger(before, await snapshot(db), 3);
    await expectCode(
      signInWithPasskey({
        ...deps,
        response: authenticator.getAssertion({ options: stepUp }),
        device: newDevice(),
      }),
      'identity.passkey_challenge_invalid',
    );
    expect((await snapshot(db)).sessions).toEqual(before.sessions);
  });

  test('with a public URL that names an IP address, passkeys are unavailable and the answer says to set WRIT_PUBLIC_URL', async () => {
    const db = getDb();
    const { principal } = await signInWithPassword(await seedUser());
    const before = await snapshot(db);
    for (const publicUrl of ['https://10.0.0.5:8443', 'https://[2001:db8::5]:8443']) {
      const atAddress = { ...deps, publicUrl };
      const refusal = startPasskeyRegistration({ ...atAddress, principal });
      await expectCode(refusal, 'identity.passkeys_unavailable');
      await expect(refusal).rejects.toThrow(/WRIT_PUBLIC_URL/);
      await expectCode(
        startPasskeyAssertion({ ...atAddress, purpose: 'sign_in' }),
        'identity.passkeys_unavailable',
      );
    }
    expect(await snapshot(db)).toEqual(before);
  });

  test('a user without a passkey gets no second-factor options', async () => {
    const { principal } = await signInWithPassword(await seedUser());
    await expectCode(
      startPasskeyAssertion({ ...deps, purpose: 'second_factor', principal }),
      'identity.passkey_not_enrolled',
    );
  });
});
