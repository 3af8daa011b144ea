import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateApiToken } from '../../modules/identity/identity.api-tokens.usecases.js';
import type {
  AuthenticationRequirements,
  RouteAuthentication,
} from '../../modules/identity/identity.authentication.models.js';
import type { IdentityDependencies } from '../../modules/identity/identity.dependencies.js';
import {
  createApiTokenScopeError,
  createCsrfFailedError,
  createMfaEnrolmentRequiredError,
  createSecondFactorRequiredError,
  createUnauthenticatedError,
} from '../../modules/identity/identity.errors.js';
import type { Principal } from '../../modules/identity/identity.models.js';
import { clearSessionCookie, readSessionToken } from '../../modules/identity/identity.sessions.cookies.js';
import {
  authenticateSession,
  recordSessionActivity,
} from '../../modules/identity/identity.sessions.usecases.js';
import { constantTimeEqual } from '../../shared/compare/constant-time.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `auth.require()` on the routes that declare it; read it through `auth.principalOf(request)`. */
    principal: Principal | undefined;
  }
}

/** Methods that change state: with a session cookie they must carry the session's CSRF token. */
const stateChangingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const bearerPattern = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/**
 * The HTTP front door's authentication, as route data: `onRequest: auth.require()`. A caller presents a
 * bearer API token (`Authorization: Bearer …`) or the session cookie; the session must be live, a
 * cookie-authenticated POST, PUT, PATCH or DELETE must echo the session's CSRF token in `x-csrf-token`
 * (compared in constant time), a sign-in waiting for its second factor reaches only the routes that allow
 * it, and so does a user whose role requires MFA and who has not enrolled a factor. Every refusal happens
 * before the handler runs and changes nothing.
 */
export function createHttpAuthentication({
  identity,
}: {
  identity: Pick<IdentityDependencies, 'db' | 'clock' | 'settings'>;
}): RouteAuthentication & { register(app: FastifyInstance): void } {
  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    requirements: AuthenticationRequirements,
  ): Promise<Principal> {
    const { db, clock, settings } = identity;
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const token = bearerPattern.exec(authorization)?.[1];
      const principal = token === undefined ? undefined : await authenticateApiToken({ db, clock, token });
      if (principal === undefined) throw createUnauthenticatedError();
      const scope = requirements.apiTokenScope;
      if (scope === undefined || principal.scopes?.includes(scope) !== true) {
        throw createApiTokenScopeError({
          message:
            scope === undefined
              ? 'API tokens cannot be used here; sign in instead.'
              : `This API token lacks the ${scope} scope this request needs.`,
        });
      }
      return principal;
    }

    const token = readSessionToken(request);
    if (token === undefined) throw createUnauthenticatedError();
    const session = await authenticateSession({ db, clock, settings, token });
    if (session === undefined) {
      clearSessionCookie(reply);
      throw createUnauthenticatedError();
    }
    if (stateChangingMethods.has(request.method)) {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !constantTimeEqual(presented, session.csrfToken))
        throw createCsrfFailedError();
    }
    if (session.isSecondFactorRequired && requirements.allowPendingSecondFactor !== true)
      throw createSecondFactorRequiredError();
    if (session.isEnrolmentRequired && requirements.allowMissingEnrolment !== true)
      throw createMfaEnrolmentRequiredError();
    if (session.isActivityDue && session.principal.sessionId !== undefined)
      await recordSessionActivity({ db, clock, sessionId: session.principal.sessionId });
    return session.principal;
  }

  return {
    register(app) {
      app.decorateRequest('principal', undefined);
    },
    require(requirements = {}) {
      return async (request, reply) => {
        request.principal = await authenticate(request, reply, requirements);
      };
    },
    principalOf(request) {
      if (request.principal === undefined) throw createUnauthenticatedError();
      return request.principal;
    },
  };
}
