import type { Generated } from 'kysely';

export type UsersTable = {
  id: string;
  username: string;
  role: string;
  password_hash: string;
  status: Generated<string>;
  password_changed_at: number | null;
  /**
   * Set when a recovery code set the password, cleared by the next second factor that is not a recovery
   * code: meanwhile recovery codes do not complete a sign-in.
   */
  password_recovered_at: Generated<number | null>;
  created_at: number;
  updated_at: number;
  /** The notification address sealed by the vault (purpose `email:<user id>`); null when none was given. */
  email_sealed: string | null;
};

export type SetupTokensTable = {
  id: string;
  token_hash: string;
  created_at: number;
  expires_at: number;
  consumed_at: Generated<number | null>;
};

export type SessionsTable = {
  id: string;
  token_hash: string;
  user_id: string;
  /** Sent to the browser in the session response and echoed in `x-csrf-token`; not a credential alone. */
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** When the session last proved a second factor; null while sign-in awaits one. */
  second_factor_at: number | null;
  device_label: string;
  device_id_hash: string;
  revoked_at: number | null;
};

export type TotpCredentialsTable = {
  user_id: string;
  /** The TOTP secret sealed by the vault under the root key. */
  secret_sealed: string;
  confirmed_at: number | null;
  /** The last 30-second step accepted: a code for this step or an earlier one is a replay. */
  last_used_step: number | null;
  created_at: number;
};

export type WebauthnCredentialsTable = {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Uint8Array;
  sign_count: number;
  /** JSON array of AuthenticatorTransport strings. */
  transports: string;
  name: string;
  device_type: string;
  is_backed_up: number;
  created_at: number;
  last_used_at: number | null;
};

export type WebauthnChallengesTable = {
  id: string;
  challenge: string;
  purpose: string;
  user_id: string | null;
  session_id: string | null;
  expires_at: number;
};

export type RecoveryCodesTable = {
  id: string;
  user_id: string;
  code_hash: string;
  created_at: number;
  used_at: number | null;
};

export type InvitationsTable = {
  id: string;
  token_hash: string;
  role: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  consumed_by: string | null;
  revoked_at: number | null;
};

export type PasswordResetsTable = {
  id: string;
  token_hash: string;
  user_id: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
};

export type SignInThrottlesTable = {
  /** `account:<user id or hashed unknown name>` or `ip:<hashed address>`: never a raw address or name. */
  key: string;
  failures: number;
  last_failure_at: number;
  blocked_until: number;
};

export type ApiTokensTable = {
  id: string;
  token_hash: string;
  user_id: string;
  name: string;
  /** JSON array of scope names. */
  scopes: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
};

export type NotificationsTable = {
  id: string;
  user_id: string;
  kind: string;
  /** JSON, without secrets. */
  payload: string;
  created_at: number;
  read_at: number | null;
  mailed_at: number | null;
  /** Delivery attempts so far; the outbox gives up after a few. */
  mail_attempts: Generated<number>;
  /** Not before this time may a node (re)try the mail: a claim while one sends, a backoff after a failure. */
  mail_next_attempt_at: number | null;
};

/**
 * A group of users kept by administrators (a team, an intake of lateral hires), which a compliance officer
 * may screen from a matter as a whole.
 * @NOTE `name` is plain text, unique: a group names a part of the firm, not a client or a person, and staff
 * choose groups by name (walls); a sealed name could not be kept unique by the database.
 */
export type UserGroupsTable = {
  id: string;
  name: string;
  created_by: string;
  created_at: number;
};

export type UserGroupMembersTable = {
  group_id: string;
  user_id: string;
  added_by: string;
  added_at: number;
};

export type IdentityTables = {
  users: UsersTable;
  setup_tokens: SetupTokensTable;
  sessions: SessionsTable;
  totp_credentials: TotpCredentialsTable;
  webauthn_credentials: WebauthnCredentialsTable;
  webauthn_challenges: WebauthnChallengesTable;
  recovery_codes: RecoveryCodesTable;
  invitations: InvitationsTable;
  password_resets: PasswordResetsTable;
  sign_in_throttles: SignInThrottlesTable;
  api_tokens: ApiTokensTable;
  notifications: NotificationsTable;
  user_groups: UserGroupsTable;
  user_group_members: UserGroupMembersTable;
};
