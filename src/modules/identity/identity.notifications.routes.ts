import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { RouteAuthentication } from './identity.authentication.models.js';
import type { IdentityDependencies } from './identity.dependencies.js';
import {
  notificationIdParams,
  notificationListQuery,
  notificationListResponse,
  setEmailBody,
  setEmailResponse,
} from './identity.notifications.schemas.js';
import { listMyNotifications, markNotificationRead, setMyEmail } from './identity.notifications.usecases.js';

/** The caller's own notifications and the address they are mailed to. */
export function registerNotificationRoutes(
  app: FastifyInstance,
  deps: IdentityDependencies,
  auth: RouteAuthentication,
): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.route({
    method: 'GET',
    url: '/api/notifications',
    schema: {
      tags: ['notifications'],
      summary: 'My notifications, newest first, a page at a time',
      querystring: notificationListQuery,
      response: { 200: notificationListResponse },
    },
    // Lockout and new-device notices matter most before MFA is set up.
    onRequest: auth.require({ allowMissingEnrolment: true }),
    handler: async (request) => {
      const { notifications, unreadCount, nextBefore } = await listMyNotifications({
        ...deps,
        principal: auth.principalOf(request),
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
        before: request.query.before,
      });
      return {
        notifications: notifications.map((notification) => ({
          ...notification,
          createdAt: notification.createdAt.toISOString(),
          readAt: notification.readAt?.toISOString(),
        })),
        unreadCount,
        ...(nextBefore === undefined ? {} : { nextBefore }),
      };
    },
  });

  typed.route({
    method: 'POST',
    url: '/api/notifications/:id/read',
    schema: {
      tags: ['notifications'],
      summary: 'Mark one of my notifications read',
      params: notificationIdParams,
      response: { 204: Type.Null() },
    },
    onRequest: auth.require({ allowMissingEnrolment: true }),
    handler: async (request, reply) => {
      await markNotificationRead({
        ...deps,
        principal: auth.principalOf(request),
        notificationId: request.params.id,
      });
      return reply.status(204).send(null);
    },
  });

  typed.route({
    method: 'PUT',
    url: '/api/me/email',
    schema: {
      tags: ['notifications'],
      summary: 'Set (or with null remove) where my notifications are mailed (needs a recent second factor)',
      body: setEmailBody,
      response: { 200: setEmailResponse },
    },
    onRequest: auth.require(),
    handler: (request) =>
      setMyEmail({ ...deps, principal: auth.principalOf(request), email: request.body.email }),
  });
}
