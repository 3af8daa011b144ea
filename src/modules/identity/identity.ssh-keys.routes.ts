import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import type { SshKey } from './identity.ssh-keys.models.js';
import {
  addSshKeyBody,
  addSshKeyResponse,
  sshKeyIdParams,
  sshKeyListResponse,
} from './identity.ssh-keys.schemas.js';
import { addSshKey, listSshKeys, removeSshKey } from './identity.ssh-keys.usecases.js';

function toSshKeyResponse(sshKey: SshKey) {
  return {
    id: sshKey.id,
    name: sshKey.name,
    algorithm: sshKey.algorithm,
    fingerprint: sshKey.fingerprint,
    publicKey: sshKey.publicKey,
    createdAt: sshKey.createdAt.toISOString(),
    ...(sshKey.lastUsedAt === undefined ? {} : { lastUsedAt: sshKey.lastUsedAt.toISOString() }),
  };
}

/** A user's SSH public keys for SFTP sign-in, managed from a signed-in session. */
export function registerSshKeyRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'POST',
    url: '/api/ssh-keys',
    schema: {
      tags: ['ssh-keys'],
      summary: 'Register an OpenSSH public key for SFTP sign-in',
      body: addSshKeyBody,
      response: { 201: addSshKeyResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { sshKey } = await addSshKey({ ...deps, principal: auth.principalOf(request), ...request.body });
      return reply.status(201).send({ sshKey: toSshKeyResponse(sshKey) });
    },
  });

  typed.route({
    method: 'GET',
    url: '/api/ssh-keys',
    schema: {
      tags: ['ssh-keys'],
      summary: 'My SSH public keys, newest first',
      response: { 200: sshKeyListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { sshKeys } = await listSshKeys({ ...deps, principal: auth.principalOf(request) });
      return { sshKeys: sshKeys.map(toSshKeyResponse) };
    },
  });

  typed.route({
    method: 'DELETE',
    url: '/api/ssh-keys/:id',
    schema: {
      tags: ['ssh-keys'],
      summary: 'Remove one of my SSH public keys',
      params: sshKeyIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      await removeSshKey({ ...deps, principal: auth.principalOf(request), keyId: request.params.id });
      return reply.status(204).send(null);
    },
  });
}
