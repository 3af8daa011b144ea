import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { createError } from '../../shared/errors/errors.js';

const statusResponse = Type.Object({ status: Type.String() });

export function registerHealthRoutes(
  app: FastifyInstance,
  { checkReadiness }: { checkReadiness: () => Promise<boolean> },
): void {
  app.route({
    method: 'GET',
    url: '/healthz',
    schema: {
      tags: ['operations'],
      summary: 'Liveness: the process answers',
      response: { 200: statusResponse },
    },
    config: { rateLimit: false },
    handler: (_request, reply) => reply.send({ status: 'ok' }),
  });

  app.route({
    method: 'GET',
    url: '/readyz',
    schema: {
      tags: ['operations'],
      summary: 'Readiness: the database answers and the server is not stopping',
      response: { 200: statusResponse },
    },
    config: { rateLimit: false },
    handler: async () => {
      if (!(await checkReadiness())) {
        throw createError({
          code: 'http.not_ready',
          status: 503,
          message: 'Writ is not ready to serve requests.',
        });
      }
      return { status: 'ready' };
    },
  });
}
