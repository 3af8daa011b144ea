import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { sessionIdOf } from './identity.sessions.models.js';
import type { Principal } from './identity.models.js';
import { describeSession } from './identity.my-sessions.usecases.js';
import type { Passkey } from './identity.passkeys.models.js';
import {
  passkeyAssertionBody,
  passkeyCreationOptionsResponse,
  passkeyIdParams,
  passkeyListResponse,
  passkeyRequestOptionsResponse,
  registerPasskeyBody,
  registerPasskeyResponse,
  renamePasskeyBody,
  renamePasskeyResponse,
} from './identity.passkeys.schemas.js';
import {
  completePasskeyRegistration,
  confirmSessionWithPasskey,
  listPasskeys,
  removePasskey,
  renamePasskey,
  signInWithPasskey,
  startPasskeyAssertion,
  startPasskeyRegistration,
} from './identity.passkeys.usecases.js';
import { readDevice, setDeviceCookie, setSessionCookie } from './identity.sessions.cookies.js';
import { sessionResponse, stepUpResponse } from './identity.sessions.schemas.js';

/** Options carry a fresh challenge and responses may carry recovery codes: neither is cached anywhere. */
const noStore = 'no-store';

/** Unauthenticated ceremonies: each options call stores a challenge, so they are limited per client. */
const passkeySignInRateLimit = { max: 60, timeWindow: '1 minute' };

function toPasskeyResponse(passkey: Passkey) {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    deviceType: passkey.deviceType,
    isBackedUp: passkey.isBackedUp,
  };
}

/**
 * Passkeys (WebAuthn): registration, listing, renaming and removal; a passkey as the second factor of a
 * password sign-in and for step-up; passwordless sign-in with a discoverable credential.
 */
export function registerPasskeyRoutes(
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
    url: '/api/mfa/passkeys/registration-options',
    schema: {
      tags: ['mfa'],
      summary:
        'Options for navigator.credentials.create(): a new passkey (a second one needs a recent step-up)',
      response: { 200: passkeyCreationOptionsResponse },
    },
    onRequest: auth.require({ allowMissingEnrolment: true }),
    handler: async (request, reply) => {
      const { options } = await startPasskeyRegistration({ ...deps, principal: auth.principalOf(request) });
      return reply.header('cache-control', noStore).send({ options });
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/mfa/passkeys',
    schema: {
      tags: ['mfa'],
      summary: 'Register the passkey the authenticator created; a first factor also gets recovery codes',
      body: registerPasskeyBody,
      response: { 201: registerPasskeyResponse },
    },
    onRequest: auth.require({ allowMissingEnrolment: true }),
    handler: async (request, reply) => {
      const principal = auth.principalOf(request);
      const { passkey, recoveryCodes, rotation } = await completePasskeyRegistration({
        ...deps,
        principal,
        name: request.body.name,
        response: request.body.response,
      });
      if (rotation !== undefined) setSessionCookie(reply, rotation.token);
      const session = await describeCurrent(principal);
      return reply
        .status(201)
        .header('cache-control', noStore)
        .send({
          passkey: toPasskeyResponse(passkey),
          ...(recoveryCodes === undefined ? {} : { recoveryCodes }),
          session,
        });
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/mfa/passkeys',
    schema: { tags: ['mfa'], summary: 'My passkeys', response: { 200: passkeyListResponse } },
    onRequest: auth.require(),
    handler: async (request) => {
      const { passkeys } = await listPasskeys({ ...deps, principal: auth.principalOf(request) });
      return { passkeys: passkeys.map(toPasskeyResponse) };
    },
  });

  typed.route({
    method: 'PATCH',
    url: '/api/mfa/passkeys/:id',
    schema: {
      tags: ['mfa'],
      summary: 'Rename one of my passkeys',
      params: passkeyIdParams,
      body: renamePasskeyBody,
      response: { 200: renamePasskeyResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { passkey } = await renamePasskey({
        ...deps,
        principal: auth.principalOf(request),
        passkeyId: request.params.id,
        name: request.body.name,
      });
      return { passkey: toPasskeyResponse(passkey) };
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/mfa/passkeys/:id',
    schema: {
      tags: ['mfa'],
      summary: 'Remove one of my passkeys (needs a recent step-up)',
      params: passkeyIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await removePasskey({ ...deps, principal: auth.principalOf(request), passkeyId: request.params.id });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/session/passkey-options',
    schema: {
      tags: ['session'],
      summary: 'Options for navigator.credentials.get(): complete a password sign-in with a passkey',
      response: { 200: passkeyRequestOptionsResponse },
    },
    onRequest: auth.require({ allowPendingSecondFactor: true }),
    handler: async (request, reply) => {
      const { options } = await startPasskeyAssertion({
        ...deps,
        purpose: 'second_factor',
        principal: auth.principalOf(request),
      });
      return reply.header('cache-control', noStore).send({ options });
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/session/passkey',
    schema: {
      tags: ['session'],
      summary: 'Complete a password sign-in with a passkey; the session gets a new token',
      body: passkeyAssertionBody,
      response: { 200: sessionResponse },
    },
    onRequest: auth.require({ allowPendingSecondFactor: true }),
    handler: async (request, reply) => {
      const principal = auth.principalOf(request);
      const { rotation } = await confirmSessionWithPasskey({
        ...deps,
        principal,
        purpose: 'second_factor',
        response: request.body.response,
        clientAddress: request.ip,
      });
      if (rotation !== undefined) setSessionCookie(reply, rotation.token);
      return reply.send(await describeCurrent(principal));
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/session/step-up/passkey-options',
    schema: {
      tags: ['session'],
      summary: 'Options for navigator.credentials.get(): prove a passkey again before a sensitive act',
      response: { 200: passkeyRequestOptionsResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { options } = await startPasskeyAssertion({
        ...deps,
        purpose: 'step_up',
        principal: auth.principalOf(request),
      });
      return reply.header('cache-control', noStore).send({ options });
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/session/step-up/passkey',
    schema: {
      tags: ['session'],
      summary: 'Prove a passkey again before a sensitive act',
      body: passkeyAssertionBody,
      response: { 200: stepUpResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { secondFactorAt } = await confirmSessionWithPasskey({
        ...deps,
        principal: auth.principalOf(request),
        purpose: 'step_up',
        response: request.body.response,
        clientAddress: request.ip,
      });
      return { secondFactorAt: secondFactorAt.toISOString() };
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/passkey-sign-in/options',
    schema: {
      tags: ['session'],
      summary: 'Options for navigator.credentials.get(): sign in with a passkey, no username or password',
      response: { 200: passkeyRequestOptionsResponse },
    },
    config: { rateLimit: passkeySignInRateLimit },
    handler: async (_request, reply) => {
      const { options } = await startPasskeyAssertion({ ...deps, purpose: 'sign_in' });
      return reply.header('cache-control', noStore).send({ options });
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/passkey-sign-in',
    schema: {
      tags: ['session'],
      summary: 'Sign in with a passkey (user verification counts as both factors)',
      body: passkeyAssertionBody,
      response: { 200: sessionResponse },
    },
    config: { rateLimit: passkeySignInRateLimit },
    handler: async (request, reply) => {
      const { session, token, deviceToken } = await signInWithPasskey({
        ...deps,
        response: request.body.response,
        device: readDevice(request),
      });
      setSessionCookie(reply, token);
      setDeviceCookie(reply, deviceToken);
      return reply.send(await describeSession({ ...deps, userId: session.userId, sessionId: session.id }));
    },
  });
}
