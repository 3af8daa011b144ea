import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import type { KeyedHasher } from '../vault/vault.models.js';
import { createCredentialsRepository } from './identity.credentials.repository.js';
import type { IdentitySettings } from './identity.dependencies.js';
import { createMfaNotEnrolledError, createSessionRequiredError } from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { createFactorsRepository } from './identity.factors.repository.js';
import type { Principal } from './identity.models.js';
import {
  generateRecoveryCode,
  generateRecoveryCodeId,
  normalizeRecoveryCode,
  recoveryCodeCount,
  recoveryCodeHashPurpose,
} from './identity.recovery-codes.models.js';
import { hasSecondFactor } from './identity.sessions.models.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';

type IdentityLedger = Pick<Ledger<IdentityEvent>, 'append'>;

function hashRecoveryCode({
  keyedHasher,
  userId,
  normalizedCode,
}: {
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  userId: string;
  normalizedCode: string;
}): string {
  return keyedHasher.hash({ value: normalizedCode, purpose: recoveryCodeHashPurpose(userId) });
}

/**
 * Replaces the user's recovery codes with ten new ones, returned here once and stored only as keyed
 * hashes, with the `identity.recovery_codes_generated` event. Used when a first factor is enrolled (by
 * TOTP or passkey enrolment, in their transaction) and when the user asks for a new set.
 */
export async function issueRecoveryCodes({
  db,
  clock,
  ledger,
  keyedHasher,
  actor,
  userId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  actor: EventActor;
  userId: string;
}): Promise<{ recoveryCodes: string[] }> {
  const recoveryCodes = Array.from({ length: recoveryCodeCount }, generateRecoveryCode);
  const codes = recoveryCodes.map((code) => ({
    id: generateRecoveryCodeId(),
    codeHash: hashRecoveryCode({ keyedHasher, userId, normalizedCode: normalizeRecoveryCode(code) ?? '' }),
  }));
  return inTransaction(db, async (trx) => {
    await createFactorsRepository({ db: trx }).replaceRecoveryCodes({ userId, codes, at: clock.now() });
    await ledger.append({
      db: trx,
      event: { kind: 'identity.recovery_codes_generated', actor, data: { userId, count: codes.length } },
    });
    return { recoveryCodes };
  });
}

/** A new set of recovery codes for the caller; the old set stops working. Needs a recent second factor. */
export async function regenerateRecoveryCodes({
  db,
  clock,
  ledger,
  keyedHasher,
  settings,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  principal: Principal;
}): Promise<{ recoveryCodes: string[] }> {
  if (principal.via !== 'session') throw createSessionRequiredError();
  requireRecentSecondFactor({ principal, clock, settings });
  return inTransaction(db, async (trx) => {
    const factors = await createCredentialsRepository({ db: trx }).findFactorSummary({
      userId: principal.userId,
    });
    if (!hasSecondFactor(factors)) throw createMfaNotEnrolledError();
    return issueRecoveryCodes({
      db: trx,
      clock,
      ledger,
      keyedHasher,
      actor: { type: 'user', id: principal.userId },
      userId: principal.userId,
    });
  });
}

/**
 * Spends one of the user's unused recovery codes, with an `identity.recovery_code_used` event saying how
 * many remain; false (and nothing recorded) for a wrong, malformed or already used code.
 * @NOTE Call it in the transaction of what the code unlocks, after counting the attempt in the throttle.
 */
export async function consumeRecoveryCode({
  db,
  clock,
  ledger,
  keyedHasher,
  actor,
  userId,
  code,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: IdentityLedger;
  keyedHasher: Pick<KeyedHasher, 'hash'>;
  actor: EventActor;
  userId: string;
  code: string;
}): Promise<{ isConsumed: false } | { isConsumed: true; remaining: number }> {
  const normalizedCode = normalizeRecoveryCode(code);
  if (normalizedCode === undefined) return { isConsumed: false };
  return inTransaction(db, async (trx) => {
    const repository = createFactorsRepository({ db: trx });
    const isConsumed = await repository.consumeRecoveryCode({
      userId,
      codeHash: hashRecoveryCode({ keyedHasher, userId, normalizedCode }),
      at: clock.now(),
    });
    if (!isConsumed) return { isConsumed: false };
    const remaining = await repository.countUnusedRecoveryCodes({ userId });
    await ledger.append({
      db: trx,
      event: { kind: 'identity.recovery_code_used', actor, data: { userId, remaining } },
    });
    return { isConsumed: true, remaining };
  });
}
