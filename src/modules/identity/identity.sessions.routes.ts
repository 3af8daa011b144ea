import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { sessionIdOf } from './identity.sessions.models.js';
import type { Principal } from './identity.models.js';
import {
  describeSession,
  listMySessions,
  revokeMySession,
  signOut,
} from './identity.my-sessions.usecases.js';
import { changePassword } from './identity.password-change.usecases.js';
import { verifySecondFactor } from './identity.second-factor.usecases.js';
import {
  clearSessionCookie,
  readDevice,
  setDeviceCookie,
  setSessionCookie,
} from './identity.sessions.cookies.js';
import {
  changePasswordBody,
  changePasswordResponse,
  secondFactorBody,
  sessionIdParams,
  sessionListResponse,
  sessionResponse,
  signInBody,
  stepUpResponse,
} from './identity.sessions.schemas.js';
import { signInWithPassword } from './identity.sign-in.usecases.js';

/** Sign-in, the current session, the user's sessions, second factor and step-up, and password change. */
export function registerSessionRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const describeCurrent = (principal: Principal) =>
    describeSession({
      db: deps.db,
      settings: deps.settings,
      userId: principal.userId,
      sessionId: sessionIdOf(principal),
    });

  typed.route({
    method: 'POST',
    url: '/api/session',
    schema: {
      tags: ['session'],
      summary: 'Sign in with a username and password; the answer says whether a second factor is needed',
      body: signInBody,
      response: { 200: sessionResponse },
    },
    handler: async (request, reply) => {
      const { token, deviceToken, description } = await signInWithPassword({
        ...deps,
        ...request.body,
        device: readDevice(request),
      });
      setSessionCookie(reply, token);
      setDeviceCookie(reply, deviceToken);
      return reply.send(description);
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/session',
    schema: {
      tags: ['session'],
      summary: 'The current session: its user, what sign-in still needs, and its CSRF token',
      response: { 200: sessionResponse },
    },
    onRequest: auth.require({ allowPendingSecondFactor: true, allowMissingEnrolment: true }),
    handler: (request) => describeCurrent(auth.principalOf(request)),
  });

  typed.route({
    method: 'DELETE',
    url: '/api/session',
    schema: { tags: ['session'], summary: 'Sign out', response: { 204: Type.Null() } },
    onRequest: auth.require({ allowPendingSecondFactor: true, allowMissingEnrolment: true }),
    handler: async (request, reply) => {
      await signOut({ ...deps, principal: auth.principalOf(request) });
      clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/session/second-factor',
    schema: {
      tags: ['session'],
      summary: 'Complete sign-in with a TOTP code or a recovery code; the session gets a new token',
      body: secondFactorBody,
      response: { 200: sessionResponse },
    },
    onRequest: auth.require({ allowPendingSecondFactor: true }),
    handler: async (request, reply) => {
      const principal = auth.principalOf(request);
      const { rotation } = await verifySecondFactor({
        ...deps,
        ...request.body,
        principal,
        purpose: 'sign_in',
        clientAddress: request.ip,
      });
      if (rotation !== undefined) setSessionCookie(reply, rotation.token);
      return reply.send(await describeCurrent(principal));
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/session/step-up',
    schema: {
      tags: ['session'],
      summary: 'Prove a second factor again before a sensitive act',
      body: secondFactorBody,
      response: { 200: stepUpResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { secondFactorAt } = await verifySecondFactor({
        ...deps,
        ...request.body,
        principal: auth.principalOf(request),
        purpose: 'step_up',
        clientAddress: request.ip,
      });
      return { secondFactorAt: secondFactorAt.toISOString() };
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/sessions',
    schema: { tags: ['session'], summary: 'My signed-in sessions', response: { 200: sessionListResponse } },
    onRequest: auth.require(),
    handler: async (request) => {
      const { sessions } = await listMySessions({ ...deps, principal: auth.principalOf(request) });
      return {
        sessions: sessions.map((session) => ({
          id: session.id,
          deviceLabel: session.deviceLabel,
          createdAt: session.createdAt.toISOString(),
          lastSeenAt: session.lastSeenAt.toISOString(),
          expiresAt: session.expiresAt.toISOString(),
          isCurrent: session.isCurrent,
        })),
      };
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/sessions/:id',
    schema: {
      tags: ['session'],
      summary: 'End one of my sessions',
      params: sessionIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { isCurrent } = await revokeMySession({
        ...deps,
        principal: auth.principalOf(request),
        sessionId: request.params.id,
      });
      if (isCurrent) clearSessionCookie(reply);
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/password',
    schema: {
      tags: ['session'],
      summary:
        'Change my password; my other sessions end, my API tokens are revoked and this session gets a new token',
      body: changePasswordBody,
      response: { 200: changePasswordResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { token, csrfToken, revokedSessionCount, revokedApiTokenCount } = await changePassword({
        ...deps,
        ...request.body,
        principal: auth.principalOf(request),
        clientAddress: request.ip,
      });
      setSessionCookie(reply, token);
      return reply.send({ csrfToken, revokedSessionCount, revokedApiTokenCount });
    },
  });
}
