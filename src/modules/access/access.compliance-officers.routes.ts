import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { AccessModuleDependencies } from './access.dependencies.js';
import { listComplianceOfficers } from './access.compliance-officers.usecases.js';

const complianceOfficerListResponse = Type.Object({
  officers: Type.Array(
    Type.Object({
      userId: Type.String(),
      designatedBy: Type.String(),
      designatedAt: Type.String({ format: 'date-time' }),
    }),
  ),
});

/** `GET /api/admin/compliance-officers`: the current designations (administrators). */
export function registerComplianceOfficerListRoute(
  app: FastifyInstance,
  deps: AccessModuleDependencies,
  auth: RouteAuthentication,
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'GET',
    url: '/api/admin/compliance-officers',
    schema: {
      tags: ['admin'],
      summary: 'The auditors designated compliance officer, and by whom and when (administrators)',
      response: { 200: complianceOfficerListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const officers = await listComplianceOfficers({
        db: deps.db,
        policy: deps.policy,
        principal: auth.principalOf(request),
      });
      return {
        officers: officers.map((officer) => ({
          ...officer,
          designatedAt: officer.designatedAt.toISOString(),
        })),
      };
    },
  });
}
