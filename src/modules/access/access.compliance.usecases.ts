import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { WritDatabase } from '../database.js';
import { createAdminRequiredError } from '../identity/identity.errors.js';
import type { Principal } from '../identity/identity.models.js';
import { requireRecentSecondFactor } from '../identity/identity.step-up.usecases.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { createAccessUserNotFoundError, createComplianceOfficerNotAuditorError } from './access.errors.js';
import type { AccessEvent } from './access.events.js';
import type { PolicyEngine } from './access.models.js';
import { createAccessRepository } from './access.repository.js';
import { authorizeInstallationAction } from './access.usecases.js';

type DesignationArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  policy: PolicyEngine;
  ledger: Pick<Ledger<AccessEvent>, 'append'>;
  stepUpMinutes: number;
  principal: Principal;
  userId: string;
};

/**
 * Designation is account administration (`installation.manage_accounts`: administrators, in a session),
 * asked of the policies like every other decision, with a recent second factor on top: it grants no
 * matter access by itself.
 */
async function requireDesignatingAdmin({
  db,
  policy,
  principal,
  clock,
  stepUpMinutes,
}: Pick<DesignationArgs, 'db' | 'policy' | 'principal' | 'clock' | 'stepUpMinutes'>): Promise<void> {
  const decision = await authorizeInstallationAction({
    db,
    policy,
    principal,
    action: 'installation.manage_accounts',
  });
  if (!decision.isAllowed) throw createAdminRequiredError();
  requireRecentSecondFactor({ principal, clock, settings: { stepUpMinutes } });
}

/**
 * Designates an auditor as the firm's compliance officer (administrators): they may then raise and lift
 * ethical walls. Designating someone already designated changes nothing and records nothing.
 */
export async function designateComplianceOfficer({
  db,
  clock,
  policy,
  ledger,
  stepUpMinutes,
  principal,
  userId,
}: DesignationArgs): Promise<{ userId: string; isComplianceOfficer: true }> {
  await requireDesignatingAdmin({ db, policy, principal, clock, stepUpMinutes });
  return inTransaction(db, async (trx) => {
    const repository = createAccessRepository({ db: trx });
    const role = await repository.findUserRole({ userId });
    if (role === undefined) throw createAccessUserNotFoundError();
    if (role !== 'auditor') throw createComplianceOfficerNotAuditorError();
    if (!(await repository.isComplianceOfficer({ userId }))) {
      await repository.insertComplianceOfficer({ userId, designatedBy: principal.userId, at: clock.now() });
      await ledger.append({
        db: trx,
        event: {
          kind: 'access.compliance_officer_designated',
          actor: { type: 'user', id: principal.userId },
          data: { userId },
        },
      });
    }
    return { userId, isComplianceOfficer: true as const };
  });
}

/** Withdraws a compliance-officer designation (administrators); a no-op, unrecorded, when there was none. */
export async function revokeComplianceOfficer({
  db,
  clock,
  policy,
  ledger,
  stepUpMinutes,
  principal,
  userId,
}: DesignationArgs): Promise<void> {
  await requireDesignatingAdmin({ db, policy, principal, clock, stepUpMinutes });
  await inTransaction(db, async (trx) => {
    if (!(await createAccessRepository({ db: trx }).deleteComplianceOfficer({ userId }))) return;
    await ledger.append({
      db: trx,
      event: {
        kind: 'access.compliance_officer_revoked',
        actor: { type: 'user', id: principal.userId },
        data: { userId },
      },
    });
  });
}
