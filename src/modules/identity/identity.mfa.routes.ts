import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { createSessionRequiredError } from './identity.errors.js';
import { describeSession } from './identity.my-sessions.usecases.js';
import { regenerateRecoveryCodes } from './identity.recovery-codes.usecases.js';
import { setSessionCookie } from './identity.sessions.cookies.js';
import {
  recoveryCodesResponse,
  totpConfirmBody,
  totpConfirmResponse,
  totpEnrolmentResponse,
} from './identity.sessions.schemas.js';
import { beginTotpEnrolment, confirmTotpEnrolment, removeTotp } from './identity.totp.usecases.js';

/** Authenticator-app enrolment and removal, and new recovery codes. */
export function registerMfaRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/mfa/totp',
    schema: {
      tags: ['mfa'],
      summary: 'Start setting up an authenticator app: its otpauth:// URI and QR code, shown once',
      response: { 201: totpEnrolmentResponse },
    },
    onRequest: auth.require({ allowMissingEnrolment: true }),
    handler: async (request, reply) => {
      const enrolment = await beginTotpEnrolment({ ...deps, principal: auth.principalOf(request) });
      return reply.status(201).header('cache-control', 'no-store').send(enrolment);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/mfa/totp/confirm',
    schema: {
      tags: ['mfa'],
      summary: 'Confirm the authenticator app with a code from it; a first factor also gets recovery codes',
      body: totpConfirmBody,
      response: { 200: totpConfirmResponse },
    },
    onRequest: auth.require({ allowMissingEnrolment: true }),
    handler: async (request, reply) => {
      const principal = auth.principalOf(request);
      if (principal.sessionId === undefined) throw createSessionRequiredError();
      const { recoveryCodes, rotation } = await confirmTotpEnrolment({
        ...deps,
        principal,
        code: request.body.code,
        clientAddress: request.ip,
      });
      if (rotation !== undefined) setSessionCookie(reply, rotation.token);
      const session = await describeSession({
        ...deps,
        userId: principal.userId,
        sessionId: principal.sessionId,
      });
      return reply
        .header('cache-control', 'no-store')
        .send(recoveryCodes === undefined ? { session } : { recoveryCodes, session });
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/mfa/totp',
    schema: {
      tags: ['mfa'],
      summary: 'Remove the authenticator app (needs a recent step-up)',
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await removeTotp({ ...deps, principal: auth.principalOf(request) });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/mfa/recovery-codes',
    schema: {
      tags: ['mfa'],
      summary: 'Replace my recovery codes with ten new ones, shown once (needs a recent step-up)',
      response: { 201: recoveryCodesResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { recoveryCodes } = await regenerateRecoveryCodes({
        ...deps,
        principal: auth.principalOf(request),
      });
      return reply.status(201).header('cache-control', 'no-store').send({ recoveryCodes });
    },
  });
}
