import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import {
  approveAccessRequest,
  denyAccessRequest,
  listAccessRequestsAwaitingMe,
  listMatterAccessRequests,
  listMyAccessRequests,
  submitAccessRequest,
  withdrawAccessRequest,
} from './documents.access-requests.usecases.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import {
  accessRequestDecisionResponse,
  accessRequestParams,
  accessRequestSubmittedResponse,
  approveAccessRequestBody,
  awaitingAccessRequestListResponse,
  matterParams,
  myAccessRequestListResponse,
  pendingAccessRequestListResponse,
  submitAccessRequestBody,
} from './documents.schemas.js';

const iso = (date: Date) => date.toISOString();
const optionalIso = (key: string, date: Date | undefined) => (date === undefined ? {} : { [key]: iso(date) });

/** Access requests: a colleague asks for a role in a matter, an owner approves or denies. */
export function registerAccessRequestRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/access-requests',
    schema: {
      tags: ['access requests'],
      summary:
        'Ask for viewer or editor access to a matter, with a reason; the answer is the same whether or not the matter exists. At most 5 requests waiting and 20 a day per person (429 documents.too_many_access_requests)',
      params: matterParams,
      body: submitAccessRequestBody,
      response: { 202: accessRequestSubmittedResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const answer = await submitAccessRequest({
        ...deps,
        principal: auth.principalOf(request),
        matterId: request.params.matterId,
        ...request.body,
      });
      return reply.status(202).send(answer);
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/access-requests',
    schema: {
      tags: ['access requests'],
      summary: "The matter's pending access requests, with their reasons (owners)",
      params: matterParams,
      response: { 200: pendingAccessRequestListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => ({
      requests: (
        await listMatterAccessRequests({ ...deps, principal: auth.principalOf(request), ...request.params })
      ).map((r) => ({ ...r, createdAt: iso(r.createdAt) })),
    }),
  });

  typed.route({
    method: 'GET',
    url: '/api/access-requests/awaiting-me',
    schema: {
      tags: ['access requests'],
      summary: 'The pending access requests on every matter I own, oldest first, with their reasons',
      response: { 200: awaitingAccessRequestListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => ({
      requests: (await listAccessRequestsAwaitingMe({ ...deps, principal: auth.principalOf(request) })).map(
        (r) => ({ ...r, createdAt: iso(r.createdAt) }),
      ),
    }),
  });

  typed.route({
    method: 'GET',
    url: '/api/access-requests',
    schema: {
      tags: ['access requests'],
      summary: 'My access requests and their status',
      response: { 200: myAccessRequestListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => ({
      requests: (await listMyAccessRequests({ ...deps, principal: auth.principalOf(request) })).map((r) => ({
        id: r.id,
        matterId: r.matterId,
        role: r.role,
        status: r.status,
        createdAt: iso(r.createdAt),
        ...optionalIso('decidedAt', r.decidedAt),
        ...optionalIso('expiresAt', r.expiresAt),
        ...(r.matterName === undefined ? {} : { matterName: r.matterName }),
      })),
    }),
  });

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/access-requests/:requestId/approve',
    schema: {
      tags: ['access requests'],
      summary: 'Approve a pending access request, optionally until a date (owners)',
      params: accessRequestParams,
      body: approveAccessRequestBody,
      response: { 200: accessRequestDecisionResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { expiresAt } = request.body;
      const decided = await approveAccessRequest({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
        expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
      });
      return { id: decided.id, status: decided.status, ...optionalIso('expiresAt', decided.expiresAt) };
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/access-requests/:requestId/deny',
    schema: {
      tags: ['access requests'],
      summary: 'Deny a pending access request (owners)',
      params: accessRequestParams,
      response: { 200: accessRequestDecisionResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      denyAccessRequest({ ...deps, principal: auth.principalOf(request), ...request.params }),
  });

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/access-requests/:requestId/withdraw',
    schema: {
      tags: ['access requests'],
      summary: 'Withdraw my own pending access request',
      params: accessRequestParams,
      response: { 200: accessRequestDecisionResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      withdrawAccessRequest({ ...deps, principal: auth.principalOf(request), ...request.params }),
  });
}
