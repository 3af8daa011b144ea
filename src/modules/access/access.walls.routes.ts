import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { AccessModuleDependencies } from './access.dependencies.js';

/** Ethical walls and compliance-officer designation. */
export function registerWallRoutes(
  _app: FastifyInstance,
  _deps: AccessModuleDependencies,
  _auth: RouteAuthentication,
): void {
  // Routes are added here.
}
