import { Type } from 'typebox';
import { linkTokenField, newPasswordField } from './identity.invitations.schemas.js';

export const completePasswordResetBody = Type.Object(
  { token: linkTokenField, password: newPasswordField },
  { additionalProperties: false },
);

export const recoveryCodeResetBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 128 }),
    recoveryCode: Type.String({ minLength: 1, maxLength: 32 }),
    password: newPasswordField,
  },
  { additionalProperties: false },
);

/** Nothing about the account: the user signs in next, with the new password. */
export const passwordResetResponse = Type.Object({ isPasswordChanged: Type.Literal(true) });
