import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from '../identity/identity.authentication.models.js';

const verifierKeyResponse = Type.Object({
  /** `<name>+<hex key ID>+<base64>` (c2sp.org/signed-note): what `writ ledger verify --key` and `prove --key` take. */
  verifierKey: Type.String(),
});

/**
 * `GET /api/ledger/verifier-key`: the log's public key, so that people can check checkpoints and receipts
 * offline. Public information (`writ ledger key` prints the same); served to signed-in users, who are told
 * to compare it with the key the firm publishes elsewhere, since a key read from the log itself proves
 * nothing against the log's operator.
 */
export function registerLedgerVerifierKeyRoute(
  app: FastifyInstance,
  { verifierKey }: { verifierKey: string },
  { auth }: { auth: RouteAuthentication },
): void {
  app.withTypeProvider<TypeBoxTypeProvider>().route({
    method: 'GET',
    url: '/api/ledger/verifier-key',
    schema: {
      tags: ['ledger'],
      summary: "The log's verifier key, for `writ ledger verify` and `writ ledger prove` (signed-in users)",
      response: { 200: verifierKeyResponse },
    },
    onRequest: auth.require(),
    handler: () => ({ verifierKey }),
  });
}
