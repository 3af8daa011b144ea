import type { Role } from './identity.models.js';

/**
 * An account is active or disabled; a disabled account cannot sign in or use its API tokens.
 * @NOTE Stored in `users.status` and published in the API: renaming one needs a migration.
 */
export const userStatuses = ['active', 'disabled'] as const;
export type UserStatus = (typeof userStatuses)[number];

export function isUserStatus(value: string): value is UserStatus {
  return (userStatuses as readonly string[]).includes(value);
}

/** What the account list shows an administrator: no secret, no address, nothing about matters. */
export type UserSummary = {
  id: string;
  username: string;
  role: Role;
  status: UserStatus;
  createdAt: Date;
  isMfaEnrolled: boolean;
  /** The brute-force defence currently blocks sign-in to this account. */
  isLocked: boolean;
  /** Until when, while `isLocked`: the later of the password and second-factor blocks. */
  lockedUntil: Date | undefined;
  /** When the account last started a session (its password or passkey accepted); undefined: never, or purged. */
  lastSignInAt: Date | undefined;
};

export const userListLimits = { defaultLimit: 50, maxLimit: 200 } as const;
