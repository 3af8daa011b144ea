import { isIPv4, isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import type { IdentitySettings } from './identity.dependencies.js';
import type { IdentityEvent } from './identity.events.js';
import type { LockKind } from './identity.notifications.models.js';
import { recordNotification } from './identity.notifications.usecases.js';
import { createThrottleRepository } from './identity.throttle.repository.js';

/**
 * Brute-force defence for everything that checks a secret a person types: passwords, TOTP codes, recovery
 * codes. Every attempt is counted against two keys before the secret is checked: the account (or, for
 * second factors, the account's factors) and the client's network. Past the threshold each further attempt
 * waits twice as long as the one before, up to `signInLockoutMinutes`; an attempt during a wait is refused
 * without checking anything, so guessing is impossible while blocked. See docs/adr/0004-authentication.md.
 * @NOTE Keys are stored (`sign_in_throttles.key`): changing their shape forgets every counter, nothing worse.
 */

export type ThrottleSettings = Pick<IdentitySettings, 'signInMaxFailures' | 'signInLockoutMinutes'>;

/** The first wait once the threshold is reached; each further failure doubles it. */
const firstWaitMs = 60_000;
/** A client network (an office behind one address) gets this many times an account's allowance. */
const clientAllowanceFactor = 4;

export function accountThrottleKey(userId: string): string {
  return `account:${userId}`;
}

/** An unknown name is counted like an account, so that its answers cannot reveal that it does not exist. */
export function unknownAccountThrottleKey({
  keyedHasher,
  username,
}: {
  keyedHasher: KeyedHasher;
  username: string;
}): string {
  return `account:${keyedHasher.hash({ value: username, purpose: 'sign-in unknown account' })}`;
}

/** TOTP and recovery codes have their own counter: a correct password must not reset guesses of a code. */
export function factorThrottleKey(userId: string): string {
  return `factor:${userId}`;
}

export function clientThrottleKey(clientHash: string): string {
  return `client:${clientHash}`;
}

/**
 * The network an attempt comes from: an IPv4 address, or the /64 of an IPv6 address (one subscriber gets a
 * whole /64, so a single address would let them rotate through billions).
 */
export function clientNetworkOf(address: string): string {
  const unzoned = address.split('%')[0] ?? address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unzoned)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (!isIPv6(unzoned)) return unzoned;
  const [head = '', tail] = unzoned.toLowerCase().split('::');
  // A trailing dotted IPv4 part fills two groups.
  const groupsOf = (part: string) =>
    part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group]));
  const headGroups = head === '' ? [] : groupsOf(head);
  const tailGroups = tail === undefined || tail === '' ? [] : groupsOf(tail);
  const zeros = Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0');
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The keyed hash that stands for a client in throttle keys and ledger entries: never the address itself. */
export function clientHashOf({
  keyedHasher,
  clientAddress,
}: {
  keyedHasher: KeyedHasher;
  clientAddress: string;
}): string {
  return keyedHasher.hash({ value: clientNetworkOf(clientAddress), purpose: 'sign-in client' });
}

function thresholdOf(key: string, settings: ThrottleSettings): number {
  return key.startsWith('client:')
    ? settings.signInMaxFailures * clientAllowanceFactor
    : settings.signInMaxFailures;
}

function capMsOf(settings: ThrottleSettings): number {
  return settings.signInLockoutMinutes * 60_000;
}

/** How long attempts wait after the `failures`-th one: nothing below the threshold, then doubling to the cap. */
export function throttleWaitMs({
  failures,
  threshold,
  capMs,
}: {
  failures: number;
  threshold: number;
  capMs: number;
}): number {
  if (failures < threshold) return 0;
  return Math.min(firstWaitMs * 2 ** Math.min(failures - threshold, 30), capMs);
}

/** A counter forgets failures once none came for this long (at least an hour). */
function forgetAfterMs(settings: ThrottleSettings): number {
  return Math.max(60 * 60_000, 4 * capMsOf(settings));
}

const blockedSignal = new Error('throttle: blocked');

export type ThrottledAttempt =
  { isThrottled: false; failures: number } | { isThrottled: true; retryAfterSeconds: number };

/**
 * Counts an attempt against `key` and the client's key before the secret is checked, in its own
 * transaction; refuses it, counting nothing, when either is blocked. `failures` is `key`'s count with this
 * attempt; call `settleThrottledAttempt` once the secret proves right.
 */
export async function beginThrottledAttempt({
  db,
  clock,
  settings,
  key,
  clientKey,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  settings: ThrottleSettings;
  key: string;
  clientKey: string;
}): Promise<ThrottledAttempt> {
  const now = clock.now();
  const forgetBefore = new Date(now.getTime() - forgetAfterMs(settings));
  // Always the same order, so that two transactions on PostgreSQL never wait on each other's rows.
  const keys = [key, clientKey].sort();
  try {
    const failures = await db.transaction().execute(async (trx) => {
      const repository = createThrottleRepository({ db: trx });
      const counts = new Map<string, number>();
      for (const each of keys) {
        const count = await repository.countAttempt({ key: each, now, forgetBefore });
        // Blocked: throwing rolls back what this attempt counted against the other key.
        if (count === undefined) throw blockedSignal;
        counts.set(each, count);
      }
      for (const [each, count] of counts) {
        const waitMs = throttleWaitMs({
          failures: count,
          threshold: thresholdOf(each, settings),
          capMs: capMsOf(settings),
        });
        if (waitMs > 0)
          await repository.setBlockedUntil({ key: each, until: new Date(now.getTime() + waitMs) });
      }
      return counts.get(key) ?? 0;
    });
    return { isThrottled: false, failures };
  } catch (error) {
    if (error !== blockedSignal) throw error;
  }
  const blockedUntil = await createThrottleRepository({ db }).findBlockedUntil({ keys, now });
  const waitMs = (blockedUntil?.getTime() ?? now.getTime()) - now.getTime();
  return { isThrottled: true, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}

/**
 * The secret was right: the account's (or factors') counter starts over, and the attempt no longer counts
 * against the client. Call it in the transaction of what the success unlocks.
 */
export async function settleThrottledAttempt({
  db,
  settings,
  key,
  clientKey,
}: {
  db: Kysely<WritDatabase>;
  settings: ThrottleSettings;
  key: string;
  clientKey: string;
}): Promise<void> {
  const repository = createThrottleRepository({ db });
  await repository.deleteThrottle({ key });
  await repository.uncountAttempt({ key: clientKey, threshold: thresholdOf(clientKey, settings) });
}

/**
 * Whether the `failures`-th failure of an account is the one whose wait first reaches the cap: the moment
 * the account counts as locked, recorded and notified once per episode.
 */
export function isLockoutReached({
  failures,
  settings,
}: {
  failures: number;
  settings: ThrottleSettings;
}): boolean {
  const threshold = settings.signInMaxFailures;
  const capMs = capMsOf(settings);
  return (
    throttleWaitMs({ failures, threshold, capMs }) >= capMs &&
    throttleWaitMs({ failures: failures - 1, threshold, capMs }) < capMs
  );
}

export function lockoutEndsAt({ clock, settings }: { clock: Clock; settings: ThrottleSettings }): Date {
  return new Date(clock.now().getTime() + capMsOf(settings));
}

/**
 * When this failure is the one that locks the account, records `identity.account_locked` and, for an
 * existing user, tells them. Call it in the transaction that records the failure.
 */
export async function recordLockoutIfReached({
  db,
  clock,
  ledger,
  settings,
  failures,
  account,
  ownerUserId,
  lock,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: Pick<Ledger<IdentityEvent>, 'append'>;
  settings: ThrottleSettings;
  failures: number;
  /** The user id, or the keyed hash standing for an unknown name. */
  account: string;
  ownerUserId: string | undefined;
  /** Which counter this is, so that the owner is told what is blocked. */
  lock: LockKind;
}): Promise<void> {
  if (!isLockoutReached({ failures, settings })) return;
  const blockedUntil = lockoutEndsAt({ clock, settings }).toISOString();
  await ledger.append({
    db,
    event: {
      kind: 'identity.account_locked',
      actor: { type: 'anonymous' },
      data: { account, blockedUntil, lock },
    },
  });
  if (ownerUserId !== undefined) {
    await recordNotification({
      db,
      clock,
      userId: ownerUserId,
      kind: 'account_locked',
      payload: { blockedUntil, lock },
    });
  }
}
