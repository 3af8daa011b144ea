import { Type } from 'typebox';
import { apiTokenLimits } from './identity.api-tokens.models.js';
import { prefixedIdField } from './identity.invitations.schemas.js';

export const createApiTokenBody = Type.Object(
  {
    // Longer than allowed, so that the use-case can say what is wrong; still bounded.
    name: Type.String({ minLength: 1, maxLength: 4 * apiTokenLimits.nameMaxLength }),
    /** A non-empty subset of `matters:read`, `documents:read`, `documents:write`. */
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 16 }),
    expiresInDays: Type.Integer({ minimum: apiTokenLimits.minDays, maximum: apiTokenLimits.maxDays }),
  },
  { additionalProperties: false },
);

export const apiTokenResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Optional(Type.String({ format: 'date-time' })),
  revokedAt: Type.Optional(Type.String({ format: 'date-time' })),
});

export const createApiTokenResponse = Type.Object({
  apiToken: apiTokenResponse,
  /** `writ_pat_…`: shown this once; send it as `Authorization: Bearer <token>`. */
  token: Type.String(),
});

export const apiTokenListResponse = Type.Object({ apiTokens: Type.Array(apiTokenResponse) });

export const apiTokenIdParams = Type.Object({ id: prefixedIdField });
