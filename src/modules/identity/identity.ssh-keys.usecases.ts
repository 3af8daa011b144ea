import { recordSignInFailure, startFirstFactorSession } from './identity.sign-in.usecases.js';
import type { Kysely } from 'kysely';
import ssh2 from 'ssh2';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import {
  createSessionRequiredError,
  createSignInFailedError,
  createSignInThrottledError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { normalizeUsername, type Principal, type Role } from './identity.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import type { SessionStanding } from './identity.sessions.models.js';
import type { DeviceInfo } from './identity.sessions.usecases.js';
import {
  createSshKeyInvalidError,
  createSshKeyNameInvalidError,
  createSshKeyNotFoundError,
  createSshKeyPrivateError,
  createSshKeyTakenError,
  createSshKeyWeakError,
} from './identity.ssh-keys.errors.js';
import {
  generateSshKeyId,
  normalizeSshKeyName,
  parseSshPublicKey,
  sshFingerprint,
  type SshKey,
} from './identity.ssh-keys.models.js';
import { createSshKeysRepository } from './identity.ssh-keys.repository.js';
import { requireRecentAuthentication } from './identity.step-up.usecases.js';
import {
  accountThrottleKey,
  beginThrottledAttempt,
  clientHashOf,
  clientThrottleKey,
  settleThrottledAttempt,
  unknownAccountThrottleKey,
} from './identity.throttle.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

function requireSessionPrincipal(principal: Principal): string {
  if (principal.via !== 'session' || principal.sessionId === undefined) throw createSessionRequiredError();
  return principal.sessionId;
}

/**
 * Registers an OpenSSH public key for the caller's SFTP sign-in, and tells the user. A key signs in without
 * the password, so it needs a recent proof of identity (`requireRecentAuthentication`): a second factor, or
 * for a user without one a fresh sign-in.
 */
export async function addSshKey({
  db,
  clock,
  ledger,
  settings,
  principal,
  name: rawName,
  publicKey: rawPublicKey,
  generateId = generateSshKeyId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  principal: Principal;
  name: string;
  publicKey: string;
  generateId?: () => string;
}): Promise<{ sshKey: SshKey }> {
  requireSessionPrincipal(principal);
  await requireRecentAuthentication({ db, principal, clock, settings });
  const name = normalizeSshKeyName(rawName);
  if (name === undefined) throw createSshKeyNameInvalidError();
  const parsed = parseSshPublicKey(rawPublicKey);
  if (parsed === 'invalid') throw createSshKeyInvalidError();
  if (parsed === 'private_key') throw createSshKeyPrivateError();
  if (typeof parsed === 'string') throw createSshKeyWeakError();
  const userId = principal.userId;
  return inTransaction(db, async (trx) => {
    const repository = createSshKeysRepository({ db: trx });
    if (
      (await repository.findSshKeyByFingerprint({ userId, fingerprint: parsed.fingerprint })) !== undefined
    ) {
      throw createSshKeyTakenError();
    }
    const now = clock.now();
    const id = generateId();
    await repository.insertSshKey({
      id,
      user_id: userId,
      name,
      algorithm: parsed.algorithm,
      fingerprint: parsed.fingerprint,
      public_key: parsed.publicKey,
      created_at: now.getTime(),
      last_used_at: null,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.ssh_key_added',
        actor: { type: 'user', id: userId },
        data: { userId, keyId: id, algorithm: parsed.algorithm, fingerprint: parsed.fingerprint },
      },
    });
    await recordNotification({
      db: trx,
      clock,
      userId,
      kind: 'ssh_key_added',
      payload: { keyId: id, name, fingerprint: parsed.fingerprint },
    });
    return {
      sshKey: {
        id,
        name,
        algorithm: parsed.algorithm,
        fingerprint: parsed.fingerprint,
        publicKey: parsed.publicKey,
        createdAt: now,
        lastUsedAt: undefined,
      },
    };
  });
}

export async function listSshKeys({
  db,
  principal,
}: {
  db: Kysely<WritDatabase>;
  principal: Principal;
}): Promise<{ sshKeys: SshKey[] }> {
  requireSessionPrincipal(principal);
  return { sshKeys: await createSshKeysRepository({ db }).listSshKeys({ userId: principal.userId }) };
}

export async function removeSshKey({
  db,
  ledger,
  principal,
  keyId,
}: {
  db: Kysely<WritDatabase>;
  ledger: IdentityLedger;
  principal: Principal;
  keyId: string;
}): Promise<void> {
  requireSessionPrincipal(principal);
  const userId = principal.userId;
  await inTransaction(db, async (trx) => {
    const isDeleted = await createSshKeysRepository({ db: trx }).deleteSshKey({ userId, id: keyId });
    if (!isDeleted) throw createSshKeyNotFoundError();
    await ledger.append({
      db: trx,
      event: {
        kind: 'identity.ssh_key_removed',
        actor: { type: 'user', id: userId },
        data: { userId, keyId },
      },
    });
  });
}

/** A first factor accepted on the SSH channel: a session that may still need its second factor. */
export type SshSignIn = { userId: string; role: Role; sessionId: string } & SessionStanding;

export type SshSignInArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: Pick<
    IdentitySettings,
    'sessionAbsoluteHours' | 'mfaRequiredRoles' | 'signInMaxFailures' | 'signInLockoutMinutes'
  >;
  username: string;
  device: DeviceInfo;
};

/**
 * The SSH `publickey` query without a signature: whether this key may sign in as `username`. An unknown
 * key is recorded as a failed attempt (`unknown_ssh_key`) but not counted by the throttle: clients offer
 * each key they hold, and a key guess is not a password guess.
 */
export async function isSshKeyAccepted({
  db,
  ledger,
  keyedHasher,
  username: rawUsername,
  keyBlob,
  clientAddress,
}: Pick<SshSignInArgs, 'db' | 'ledger' | 'keyedHasher' | 'username'> & {
  keyBlob: Buffer;
  clientAddress: string;
}): Promise<boolean> {
  const username = normalizeUsername(rawUsername);
  const user = await createCredentialsRepository({ db }).findCredentialsByUsername({ username });
  const key =
    user === undefined
      ? undefined
      : await createSshKeysRepository({ db }).findSshKeyByFingerprint({
          userId: user.id,
          fingerprint: sshFingerprint(keyBlob),
        });
  if (user !== undefined && key !== undefined && user.status === 'active') return true;
  const account = user?.id ?? unknownAccountThrottleKey({ keyedHasher, username }).slice('account:'.length);
  const clientHash = clientHashOf({ keyedHasher, clientAddress });
  await inTransaction(db, (trx) =>
    ledger.append({
      db: trx,
      event: {
        kind: 'identity.sign_in_failed',
        actor: { type: 'anonymous' },
        data: { account, reason: 'unknown_ssh_key', clientHash },
      },
    }),
  );
  return false;
}

/**
 * Signs in over SSH with a registered public key and its signature of the session identifier. Counted by
 * the brute-force throttle like a password, recorded either way; starts a session (`sftp_publickey`) that
 * may still need its second factor.
 */
/**
 * Whether `signature` is the stored key's over `signedData`.
 * @NOTE ssh2's `verify` returns an Error, which is truthy, when it cannot verify (an Ed25519 key asked to check
 * with a digest, as a client claiming `rsa-sha2-256` for an Ed25519 key makes it): only `true` is a valid
 * signature. RSA keys sign with SHA-256 or SHA-512 (`rsa-sha2-*`), never SHA-1 (`ssh-rsa`, refused by OpenSSH
 * since 8.8); other keys carry their own digest, so a client naming one is refused.
 */
function isSshSignatureValid({
  stored,
  keyBlob,
  signedData,
  signature,
  hashAlgorithm,
}: {
  stored: { publicKey: string };
  keyBlob: Buffer;
  signedData: Buffer;
  signature: Buffer;
  hashAlgorithm: string | undefined;
}): boolean {
  const parsed = ssh2.utils.parseKey(stored.publicKey);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed.getPublicSSH().equals(keyBlob))
    return false;
  const isDigestAllowed =
    parsed.type === 'ssh-rsa'
      ? hashAlgorithm === 'sha256' || hashAlgorithm === 'sha512'
      : hashAlgorithm === undefined;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-boolean-literal-compare -- ssh2's types say boolean; it returns an Error when it cannot verify
  return isDigestAllowed && parsed.verify(signedData, signature, hashAlgorithm) === true;
}

export async function signInWithSshKey({
  db,
  clock,
  ledger,
  keyedHasher,
  settings,
  username: rawUsername,
  device,
  keyBlob,
  signedData,
  signature,
  hashAlgorithm,
}: SshSignInArgs & {
  keyBlob: Buffer;
  signedData: Buffer;
  signature: Buffer;
  hashAlgorithm: string | undefined;
}): Promise<SshSignIn> {
  const username = normalizeUsername(rawUsername);
  const credentials = createCredentialsRepository({ db });
  const user = await credentials.findCredentialsByUsername({ username });
  const throttleKey =
    user === undefined ? unknownAccountThrottleKey({ keyedHasher, username }) : accountThrottleKey(user.id);
  const account = user?.id ?? throttleKey.slice('account:'.length);
  const clientHash = clientHashOf({ keyedHasher, clientAddress: device.clientAddress });
  const clientKey = clientThrottleKey(clientHash);
  const failureArgs = { db, clock, ledger, settings, account, ownerUserId: user?.id, clientHash };
  const attempt = await beginThrottledAttempt({ db, clock, settings, key: throttleKey, clientKey });
  if (attempt.isThrottled) {
    await recordSignInFailure({ ...failureArgs, reason: 'throttled', failures: undefined });
    throw createSignInThrottledError({
      message: `Too many failed attempts. Try again in ${attempt.retryAfterSeconds} seconds.`,
      details: { retryAfterSeconds: attempt.retryAfterSeconds },
    });
  }
  const stored =
    user === undefined
      ? undefined
      : await createSshKeysRepository({ db }).findSshKeyByFingerprint({
          userId: user.id,
          fingerprint: sshFingerprint(keyBlob),
        });
  const isSignatureValid =
    stored !== undefined && isSshSignatureValid({ stored, keyBlob, signedData, signature, hashAlgorithm });
  const reason =
    user === undefined
      ? 'unknown_user'
      : stored === undefined
        ? 'unknown_ssh_key'
        : !isSignatureValid
          ? 'bad_ssh_signature'
          : user.status !== 'active'
            ? 'account_disabled'
            : undefined;
  if (user === undefined || stored === undefined || reason !== undefined) {
    await recordSignInFailure({
      ...failureArgs,
      reason: reason ?? 'unknown_user',
      failures: attempt.failures,
    });
    throw createSignInFailedError();
  }
  return inTransaction(db, async (trx) => {
    await settleThrottledAttempt({ db: trx, settings, key: throttleKey, clientKey });
    await createSshKeysRepository({ db: trx }).touchSshKey({ id: stored.id, at: clock.now() });
    const { started, standing } = await startFirstFactorSession({
      db: trx,
      clock,
      ledger,
      keyedHasher,
      settings,
      userId: user.id,
      role: user.role,
      method: 'sftp_publickey',
      device,
    });
    return { userId: user.id, role: user.role, sessionId: started.session.id, ...standing };
  });
}

/**
 * Records that the SFTP server refused a hostile or unsupported request of a session (a path escaping the
 * tree, a control character, a symlink…). Only the operation and the reason: never the path.
 */
export async function recordSftpRequestRefused({
  db,
  ledger,
  principal,
  operation,
  reason,
}: {
  db: Kysely<WritDatabase>;
  ledger: IdentityLedger;
  principal: Principal;
  operation: string;
  reason: string;
}): Promise<void> {
  const sessionId = requireSessionPrincipal(principal);
  await inTransaction(db, (trx) =>
    ledger.append({
      db: trx,
      event: {
        kind: 'identity.sftp_request_refused',
        actor: { type: 'user', id: principal.userId },
        data: { userId: principal.userId, sessionId, operation, reason },
      },
    }),
  );
}
