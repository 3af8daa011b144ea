import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { IdentityDependencies } from './identity.dependencies.js';
import { completeSetupBody, completeSetupResponse, setupStatusResponse } from './identity.schemas.js';
import { completeSetup, isSetupRequired } from './identity.usecases.js';

export function registerIdentityRoutes(app: FastifyInstance, deps: IdentityDependencies): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/api/setup',
    schema: {
      tags: ['setup'],
      summary: 'Whether the first administrator still has to be created',
      response: { 200: setupStatusResponse },
    },
    handler: async () => ({ isSetupRequired: await isSetupRequired({ db: deps.db }) }),
  });

  typed.route({
    method: 'POST',
    url: '/api/setup',
    schema: {
      tags: ['setup'],
      summary: 'Create the first administrator with the one-time setup token',
      body: completeSetupBody,
      response: { 201: completeSetupResponse },
    },
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    handler: async (request, reply) => {
      const { user } = await completeSetup({ ...deps, ...request.body });
      return reply.status(201).send({ user: { ...user, createdAt: user.createdAt.toISOString() } });
    },
  });
}
