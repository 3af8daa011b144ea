import { Type } from 'typebox';

const idField = Type.String({ pattern: '^[a-z]{2,5}_[0-9a-z]{26}$', maxLength: 32 });

export const complianceOfficerParams = Type.Object({ userId: idField });
export const complianceOfficerResponse = Type.Object({
  userId: Type.String(),
  isComplianceOfficer: Type.Boolean(),
});

export const wallsParams = Type.Object({ matterId: idField });
export const wallParams = Type.Object({ matterId: idField, userId: idField });
export const groupWallParams = Type.Object({ matterId: idField, groupId: idField });
/** A wall on one user (`userId`) or on a whole group (`groupId`). */
export const screenBody = Type.Union([
  Type.Object({ userId: idField }, { additionalProperties: false }),
  Type.Object({ groupId: idField }, { additionalProperties: false }),
]);
export const screenResponse = Type.Object({
  id: Type.String(),
  matterId: Type.String(),
  /** Set on a wall on one user. */
  userId: Type.Optional(Type.String()),
  /** Set on a wall on a group: its members, present and future, are screened. */
  groupId: Type.Optional(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export const screenListResponse = Type.Object({ screens: Type.Array(screenResponse) });
