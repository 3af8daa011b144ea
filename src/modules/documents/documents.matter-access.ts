import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { Classification, MatterAction, PolicyEngine } from '../access/access.models.js';
import { authorizeMatterAction } from '../access/access.usecases.js';
import type { WritDatabase } from '../database.js';
import { createStepUpRequiredError } from '../identity/identity.errors.js';
import type { Principal } from '../identity/identity.models.js';
import {
  createMatterActionForbiddenError,
  createMatterClosedError,
  createMatterNotFoundError,
} from './documents.errors.js';
import { createDocumentsRepository, type MatterWithRole } from './documents.repository.js';

/** The policy engine and the step-up window, handed to every documents use-case. */
export type AccessGate = { policy: PolicyEngine; stepUpMinutes: number };

/**
 * Loads the matter and asks the policy whether the caller may do `action` in it (on `item`, a folder or
 * document with its effective classification, when given). A caller who may not see the matter learns
 * nothing: the same 404 as for a matter that does not exist.
 */
export async function requireMatterAccess({
  access,
  db,
  clock,
  principal,
  matterId,
  action,
  item,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  matterId: string;
  action: MatterAction;
  item?: { id: string; classification: Classification } | undefined;
}): Promise<MatterWithRole> {
  const matter = await createDocumentsRepository({ db }).findMatterWithMembership({
    matterId,
    userId: principal.userId,
    now: clock.now(),
  });
  if (matter === undefined) throw createMatterNotFoundError();
  const decision = await authorizeMatterAction({
    db,
    clock,
    policy: access.policy,
    stepUpMinutes: access.stepUpMinutes,
    principal,
    action,
    facts: {
      matter: { id: matter.id, classification: matter.classification, status: matter.status },
      item,
      membership:
        matter.role === null
          ? undefined
          : { role: matter.role, isNamedForHighlySensitive: matter.is_named_for_highly_sensitive === 1 },
    },
  });
  if (decision.isAllowed) return matter;
  switch (decision.reason) {
    case 'forbidden':
      throw createMatterActionForbiddenError();
    case 'step_up_required':
      throw createStepUpRequiredError({
        message: 'Highly sensitive content needs a recent second factor: confirm it, then try again.',
      });
    case 'closed':
      throw createMatterClosedError();
    case 'hidden':
      throw createMatterNotFoundError();
  }
}

/**
 * The classification a folder passes on: its own, else its parent's, up to the matter's.
 * @NOTE Folder depth is bounded by what people build (tens); one query per level.
 */
export async function folderClassification({
  db,
  matter,
  folderId,
}: {
  db: Kysely<WritDatabase>;
  matter: { classification: Classification };
  folderId: string;
}): Promise<Classification> {
  const repository = createDocumentsRepository({ db });
  let current: string | null = folderId;
  for (let depth = 0; current !== null && depth < 256; depth++) {
    const folder = await repository.findFolder({ folderId: current });
    if (folder === undefined) break;
    if (folder.classification !== null) return folder.classification;
    current = folder.parent_id;
  }
  return matter.classification;
}

/**
 * The effective classification of every folder of a matter, from one listing of its folders: lists and
 * trash views label many rows without a query per row.
 */
export function folderClassifications({
  matter,
  folders,
}: {
  matter: { classification: Classification };
  folders: readonly { id: string; parent_id: string | null; classification: Classification | null }[];
}): (folderId: string) => Classification {
  const byId = new Map(folders.map((row) => [row.id, row]));
  const known = new Map<string, Classification>();
  const classOf = (folderId: string): Classification => {
    const chain: string[] = [];
    let current: string | null = folderId;
    let found: Classification = matter.classification;
    while (current !== null && chain.length <= byId.size) {
      const cached = known.get(current);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      const row = byId.get(current);
      if (row === undefined) break;
      chain.push(current);
      if (row.classification !== null) {
        found = row.classification;
        break;
      }
      current = row.parent_id;
    }
    for (const id of chain) known.set(id, found);
    return found;
  };
  return classOf;
}

/**
 * Which of `classifications` the caller may `action` in this matter: lists decide once per distinct
 * classification, not once per row.
 */
export async function allowedClassifications({
  access,
  db,
  clock,
  principal,
  matter,
  action,
  classifications,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  matter: MatterWithRole;
  action: MatterAction;
  classifications: Iterable<Classification>;
}): Promise<Set<Classification>> {
  const allowed = new Set<Classification>();
  for (const classification of new Set(classifications)) {
    const decision = await authorizeMatterAction({
      db,
      clock,
      policy: access.policy,
      stepUpMinutes: access.stepUpMinutes,
      principal,
      action,
      facts: {
        matter: { id: matter.id, classification: matter.classification, status: matter.status },
        item: { id: matter.root_folder_id, classification },
        membership:
          matter.role === null
            ? undefined
            : { role: matter.role, isNamedForHighlySensitive: matter.is_named_for_highly_sensitive === 1 },
      },
    });
    if (decision.isAllowed) allowed.add(classification);
  }
  return allowed;
}
