import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import { designateComplianceOfficer, revokeComplianceOfficer } from './access.compliance.usecases.js';
import type { AccessModuleDependencies } from './access.dependencies.js';
import type { Screen } from './access.models.js';
import {
  complianceOfficerParams,
  complianceOfficerResponse,
  screenListResponse,
  groupWallParams,
  screenBody,
  screenResponse,
  wallParams,
  wallsParams,
} from './access.schemas.js';
import {
  liftGroupScreen,
  liftScreen,
  listScreens,
  screenGroup,
  screenUser,
} from './access.walls.usecases.js';

const presentScreen = ({ userId, groupId, ...screen }: Screen) => ({
  ...screen,
  ...(userId === undefined ? {} : { userId }),
  ...(groupId === undefined ? {} : { groupId }),
  createdAt: screen.createdAt.toISOString(),
});

/** Ethical walls and compliance-officer designation. */
export function registerWallRoutes(
  app: FastifyInstance,
  deps: AccessModuleDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'PUT',
    url: '/api/admin/compliance-officers/:userId',
    schema: {
      tags: ['admin'],
      summary:
        'Designate an auditor as compliance officer, who may raise ethical walls (administrators, step-up)',
      params: complianceOfficerParams,
      response: { 200: complianceOfficerResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      designateComplianceOfficer({ ...deps, principal: auth.principalOf(request), ...request.params }),
  });

  typed.route({
    method: 'DELETE',
    url: '/api/admin/compliance-officers/:userId',
    schema: {
      tags: ['admin'],
      summary: "Withdraw an auditor's compliance-officer designation (administrators, step-up)",
      params: complianceOfficerParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await revokeComplianceOfficer({ ...deps, principal: auth.principalOf(request), ...request.params });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/walls',
    schema: {
      tags: ['walls'],
      summary:
        'Screen a user, or every member of a group, from the matter: the wall overrides every grant (compliance officers)',
      params: wallsParams,
      body: screenBody,
      response: { 201: screenResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { body } = request;
      const common = { ...deps, principal: auth.principalOf(request), matterId: request.params.matterId };
      const screen =
        'groupId' in body
          ? await screenGroup({ ...common, groupId: body.groupId })
          : await screenUser({ ...common, userId: body.userId });
      return reply.status(201).send(presentScreen(screen));
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/matters/:matterId/walls/groups/:groupId',
    schema: {
      tags: ['walls'],
      summary: 'Lift the wall screening a group from the matter (compliance officers)',
      params: groupWallParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await liftGroupScreen({ ...deps, principal: auth.principalOf(request), ...request.params });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/matters/:matterId/walls/:userId',
    schema: {
      tags: ['walls'],
      summary: 'Lift the wall screening a user from the matter (compliance officers)',
      params: wallParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await liftScreen({ ...deps, principal: auth.principalOf(request), ...request.params });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/walls',
    schema: {
      tags: ['walls'],
      summary: 'The walls standing on the matter (compliance officers)',
      params: wallsParams,
      response: { 200: screenListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => ({
      screens: (await listScreens({ ...deps, principal: auth.principalOf(request), ...request.params })).map(
        presentScreen,
      ),
    }),
  });
}
