import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { AccessModuleDependencies } from './access.dependencies.js';

/** Access reports per matter, built from the ledger's events. */
export function registerAccessReportRoutes(
  _app: FastifyInstance,
  _deps: AccessModuleDependencies,
  _auth: RouteAuthentication,
): void {
  // Routes are added here.
}
