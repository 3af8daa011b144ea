import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { type Classification, classificationRank } from '../access/access.models.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import type { RootKeyring } from '../vault/vault.keys.models.js';
import { openMatterVault } from '../vault/vault.keys.usecases.js';
import type { DocumentsLedger } from './documents.dependencies.js';
import {
  createClassificationLoweringRequiresOwnerError,
  createClassificationReasonRequiredError,
  createMatterActionForbiddenError,
} from './documents.errors.js';
import { type AccessGate, requireMatterAccess } from './documents.matter-access.js';
import { actorOf } from './documents.matters.usecases.js';
import {
  classificationReasonMaxLength,
  generateClassificationChangeId,
  sealContext,
} from './documents.models.js';
import { createDocumentsRepository } from './documents.repository.js';

/**
 * A folder or document without its own label takes its new folder's when it moves, and so does everything
 * below a moved folder that inherits from it. A move that lowers that label is a lowering like an explicit
 * one: only an owner (`matter.lower_classification`) may make it, with a reason, and it is recorded in
 * `classification_changes` and on the ledger. A move that keeps or raises the label, or of an item with
 * its own label, passes without a record.
 * @NOTE Call it inside the move's transaction, before the move is written: a refusal then changes nothing.
 */
export async function requireMoveKeepsClassification({
  access,
  db,
  clock,
  keyring,
  ledger,
  principal,
  matterId,
  item,
  reason: rawReason,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  keyring: RootKeyring;
  ledger: DocumentsLedger;
  principal: Principal;
  matterId: string;
  item: {
    type: 'folder' | 'document';
    id: string;
    own: Classification | null;
    /** The label it inherits where it is, and where it goes. */
    from: Classification;
    to: Classification;
  };
  reason: string | undefined;
}): Promise<void> {
  const { type, id, own, from, to } = item;
  if (own !== null || classificationRank(to) >= classificationRank(from)) return;
  try {
    await requireMatterAccess({
      access,
      db,
      clock,
      principal,
      matterId,
      action: 'matter.lower_classification',
      item: { id, classification: from },
    });
  } catch (error) {
    if (isErrorWithCode({ error, code: createMatterActionForbiddenError.code })) {
      throw createClassificationLoweringRequiresOwnerError();
    }
    throw error;
  }
  const reason = rawReason?.trim() ?? '';
  if (reason.length === 0 || Array.from(reason).length > classificationReasonMaxLength) {
    throw createClassificationReasonRequiredError();
  }
  const changeId = generateClassificationChangeId();
  const vault = await openMatterVault({ db, keyring, matterId });
  await createDocumentsRepository({ db }).insertClassificationChange({
    id: changeId,
    matter_id: matterId,
    item_type: type,
    item_id: id,
    from_value: from,
    to_value: to,
    is_inherited: 1,
    reason_sealed: vault.sealText({
      plaintext: reason,
      context: sealContext.classificationReason(changeId),
    }),
    changed_by: principal.userId,
    changed_at: clock.now().getTime(),
  });
  await ledger.append({
    db,
    event: {
      kind: 'documents.classification_changed',
      actor: actorOf(principal),
      data: { matterId, itemType: type, itemId: id, from, to, inherits: true, changeId },
    },
  });
}
