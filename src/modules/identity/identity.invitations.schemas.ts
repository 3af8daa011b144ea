import { Type } from 'typebox';
import { passwordLengthLimits } from './identity.passwords.js';
import { roles } from './identity.models.js';
import { emailMaxLength } from './identity.notifications.models.js';

/** An id as Writ makes them (`inv_…`, `usr_…`): anything else is refused before any lookup. */
export const prefixedIdField = Type.String({ pattern: '^[a-z]{2,5}_[0-9a-z]{26}$', maxLength: 32 });

/** A 256-bit token in base64url (43 characters); a little slack, then the use-case decides. */
export const linkTokenField = Type.String({ minLength: 1, maxLength: 128 });

// Bytes, not characters, bound the work Argon2id does; the use-cases check the character rules.
export const newPasswordField = Type.String({ minLength: 1, maxLength: passwordLengthLimits.max * 4 });

export const createInvitationBody = Type.Object(
  { role: Type.Union(roles.map((role) => Type.Literal(role))) },
  { additionalProperties: false },
);

export const invitationResponse = Type.Object({
  id: Type.String(),
  role: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  status: Type.Union([
    Type.Literal('open'),
    Type.Literal('expired'),
    Type.Literal('accepted'),
    Type.Literal('revoked'),
  ]),
  acceptedUserId: Type.Optional(Type.String()),
});

export const createInvitationResponse = Type.Object({
  invitation: invitationResponse,
  /** `<public URL>/invite#token=…`: shown once, to hand to the invitee; the token is not stored. */
  link: Type.String(),
});

export const invitationListResponse = Type.Object({ invitations: Type.Array(invitationResponse) });

export const invitationIdParams = Type.Object({ id: prefixedIdField });

export const acceptInvitationBody = Type.Object(
  {
    token: linkTokenField,
    username: Type.String({ minLength: 1, maxLength: 64 }),
    password: newPasswordField,
    /** Where notifications about the account are mailed; optional, changeable later. */
    email: Type.Optional(Type.String({ minLength: 1, maxLength: emailMaxLength + 8 })),
  },
  { additionalProperties: false },
);

export const acceptInvitationResponse = Type.Object({
  user: Type.Object({
    id: Type.String(),
    username: Type.String(),
    role: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
  }),
});
