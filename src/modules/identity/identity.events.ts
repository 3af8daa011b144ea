import type { EventActor } from '../ledger/ledger.models.js';

/**
 * The identity module's events, appended to the ledger in the transaction of the change they record.
 * @NOTE Kinds and payloads are part of the audit trail: never rename a kind or change a payload's meaning.
 * Payloads hold ids and keyed hashes only: never a username, address, secret or token.
 */
export type IdentityEvent =
  /** The first administrator was created through the one-time setup link. */
  | { kind: 'identity.admin_created'; actor: EventActor; data: { userId: string } }
  /** An account was created by `writ admin create-user` or from an invitation. */
  | {
      kind: 'identity.user_created';
      actor: EventActor;
      data: { userId: string; role: string; invitationId?: string };
    }
  | { kind: 'identity.invitation_created'; actor: EventActor; data: { invitationId: string; role: string } }
  | { kind: 'identity.invitation_revoked'; actor: EventActor; data: { invitationId: string } }
  | {
      kind: 'identity.sign_in_succeeded';
      actor: EventActor;
      data: { userId: string; sessionId: string; method: string; isNewDevice: boolean };
    }
  /** A failed attempt; `account` is a user id, or a keyed hash when no such user exists. */
  | {
      kind: 'identity.sign_in_failed';
      actor: EventActor;
      data: { account: string; reason: string; clientHash: string };
    }
  /** `lock`: which counter (`sign_in`, `second_factor`, `recovery`); absent on entries recorded before it was. */
  | {
      kind: 'identity.account_locked';
      actor: EventActor;
      data: { account: string; blockedUntil: string; lock?: string };
    }
  | {
      kind: 'identity.second_factor_verified';
      actor: EventActor;
      data: { userId: string; sessionId: string; method: string; purpose: string };
    }
  /** A second factor was refused (`reason`: `code_invalid`); throttled attempts are recorded as `throttled`. */
  | {
      kind: 'identity.second_factor_failed';
      actor: EventActor;
      data: {
        userId: string;
        sessionId: string;
        method: string;
        purpose: string;
        reason: string;
        clientHash: string;
      };
    }
  /** A signed-in user's password change was refused for a wrong current password, or throttled. */
  | {
      kind: 'identity.password_change_failed';
      actor: EventActor;
      data: { userId: string; sessionId: string; reason: string; clientHash: string };
    }
  | {
      kind: 'identity.mfa_enrolled';
      actor: EventActor;
      data: { userId: string; method: string; credentialId?: string };
    }
  | {
      kind: 'identity.mfa_removed';
      actor: EventActor;
      data: { userId: string; method: string; credentialId?: string };
    }
  /** The owner renamed a passkey (`credentialId` is the `pkey_` id); the name itself is not recorded. */
  | { kind: 'identity.passkey_renamed'; actor: EventActor; data: { userId: string; credentialId: string } }
  /**
   * A passkey assertion with a valid signature was refused because its signature counter did not increase:
   * the authenticator may have been cloned. `credentialId` is the `pkey_` id.
   */
  | {
      kind: 'identity.passkey_counter_regressed';
      actor: EventActor;
      data: { userId: string; credentialId: string; storedCounter: number; presentedCounter: number };
    }
  /** An administrator cleared a locked-out user's second factors (`writ admin reset-mfa`). */
  | { kind: 'identity.mfa_reset'; actor: EventActor; data: { userId: string } }
  | { kind: 'identity.recovery_codes_generated'; actor: EventActor; data: { userId: string; count: number } }
  | { kind: 'identity.recovery_code_used'; actor: EventActor; data: { userId: string; remaining: number } }
  | { kind: 'identity.password_changed'; actor: EventActor; data: { userId: string; via: string } }
  | { kind: 'identity.password_reset_issued'; actor: EventActor; data: { userId: string; resetId: string } }
  | { kind: 'identity.session_revoked'; actor: EventActor; data: { userId: string; sessionId: string } }
  | { kind: 'identity.sessions_revoked_all'; actor: EventActor; data: { userId: string; count: number } }
  | {
      kind: 'identity.api_token_created';
      actor: EventActor;
      data: { userId: string; tokenId: string; scopes: string[] };
    }
  | { kind: 'identity.api_token_revoked'; actor: EventActor; data: { userId: string; tokenId: string } }
  | { kind: 'identity.user_status_changed'; actor: EventActor; data: { userId: string; status: string } }
  /** An administrator lifted the sign-in defence's block of a locked-out account (its counters start over). */
  | { kind: 'identity.account_unlocked'; actor: EventActor; data: { userId: string } }
  /**
   * A self-service password reset with a recovery code was refused (`reason`: `code_invalid` or `throttled`);
   * `account` is a user id, or a keyed hash when no such user exists.
   */
  | {
      kind: 'identity.password_reset_failed';
      actor: EventActor;
      data: { account: string; reason: string; clientHash: string };
    }
  /** A user set, changed or removed their notification address; the address itself is never recorded. */
  | { kind: 'identity.email_changed'; actor: EventActor; data: { userId: string; hasEmail: boolean } }
  /** A user registered an SSH public key for SFTP (`keyId` is the `sshk_` id); its name is not recorded. */
  | {
      kind: 'identity.ssh_key_added';
      actor: EventActor;
      data: { userId: string; keyId: string; algorithm: string; fingerprint: string };
    }
  | { kind: 'identity.ssh_key_removed'; actor: EventActor; data: { userId: string; keyId: string } }
  /**
   * The SFTP server refused a hostile or unsupported request of a signed-in session (`reason`: `path_escape`,
   * `control_character`, `name_too_long`, `symlink`, `forbidden`…); the path itself is never recorded.
   */
  | {
      kind: 'identity.sftp_request_refused';
      actor: EventActor;
      data: { userId: string; sessionId: string; operation: string; reason: string };
    }
  /** An administrator created a group of users; its name is not recorded (the group's id is). */
  | { kind: 'identity.group_created'; actor: EventActor; data: { groupId: string } }
  /** An administrator renamed a group; neither name is recorded. */
  | { kind: 'identity.group_renamed'; actor: EventActor; data: { groupId: string } }
  /** An administrator deleted a group (none of its walls was standing); its memberships ended with it. */
  | { kind: 'identity.group_deleted'; actor: EventActor; data: { groupId: string; memberCount: number } }
  /** An administrator added `userId` to a group: any wall on the group screens them from then on. */
  | { kind: 'identity.group_member_added'; actor: EventActor; data: { groupId: string; userId: string } }
  /** An administrator removed `userId` from a group: the group's walls no longer screen them. */
  | { kind: 'identity.group_member_removed'; actor: EventActor; data: { groupId: string; userId: string } };

export type IdentityEventKind = IdentityEvent['kind'];
