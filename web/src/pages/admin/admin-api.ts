import type { Role } from '../../session/session';

/** identity.admin.schemas.ts `userListResponse`. */
export type UserSummary = {
  id: string;
  username: string;
  role: Role;
  status: 'active' | 'disabled';
  createdAt: string;
  isMfaEnrolled: boolean;
  isLocked: boolean;
  /** While locked: when the block ends by itself. */
  lockedUntil?: string;
  /** When the account last started a session; absent: never (or its sessions were purged). */
  lastSignInAt?: string;
};
export type UserList = { users: UserSummary[]; nextAfter?: string };

/** identity.admin.schemas.ts `accountUnlockedResponse`. */
export type AccountUnlocked = { userId: string; wasLocked: boolean };

/** identity.admin.schemas.ts `passwordResetIssuedResponse`. */
export type PasswordResetIssued = { resetId: string; link: string; expiresAt: string };

/** identity.invitations.schemas.ts `invitationResponse` and `createInvitationResponse`. */
export type Invitation = {
  id: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  status: 'open' | 'expired' | 'accepted' | 'revoked';
  acceptedUserId?: string;
};
export type InvitationCreated = { invitation: Invitation; link: string };

/** access.schemas.ts `complianceOfficerResponse`. */
export type ComplianceOfficer = { userId: string; isComplianceOfficer: boolean };

/** access.compliance-officers.routes.ts `complianceOfficerListResponse`. */
export type ComplianceOfficerList = {
  officers: { userId: string; designatedBy: string; designatedAt: string }[];
};

export const roleLabels: Record<Role, string> = {
  admin: 'Administrator',
  lawyer: 'Lawyer',
  assistant: 'Assistant',
  process_server: 'Process server',
  client: 'Client',
  auditor: 'Auditor',
};

export const roles = Object.keys(roleLabels) as Role[];

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
