import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import { type ClassificationResult, setClassification } from './documents.classification.usecases.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import {
  classificationResponse,
  documentParams,
  folderParams,
  matterParams,
  setClassificationBody,
} from './documents.schemas.js';

function presentClassification(result: ClassificationResult) {
  return {
    matterId: result.matterId,
    itemType: result.itemType,
    itemId: result.itemId,
    classification: result.classification,
    classificationIsInherited: result.isInherited,
    ...(result.changeId === undefined ? {} : { changeId: result.changeId }),
  };
}

export function registerClassificationRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const routes = [
    {
      url: '/api/matters/:matterId/classification',
      params: matterParams,
      summary:
        "Set the matter's classification, the default of everything in it (owners; lowering needs a reason)",
    },
    {
      url: '/api/matters/:matterId/folders/:folderId/classification',
      params: folderParams,
      summary: "Set or clear a folder's classification (raising: editors; lowering: owners, with a reason)",
    },
    {
      url: '/api/documents/:documentId/classification',
      params: documentParams,
      summary: "Set or clear a document's classification (raising: editors; lowering: owners, with a reason)",
    },
  ] as const;

  for (const { url, params, summary } of routes) {
    typed.route({
      method: 'PUT',
      url,
      schema: {
        tags: ['classification'],
        summary,
        params,
        body: setClassificationBody,
        response: { 200: classificationResponse },
      },
      onRequest: auth.require(),
      handler: async (request) =>
        presentClassification(
          await setClassification({
            ...deps,
            principal: auth.principalOf(request),
            target: request.params,
            classification: request.body.classification,
            reason: request.body.reason,
          }),
        ),
    });
  }
}
