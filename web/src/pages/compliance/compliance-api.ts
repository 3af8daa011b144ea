/** access.schemas.ts `screenResponse`: a wall on one user (`userId`) or on a group (`groupId`). */
export type Screen = {
  id: string;
  matterId: string;
  userId?: string;
  groupId?: string;
  createdBy: string;
  createdAt: string;
};

/** identity.groups.schemas.ts `groupNamesResponse`. */
export type GroupName = { id: string; name: string };

/** access.report.routes.ts `reportRowResponse` / `reportResponse`. */
export type AccessReportRow = {
  userId: string;
  role: string;
  from: string;
  to?: string;
  grantedBy?: string;
  how: 'matter_created' | 'membership' | 'access_request' | 'wall_lifted';
  endedBy?: 'removed' | 'expired' | 'screened' | 'changed';
  endedByUserId?: string;
  expiresAt?: string;
  namedForHighlySensitive: boolean;
};
export type AccessReport = { matterId: string; generatedAt: string; rows: AccessReportRow[] };

export const howLabels: Record<AccessReportRow['how'], string> = {
  matter_created: 'Opened the matter',
  membership: 'Added as member',
  access_request: 'Access request approved',
  wall_lifted: 'Wall lifted',
};

export const endLabels: Record<NonNullable<AccessReportRow['endedBy']>, string> = {
  removed: 'Removed',
  expired: 'Grant expired',
  screened: 'Screened by a wall',
  changed: 'Role changed',
};

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
