import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { authorizeMatterAction } from '../access/access.usecases.js';
import type { MatterAction } from '../access/access.models.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import {
  createMatterActionForbiddenError,
  createMatterClosedError,
  createMatterNotFoundError,
} from './documents.errors.js';
import { createDocumentsRepository, type MatterWithRole } from './documents.repository.js';

const changingActions: ReadonlySet<MatterAction> = new Set(['document.write', 'document.organize']);

/**
 * Loads the matter as the caller may see it and asks the policy whether they may do `action` in it.
 * A caller without access learns nothing: the same 404 as for a matter that does not exist.
 */
export async function requireMatterAccess({
  db,
  clock,
  principal,
  matterId,
  action,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  matterId: string;
  action: MatterAction;
}): Promise<MatterWithRole> {
  const matter = await createDocumentsRepository({ db }).findMatterForMember({
    matterId,
    userId: principal.userId,
    now: clock.now(),
  });
  const decision = authorizeMatterAction({ principal, action, memberRole: matter?.role });
  if (matter === undefined || !decision.isAllowed) {
    if (matter !== undefined && !decision.isAllowed && decision.reason === 'forbidden') {
      throw createMatterActionForbiddenError();
    }
    throw createMatterNotFoundError();
  }
  if (changingActions.has(action) && matter.status !== 'open') throw createMatterClosedError();
  return matter;
}
