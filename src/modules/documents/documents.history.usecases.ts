import type { Kysely } from 'kysely';
import type { Clock } from '../../shared/clock/clock.js';
import type { WritDatabase } from '../database.js';
import type { Principal } from '../identity/identity.models.js';
import { readLatestCheckpoint } from '../ledger/ledger.checkpoints.usecases.js';
import { listEventsForMatter, type RecordedEvent } from '../ledger/ledger.events.usecases.js';
import type { EventActor } from '../ledger/ledger.models.js';
import type { DocumentsEvent } from './documents.events.js';
import type { AccessGate } from './documents.matter-access.js';
import { requireReadableDocument } from './documents.read.js';

/** The kinds that concern one document; `classification_changed` only when its item is the document. */
const documentEventKinds = [
  'documents.version_uploaded',
  'documents.version_downloaded',
  'documents.document_renamed',
  'documents.document_moved',
  'documents.document_trashed',
  'documents.document_restored',
  'documents.classification_changed',
  'documents.integrity_failed',
] as const satisfies readonly DocumentsEvent['kind'][];

/**
 * Where an entry stands on the way to a proof: `pending` until the sequencer gives it a leaf index,
 * `sequenced` once it has one, `checkpointed` once a signed checkpoint covers that index (a receipt and
 * an inclusion proof can then be had).
 */
export type ProofStatus = 'pending' | 'sequenced' | 'checkpointed';

export type DocumentHistoryEntry = {
  entryId: string;
  kind: string;
  at: Date;
  actor: EventActor;
  index: number | undefined;
  proofStatus: ProofStatus;
  /** The version an upload, download or integrity failure concerns. */
  version: number | undefined;
  /** A classification change's effective labels. */
  from: string | undefined;
  to: string | undefined;
};

const numberOf = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function concernsDocument(event: RecordedEvent, documentId: string): boolean {
  if (event.kind === 'documents.classification_changed') {
    return event.data.itemType === 'document' && event.data.itemId === documentId;
  }
  return event.data.documentId === documentId;
}

/**
 * A document's events from the ledger, oldest first, each with its proof status. Whoever may read the
 * document's metadata may read its history; anyone else gets the same not-found as for the document.
 */
export async function getDocumentHistory({
  access,
  db,
  clock,
  principal,
  documentId,
}: {
  access: AccessGate;
  db: Kysely<WritDatabase>;
  clock: Clock;
  principal: Principal;
  documentId: string;
}): Promise<{ documentId: string; checkpointSize: number | undefined; entries: DocumentHistoryEntry[] }> {
  const { document } = await requireReadableDocument({ access, db, clock, principal, documentId });
  const checkpoint = await readLatestCheckpoint({ db });
  const checkpointSize = checkpoint?.size;
  const events = await listEventsForMatter({ db, matterId: document.matter_id, kinds: documentEventKinds });
  const entries = events
    .filter((event) => concernsDocument(event, document.id))
    .map((event): DocumentHistoryEntry => {
      const proofStatus: ProofStatus =
        event.index === undefined
          ? 'pending'
          : checkpointSize !== undefined && event.index < checkpointSize
            ? 'checkpointed'
            : 'sequenced';
      const isClassification = event.kind === 'documents.classification_changed';
      return {
        entryId: event.entryId,
        kind: event.kind,
        at: event.at,
        actor: event.actor,
        index: event.index,
        proofStatus,
        version: numberOf(event.data.version),
        from: isClassification ? textOf(event.data.from) : undefined,
        to: isClassification ? textOf(event.data.to) : undefined,
      };
    });
  return { documentId: document.id, checkpointSize, entries };
}
