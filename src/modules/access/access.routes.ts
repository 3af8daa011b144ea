import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import { registerComplianceOfficerListRoute } from './access.compliance-officers.routes.js';
import type { AccessModuleDependencies } from './access.dependencies.js';
import { registerAccessReportRoutes } from './access.report.routes.js';
import { registerWallRoutes } from './access.walls.routes.js';

export function registerAccessRoutes(
  app: FastifyInstance,
  deps: AccessModuleDependencies,
  { auth }: { auth: RouteAuthentication },
): void {
  registerWallRoutes(app, deps, auth);
  registerComplianceOfficerListRoute(app, deps, auth);
  registerAccessReportRoutes(app, deps, auth);
}
