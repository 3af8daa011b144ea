import { createPrefixedIdGenerator } from '../../shared/ids/ids.js';

/**
 * What a user is told about their own account, shown in Writ and mailed when they gave an address.
 * @NOTE Kinds and payloads are stored and published in the API: renaming a kind or changing a payload's
 * meaning breaks clients and stored rows. Payloads never hold a secret, a token, a link or an address.
 */
export type NotificationPayloads = {
  /**
   * The brute-force defence blocked something until `blockedUntil` (ISO time). `lock` says what: `sign_in`
   * (passwords, the default when absent), `second_factor` (codes completing a sign-in or a step-up) or
   * `recovery` (password resets with a recovery code; signing in is not affected).
   */
  account_locked: { blockedUntil: string; lock?: LockKind };
  /** A sign-in from a device not seen before; `device` is the browser/OS label the session shows. */
  new_device_sign_in: { device: string };
  /** The password was changed; `via` is `reset_link`, `recovery_code` or `self`. */
  password_changed: { via: string };
  /** An administrator issued a password-reset link for the account. */
  password_reset_issued: { expiresAt: string };
  /** The operator cleared every second factor (`writ admin reset-mfa`). */
  mfa_reset: Record<string, never>;
  /** A new API token was created. */
  api_token_created: { tokenId: string; name: string };
  /** A new SSH key for SFTP sign-in was added; `fingerprint` is its `SHA256:…` fingerprint. */
  ssh_key_added: { keyId: string; name: string; fingerprint: string };
  /** The notification address was set, changed or removed. */
  email_changed: { hasEmail: boolean };
  /** To each owner of a matter: a colleague asked for `role` (viewer or editor) in it; the reason is in Writ. */
  access_requested: { matterId: string; requestId: string; role: string };
  /** To the requester: an owner approved (until `expiresAt`, ISO time, when given) or denied their request. */
  access_request_decided: { matterId: string; requestId: string; decision: string; expiresAt?: string };
};
export type NotificationKind = keyof NotificationPayloads;

/** Which brute-force counter reached its limit: each blocks something different. */
export type LockKind = 'sign_in' | 'second_factor' | 'recovery';

export const notificationKinds = [
  'account_locked',
  'new_device_sign_in',
  'password_changed',
  'password_reset_issued',
  'mfa_reset',
  'api_token_created',
  'ssh_key_added',
  'email_changed',
  'access_requested',
  'access_request_decided',
] as const satisfies readonly NotificationKind[];

export type Notification = {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | undefined;
};

export const generateNotificationId = createPrefixedIdGenerator({ prefix: 'ntf' });

export const notificationListLimits = { defaultLimit: 20, maxLimit: 100 } as const;

/** Dot-atom local part in printable ASCII and a DNS domain of two labels or more: nothing a header could break on. */
const emailPattern =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

export const emailMaxLength = 254;

/** The address as it is sealed and mailed, or undefined when Writ cannot send to it. */
export function normalizeEmailAddress(raw: string): string | undefined {
  const trimmed = raw.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 1 || trimmed.length > emailMaxLength) return undefined;
  const address = `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}`;
  return emailPattern.test(address) && trimmed.slice(0, at).length <= 64 ? address : undefined;
}

/** The secret box's associated data for a user's address: a sealed address moved to another row does not open. */
export function emailSealPurpose(userId: string): string {
  return `email:${userId}`;
}

const lockedTexts: Record<LockKind, (blockedUntil: string) => { subject: string; body: string }> = {
  sign_in: (until) => ({
    subject: 'Writ: your account was locked after failed sign-ins',
    body: `After several failed sign-ins, your account is locked until ${until}. If this was not you, tell your administrator.`,
  }),
  second_factor: (until) => ({
    subject: 'Writ: sign-in codes were blocked after failed attempts',
    body: `After several wrong authenticator or recovery codes, codes for your account are refused until ${until}. Whoever tried them had your password: if this was not you, change your password and tell your administrator.`,
  }),
  recovery: (until) => ({
    subject: 'Writ: password resets with a recovery code were blocked',
    body: `After several failed attempts to reset your password with a recovery code, such resets are refused until ${until}. You can still sign in as usual. If this was not you, tell your administrator.`,
  }),
};

const mailTexts: {
  [K in NotificationKind]: (payload: NotificationPayloads[K]) => { subject: string; body: string };
} = {
  // A stored row may predate `lock`, or hold a value this version does not know: both read as a sign-in lock.
  account_locked: (p) =>
    (p.lock === 'second_factor' || p.lock === 'recovery' ? lockedTexts[p.lock] : lockedTexts.sign_in)(
      p.blockedUntil,
    ),
  new_device_sign_in: (p) => ({
    subject: 'Writ: sign-in from a new device',
    body: `Your account was signed in from a device not seen before (${p.device}). If this was not you, change your password and tell your administrator.`,
  }),
  password_changed: (p) => ({
    subject: 'Writ: your password was changed',
    body:
      p.via === 'self'
        ? 'The password of your account was changed, every other session was signed out and every API token was revoked. If this was not you, tell your administrator at once.'
        : 'The password of your account was reset: every session was signed out, every API token was revoked and every SSH key was removed. If this was not you, tell your administrator at once.',
  }),
  password_reset_issued: (p) => ({
    subject: 'Writ: an administrator issued a password-reset link',
    body: `An administrator issued a link to reset your password, valid until ${p.expiresAt}. If you did not ask for it, tell your administrator.`,
  }),
  mfa_reset: () => ({
    subject: 'Writ: your second factors were reset',
    body: 'Your authenticator app, passkeys, recovery codes, API tokens and SSH keys were removed by the operator and every session was signed out. At your next sign-in you will set up a second factor again.',
  }),
  api_token_created: (p) => ({
    subject: 'Writ: a new API token was created',
    body: `An API token named "${p.name}" was created for your account. If this was not you, revoke it and tell your administrator.`,
  }),
  ssh_key_added: (p) => ({
    subject: 'Writ: a new SSH key was added',
    body: `An SSH key named "${p.name}" (${p.fingerprint}) was added to your account for SFTP sign-in. If this was not you, remove it, change your password and tell your administrator.`,
  }),
  email_changed: () => ({
    subject: 'Writ: your notification address was changed',
    body: 'Writ will send notifications about your account to this address.',
  }),
  access_requested: (p) => ({
    subject: 'Writ: a colleague asks for access to one of your matters',
    body: `A colleague asked for ${p.role} access to one of the matters you own. Sign in to Writ to read their reason and approve or deny it.`,
  }),
  access_request_decided: (p) => ({
    subject: `Writ: your access request was ${p.decision}`,
    body:
      p.decision === 'approved'
        ? `Your access request was approved${p.expiresAt === undefined ? '' : `, until ${p.expiresAt}`}. Sign in to Writ to see the matter.`
        : 'Your access request was denied. Ask the matter owner if you need to know why.',
  }),
};

function isNotificationKind(kind: string): kind is NotificationKind {
  return (notificationKinds as readonly string[]).includes(kind);
}

/** The mail for a notification: a fixed text per kind, filled from the payload only, with a link to Writ. */
export function renderNotificationMail({
  kind,
  payload,
  publicUrl,
}: {
  kind: string;
  payload: Record<string, unknown>;
  publicUrl: string;
}): { subject: string; text: string } {
  const { subject, body } = isNotificationKind(kind)
    ? (mailTexts[kind] as (p: unknown) => { subject: string; body: string })(payload)
    : { subject: 'Writ: something changed on your account', body: 'Sign in to Writ to see what changed.' };
  return {
    subject,
    text: `${body}\n\nSee your notifications at ${publicUrl}/\n\nThis message was sent by Writ; do not reply to it.\n`,
  };
}
