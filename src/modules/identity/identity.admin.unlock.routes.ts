import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { accountUnlockedResponse, userIdParams } from './identity.admin.schemas.js';
import { unlockAccount } from './identity.admin.unlock.usecases.js';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';

/** `POST /api/admin/users/:id/unlock`: lift a sign-in lockout early (administrators, step-up). */
export function registerAdminUnlockRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'POST',
    url: '/api/admin/users/:id/unlock',
    schema: {
      tags: ['admin'],
      summary:
        "Lift the sign-in defence's block of a locked-out account before it ends (administrators, step-up)",
      params: userIdParams,
      response: { 200: accountUnlockedResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      unlockAccount({
        ...deps,
        settings: deps.settings,
        principal: auth.principalOf(request),
        userId: request.params.id,
      }),
  });
}
