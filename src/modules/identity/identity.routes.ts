import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { registerAdminRoutes } from './identity.admin.routes.js';
import { registerAdminUnlockRoutes } from './identity.admin.unlock.routes.js';
import { registerApiTokenRoutes } from './identity.api-tokens.routes.js';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { registerDirectoryRoutes } from './identity.directory.routes.js';
import { registerGroupRoutes } from './identity.groups.routes.js';
import { registerInvitationRoutes } from './identity.invitations.routes.js';
import { registerMfaRoutes } from './identity.mfa.routes.js';
import { registerNotificationRoutes } from './identity.notifications.routes.js';
import { registerPasskeyRoutes } from './identity.passkeys.routes.js';
import { registerPasswordResetRoutes } from './identity.password-resets.routes.js';
import { completeSetupBody, completeSetupResponse, setupStatusResponse } from './identity.schemas.js';
import { registerSessionRoutes } from './identity.sessions.routes.js';
import { registerSshKeyRoutes } from './identity.ssh-keys.routes.js';
import { completeSetup, createSetupStatus } from './identity.usecases.js';

export function registerIdentityRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  { auth }: { auth: RouteAuthentication },
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  registerSessionRoutes(app, deps, auth);
  registerMfaRoutes(app, deps, auth);
  registerPasskeyRoutes(app, deps, auth);
  registerInvitationRoutes(app, deps, auth);
  registerAdminRoutes(app, deps, auth);
  registerAdminUnlockRoutes(app, deps, auth);
  registerPasswordResetRoutes(app, deps);
  registerApiTokenRoutes(app, deps, auth);
  registerNotificationRoutes(app, deps, auth);
  registerSshKeyRoutes(app, deps, auth);
  registerDirectoryRoutes(app, deps, auth);
  registerGroupRoutes(app, deps, auth);

  const setupStatus = createSetupStatus({ db: deps.db });
  typed.route({
    method: 'GET',
    url: '/api/setup',
    schema: {
      tags: ['setup'],
      summary: 'Whether the first administrator still has to be created',
      response: { 200: setupStatusResponse },
    },
    handler: async () => ({ isSetupRequired: await setupStatus.isSetupRequired() }),
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
