import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import type { Group } from './identity.groups.models.js';
import {
  groupIdParams,
  groupListResponse,
  groupMemberParams,
  groupMemberResponse,
  groupNameBody,
  groupNamesResponse,
  groupRenamedResponse,
  groupResponse,
} from './identity.groups.schemas.js';
import {
  addGroupMember,
  createGroup,
  deleteGroup,
  listGroupNames,
  listGroups,
  removeGroupMember,
  renameGroup,
} from './identity.groups.usecases.js';

const presentGroup = (group: Group) => ({ ...group, createdAt: group.createdAt.toISOString() });

/**
 * Groups of users, kept by administrators (403 `identity.admin_required` for anyone else, before anything is
 * loaded); compliance officers screen them from matters (access.walls.routes.ts).
 */
export function registerGroupRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/api/admin/groups',
    schema: {
      tags: ['admin'],
      summary: 'Every group of users with its members (administrators)',
      response: { 200: groupListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { groups } = await listGroups({ ...deps, principal: auth.principalOf(request) });
      return { groups: groups.map(presentGroup) };
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/admin/groups',
    schema: {
      tags: ['admin'],
      summary: 'Create a group of users; names are unique (administrators)',
      body: groupNameBody,
      response: { 201: groupResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const group = await createGroup({ ...deps, principal: auth.principalOf(request), ...request.body });
      return reply.status(201).send(presentGroup(group));
    },
  });

  typed.route({
    method: 'PATCH',
    url: '/api/admin/groups/:id',
    schema: {
      tags: ['admin'],
      summary: 'Rename a group (administrators)',
      params: groupIdParams,
      body: groupNameBody,
      response: { 200: groupRenamedResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      renameGroup({
        ...deps,
        principal: auth.principalOf(request),
        groupId: request.params.id,
        name: request.body.name,
      }),
  });

  typed.route({
    method: 'DELETE',
    url: '/api/admin/groups/:id',
    schema: {
      tags: ['admin'],
      summary: 'Delete a group that no ethical wall screens (administrators)',
      params: groupIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await deleteGroup({ ...deps, principal: auth.principalOf(request), groupId: request.params.id });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'PUT',
    url: '/api/admin/groups/:id/members/:userId',
    schema: {
      tags: ['admin'],
      summary: "Add a user to a group: the group's walls screen them from then on (administrators)",
      params: groupMemberParams,
      response: { 200: groupMemberResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      addGroupMember({
        ...deps,
        principal: auth.principalOf(request),
        groupId: request.params.id,
        userId: request.params.userId,
      }),
  });

  typed.route({
    method: 'DELETE',
    url: '/api/admin/groups/:id/members/:userId',
    schema: {
      tags: ['admin'],
      summary: 'Remove a user from a group (administrators)',
      params: groupMemberParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await removeGroupMember({
        ...deps,
        principal: auth.principalOf(request),
        groupId: request.params.id,
        userId: request.params.userId,
      });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/directory/groups',
    schema: {
      tags: ['directory'],
      summary: 'Ids and names of the groups of users, for screening one from a matter (firm staff)',
      response: { 200: groupNamesResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      listGroupNames({ db: deps.db, policy: deps.policy, principal: auth.principalOf(request) }),
  });
}
