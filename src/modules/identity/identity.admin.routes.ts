import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  passwordResetIssuedResponse,
  revokedSessionsResponse,
  userIdParams,
  userListQuery,
  userListResponse,
  userStatusResponse,
} from './identity.admin.schemas.js';
import { listUsers, revokeUserSessions, setUserStatus } from './identity.admin.usecases.js';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import { issuePasswordReset } from './identity.password-resets.usecases.js';

/**
 * Account management for administrators. Every use-case refuses a non-administrator with 403
 * `identity.admin_required` before it loads anything, so the answer is the same for every id and reveals
 * none; an administrator naming a missing account gets 404 `identity.user_not_found`.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/api/admin/users',
    schema: {
      tags: ['admin'],
      summary: 'Accounts with role, status, MFA enrolment and lockout, by username, a page at a time',
      querystring: userListQuery,
      response: { 200: userListResponse },
    },
    onRequest: auth.require(),
    handler: async (request) => {
      const { users, nextAfter } = await listUsers({
        ...deps,
        principal: auth.principalOf(request),
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
        afterUsername: request.query.after,
      });
      return {
        users: users.map(({ lockedUntil, lastSignInAt, ...user }) => ({
          ...user,
          createdAt: user.createdAt.toISOString(),
          ...(lockedUntil === undefined ? {} : { lockedUntil: lockedUntil.toISOString() }),
          ...(lastSignInAt === undefined ? {} : { lastSignInAt: lastSignInAt.toISOString() }),
        })),
        ...(nextAfter === undefined ? {} : { nextAfter }),
      };
    },
  });

  for (const [action, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    typed.route({
      method: 'POST',
      url: `/api/admin/users/:id/${action}`,
      schema: {
        tags: ['admin'],
        summary:
          status === 'disabled'
            ? 'Disable an account: it cannot sign in, its sessions end and its API tokens are revoked'
            : 'Enable a disabled account again (its old sessions and tokens stay ended)',
        params: userIdParams,
        response: { 200: userStatusResponse },
      },
      onRequest: auth.require(),
      handler: (request) =>
        setUserStatus({ ...deps, principal: auth.principalOf(request), userId: request.params.id, status }),
    });
  }

  typed.route({
    method: 'POST',
    url: '/api/admin/users/:id/sessions/revoke',
    schema: {
      tags: ['admin'],
      summary: 'End every session of an account and revoke its API tokens and SSH keys (administrators)',
      params: userIdParams,
      response: { 200: revokedSessionsResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      revokeUserSessions({ ...deps, principal: auth.principalOf(request), userId: request.params.id }),
  });

  typed.route({
    method: 'POST',
    url: '/api/admin/users/:id/password-reset',
    schema: {
      tags: ['admin'],
      summary: 'Issue a single-use, expiring password-reset link for an account, shown once (step-up)',
      params: userIdParams,
      response: { 201: passwordResetIssuedResponse },
    },
    onRequest: auth.require(),
    handler: async (request, reply) => {
      const { resetId, link, expiresAt } = await issuePasswordReset({
        ...deps,
        settings: deps.settings,
        principal: auth.principalOf(request),
        userId: request.params.id,
      });
      return reply
        .status(201)
        .header('cache-control', 'no-store')
        .send({ resetId, link, expiresAt: expiresAt.toISOString() });
    },
  });
}
