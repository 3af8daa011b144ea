import type { SessionState } from '../../session/session';

/** Answers of the identity API the account pages read (identity.*.schemas.ts, field for field). */

/** `passkeyResponse` (identity.passkeys.schemas.ts). */
export type Passkey = {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  deviceType: 'singleDevice' | 'multiDevice';
  isBackedUp: boolean;
};

/** `registerPasskeyResponse`: recovery codes only when this passkey is the first second factor. */
export type PasskeyRegistration = { passkey: Passkey; recoveryCodes?: string[]; session: SessionState };

/** `totpEnrolmentResponse` (identity.sessions.schemas.ts). */
export type TotpEnrolment = { otpauthUri: string; qrCodeDataUrl: string };

/** `totpConfirmResponse`: recovery codes only when the app is the first second factor. */
export type TotpConfirmation = { recoveryCodes?: string[]; session: SessionState };

/** One entry of `sessionListResponse`. */
export type SignedInSession = {
  id: string;
  deviceLabel: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  isCurrent: boolean;
};

/** `sshKeyResponse` (identity.ssh-keys.schemas.ts). */
export type SshKey = {
  id: string;
  name: string;
  algorithm: string;
  fingerprint: string;
  publicKey: string;
  createdAt: string;
  lastUsedAt?: string;
};

/** `apiTokenResponse` (identity.api-tokens.schemas.ts). */
export type ApiToken = {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt?: string;
  revokedAt?: string;
};

/** A moment as the person's locale writes it, to the minute. */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
