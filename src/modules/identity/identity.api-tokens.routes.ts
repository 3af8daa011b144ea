import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApiToken } from './identity.api-tokens.models.js';
import {
  apiTokenIdParams,
  apiTokenListResponse,
  createApiTokenBody,
  createApiTokenResponse,
} from './identity.api-tokens.schemas.js';
import { createApiToken, listApiTokens, revokeApiToken } from './identity.api-tokens.usecases.js';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';

function toApiTokenResponse(apiToken: ApiToken) {
  return {
    id: apiToken.id,
    name: apiToken.name,
    scopes: apiToken.scopes,
    createdAt: apiToken.createdAt.toISOString(),
    expiresAt: apiToken.expiresAt.toISOString(),
    ...(apiToken.lastUsedAt === undefined ? {} : { lastUsedAt: apiToken.lastUsedAt.toISOString() }),
    ...(apiToken.revokedAt === undefined ? {} : { revokedAt: apiToken.revokedAt.toISOString() }),
  };
}

/** A user's API tokens for scripts, managed from a signed-in session only. */
export function registerApiTokenRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/tokens',
    schema: {
      tags: ['tokens'],
      summary: 'Create a scoped, expiring API token, shown once (needs a recent second factor)',
      body: createApiTokenBody,
      response: { 201: createApiTokenResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { apiToken, secret } = await createApiToken({
        ...deps,
        principal: auth.principalOf(request),
        ...request.body,
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ apiToken: toApiTokenResponse(apiToken), token: secret });
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/tokens',
    schema: {
      tags: ['tokens'],
      summary: 'My API tokens, newest first, without their secrets',
      response: { 200: apiTokenListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { apiTokens } = await listApiTokens({ ...deps, principal: auth.principalOf(request) });
      return { apiTokens: apiTokens.map(toApiTokenResponse) };
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/tokens/:id',
    schema: {
      tags: ['tokens'],
      summary: 'Revoke one of my API tokens',
      params: apiTokenIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await revokeApiToken({ ...deps, principal: auth.principalOf(request), tokenId: request.params.id });
      return reply.status(204).send(null);
    },
  });
}
