import { Type } from 'typebox';
import { prefixedIdField } from './identity.invitations.schemas.js';

export const userIdParams = Type.Object({ id: prefixedIdField });

export const userListQuery = Type.Object(
  {
    /** A page size up to the maximum; query strings carry text and the app coerces no types. */
    limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
    /** The last username of the previous page (`nextAfter`). */
    after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const userListResponse = Type.Object({
  users: Type.Array(
    Type.Object({
      id: Type.String(),
      username: Type.String(),
      role: Type.String(),
      status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
      createdAt: Type.String({ format: 'date-time' }),
      isMfaEnrolled: Type.Boolean(),
      isLocked: Type.Boolean(),
      /** While locked: when the block ends by itself. */
      lockedUntil: Type.Optional(Type.String({ format: 'date-time' })),
      /** When the account last started a session; absent: never (or its sessions were purged). */
      lastSignInAt: Type.Optional(Type.String({ format: 'date-time' })),
    }),
  ),
  nextAfter: Type.Optional(Type.String()),
});

export const userStatusResponse = Type.Object({
  userId: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
});

/** A token or key made from a stolen session must not outlive it: both go with the sessions. */
export const revokedSessionsResponse = Type.Object({
  count: Type.Integer({ description: 'Sessions ended.' }),
  apiTokenCount: Type.Integer({ description: 'API tokens of the account revoked with them.' }),
  sshKeyCount: Type.Integer({ description: 'SSH keys of the account removed with them.' }),
});

export const passwordResetIssuedResponse = Type.Object({
  resetId: Type.String(),
  /** `<public URL>/reset#token=…`: shown once, to hand to the user; the token is not stored. */
  link: Type.String(),
  expiresAt: Type.String({ format: 'date-time' }),
});

export const accountUnlockedResponse = Type.Object({
  userId: Type.String(),
  /** False when nothing blocked the account: nothing changed and nothing was recorded. */
  wasLocked: Type.Boolean(),
});
