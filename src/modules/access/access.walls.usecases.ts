import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import {
  createAccessGroupNotFoundError,
  createAccessMatterNotFoundError,
  createAccessUserNotFoundError,
  createAlreadyScreenedError,
  createGroupAlreadyScreenedError,
  createGroupScreenNotFoundError,
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

/**
 * Screens a whole group from the matter (compliance officers): whoever belongs to the group, now or later,
 * is screened while they do, as if screened in person.
 */
export async function screenGroup({
  ledger,
  groupId,
  generateId = generateScreenId,
  ...args
}: WallArgs & {
  ledger: Pick<Ledger<AccessEvent>, 'append'>;
  groupId: string;
  generateId?: IdGenerator;
}): Promise<Screen> {
  const { db, clock, principal, matterId } = args;
  return inTransaction(db, async (trx) => {
    await requireWallManagement({ ...args, db: trx });
    const repository = createAccessRepository({ db: trx });
    if (!(await repository.groupExists({ groupId }))) throw createAccessGroupNotFoundError();
    if ((await repository.findLiveGroupScreen({ matterId, groupId })) !== undefined) {
      throw createGroupAlreadyScreenedError();
    }
    const now = clock.now();
    const screenId = generateId();
    await repository.insertGroupScreen({
      id: screenId,
      matter_id: matterId,
      group_id: groupId,
      created_by: principal.userId,
      created_at: now.getTime(),
      lifted_by: null,
      lifted_at: null,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'access.group_wall_added',
        actor: { type: 'user', id: principal.userId },
        data: { matterId, groupId, screenId },
      },
    });
    return { id: screenId, matterId, groupId, createdBy: principal.userId, createdAt: now };
  });
}

/** Lifts the wall screening a group from the matter (compliance officers). */
export async function liftGroupScreen({
  ledger,
  groupId,
  ...args
}: WallArgs & { ledger: Pick<Ledger<AccessEvent>, 'append'>; groupId: string }): Promise<void> {
  const { db, clock, principal, matterId } = args;
  await inTransaction(db, async (trx) => {
    await requireWallManagement({ ...args, db: trx });
    const repository = createAccessRepository({ db: trx });
    const screen = await repository.findLiveGroupScreen({ matterId, groupId });
    if (screen === undefined) throw createGroupScreenNotFoundError();
    if (!(await repository.liftGroupScreen({ id: screen.id, liftedBy: principal.userId, at: clock.now() }))) {
      throw createGroupScreenNotFoundError();
    }
    await ledger.append({
      db: trx,
      event: {
        kind: 'access.group_wall_lifted',
        actor: { type: 'user', id: principal.userId },
        data: { matterId, groupId, screenId: screen.id },
      },
    });
  });
}

/** The walls standing on the matter, on users and on groups, oldest first (compliance officers). */
export async function listScreens(args: WallArgs): Promise<Screen[]> {
  await requireWallManagement(args);
  const repository = createAccessRepository({ db: args.db });
  const [userRows, groupRows] = await Promise.all([
    repository.listLiveScreens({ matterId: args.matterId }),
    repository.listLiveGroupScreens({ matterId: args.matterId }),
  ]);
  const screens: Screen[] = [
    ...userRows.map((row) => ({
      id: row.id,
      matterId: row.matter_id,
      userId: row.user_id,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at),
    })),
    ...groupRows.map((row) => ({
      id: row.id,
      matterId: row.matter_id,
      groupId: row.group_id,
      createdBy: row.created_by,
      createdAt: new Date(row.created_at),
    })),
  ];
  return screens.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}
