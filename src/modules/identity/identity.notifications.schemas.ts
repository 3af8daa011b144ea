import { Type } from 'typebox';
import { prefixedIdField } from './identity.invitations.schemas.js';
import { emailMaxLength } from './identity.notifications.models.js';

export const notificationListQuery = Type.Object(
  {
    /** A page size up to the maximum; query strings carry text and the app coerces no types. */
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
    /** The id of the last notification of the previous page (`nextBefore`). */
    before: Type.Optional(prefixedIdField),
  },
  { additionalProperties: false },
);

export const notificationListResponse = Type.Object({
  notifications: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      /** Kind-specific facts (see `NotificationPayloads`); never a secret, a link or an address. */
      payload: Type.Record(Type.String(), Type.Unknown()),
      createdAt: Type.String({ format: 'date-time' }),
      readAt: Type.Optional(Type.String({ format: 'date-time' })),
    }),
  ),
  unreadCount: Type.Integer(),
  nextBefore: Type.Optional(Type.String()),
});

export const notificationIdParams = Type.Object({ id: prefixedIdField });

export const setEmailBody = Type.Object(
  { email: Type.Union([Type.String({ minLength: 1, maxLength: emailMaxLength + 8 }), Type.Null()]) },
  { additionalProperties: false },
);

export const setEmailResponse = Type.Object({ hasEmail: Type.Boolean() });
