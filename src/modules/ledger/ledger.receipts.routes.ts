import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { WritDatabase } from '../database.js';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { NoteSigner } from './ledger.note-keys.js';
import { buildReceipt } from './ledger.receipts.usecases.js';
import { receiptParams, receiptPendingResponse, receiptResponse } from './ledger.schemas.js';

export type LedgerReceiptsDependencies = {
  db: Kysely<WritDatabase>;
  /** The log key, held by the vault: signs the receipt's JWS. */
  signer: NoteSigner;
  /** How soon a pending receipt is worth asking for again (WRIT_LEDGER_CHECKPOINT_SECONDS). */
  retryAfterSeconds: number;
};

/**
 * `GET /api/ledger/receipts/:entryId`: the receipt of an event, for the user who caused it only (anyone else,
 * and unknown ids, get 404). 202 while the entry waits for a signed checkpoint.
 */
export function registerLedgerReceiptRoutes(
  app: FastifyInstance,
  deps: LedgerReceiptsDependencies,
  { auth }: { auth: RouteAuthentication },
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'GET',
    url: '/api/ledger/receipts/:entryId',
    schema: {
      tags: ['ledger'],
      summary: 'The receipt of one of your events: the entry, a JWS over it and a tlog-proof',
      params: receiptParams,
      response: { 200: receiptResponse, 202: receiptPendingResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'documents:read' }),
    handler: async (request, reply) => {
      const result = await buildReceipt({
        db: deps.db,
        signer: deps.signer,
        entryId: request.params.entryId,
        actorUserId: auth.principalOf(request).userId,
      });
      if (result.status === 'pending') {
        return reply
          .status(202)
          .header('retry-after', String(deps.retryAfterSeconds))
          .header('cache-control', 'no-store')
          .send({ status: 'pending', retryAfterSeconds: deps.retryAfterSeconds });
      }
      return reply.header('cache-control', 'private, no-store').send(result.receipt);
    },
  });
}
