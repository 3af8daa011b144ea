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
