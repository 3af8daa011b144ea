import { Type } from 'typebox';
import { passwordLengthLimits } from './identity.passwords.js';

export const setupStatusResponse = Type.Object({ isSetupRequired: Type.Boolean() });

export const completeSetupBody = Type.Object(
  {
    token: Type.String({ minLength: 1, maxLength: 128 }),
    username: Type.String({ minLength: 1, maxLength: 64 }),
    // Bytes, not characters, bound the work argon2 does; the use-case checks the character rules.
    password: Type.String({ minLength: 1, maxLength: passwordLengthLimits.max * 4 }),
  },
  { additionalProperties: false },
);

export const userResponse = Type.Object({
  id: Type.String(),
  username: Type.String(),
  role: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const completeSetupResponse = Type.Object({ user: userResponse });
