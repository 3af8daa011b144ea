import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { ApiTokenScope } from './identity.api-tokens.models.js';
import type { Principal } from './identity.models.js';

/**
 * What a route lets through besides a fully signed-in caller. Both default to false: a route must say so
 * to be reachable half-way through sign-in.
 */
export type AuthenticationRequirements = {
  /** A session whose sign-in still waits for its second factor (the second-factor route, sign-out). */
  allowPendingSecondFactor?: boolean;
  /** A user whose role requires MFA and who has not enrolled a factor yet (enrolment routes, sign-out). */
  allowMissingEnrolment?: boolean;
  /**
   * The scope an API token needs on this route. Without it the route refuses API tokens: a script reaches
   * only what a route opened to it, never account, token or administration acts.
   */
  apiTokenScope?: ApiTokenScope;
};

/**
 * The HTTP front door's authentication, handed to every module's routes by the runtime
 * (src/runtime/http/authentication.ts): `onRequest: auth.require()` on the route, then
 * `auth.principalOf(request)` in its handler.
 */
export type RouteAuthentication = {
  require(requirements?: AuthenticationRequirements): onRequestAsyncHookHandler;
  /** The caller `require` authenticated; throws `identity.unauthenticated` on a route without it. */
  principalOf(request: FastifyRequest): Principal;
};
