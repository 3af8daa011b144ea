import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { AccessModuleDependencies } from './access.dependencies.js';
import {
  type AccessReport,
  type AccessReportRow,
  accessReportToCsv,
  buildAccessReport,
} from './access.report.usecases.js';

const idField = Type.String({ pattern: '^[a-z]{2,5}_[0-9a-z]{26}$', maxLength: 32 });
const reportParams = Type.Object({ matterId: idField });
const reportRowResponse = Type.Object({
  userId: Type.String(),
  role: Type.String(),
  from: Type.String({ format: 'date-time' }),
  /** Absent while the access is open. */
  to: Type.Optional(Type.String({ format: 'date-time' })),
  grantedBy: Type.Optional(Type.String()),
  how: Type.String(),
  endedBy: Type.Optional(Type.String()),
  endedByUserId: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  namedForHighlySensitive: Type.Boolean(),
});
const reportResponse = Type.Object({
  matterId: Type.String(),
  generatedAt: Type.String({ format: 'date-time' }),
  rows: Type.Array(reportRowResponse),
});

function presentRow(row: AccessReportRow) {
  return {
    userId: row.userId,
    role: row.role,
    from: row.from.toISOString(),
    ...(row.to === undefined ? {} : { to: row.to.toISOString() }),
    ...(row.grantedBy === undefined ? {} : { grantedBy: row.grantedBy }),
    how: row.how,
    ...(row.endedBy === undefined ? {} : { endedBy: row.endedBy }),
    ...(row.endedByUserId === undefined ? {} : { endedByUserId: row.endedByUserId }),
    ...(row.expiresAt === undefined ? {} : { expiresAt: row.expiresAt.toISOString() }),
    namedForHighlySensitive: row.isNamedForHighlySensitive,
  };
}

const presentReport = (report: AccessReport) => ({
  matterId: report.matterId,
  generatedAt: report.generatedAt.toISOString(),
  rows: report.rows.map(presentRow),
});

/** Access reports per matter, built from the ledger's events (owners and auditors). */
export function registerAccessReportRoutes(
  app: FastifyInstance,
  deps: AccessModuleDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/access-report',
    schema: {
      tags: ['access'],
      summary: 'Who had which access to the matter, from when to when (owners, auditors)',
      params: reportParams,
      response: { 200: reportResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const report = await buildAccessReport({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
      });
      return reply.header('cache-control', 'no-store').send(presentReport(report));
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/access-report.csv',
    schema: {
      tags: ['access'],
      summary: 'The access report as CSV (owners, auditors)',
      params: reportParams,
      response: { 200: Type.String() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const report = await buildAccessReport({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
      });
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="access-report-${report.matterId}.csv"`)
        .send(accessReportToCsv(report));
    },
  });
}
