import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { IdentityDependencies } from './identity.dependencies.js';
import { resetPasswordWithRecoveryCode } from './identity.password-resets.recovery-code.usecases.js';
import {
  completePasswordResetBody,
  passwordResetResponse,
  recoveryCodeResetBody,
} from './identity.password-resets.schemas.js';
import { completePasswordReset } from './identity.password-resets.usecases.js';

/**
 * Setting a password without knowing the old one: with an administrator's reset link, or with a recovery
 * code. Both are unauthenticated POSTs; both end every session of the account.
 */
export function registerPasswordResetRoutes(app: FastifyInstance, deps: IdentityDependencies): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/password-resets/complete',
    schema: {
      tags: ['password-resets'],
      summary: "Set a new password with an administrator's single-use reset link",
      body: completePasswordResetBody,
      response: { 200: passwordResetResponse },
    },
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    handler: async (request) => {
      await completePasswordReset({ ...deps, ...request.body });
      return { isPasswordChanged: true as const };
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/password-resets/recovery',
    schema: {
      tags: ['password-resets'],
      summary: 'Set a new password with a recovery code (the code is used up; attempts are throttled)',
      body: recoveryCodeResetBody,
      response: { 200: passwordResetResponse },
    },
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    handler: async (request) => {
      await resetPasswordWithRecoveryCode({ ...deps, ...request.body, clientAddress: request.ip });
      return { isPasswordChanged: true as const };
    },
  });
}
