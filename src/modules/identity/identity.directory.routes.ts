import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { directoryLookupBody, directoryLookupResponse } from './identity.directory.schemas.js';
import { lookUpColleagues } from './identity.directory.usecases.js';

/** The colleague directory: usernames to ids and back, for the firm's staff. */
export function registerDirectoryRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'POST',
    url: '/api/directory/lookup',
    schema: {
      tags: ['directory'],
      summary:
        'Id, username and role of the colleagues named by username or id (firm staff); unknown ones are left out',
      body: directoryLookupBody,
      response: { 200: directoryLookupResponse },
    },
    // A POST so that the names asked for stay out of URLs and access logs.
    config: { rateLimit: { max: 120, timeWindow: '1 minute' } },
    onRequest: auth.require(),
    handler: (request) =>
      lookUpColleagues({
        db: deps.db,
        policy: deps.policy,
        principal: auth.principalOf(request),
        ...request.body,
      }),
  });
}
