import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import {
  createMatter,
  getMatter,
  listMatterMembers,
  listMatters,
  removeMatterMember,
  rotateMatterKeys,
  setMatterMember,
  setMatterStatus,
} from './documents.matters.usecases.js';
import { presentMatter, presentMember } from './documents.presenters.js';
import {
  createMatterBody,
  matterListResponse,
  matterParams,
  matterResponse,
  memberListResponse,
  memberParams,
  memberResponse,
  rotationResponse,
  setMatterStatusBody,
  setMemberBody,
} from './documents.schemas.js';

export function registerMatterRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/matters',
    schema: {
      tags: ['matters'],
      summary: 'Open a matter (lawyers); the caller becomes its owner',
      body: createMatterBody,
      response: { 201: matterResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const matter = await createMatter({
        ...deps,
        principal: auth.principalOf(request),
        name: request.body.name,
      });
      return reply.status(201).send(presentMatter(matter));
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/matters',
    schema: {
      tags: ['matters'],
      summary: 'The matters I am a member of',
      response: { 200: matterListResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'matters:read' }),
    handler: async (request) => ({
      matters: (await listMatters({ ...deps, principal: auth.principalOf(request) })).map(presentMatter),
    }),
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId',
    schema: {
      tags: ['matters'],
      summary: 'One matter',
      params: matterParams,
      response: { 200: matterResponse },
    },
    onRequest: auth.require({ apiTokenScope: 'matters:read' }),
    handler: async (request) =>
      presentMatter(await getMatter({ ...deps, principal: auth.principalOf(request), ...request.params })),
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/members',
    schema: {
      tags: ['matters'],
      summary: "The matter's members and their roles",
      params: matterParams,
      response: { 200: memberListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => ({
      members: (
        await listMatterMembers({ ...deps, principal: auth.principalOf(request), ...request.params })
      ).map(presentMember),
    }),
  });

  typed.route({
    method: 'PUT',
    url: '/api/matters/:matterId/members/:userId',
    schema: {
      tags: ['matters'],
      summary: 'Grant a user a role in the matter, optionally until a date (owners)',
      params: memberParams,
      body: setMemberBody,
      response: { 200: memberResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { expiresAt } = request.body;
      const member = await setMatterMember({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
        role: request.body.role,
        expiresAt: expiresAt === undefined ? undefined : new Date(expiresAt),
        isNamedForHighlySensitive: request.body.namedForHighlySensitive,
      });
      return presentMember(member);
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/matters/:matterId/members/:userId',
    schema: {
      tags: ['matters'],
      summary: "Remove a user's access to the matter (owners)",
      params: memberParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await removeMatterMember({ ...deps, principal: auth.principalOf(request), ...request.params });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'PUT',
    url: '/api/matters/:matterId/status',
    schema: {
      tags: ['matters'],
      summary: 'Close (read-only), archive or reopen a matter (owners)',
      params: matterParams,
      body: setMatterStatusBody,
      response: { 200: matterResponse },
    },
    onRequest: auth.require(),
    handler: async (request) =>
      presentMatter(
        await setMatterStatus({
          ...deps,
          principal: auth.principalOf(request),
          ...request.params,
          status: request.body.status,
        }),
      ),
  });

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/keys/rotate',
    schema: {
      tags: ['matters'],
      summary: "Move the matter's data keys under a fresh matter key (owners)",
      params: matterParams,
      response: { 200: rotationResponse },
    },
    onRequest: auth.require(),
    handler: async (request) =>
      rotateMatterKeys({ ...deps, principal: auth.principalOf(request), ...request.params }),
  });
}
