import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { createAdminRepository } from './identity.admin.repository.js';
import { requireAccountManager } from './identity.admin.usecases.js';
import type { PolicyEngine } from '../access/access.models.js';
import type { IdentitySettings } from './identity.dependencies.js';
import { createUserNotFoundError } from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import type { Principal } from './identity.models.js';
import { requireRecentSecondFactor } from './identity.step-up.usecases.js';

/**
 * Lifts the brute-force block of a locked-out account before its wait ends (the person called the help
 * desk). It weakens a defence, so it takes an administrator with a recent second factor, and only the
 * account's own counters go: the network the failures came from stays throttled.
 */
export async function unlockAccount({
  db,
  clock,
  ledger,
  settings,
  policy,
  principal,
  userId,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: Pick<Ledger<IdentityEvent>, 'append'>;
  settings: Pick<IdentitySettings, 'stepUpMinutes'>;
  policy: PolicyEngine;
  principal: Principal;
  userId: string;
}): Promise<{ userId: string; wasLocked: boolean }> {
  const actor = await requireAccountManager({ db, policy, principal });
  requireRecentSecondFactor({ principal, clock, settings });
  return inTransaction(db, async (trx) => {
    const repository = createAdminRepository({ db: trx });
    const account = await repository.findAccountById({ id: userId });
    if (account === undefined) throw createUserNotFoundError();
    const wasLocked = await repository.deleteAccountThrottles({ userId: account.id, now: clock.now() });
    if (wasLocked) {
      await ledger.append({
        db: trx,
        event: { kind: 'identity.account_unlocked', actor, data: { userId: account.id } },
      });
    }
    return { userId: account.id, wasLocked };
  });
}
