import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import { createSignInFailedError, createSignInThrottledError } from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { normalizeUsername, type Role } from './identity.models.js';
import type { SessionDescription } from './identity.my-sessions.usecases.js';
import type { PasswordHasher } from './identity.passwords.js';
import { type Session, sessionStandingOf } from './identity.sessions.models.js';
import { type DeviceInfo, type StartSessionArgs, startSession } from './identity.sessions.usecases.js';
import {
  accountThrottleKey,
  beginThrottledAttempt,
  clientHashOf,
  clientThrottleKey,
  recordLockoutIfReached,
  settleThrottledAttempt,
  unknownAccountThrottleKey,
} from './identity.throttle.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

/** @NOTE Stored in `identity.sign_in_failed` entries: renaming one breaks audit queries over older entries. */
type SignInFailureReason = 'unknown_user' | 'wrong_password' | 'account_disabled' | 'throttled';

export type SignInWithPasswordArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  passwordHasher: Pick<PasswordHasher, 'hash' | 'verify' | 'needsRehash' | 'dummyHash'>;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: Pick<
    IdentitySettings,
    'sessionAbsoluteHours' | 'mfaRequiredRoles' | 'signInMaxFailures' | 'signInLockoutMinutes'
  >;
  username: string;
  password: string;
  device: DeviceInfo;
};

export type SignInResult = {
  session: Session;
  token: string;
  deviceToken: string;
  description: SessionDescription;
};

/**
 * Records a refused sign-in (password or SSH key) on the ledger and, when the attempt counted, locks the
 * account once it reached the limit.
 */
export async function recordSignInFailure({
  db,
  clock,
  ledger,
  settings,
  account,
  ownerUserId,
  reason,
  clientHash,
  failures,
}: Pick<SignInWithPasswordArgs, 'db' | 'clock' | 'ledger' | 'settings'> & {
  account: string;
  /** The account's user id when it exists. */
  ownerUserId: string | undefined;
  reason: SignInFailureReason | 'unknown_ssh_key' | 'bad_ssh_signature';
  clientHash: string;
  failures: number | undefined;
}): Promise<void> {
  await inTransaction(db, async (trx) => {
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.sign_in_failed',
        actor: { type: 'anonymous' },
        data: { account, reason, clientHash },
      },
    });
    if (failures !== undefined) {
      await recordLockoutIfReached({
        db: trx,
        clock,
        ledger,
        settings,
        failures,
        account,
        ownerUserId,
        lock: 'sign_in',
      });
    }
  });
}

/**
 * Signs in with a username and password, and starts a session that may still need its second factor.
 * An unknown username, a wrong password and a disabled account give the same error after the same work
 * (an Argon2id verification, against a dummy hash when there is no account). Every attempt is counted by
 * the brute-force throttle before the password is checked, and a throttled attempt is refused without
 * checking it. Every attempt is on the ledger.
 */
export async function signInWithPassword({
  db,
  clock,
  ledger,
  passwordHasher,
  keyedHasher,
  settings,
  username: rawUsername,
  password,
  device,
}: SignInWithPasswordArgs): Promise<SignInResult> {
  const username = normalizeUsername(rawUsername);
  const credentials = createCredentialsRepository({ db });
  const user = await credentials.findCredentialsByUsername({ username });
  const key =
    user === undefined ? unknownAccountThrottleKey({ keyedHasher, username }) : accountThrottleKey(user.id);
  const account = user?.id ?? key.slice('account:'.length);
  const clientHash = clientHashOf({ keyedHasher, clientAddress: device.clientAddress });
  const clientKey = clientThrottleKey(clientHash);
  const failureArgs = { db, clock, ledger, settings, account, ownerUserId: user?.id, clientHash };

  const attempt = await beginThrottledAttempt({ db, clock, settings, key, clientKey });
  if (attempt.isThrottled) {
    await recordSignInFailure({ ...failureArgs, reason: 'throttled', failures: undefined });
    throw createSignInThrottledError({
      message: `Too many failed attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
      details: { retryAfterSeconds: attempt.retryAfterSeconds },
    });
  }

  const isPasswordCorrect = await passwordHasher.verify(
    user?.passwordHash ?? passwordHasher.dummyHash,
    password,
  );
  const reason: SignInFailureReason | undefined =
    user === undefined
      ? 'unknown_user'
      : !isPasswordCorrect
        ? 'wrong_password'
        : user.status !== 'active'
          ? 'account_disabled'
          : undefined;
  if (user === undefined || reason !== undefined) {
    await recordSignInFailure({
      ...failureArgs,
      reason: reason ?? 'unknown_user',
      failures: attempt.failures,
    });
    throw createSignInFailedError();
  }

  // Hashed before the transaction: Argon2id takes ~100 ms and must not hold the database's write lock.
  const rehashed = passwordHasher.needsRehash(user.passwordHash)
    ? await passwordHasher.hash(password)
    : undefined;
  return inTransaction(db, async (trx) => {
    await settleThrottledAttempt({ db: trx, settings, key, clientKey });
    if (rehashed !== undefined) {
      await createCredentialsRepository({ db: trx }).updatePasswordHash({
        userId: user.id,
        passwordHash: rehashed,
        previousHash: user.passwordHash,
        at: clock.now(),
        isChange: false,
      });
    }
    const { started, standing } = await startFirstFactorSession({
      db: trx,
      clock,
      ledger,
      keyedHasher,
      settings,
      userId: user.id,
      role: user.role,
      method: 'password',
      device,
    });
    return {
      session: started.session,
      token: started.token,
      deviceToken: started.deviceToken,
      description: {
        user: { id: user.id, username: user.username, role: user.role },
        ...standing,
        csrfToken: started.csrfToken,
      },
    };
  });
}

/**
 * Opens the session of a first factor just proved (a password, an SSH key): pending its second factor
 * when the role requires one. Runs in the caller's transaction.
 */
export async function startFirstFactorSession({
  role,
  settings,
  ...args
}: Omit<StartSessionArgs, 'isSecondFactorVerified' | 'settings'> & {
  role: Role;
  settings: Pick<IdentitySettings, 'sessionAbsoluteHours' | 'mfaRequiredRoles'>;
}) {
  const started = await startSession({ ...args, settings, isSecondFactorVerified: false });
  const standing = sessionStandingOf({
    role,
    factors: await createCredentialsRepository({ db: args.db }).findFactorSummary({ userId: args.userId }),
    secondFactorAt: undefined,
    mfaRequiredRoles: settings.mfaRequiredRoles,
  });
  return { started, standing };
}
