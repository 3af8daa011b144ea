import { Type } from 'typebox';

const idField = Type.String({ pattern: '^[a-z]{2,5}_[0-9a-z]{26}$', maxLength: 32 });

export const complianceOfficerParams = Type.Object({ userId: idField });
export const complianceOfficerResponse = Type.Object({
  userId: Type.String(),
  isComplianceOfficer: Type.Boolean(),
});

export const wallsParams = Type.Object({ matterId: idField });
export const wallParams = Type.Object({ matterId: idField, userId: idField });
export const screenUserBody = Type.Object({ userId: idField }, { additionalProperties: false });
export const screenResponse = Type.Object({
  id: Type.String(),
  matterId: Type.String(),
  userId: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export const screenListResponse = Type.Object({ screens: Type.Array(screenResponse) });
