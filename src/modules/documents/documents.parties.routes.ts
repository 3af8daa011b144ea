import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';
import type { DocumentsDependencies } from './documents.dependencies.js';
import {
  addMatterParty,
  listMatterParties,
  type MatterParty,
  removeMatterParty,
} from './documents.parties.usecases.js';
import { idField, matterParams } from './documents.schemas.js';

const partyResponse = Type.Object({
  id: Type.String(),
  matterId: Type.String(),
  kind: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const presentParty = (party: MatterParty) => ({ ...party, createdAt: party.createdAt.toISOString() });

/** The client and other parties of a matter (names encrypted at rest). */
export function registerPartyRoutes(
  app: FastifyInstance,
  deps: DocumentsDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/matters/:matterId/parties',
    schema: {
      tags: ['matters'],
      summary: 'Record the client or another party of the matter (editors and owners)',
      params: matterParams,
      body: Type.Object(
        { kind: Type.String({ maxLength: 32 }), name: Type.String({ minLength: 1, maxLength: 1024 }) },
        { additionalProperties: false },
      ),
      response: { 201: partyResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const party = await addMatterParty({
        ...deps,
        principal: auth.principalOf(request),
        ...request.params,
        ...request.body,
      });
      return reply.status(201).send(presentParty(party));
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/matters/:matterId/parties',
    schema: {
      tags: ['matters'],
      summary: "The matter's client and other parties",
      params: matterParams,
      response: { 200: Type.Object({ parties: Type.Array(partyResponse) }) },
    },
    onRequest: auth.require({ apiTokenScope: 'matters:read' }),
    handler: async (request) => ({
      parties: (
        await listMatterParties({ ...deps, principal: auth.principalOf(request), ...request.params })
      ).map(presentParty),
    }),
  });

  typed.route({
    method: 'DELETE',
    url: '/api/matters/:matterId/parties/:partyId',
    schema: {
      tags: ['matters'],
      summary: 'Remove a party record (editors and owners)',
      params: Type.Object({ matterId: idField, partyId: idField }),
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await removeMatterParty({ ...deps, principal: auth.principalOf(request), ...request.params });
      return reply.status(204).send(null);
    },
  });
}
