import { Type } from 'typebox';
import { prefixedIdField } from './identity.invitations.schemas.js';

/** At most this many names or ids a call: a page of members or requests, never the whole firm. */
export const directoryLookupMaxEntries = 100;

export const directoryLookupBody = Type.Object(
  {
    usernames: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: directoryLookupMaxEntries }),
    ),
    userIds: Type.Optional(Type.Array(prefixedIdField, { maxItems: directoryLookupMaxEntries })),
  },
  { additionalProperties: false },
);

export const directoryLookupResponse = Type.Object({
  users: Type.Array(Type.Object({ id: Type.String(), username: Type.String(), role: Type.String() })),
});
