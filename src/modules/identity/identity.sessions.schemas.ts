import { Type } from 'typebox';
import { passwordLengthLimits } from './identity.passwords.js';

// Bytes, not characters, bound the work Argon2id does; the use-cases check the character rules.
const passwordField = Type.String({ minLength: 1, maxLength: passwordLengthLimits.max * 4 });

export const signInBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 128 }), password: passwordField },
  { additionalProperties: false },
);

export const sessionResponse = Type.Object({
  user: Type.Object({ id: Type.String(), username: Type.String(), role: Type.String() }),
  /** True until the session proves its second factor (`POST /api/session/second-factor`). */
  isSecondFactorRequired: Type.Boolean(),
  /** True while a user whose role requires MFA has none: only enrolment is open. */
  isEnrolmentRequired: Type.Boolean(),
  availableFactors: Type.Array(
    Type.Union([Type.Literal('totp'), Type.Literal('passkey'), Type.Literal('recovery_code')]),
  ),
  /** Echo it in the `x-csrf-token` header of every POST, PUT, PATCH and DELETE. */
  csrfToken: Type.String(),
});

export const secondFactorBody = Type.Object(
  {
    method: Type.Union([Type.Literal('totp'), Type.Literal('recovery_code')]),
    code: Type.String({ minLength: 1, maxLength: 32 }),
  },
  { additionalProperties: false },
);

export const stepUpResponse = Type.Object({ secondFactorAt: Type.String({ format: 'date-time' }) });

export const sessionListResponse = Type.Object({
  sessions: Type.Array(
    Type.Object({
      id: Type.String(),
      deviceLabel: Type.String(),
      createdAt: Type.String({ format: 'date-time' }),
      lastSeenAt: Type.String({ format: 'date-time' }),
      expiresAt: Type.String({ format: 'date-time' }),
      isCurrent: Type.Boolean(),
    }),
  ),
});

export const sessionIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const changePasswordBody = Type.Object(
  { currentPassword: passwordField, newPassword: passwordField },
  { additionalProperties: false },
);

export const changePasswordResponse = Type.Object({
  csrfToken: Type.String(),
  revokedSessionCount: Type.Integer({ description: 'My other sessions, ended.' }),
  revokedApiTokenCount: Type.Integer({ description: 'My API tokens, all revoked.' }),
});

export const totpEnrolmentResponse = Type.Object({
  /** `otpauth://totp/Writ:<username>?secret=…&issuer=Writ`: shown once, never again after confirmation. */
  otpauthUri: Type.String(),
  /** The same URI as a QR code, an SVG `data:` URL for an `<img>`. */
  qrCodeDataUrl: Type.String(),
});

export const totpConfirmBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);

export const totpConfirmResponse = Type.Object({
  /** Ten single-use codes, shown once, when this was the user's first factor. */
  recoveryCodes: Type.Optional(Type.Array(Type.String())),
  session: sessionResponse,
});

export const recoveryCodesResponse = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
