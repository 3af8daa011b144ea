import { Type } from 'typebox';
import { groupNameLimits } from './identity.groups.models.js';
import { prefixedIdField } from './identity.invitations.schemas.js';

export const groupIdParams = Type.Object({ id: prefixedIdField });
export const groupMemberParams = Type.Object({ id: prefixedIdField, userId: prefixedIdField });

export const groupNameBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: groupNameLimits.maxLength * 2 }) },
  { additionalProperties: false },
);

const groupMember = Type.Object({ userId: Type.String(), username: Type.String() });

export const groupResponse = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  members: Type.Array(groupMember),
});

export const groupListResponse = Type.Object({ groups: Type.Array(groupResponse) });

export const groupRenamedResponse = Type.Object({ id: Type.String(), name: Type.String() });

export const groupMemberResponse = Type.Object({ groupId: Type.String(), userId: Type.String() });

export const groupNamesResponse = Type.Object({
  groups: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
});
