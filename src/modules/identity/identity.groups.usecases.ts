import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import type { IdGenerator } from '../../shared/ids/ids.js';
import type { PolicyEngine } from '../access/access.models.js';
import { countWallsOnlyThroughGroup, hasStandingGroupWalls } from '../access/access.usecases.js';
import type { WritDatabase } from '../database.js';
import type { Ledger } from '../ledger/ledger.usecases.js';
import { requireAccountManager } from './identity.admin.usecases.js';
import { requireDirectoryReader } from './identity.directory.usecases.js';
import {
  createGroupHasWallsError,
  createGroupMemberNotFoundError,
  createGroupMemberScreenedError,
  createGroupNameInvalidError,
  createGroupNotFoundError,
  createUserNotFoundError,
} from './identity.errors.js';
import type { IdentityEvent } from './identity.events.js';
import { generateGroupId, type Group, normalizeGroupName } from './identity.groups.models.js';
import { createGroupsRepository } from './identity.groups.repository.js';
import type { Principal } from './identity.models.js';

type GroupArgs = {
  db: Kysely<WritDatabase>;
  policy: PolicyEngine;
  principal: Principal;
};

type ChangeGroupArgs = GroupArgs & { clock: Clock; ledger: Pick<Ledger<IdentityEvent>, 'append'> };

function validName(name: string): string {
  const normalized = normalizeGroupName(name);
  if (normalized === undefined) throw createGroupNameInvalidError();
  return normalized;
}

/** Every group with its members (administrators). */
export async function listGroups({ db, policy, principal }: GroupArgs): Promise<{ groups: Group[] }> {
  await requireAccountManager({ db, policy, principal });
  return { groups: await createGroupsRepository({ db }).listGroups() };
}

/**
 * The groups' ids and names, for a compliance officer choosing a group to screen: the firm's staff in a
 * session, like the directory of colleagues (members are not listed).
 */
export async function listGroupNames({
  db,
  policy,
  principal,
}: Pick<GroupArgs, 'db' | 'policy' | 'principal'>): Promise<{ groups: { id: string; name: string }[] }> {
  await requireDirectoryReader({ db, policy, principal });
  return { groups: await createGroupsRepository({ db }).listGroupNames() };
}

/** Creates an empty group (administrators). Names are unique. */
export async function createGroup({
  db,
  clock,
  ledger,
  policy,
  principal,
  name,
  generateId = generateGroupId,
}: ChangeGroupArgs & { name: string; generateId?: IdGenerator }): Promise<Group> {
  const actor = await requireAccountManager({ db, policy, principal });
  const groupName = validName(name);
  return inTransaction(db, async (trx) => {
    const id = generateId();
    const now = clock.now();
    await createGroupsRepository({ db: trx }).insertGroup({
      id,
      name: groupName,
      created_by: principal.userId,
      created_at: now.getTime(),
    });
    await ledger.append({ db: trx, event: { kind: 'identity.group_created', actor, data: { groupId: id } } });
    return { id, name: groupName, createdAt: now, members: [] };
  });
}

export async function renameGroup({
  db,
  ledger,
  policy,
  principal,
  groupId,
  name,
}: ChangeGroupArgs & { groupId: string; name: string }): Promise<{ id: string; name: string }> {
  const actor = await requireAccountManager({ db, policy, principal });
  const groupName = validName(name);
  return inTransaction(db, async (trx) => {
    if (!(await createGroupsRepository({ db: trx }).renameGroup({ groupId, name: groupName }))) {
      throw createGroupNotFoundError();
    }
    await ledger.append({ db: trx, event: { kind: 'identity.group_renamed', actor, data: { groupId } } });
    return { id: groupId, name: groupName };
  });
}

/**
 * Deletes a group and its memberships (administrators). Refused while a wall screens the group from a
 * matter: deleting it would silently lift the wall for every member.
 */
export async function deleteGroup({
  db,
  ledger,
  policy,
  principal,
  groupId,
}: ChangeGroupArgs & { groupId: string }): Promise<void> {
  const actor = await requireAccountManager({ db, policy, principal });
  await inTransaction(db, async (trx) => {
    const repository = createGroupsRepository({ db: trx });
    const memberCount = await repository.countMembers({ groupId });
    // Deleted first, checked after: the deletion waits for a wall being raised on the group (which holds
    // the group's row), then sees it and rolls back.
    if (!(await repository.deleteGroup({ groupId }))) throw createGroupNotFoundError();
    if (await hasStandingGroupWalls({ db: trx, groupId })) throw createGroupHasWallsError();
    await ledger.append({
      db: trx,
      event: { kind: 'identity.group_deleted', actor, data: { groupId, memberCount } },
    });
  });
}

/** Adds `userId` to the group (administrators); adding a member again changes nothing and records nothing. */
export async function addGroupMember({
  db,
  clock,
  ledger,
  policy,
  principal,
  groupId,
  userId,
}: ChangeGroupArgs & { groupId: string; userId: string }): Promise<{ groupId: string; userId: string }> {
  const actor = await requireAccountManager({ db, policy, principal });
  return inTransaction(db, async (trx) => {
    const repository = createGroupsRepository({ db: trx });
    if ((await repository.findGroup({ groupId })) === undefined) throw createGroupNotFoundError();
    if (!(await repository.userExists({ userId }))) throw createUserNotFoundError();
    const isNew = await repository.insertMember({
      groupId,
      userId,
      addedBy: principal.userId,
      at: clock.now(),
    });
    if (isNew) {
      await ledger.append({
        db: trx,
        event: { kind: 'identity.group_member_added', actor, data: { groupId, userId } },
      });
    }
    return { groupId, userId };
  });
}

/**
 * Removes `userId` from the group (administrators). Refused while a wall on the group screens them from a
 * matter they are not screened from in person: only a compliance officer lifts a wall, for one person too.
 */
export async function removeGroupMember({
  db,
  ledger,
  policy,
  principal,
  groupId,
  userId,
}: ChangeGroupArgs & { groupId: string; userId: string }): Promise<void> {
  const actor = await requireAccountManager({ db, policy, principal });
  await inTransaction(db, async (trx) => {
    const repository = createGroupsRepository({ db: trx });
    if ((await repository.findGroup({ groupId })) === undefined) throw createGroupNotFoundError();
    if (!(await repository.deleteMember({ groupId, userId }))) throw createGroupMemberNotFoundError();
    if ((await countWallsOnlyThroughGroup({ db: trx, groupId, userId })) > 0) {
      throw createGroupMemberScreenedError();
    }
    await ledger.append({
      db: trx,
      event: { kind: 'identity.group_member_removed', actor, data: { groupId, userId } },
    });
  });
}
