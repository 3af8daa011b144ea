import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import { presentDocument, presentVersion } from './documents.presenters.js';
import {
  documentParams,
  documentResponse,
  documentWithVersionsResponse,
  updateDocumentBody,
} from './documents.schemas.js';
import { getDocument, setDocumentTrashed, updateDocument } from './documents.usecases.js';

export function registerDocumentRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/api/documents/:documentId',
    schema: {
      tags: ['documents'],
      summary: 'A document with all its versions, newest first',
      params: documentParams,
      response: { 200: documentWithVersionsResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'documents:read' }),
    handler: async (request) => {
      const { document, versions } = await getDocument({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
      });
      return { document: presentDocument(document), versions: versions.map(presentVersion) };
    },
  });

  typed.route({
    method: 'PATCH',
    url: '/api/documents/:documentId',
    schema: {
      tags: ['documents'],
      summary: 'Rename and/or move a document to another folder of its matter',
      params: documentParams,
      body: updateDocumentBody,
      response: { 200: documentResponse },
    },
    onRequest: auth.require(),
    handler: async (request) =>
      presentDocument(
        await updateDocument({
          ...deps,
          principal: auth.principalOf(request),
          ...request.params,
          ...request.body,
        }),
      ),
  });

  for (const [action, isTrashed] of [
    ['trash', true],
    ['restore', false],
  ] as const) {
    typed.route({
      method: 'POST',
      url: `/api/documents/:documentId/${action}`,
      schema: {
        tags: ['documents'],
        summary: isTrashed ? 'Move a document to the trash' : 'Restore a document from the trash',
        params: documentParams,
        response: { 204: Type.Null() },
      },
      onRequest: auth.require(),
      handler: async (request, reply) => {
        await setDocumentTrashed({
          ...deps,
          principal: auth.principalOf(request),
          ...request.params,
          isTrashed,
        });
        return reply.status(204).send(null);
      },
    });
  }
}
