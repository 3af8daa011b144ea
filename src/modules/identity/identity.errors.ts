import { createErrorFactory } from '../../shared/errors/errors.js';

/** The setup link was never issued, was already used, or was replaced by a newer one. */
export const createSetupLinkInvalidError = createErrorFactory({
  code: 'identity.setup_link_invalid',
  status: 400,
  message:
    'This setup link is not valid: it was already used or replaced. Restart `writ serve` or run `writ admin setup-link` for a new one.',
});

export const createSetupLinkExpiredError = createErrorFactory({
  code: 'identity.setup_link_expired',
  status: 410,
  message: 'This setup link has expired. Restart `writ serve` or run `writ admin setup-link` for a new one.',
});

export const createSetupAlreadyCompletedError = createErrorFactory({
  code: 'identity.setup_already_completed',
  status: 409,
  message: 'Writ already has an administrator. Sign in instead.',
});

export const createUsernameInvalidError = createErrorFactory({
  code: 'identity.username_invalid',
  status: 400,
  message:
    'A username is 3 to 64 characters: lowercase letters, digits, dots, hyphens and underscores, starting with a letter or digit.',
});

export const createUsernameTakenError = createErrorFactory({
  code: 'identity.username_taken',
  status: 409,
  message: 'This username is already taken.',
});

export const createPasswordTooWeakError = createErrorFactory({
  code: 'identity.password_too_weak',
  status: 400,
  message: 'This password is too weak.',
});

/** A non-administrator (or an API token) called an account-management act; thrown before anything is loaded. */
export const createAdminRequiredError = createErrorFactory({
  code: 'identity.admin_required',
  status: 403,
  message: 'Only an administrator signed in to the web application may manage accounts.',
});

/** An act that needs a signed-in session (managing tokens, the notification address…): API tokens may not. */
export const createSessionRequiredError = createErrorFactory({
  code: 'identity.session_required',
  status: 403,
  message: 'This needs a signed-in session; an API token cannot do it.',
});

export const createUserNotFoundError = createErrorFactory({
  code: 'identity.user_not_found',
  status: 404,
  message: 'There is no such user.',
});

export const createRoleInvalidError = createErrorFactory({
  code: 'identity.role_invalid',
  status: 400,
  message: 'The role must be one of admin, lawyer, assistant, process_server, client, auditor.',
});

/** An administrator tried to disable their own account, which would lock them out mid-action. */
export const createCannotDisableSelfError = createErrorFactory({
  code: 'identity.cannot_disable_self',
  status: 409,
  message: 'You cannot disable your own account; ask another administrator.',
});

/** The invitation token is unknown, forged, already used or revoked: one answer for all of them. */
export const createInvitationInvalidError = createErrorFactory({
  code: 'identity.invitation_invalid',
  status: 400,
  message: 'This invitation link is not valid: it was already used or withdrawn. Ask for a new one.',
});

export const createInvitationExpiredError = createErrorFactory({
  code: 'identity.invitation_expired',
  status: 410,
  message: 'This invitation link has expired. Ask your administrator for a new one.',
});

/** Revoking an invitation id that does not exist, or one already used, revoked or expired. */
export const createInvitationNotFoundError = createErrorFactory({
  code: 'identity.invitation_not_found',
  status: 404,
  message: 'There is no open invitation with this id.',
});

/** The password-reset token is unknown, forged, already used or superseded. */
export const createResetLinkInvalidError = createErrorFactory({
  code: 'identity.reset_link_invalid',
  status: 400,
  message: 'This password reset link is not valid: it was already used or replaced. Ask for a new one.',
});

export const createResetLinkExpiredError = createErrorFactory({
  code: 'identity.reset_link_expired',
  status: 410,
  message: 'This password reset link has expired. Ask your administrator for a new one.',
});

/**
 * A self-service reset with a recovery code failed. @NOTE One answer, on purpose, for an unknown username, a
 * disabled account, a wrong code and a used code: telling them apart would reveal which accounts exist.
 */
export const createResetFailedError = createErrorFactory({
  code: 'identity.reset_failed',
  status: 400,
  message: 'The username or recovery code is not correct.',
});

/** An API token id that does not exist or belongs to someone else: one answer for both. */
export const createApiTokenNotFoundError = createErrorFactory({
  code: 'identity.api_token_not_found',
  status: 404,
  message: 'There is no such API token.',
});

export const createApiTokenScopeInvalidError = createErrorFactory({
  code: 'identity.api_token_scope_invalid',
  status: 400,
  message: 'An API token needs at least one scope, each from the documented list, without repeats.',
});

export const createApiTokenLifetimeInvalidError = createErrorFactory({
  code: 'identity.api_token_lifetime_invalid',
  status: 400,
  message: 'An API token expires after 1 to 365 days.',
});

export const createApiTokenNameInvalidError = createErrorFactory({
  code: 'identity.api_token_name_invalid',
  status: 400,
  message: 'An API token name is 1 to 64 printable characters.',
});

/** The user already holds the most active API tokens allowed; revoke one first. */
export const createApiTokenLimitReachedError = createErrorFactory({
  code: 'identity.api_token_limit_reached',
  status: 409,
  message: 'You already have the most active API tokens allowed. Revoke one you no longer use.',
});

/** A notification id that does not exist or belongs to someone else: one answer for both. */
export const createNotificationNotFoundError = createErrorFactory({
  code: 'identity.notification_not_found',
  status: 404,
  message: 'There is no such notification.',
});

export const createEmailInvalidError = createErrorFactory({
  code: 'identity.email_invalid',
  status: 400,
  message: 'This is not an e-mail address Writ can send to.',
});

/** A passkey id that does not exist or belongs to someone else: one answer for both. */
export const createPasskeyNotFoundError = createErrorFactory({
  code: 'identity.passkey_not_found',
  status: 404,
  message: 'There is no such passkey.',
});

export const createPasskeyNameInvalidError = createErrorFactory({
  code: 'identity.passkey_name_invalid',
  status: 400,
  message: 'A passkey name is 1 to 64 printable characters.',
});

/** The user already holds the most passkeys allowed; remove one first. */
export const createPasskeyLimitReachedError = createErrorFactory({
  code: 'identity.passkey_limit_reached',
  status: 409,
  message: 'You already have the most passkeys allowed. Remove one you no longer use.',
});

/** The authenticator's credential is already registered, to this account or another. */
export const createPasskeyAlreadyRegisteredError = createErrorFactory({
  code: 'identity.passkey_already_registered',
  status: 409,
  message: 'This passkey is already registered.',
});

/**
 * The ceremony's challenge is unknown, expired, already used, issued for another purpose or to another
 * session: the browser must ask for new options.
 */
export const createPasskeyChallengeInvalidError = createErrorFactory({
  code: 'identity.passkey_challenge_invalid',
  status: 400,
  message: 'This passkey request has expired or was already used. Start again.',
});

/**
 * A registration response did not verify: wrong origin or relying party, no user verification, a
 * malformed attestation or an algorithm Writ does not accept.
 */
export const createPasskeyRegistrationRejectedError = createErrorFactory({
  code: 'identity.passkey_registration_rejected',
  status: 400,
  message:
    'The passkey could not be registered. Use an authenticator that verifies you (PIN or biometrics) on this site.',
});

/**
 * An assertion did not verify. @NOTE One answer, on purpose, for an unknown credential, another user's
 * credential, a bad signature, a wrong origin or relying party, no user verification and a signature
 * counter that went backwards.
 */
export const createPasskeyRejectedError = createErrorFactory({
  code: 'identity.passkey_rejected',
  status: 401,
  message: 'The passkey could not be verified.',
});

/** A second-factor or step-up ceremony was asked for by a user who has no passkey. */
export const createPasskeyNotEnrolledError = createErrorFactory({
  code: 'identity.passkey_not_enrolled',
  status: 409,
  message: 'You have no passkey registered. Use another second factor.',
});

/** Removing this factor would leave an account whose role requires a second factor without any. */
export const createLastSecondFactorError = createErrorFactory({
  code: 'identity.last_second_factor',
  status: 409,
  message:
    'This is your last second factor and your role requires one. Add another passkey or an authenticator app first, then remove this one.',
});

/** No session cookie or bearer token, or one that is unknown, revoked, expired or idle too long. */
export const createUnauthenticatedError = createErrorFactory({
  code: 'identity.unauthenticated',
  status: 401,
  message: 'Sign in to continue.',
});

/** The session's sign-in still waits for its second factor: only that step (or signing out) is open. */
export const createSecondFactorRequiredError = createErrorFactory({
  code: 'identity.second_factor_required',
  status: 401,
  message: 'Confirm your sign-in with your second factor first.',
});

/** The user's role requires a second factor and none is enrolled: only enrolment (or signing out) is open. */
export const createMfaEnrolmentRequiredError = createErrorFactory({
  code: 'identity.mfa_enrolment_required',
  status: 403,
  message: 'Your role requires a second factor. Set up an authenticator app or a passkey to continue.',
});

/** A cookie-authenticated POST, PUT, PATCH or DELETE without the session's `x-csrf-token` header. */
export const createCsrfFailedError = createErrorFactory({
  code: 'identity.csrf_failed',
  status: 403,
  message: 'This request lacks the session’s CSRF token. Reload the page and try again.',
});

/**
 * @NOTE One answer, on purpose, for an unknown username, a wrong password and a disabled account: telling
 * them apart would reveal which accounts exist.
 */
export const createSignInFailedError = createErrorFactory({
  code: 'identity.sign_in_failed',
  status: 401,
  message: 'The username or password is not correct.',
});

/**
 * Too many recent failures for this account or this client address: the attempt was refused without
 * checking anything. `details.retryAfterSeconds` (and the Retry-After header) say when to try again.
 */
export const createSignInThrottledError = createErrorFactory({
  code: 'identity.sign_in_throttled',
  status: 429,
  message: 'Too many failed attempts. Wait a moment before trying again.',
});

/** A session id that does not exist or belongs to someone else: one answer for both. */
export const createSessionNotFoundError = createErrorFactory({
  code: 'identity.session_not_found',
  status: 404,
  message: 'There is no such session.',
});

/**
 * @NOTE One answer, on purpose, for a wrong code, a malformed one, a code already used (TOTP replay, a
 * spent recovery code) and a method the user has not enrolled.
 */
/**
 * A recovery code offered to complete a sign-in after a recovery code set the password: both would make a
 * recovery sheet alone enough to take the account. Refused before the code is looked at.
 */
export const createRecoveryCodeNotAcceptedError = createErrorFactory({
  code: 'identity.recovery_code_not_accepted',
  status: 403,
  message:
    'Your password was reset with a recovery code, so a recovery code cannot also complete this sign-in. Use your authenticator app or passkey; if you have lost it too, ask an administrator to reset your second factor.',
});

export const createCodeInvalidError = createErrorFactory({
  code: 'identity.code_invalid',
  status: 400,
  message:
    'This code is not valid. Use the current code from your authenticator app, or an unused recovery code.',
});

/**
 * A sensitive act needs a second factor proved within the last `stepUpMinutes`: POST one to
 * `/api/session/step-up` (purpose `step_up`), then retry.
 */
export const createStepUpRequiredError = createErrorFactory({
  code: 'identity.step_up_required',
  status: 401,
  message: 'Confirm it is you: prove your second factor again (POST /api/session/step-up), then retry.',
});

/**
 * An act that needs a recent proof of identity, asked of a user with no second factor whose sign-in is older
 * than `stepUpMinutes`: only signing in again (the password) proves it.
 */
export const createRecentSignInRequiredError = createErrorFactory({
  code: 'identity.recent_sign_in_required',
  status: 401,
  message:
    'Confirm it is you: sign out and sign in again, then retry within a few minutes. Setting up an authenticator app or a passkey lets you confirm it without signing out.',
});

export const createTotpAlreadyEnrolledError = createErrorFactory({
  code: 'identity.totp_already_enrolled',
  status: 409,
  message: 'An authenticator app is already set up. Remove it first to set up another.',
});

/** A confirmation arrived with no enrolment started (or after it was replaced or completed). */
export const createTotpEnrolmentNotStartedError = createErrorFactory({
  code: 'identity.totp_enrolment_not_started',
  status: 409,
  message: 'No authenticator app set-up is in progress. Start again.',
});

export const createTotpNotEnrolledError = createErrorFactory({
  code: 'identity.totp_not_enrolled',
  status: 404,
  message: 'No authenticator app is set up.',
});

/** Recovery codes recover a second factor; a user without one has nothing to recover. */
export const createMfaNotEnrolledError = createErrorFactory({
  code: 'identity.mfa_not_enrolled',
  status: 409,
  message: 'Set up an authenticator app or a passkey first.',
});

/** The current password given to change it was wrong. */
export const createPasswordIncorrectError = createErrorFactory({
  code: 'identity.password_incorrect',
  status: 403,
  message: 'The current password is not correct.',
});

/**
 * Writ's public URL names an IP address, which WebAuthn cannot use as a relying party: passkeys need a
 * host name in `WRIT_PUBLIC_URL`.
 */
export const createPasskeysUnavailableError = createErrorFactory({
  code: 'identity.passkeys_unavailable',
  status: 409,
  message:
    'Passkeys need Writ to be reached by a host name, not an IP address. Ask your administrator to set WRIT_PUBLIC_URL to https://<host name>.',
});

/** An API token was presented to a route that does not accept tokens, or without the scope it needs. */
export const createApiTokenScopeError = createErrorFactory({
  code: 'identity.api_token_scope_missing',
  status: 403,
  message: 'This API token cannot be used for this request.',
});

/** Someone outside the firm's staff (a client, a process server) or an API token asked the colleague directory. */
export const createDirectoryNotAllowedError = createErrorFactory({
  code: 'identity.directory_not_allowed',
  status: 403,
  message: 'Only the firm’s staff, signed in to the web application, may look colleagues up.',
});

export const createGroupNotFoundError = createErrorFactory({
  code: 'identity.group_not_found',
  status: 404,
  message: 'There is no such group.',
});

export const createGroupNameInvalidError = createErrorFactory({
  code: 'identity.group_name_invalid',
  status: 400,
  message: 'A group name is 1 to 100 characters, without control characters.',
});

export const createGroupNameTakenError = createErrorFactory({
  code: 'identity.group_name_taken',
  status: 409,
  message: 'Another group already has this name.',
});

/** Deleting a group that an ethical wall still screens from a matter: the wall must be lifted first. */
export const createGroupHasWallsError = createErrorFactory({
  code: 'identity.group_has_walls',
  status: 409,
  message: 'An ethical wall screens this group from a matter. A compliance officer must lift it first.',
});

/**
 * Removing someone from a group whose wall screens them from a matter, with no wall on them in person: their
 * leaving would lift the wall for them without a compliance officer.
 */
export const createGroupMemberScreenedError = createErrorFactory({
  code: 'identity.group_member_screened',
  status: 409,
  message:
    'An ethical wall on this group screens this member from a matter. A compliance officer must screen them in person, or lift the wall, before they leave the group.',
});

/** Removing someone from a group they do not belong to. */
export const createGroupMemberNotFoundError = createErrorFactory({
  code: 'identity.group_member_not_found',
  status: 404,
  message: 'This person is not a member of this group.',
});
