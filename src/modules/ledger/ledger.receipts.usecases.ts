import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import { readLatestCosignedCheckpoint } from './ledger.cosignatures.usecases.js';
import { createReceiptNotFoundError } from './ledger.errors.js';
import type { NoteSigner } from './ledger.note-keys.js';
import { formatTlogProof } from './ledger.proof.js';
import { type Receipt, receiptType, signJws } from './ledger.receipts.js';
import { readInclusionProof } from './ledger.tree-store.js';

export type ReceiptResult = { status: 'pending' } | { status: 'ready'; receipt: Receipt };

function actorIdOf(entry: string): string | undefined {
  try {
    const { actor } = JSON.parse(entry) as { actor?: { type?: unknown; id?: unknown } };
    return actor?.type === 'user' && typeof actor.id === 'string' ? actor.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The receipt of entry `entryId` (ADR 0005, receipts): pending until the entry is sequenced and covered by a
 * signed checkpoint, then the entry, a JWS over it and a tlog-proof against the latest checkpoint.
 * With `actorUserId`, an entry recorded for another actor is answered as unknown (`ledger.receipt_not_found`).
 */
export async function buildReceipt({
  db,
  signer,
  entryId,
  actorUserId,
}: {
  db: Kysely<WritDatabase>;
  signer: NoteSigner;
  entryId: string;
  actorUserId?: string;
}): Promise<ReceiptResult> {
  const isVisible = (entry: string) => actorUserId === undefined || actorIdOf(entry) === actorUserId;
  const sequenced = await db
    .selectFrom('ledger_entries')
    .select(['idx', 'entry'])
    .where('entry_id', '=', entryId)
    .executeTakeFirst();
  if (sequenced === undefined) {
    const pending = await db
      .selectFrom('ledger_pending_entries')
      .select('entry')
      .where('id', '=', entryId)
      .executeTakeFirst();
    if (pending === undefined || !isVisible(pending.entry)) throw createReceiptNotFoundError();
    return { status: 'pending' };
  }
  if (!isVisible(sequenced.entry)) throw createReceiptNotFoundError();
  const latest = await readLatestCosignedCheckpoint({ db });
  if (latest === undefined || latest.checkpoint.size <= sequenced.idx) return { status: 'pending' };
  const hashes = await readInclusionProof({ db, leafIndex: sequenced.idx, treeSize: latest.checkpoint.size });
  const event = sequenced.entry;
  return {
    status: 'ready',
    receipt: {
      type: receiptType,
      event,
      jws: await signJws({ payload: Buffer.from(event, 'utf8'), signer }),
      proof: formatTlogProof({ index: sequenced.idx, hashes, checkpoint: latest.note }),
    },
  };
}
