import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';
import type { Role } from './identity.models.js';

/** @NOTE Published in the API: renaming a status breaks clients. */
export type InvitationStatus = 'open' | 'expired' | 'accepted' | 'revoked';

/** An invitation as administrators see it; the token is never kept, only its SHA-256. */
export type Invitation = {
  id: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  status: InvitationStatus;
  /** The account created from it, once accepted. */
  acceptedUserId: string | undefined;
};

export const generateInvitationId = createPrefixedIdGenerator({ prefix: 'inv' });

/** How many of the most recent invitations the list shows. */
export const invitationListLimit = 200;

/**
 * The link handed to the invitee. The token travels in the fragment, which browsers never send to a server,
 * and only the page's explicit POST consumes it: mail scanners that fetch the link consume nothing.
 */
export function buildInvitationLink({ publicUrl, token }: { publicUrl: string; token: string }): string {
  return `${publicUrl}/invite#token=${token}`;
}
