import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { inTransaction } from '../../shared/db/transaction.js';
import { type Classification, classificationRank, type MatterAction } from '../access/access.models.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import { openMatterVault } from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import {
  createClassificationInvalidError,
  createClassificationReasonRequiredError,
  createFolderNotFoundError,
} from './documents.errors.js';
import { requireLiveFolder } from './documents.folders.usecases.js';
import { type AccessGate, folderClassification, requireMatterAccess } from './documents.matter-access.js';
import { actorOf } from './documents.matters.usecases.js';
import {
  classificationReasonMaxLength,
  generateClassificationChangeId,
  sealContext,
} from './documents.models.js';
import { requireReadableDocument } from './documents.read.js';
import { createDocumentsRepository, type MatterWithRole } from './documents.repository.js';
import type { ClassificationChangesTable } from './documents.tables.js';

export type ClassificationTarget =
  { matterId: string } | { matterId: string; folderId: string } | { documentId: string };

/** A label, or `inherit` to clear a folder's or document's own label. */
export type ClassificationChoice = Classification | 'inherit';

export type ClassificationResult = {
  matterId: string;
  itemType: ClassificationChangesTable['item_type'];
  itemId: string;
  /** The effective label after the call. */
  classification: Classification;
  isInherited: boolean;
  /** Undefined when the item already had this label: nothing changed, nothing was recorded. */
  changeId: string | undefined;
};

/** The item as found, with its own label and what it would inherit. */
type LabelledItem = {
  matter: MatterWithRole;
  itemType: ClassificationChangesTable['item_type'];
  itemId: string;
  own: Classification | null;
  inherited: Classification | undefined;
};

/**
 * Sets the classification label of a matter, a folder or a document.
 * - Raising (or keeping) the effective label of a folder or document needs `document.organize` (editors, owners).
 * - Lowering it (the new effective label ranks below the current one, `inherit` included) needs
 *   `matter.lower_classification` (owners) and a reason.
 * - The matter's own label is the default of everything in it: any change to it needs
 *   `matter.lower_classification` (owners), and lowering needs a reason.
 * The reason is sealed under the matter key in `classification_changes`; the ledger records the change
 * without it.
 */
export async function setClassification({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  target,
  classification,
  reason: rawReason,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  principal: Principal;
  target: ClassificationTarget;
  classification: ClassificationChoice;
  reason?: string | undefined;
}): Promise<ClassificationResult> {
  const reason = rawReason?.trim();
  if (reason !== undefined && Array.from(reason).length > classificationReasonMaxLength) {
    throw createClassificationReasonRequiredError();
  }
  const now = clock.now().getTime();
  return inTransaction(db, async (trx) => {
    const gate = { access, db: trx, clock, principal };
    const item = await findLabelledItem({ ...gate, target });
    if (classification === 'inherit' && item.inherited === undefined)
      throw createClassificationInvalidError();
    const from = item.own ?? (item.inherited as Classification);
    const own = classification === 'inherit' ? null : classification;
    const to = own ?? (item.inherited as Classification);
    const isLowering = classificationRank(to) < classificationRank(from);
    const action: MatterAction =
      isLowering || item.itemType === 'matter' ? 'matter.lower_classification' : 'document.organize';
    await requireMatterAccess({
      ...gate,
      matterId: item.matter.id,
      action,
      item: item.itemType === 'matter' ? undefined : { id: item.itemId, classification: from },
    });
    if (isLowering && (reason === undefined || reason.length === 0)) {
      throw createClassificationReasonRequiredError();
    }
    const result = {
      matterId: item.matter.id,
      itemType: item.itemType,
      itemId: item.itemId,
      classification: to,
      isInherited: own === null,
    };
    if (own === item.own) return { ...result, changeId: undefined };

    const changeId = generateClassificationChangeId();
    const repository = createDocumentsRepository({ db: trx });
    const reasonSealed =
      reason === undefined || reason.length === 0
        ? null
        : (await openMatterVault({ db: trx, keyring, matterId: item.matter.id })).sealText({
            plaintext: reason,
            context: sealContext.classificationReason(changeId),
          });
    await repository.setClassification({
      itemType: item.itemType,
      itemId: item.itemId,
      classification: own,
      now,
    });
    await repository.insertClassificationChange({
      id: changeId,
      matter_id: item.matter.id,
      item_type: item.itemType,
      item_id: item.itemId,
      from_value: from,
      to_value: to,
      is_inherited: own === null ? 1 : 0,
      reason_sealed: reasonSealed,
      changed_by: principal.userId,
      changed_at: now,
    });
    await ledger.append({
      db: trx,
      event: {
        kind: 'documents.classification_changed',
        actor: actorOf(principal),
        data: {
          matterId: item.matter.id,
          itemType: item.itemType,
          itemId: item.itemId,
          from,
          to,
          inherits: own === null,
          changeId,
        },
      },
    });
    return { ...result, changeId };
  });
}

/**
 * The target, if the caller may see it: a matter they are not in, a folder or document they may not
 * list (an assistant without a named grant, for highly sensitive ones) answer not found.
 */
async function findLabelledItem({
  access,
  db,
  clock,
  principal,
  target,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  target: ClassificationTarget;
}): Promise<LabelledItem> {
  const gate = { access, db, clock, principal };
  if ('documentId' in target) {
    const { document, matter, inherited } = await requireReadableDocument({
      ...gate,
      documentId: target.documentId,
      action: 'document.list',
    });
    return { matter, itemType: 'document', itemId: document.id, own: document.classification, inherited };
  }
  const matter = await requireMatterAccess({ ...gate, matterId: target.matterId, action: 'matter.view' });
  if (!('folderId' in target)) {
    return {
      matter,
      itemType: 'matter',
      itemId: matter.id,
      own: matter.classification,
      inherited: undefined,
    };
  }
  const folder = await requireLiveFolder({ db, matterId: matter.id, folderId: target.folderId });
  const inherited =
    folder.parent_id === null
      ? matter.classification
      : await folderClassification({ db, matter, folderId: folder.parent_id });
  try {
    await requireMatterAccess({
      ...gate,
      matterId: matter.id,
      action: 'document.list',
      item: { id: folder.id, classification: folder.classification ?? inherited },
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'documents.matter_not_found')
      throw createFolderNotFoundError();
    throw error;
  }
  return { matter, itemType: 'folder', itemId: folder.id, own: folder.classification, inherited };
}
