import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { getDocumentHistory } from './documents.history.usecases.js';
import { documentParams } from './documents.schemas.js';

const historyEntryResponse = Type.Object({
  entryId: Type.String(),
  kind: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Object({
    type: Type.Union([Type.Literal('user'), Type.Literal('system'), Type.Literal('anonymous')]),
    id: Type.Optional(Type.String()),
  }),
  /** The leaf index in the log; absent while the entry waits to be sequenced. */
  index: Type.Optional(Type.Integer()),
  proofStatus: Type.Union([Type.Literal('pending'), Type.Literal('sequenced'), Type.Literal('checkpointed')]),
  version: Type.Optional(Type.Integer()),
  from: Type.Optional(Type.String()),
  to: Type.Optional(Type.String()),
});

const historyResponse = Type.Object({
  documentId: Type.String(),
  /** The size of the latest signed checkpoint; absent before the first one. */
  checkpointSize: Type.Optional(Type.Integer()),
  entries: Type.Array(historyEntryResponse),
});

/** `GET /api/documents/:documentId/history`: the document's events from the ledger, with proof status. */
export function registerDocumentHistoryRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'GET',
    url: '/api/documents/:documentId/history',
    schema: {
      tags: ['documents'],
      summary:
        "A document's events from the ledger (uploads, downloads, moves, labels) and their proof status",
      params: documentParams,
      response: { 200: historyResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'documents:read' }),
    handler: async (request, reply) => {
      const { documentId, checkpointSize, entries } = await getDocumentHistory({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
      });
      return reply.header('cache-control', 'no-store').send({
        documentId,
        ...(checkpointSize === undefined ? {} : { checkpointSize }),
        entries: entries.map((entry) => ({
          entryId: entry.entryId,
          kind: entry.kind,
          at: entry.at.toISOString(),
          actor: entry.actor,
          ...(entry.index === undefined ? {} : { index: entry.index }),
          proofStatus: entry.proofStatus,
          ...(entry.version === undefined ? {} : { version: entry.version }),
          ...(entry.from === undefined ? {} : { from: entry.from }),
          ...(entry.to === undefined ? {} : { to: entry.to }),
        })),
      });
    },
  });
}
