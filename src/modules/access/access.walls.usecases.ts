import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import {
  createAccessMatterNotFoundError,
  createAccessUserNotFoundError,
  createAlreadyScreenedError,
  createScreenNotFoundError,
} from './access.errors.js';
import type { AccessEvent } from './access.events.js';
import { generateScreenId, type PolicyEngine, type Screen } from './access.models.js';
import { createAccessRepository } from './access.repository.js';
import { authorizeMatterAction } from './access.usecases.js';

type WallArgs = {
  db: Kysely<WritDatabase>;
  clock: Clock;
  policy: PolicyEngine;
  stepUpMinutes: number;
  principal: Principal;
  matterId: string;
};

/**
 * The first step of every wall act: the matter's facts, then the policy (`matter.manage_walls`, compliance
 * officers only). Anyone else, and anyone naming a matter that does not exist, gets the same not-found.
 */
async function requireWallManagement({
  db,
  clock,
  policy,
  stepUpMinutes,
  principal,
  matterId,
}: WallArgs): Promise<void> {
  const matter = await createAccessRepository({ db }).findMatterFacts({ matterId });
  if (matter === undefined) throw createAccessMatterNotFoundError();
  const decision = await authorizeMatterAction({
    db,
    clock,
    policy,
    stepUpMinutes,
    principal,
    action: 'matter.manage_walls',
    // A compliance officer acts on walls by designation, not by membership.
    facts: { matter, membership: undefined },
  });
  if (!decision.isAllowed) throw createAccessMatterNotFoundError();
}

/**
 * Screens `userId` from the matter (compliance officers). The wall overrides every grant the person holds
 * there, ownership included; their memberships stay recorded and count again once the wall is lifted.
 */
export async function screenUser({
  ledger,
  userId,
  generateId = generateScreenId,
  ...args
}: WallArgs & {
  ledger: Pick<Ledger<AccessEvent>, 'append'>;
  userId: string;
  generateId?: IdGenerator;
}): Promise<Screen> {
  const { db, clock, principal, matterId } = args;
  return inTransaction(db, async (trx) => {
    await requireWallManagement({ ...args, db: trx });
    const repository = createAccessRepository({ db: trx });
    if ((await repository.findUserRole({ userId })) === undefined) throw createAccessUserNotFoundError();
    if ((await repository.findLiveScreen({ matterId, userId })) !== undefined) {
      throw createAlreadyScreenedError();
    }
    const now = clock.now();
    const screenId = generateId();
    await repository.insertScreen({
      id: screenId,
      matter_id: matterId,
      user_id: userId,
      created_by: principal.userId,
      created_at: now.getTime(),
      lifted_by: null,
      lifted_at: null,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'access.wall_added',
        actor: { type: 'user', id: principal.userId },
        data: { matterId, userId, screenId },
      },
    });
    return { id: screenId, matterId, userId, createdBy: principal.userId, createdAt: now };
  });
}

/** Lifts the wall screening `userId` from the matter (compliance officers): their grants count again. */
export async function liftScreen({
  ledger,
  userId,
  ...args
}: WallArgs & { ledger: Pick<Ledger<AccessEvent>, 'append'>; userId: string }): Promise<void> {
  const { db, clock, principal, matterId } = args;
  await inTransaction(db, async (trx) => {
    await requireWallManagement({ ...args, db: trx });
    const repository = createAccessRepository({ db: trx });
    const screen = await repository.findLiveScreen({ matterId, userId });
    if (screen === undefined) throw createScreenNotFoundError();
    if (!(await repository.liftScreen({ id: screen.id, liftedBy: principal.userId, at: clock.now() }))) {
      throw createScreenNotFoundError();
    }
    await ledger.append({
      db: trx,
      event: {
        kind: 'access.wall_lifted',
        actor: { type: 'user', id: principal.userId },
        data: { matterId, userId, screenId: screen.id },
      },
    });
  });
}

/** The walls standing on the matter (compliance officers). */
export async function listScreens(args: WallArgs): Promise<Screen[]> {
  await requireWallManagement(args);
  const rows = await createAccessRepository({ db: args.db }).listLiveScreens({ matterId: args.matterId });
  return rows.map((row) => ({
    id: row.id,
    matterId: row.matter_id,
    userId: row.user_id,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  }));
}
