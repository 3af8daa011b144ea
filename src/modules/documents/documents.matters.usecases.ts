import type { AccessGate } from './documents.matter-access.js';
import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { inTransaction } from '../../shared/db/transaction.js';
import {
  authorizeMatterCreation,
  isScreenedFromMatter,
  listScreenedMatterIds,
} from '../access/access.usecases.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { MatterVault, RootKeyring } from '../vault/vault.keys.models.js';
import {
  createMatterKeys,
  destroyMatterKeys,
  openMatterVault,
  rotateMatterKey,
} from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger, DocumentsSettings } from './documents.dependencies.js';
import {
  createGranteeNotEligibleError,
  createGranteeScreenedError,
  createLastOwnerError,
  createMatterCreationForbiddenError,
  createMatterNotFoundError,
  createMatterStatusInvalidError,
  createMemberRoleInvalidError,
  createNameInvalidError,
  createUserNotFoundError,
} from './documents.errors.js';
import { requireMatterAccess } from './documents.matter-access.js';
import {
  generateFolderId,
  generateMatterId,
  lookupPurpose,
  type Matter,
  type MatterRole,
  matterRoles,
  type MatterStatus,
  matterStatuses,
  nameLookupValue,
  normalizeName,
  sealContext,
} from './documents.models.js';
import { createDocumentsRepository, type MatterWithRole } from './documents.repository.js';

export const actorOf = (principal: Principal): EventActor => ({ type: 'user', id: principal.userId });

export function toMatter(row: MatterWithRole, vault: MatterVault | undefined): Matter {
  return {
    id: row.id,
    // A shredded matter's name is gone with its keys.
    name:
      vault === undefined
        ? ''
        : vault.openText({ sealed: row.name_sealed, context: sealContext.matterName(row.id) }),
    status: row.status,
    rootFolderId: row.root_folder_id,
    quotaBytes: row.quota_bytes ?? undefined,
    usedBytes: row.used_bytes,
    createdAt: new Date(row.created_at),
    myRole: row.role ?? undefined,
    classification: row.classification,
  };
}

/**
 * The matter's vault, or undefined once it was shredded. Keys destroyed while `shredded_at` stayed unset
 * (erased through the vault alone) count as shredded too, so that one shredded matter never breaks a list
 * of live ones.
 */
async function openUnlessShredded(args: {
  db: Kysely<WritDatabase>;
  keyring: RootKeyring;
  row: MatterWithRole;
}): Promise<MatterVault | undefined> {
  if (args.row.shredded_at !== null) return undefined;
  try {
    return await openMatterVault({ db: args.db, keyring: args.keyring, matterId: args.row.id });
  } catch (error) {
    if (isErrorWithCode({ error, code: 'vault.matter_keys_destroyed' })) return undefined;
    throw error;
  }
}

/** Opens a matter, with its keys and a root folder; the lawyer who opens it is its first owner. */
export async function createMatter({
  access,
  db,
  clock,
  keyring,
  ledger,
  settings,
  principal,
  name: rawName,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  settings: Pick<DocumentsSettings, 'defaultMatterQuotaBytes'>;
  principal: Principal;
  name: string;
}): Promise<Matter> {
  const decision = await authorizeMatterCreation({
    db,
    clock,
    policy: access.policy,
    stepUpMinutes: access.stepUpMinutes,
    principal,
  });
  if (!decision.isAllowed) throw createMatterCreationForbiddenError();
  const name = normalizeName(rawName);
  if (name === undefined) throw createNameInvalidError();
  const matterId = generateMatterId();
  const rootFolderId = generateFolderId();
  const now = clock.now().getTime();
  return inTransaction(db, async (trx) => {
    const repository = createDocumentsRepository({ db: trx });
    await createMatterKeys({ db: trx, keyring, clock, matterId });
    const vault = await openMatterVault({ db: trx, keyring, matterId });
    const row = {
      id: matterId,
      name_sealed: vault.sealText({ plaintext: name, context: sealContext.matterName(matterId) }),
      status: 'open' as const,
      root_folder_id: rootFolderId,
      quota_bytes: settings.defaultMatterQuotaBytes ?? null,
      used_bytes: 0,
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      shredded_at: null,
      classification: 'internal' as const,
    };
    await repository.insertMatter(row);
    await repository.insertFolder({
      id: rootFolderId,
      matter_id: matterId,
      parent_id: null,
      name_sealed: vault.sealText({ plaintext: '', context: sealContext.folderName(rootFolderId) }),
      name_lookup: vault.lookupHash({ value: nameLookupValue(''), purpose: lookupPurpose.name }),
      created_by: principal.userId,
      created_at: now,
      updated_at: now,
      trashed_at: null,
      classification: null,
    });
    await repository.insertMember({
      matter_id: matterId,
      user_id: principal.userId,
      role: 'owner',
      added_by: principal.userId,
      added_at: now,
      expires_at: null,
      is_named_for_highly_sensitive: 0,
    });
    await ledger.append({
      db: trx,
      event: { kind: 'documents.matter_created', actor: actorOf(principal), data: { matterId } },
    });
    return toMatter({ ...row, role: 'owner', is_named_for_highly_sensitive: 0 }, vault);
  });
}

/** The matters the caller is a live member of, newest first. */
export async function listMatters({
  db,
  clock,
  keyring,
  principal,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  principal: Principal;
}): Promise<Matter[]> {
  const [rows, screened] = await Promise.all([
    createDocumentsRepository({ db }).listMattersForMember({ userId: principal.userId, now: clock.now() }),
    listScreenedMatterIds({ db, userId: principal.userId }),
  ]);
  const matters: Matter[] = [];
  // A wall hides the matter from the list too, whatever membership the screened person holds.
  for (const row of rows.filter((r) => !screened.has(r.id)))
    matters.push(toMatter(row, await openUnlessShredded({ db, keyring, row })));
  return matters;
}

export async function getMatter({
  access,
  db,
  clock,
  keyring,
  principal,
  matterId,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  principal: Principal;
  matterId: string;
}): Promise<Matter> {
  const row = await requireMatterAccess({ access, db, clock, principal, matterId, action: 'matter.view' });
  return toMatter(row, await openUnlessShredded({ db, keyring, row }));
}

export type MatterMember = {
  userId: string;
  role: MatterRole;
  addedAt: Date;
  expiresAt: Date | undefined;
  /** The grant names the member for highly sensitive content (assistants need it to see any). */
  isNamedForHighlySensitive: boolean;
};

export async function listMatterMembers({
  access,
  db,
  clock,
  principal,
  matterId,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  matterId: string;
}): Promise<MatterMember[]> {
  await requireMatterAccess({ access, db, clock, principal, matterId, action: 'matter.view' });
  const rows = await createDocumentsRepository({ db }).listMembers({ matterId, now: clock.now() });
  return rows.map((row) => ({
    userId: row.user_id,
    role: row.role,
    addedAt: new Date(row.added_at),
    expiresAt: row.expires_at === null ? undefined : new Date(row.expires_at),
    isNamedForHighlySensitive: row.is_named_for_highly_sensitive === 1,
  }));
}

/** Grants a user a role in the matter (or changes it), optionally until `expiresAt`. Owners only. */
export async function setMatterMember({
  access,
  db,
  clock,
  ledger,
  principal,
  matterId,
  userId,
  role,
  expiresAt,
  isNamedForHighlySensitive = false,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: DocumentsLedger;
  principal: Principal;
  matterId: string;
  userId: string;
  role: string;
  expiresAt?: Date | undefined;
  /** Names the member for highly sensitive content; the grant is replaced, so omitting it clears it. */
  isNamedForHighlySensitive?: boolean | undefined;
}): Promise<MatterMember> {
  if (!(matterRoles as readonly string[]).includes(role)) throw createMemberRoleInvalidError();
  const memberRole = role as MatterRole;
  const now = clock.now();
  return inTransaction(db, async (trx) => {
    await lockMatterMembership({ db: trx, matterId });
    await requireMatterAccess({
      access,
      db: trx,
      clock,
      principal,
      matterId,
      action: 'matter.manage_members',
    });
    const repository = createDocumentsRepository({ db: trx });
    const granteeRole = await repository.findUserRole(userId);
    if (granteeRole === undefined) throw createUserNotFoundError();
    // Separation of duties: administrators run accounts, auditors read reports; neither holds content.
    if (granteeRole === 'admin' || granteeRole === 'auditor') throw createGranteeNotEligibleError();
    // The wall would override the grant anyway; refusing tells the person granting why.
    if (await isScreenedFromMatter({ db: trx, matterId, userId })) throw createGranteeScreenedError();
    // An ownership that expires does not count as one: the matter must keep a permanent owner.
    if (memberRole !== 'owner' || expiresAt !== undefined) {
      await requireAnotherOwner({ repository, matterId, userId, now });
    }
    await repository.upsertMember({
      matter_id: matterId,
      user_id: userId,
      role: memberRole,
      added_by: principal.userId,
      added_at: now.getTime(),
      expires_at: expiresAt === undefined ? null : expiresAt.getTime(),
      is_named_for_highly_sensitive: isNamedForHighlySensitive ? 1 : 0,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.member_added',
        actor: actorOf(principal),
        data: {
          ...(expiresAt === undefined
            ? { matterId, userId, role: memberRole }
            : { matterId, userId, role: memberRole, expiresAt: expiresAt.toISOString() }),
          ...(isNamedForHighlySensitive ? { namedForHighlySensitive: true } : {}),
        },
      },
    });
    return { userId, role: memberRole, addedAt: now, expiresAt, isNamedForHighlySensitive };
  });
}

/**
 * Serializes the membership changes of one matter until the transaction ends, with a write that changes
 * nothing: on PostgreSQL the matter's row is locked, so two owners removing or demoting each other cannot
 * both count the other as the remaining owner under READ COMMITTED; on SQLite the transaction takes the
 * write lock before it reads. Taken before the caller's own membership is read, so that a caller removed
 * meanwhile is refused.
 */
async function lockMatterMembership({
  db,
  matterId,
}: {
  db: Kysely<WritDatabase>;
  matterId: string;
}): Promise<void> {
  await createDocumentsRepository({ db }).lockMatter({ matterId });
}

async function requireAnotherOwner({
  repository,
  matterId,
  userId,
  now,
}: {
  repository: ReturnType<typeof createDocumentsRepository>;
  matterId: string;
  userId: string;
  now: Date;
}): Promise<void> {
  const members = await repository.listMembers({ matterId, now });
  const otherOwners = members.filter(
    (m) => m.role === 'owner' && m.user_id !== userId && m.expires_at === null,
  );
  if (otherOwners.length === 0) throw createLastOwnerError();
}

export async function removeMatterMember({
  access,
  db,
  clock,
  ledger,
  principal,
  matterId,
  userId,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: DocumentsLedger;
  principal: Principal;
  matterId: string;
  userId: string;
}): Promise<void> {
  const now = clock.now();
  await inTransaction(db, async (trx) => {
    await lockMatterMembership({ db: trx, matterId });
    await requireMatterAccess({
      access,
      db: trx,
      clock,
      principal,
      matterId,
      action: 'matter.manage_members',
    });
    const repository = createDocumentsRepository({ db: trx });
    await requireAnotherOwner({ repository, matterId, userId, now });
    if ((await repository.deleteMember({ matterId, userId })) === 0) throw createUserNotFoundError();
    await ledger.append({
      db: trx,
      event: { kind: 'documents.member_removed', actor: actorOf(principal), data: { matterId, userId } },
    });
  });
}

/** Moves the matter's data keys under a fresh matter key (owners; content is not re-encrypted). */
export async function rotateMatterKeys({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  matterId,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  principal: Principal;
  matterId: string;
}): Promise<{ rewrapped: number }> {
  await requireMatterAccess({ access, db, clock, principal, matterId, action: 'matter.rotate_keys' });
  return rotateMatterKey({ db, keyring, clock, ledger, matterId, actor: actorOf(principal) });
}

/**
 * Closes a matter (read-only: nothing is uploaded, moved or renamed; everything stays readable), archives
 * it, or reopens it. Owners only.
 */
export async function setMatterStatus({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  matterId,
  status,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  principal: Principal;
  matterId: string;
  status: string;
}): Promise<Matter> {
  if (!(matterStatuses as readonly string[]).includes(status)) throw createMatterStatusInvalidError();
  const next = status as MatterStatus;
  return inTransaction(db, async (trx) => {
    const row = await requireMatterAccess({
      access,
      db: trx,
      clock,
      principal,
      matterId,
      action: 'matter.change_status',
    });
    if (row.status !== next) {
      await createDocumentsRepository({ db: trx }).setMatterStatus({
        matterId,
        status: next,
        now: clock.now(),
      });
      await ledger.append({
        db: trx,
        event: {
          kind: 'documents.matter_status_changed',
          actor: actorOf(principal),
          data: { matterId, from: row.status, to: next },
        },
      });
    }
    return toMatter({ ...row, status: next }, await openUnlessShredded({ db: trx, keyring, row }));
  });
}

/**
 * Crypto-shreds a matter: marks it shredded and erases its keys in one transaction, so that lists show it
 * as shredded rather than failing on keys that are gone. An operator's act (the `writ keys destroy-matter`
 * command, holding the root key), taken without a policy decision. Running it again on a shredded matter
 * changes nothing (`destroyed: 0`) but still marks it, which repairs a matter whose keys were erased alone.
 */
export async function shredMatter({
  db,
  clock,
  ledger,
  matterId,
  actor,
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  ledger: DocumentsLedger;
  matterId: string;
  actor: EventActor;
}): Promise<{ destroyed: number }> {
  return inTransaction(db, async (trx) => {
    const repository = createDocumentsRepository({ db: trx });
    const matter = await repository.findMatter({ matterId });
    if (matter === undefined) throw createMatterNotFoundError();
    if (matter.shredded_at === null) await repository.markMatterShredded({ matterId, now: clock.now() });
    return destroyMatterKeys({ db: trx, clock, ledger, matterId, actor });
  });
}
