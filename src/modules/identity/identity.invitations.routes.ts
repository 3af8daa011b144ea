import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import type { Invitation } from './identity.invitations.models.js';
import {
  acceptInvitationBody,
  acceptInvitationResponse,
  createInvitationBody,
  createInvitationResponse,
  invitationIdParams,
  invitationListResponse,
} from './identity.invitations.schemas.js';
import {
  acceptInvitation,
  createInvitation,
  listInvitations,
  revokeInvitation,
} from './identity.invitations.usecases.js';

function toInvitationResponse(invitation: Invitation) {
  return {
    ...invitation,
    createdAt: invitation.createdAt.toISOString(),
    expiresAt: invitation.expiresAt.toISOString(),
  };
}

/**
 * Invitations: administrators create, list and withdraw them; the invitee's page accepts one with a POST.
 * @NOTE No GET ever consumes a token: mail scanners and link previews fetch links before people do.
 */
export function registerInvitationRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/admin/invitations',
    schema: {
      tags: ['admin'],
      summary: 'Invite someone to a role: a single-use, expiring link, shown once (administrators, step-up)',
      body: createInvitationBody,
      response: { 201: createInvitationResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { invitation, link } = await createInvitation({
        ...deps,
        principal: auth.principalOf(request),
        role: request.body.role,
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ invitation: toInvitationResponse(invitation), link });
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/admin/invitations',
    schema: {
      tags: ['admin'],
      summary: 'The most recent invitations and their status (administrators)',
      response: { 200: invitationListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { invitations } = await listInvitations({ ...deps, principal: auth.principalOf(request) });
      return { invitations: invitations.map(toInvitationResponse) };
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/admin/invitations/:id',
    schema: {
      tags: ['admin'],
      summary: 'Withdraw an open invitation; its link stops working (administrators)',
      params: invitationIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await revokeInvitation({
        ...deps,
        principal: auth.principalOf(request),
        invitationId: request.params.id,
      });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/invitations/accept',
    schema: {
      tags: ['invitations'],
      summary: 'Accept an invitation: create the account with the invited role; then sign in and enrol MFA',
      body: acceptInvitationBody,
      response: { 201: acceptInvitationResponse },
    },
    config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
    handler: async (request, reply) => {
      const { user } = await acceptInvitation({ ...deps, ...request.body });
      return reply.status(201).send({ user: { ...user, createdAt: user.createdAt.toISOString() } });
    },
  });
}
