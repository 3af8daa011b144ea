import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

export const generatePasswordResetId = createPrefixedIdGenerator({ prefix: 'pwr' });

/** The token travels in the fragment and only the reset page's POST consumes it, as for invitations. */
export function buildPasswordResetLink({ publicUrl, token }: { publicUrl: string; token: string }): string {
  return `${publicUrl}/reset#token=${token}`;
}
