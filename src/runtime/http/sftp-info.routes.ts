import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../../modules/identity/identity.authentication.models.js';
import { createError } from '../../shared/errors/errors.js';

export type SftpInfo = { port: number; hostKeyFingerprint: string };

const sftpInfoResponse = Type.Object({
  port: Type.Integer(),
  /** `SHA256:…`, as OpenSSH prints it when it first meets the server: compare before answering yes. */
  hostKeyFingerprint: Type.String(),
});

/**
 * `GET /api/sftp`: where the SFTP front door listens and its host key's fingerprint, so that people can
 * check the fingerprint OpenSSH shows them on first connection against one they read over HTTPS.
 * The SFTP server starts after HTTPS, so its details are read when asked.
 */
export function registerSftpInfoRoute(
  app: FastifyInstance,
  { getSftpInfo }: { getSftpInfo: () => SftpInfo | undefined },
  { auth }: { auth: RouteAuthentication },
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'GET',
    url: '/api/sftp',
    schema: {
      tags: ['sftp'],
      summary: "The SFTP server's port and host key fingerprint (signed-in users)",
      response: { 200: sftpInfoResponse },
    },
    onRequest: auth.require(),
    handler: () => {
      const info = getSftpInfo();
      if (info === undefined) {
        throw createError({
          code: 'http.sftp_unavailable',
          status: 503,
          message: 'The SFTP server is not running on this installation.',
        });
      }
      return info;
    },
  });
}
