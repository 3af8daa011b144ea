import { createErrorFactory } from '../../shared/errors/errors.js';

/** The matter was crypto-shredded: its keys are erased, so nothing of it can be opened again. */
export const createMatterKeysDestroyedError = createErrorFactory({
  code: 'vault.matter_keys_destroyed',
  status: 410,
  message: "This matter's keys were destroyed: its documents can no longer be opened.",
});

/** A key the caller names (a data key id, a matter's keys) is not stored: a bug or a damaged key store. */
export const createKeyNotFoundError = createErrorFactory({
  code: 'vault.key_not_found',
  status: 500,
  isInternal: true,
  message: 'A key of the key hierarchy is missing.',
});

/**
 * A wrapped key did not authenticate: it was altered, moved to another row, or wrapped under another key.
 * @NOTE One code for every cause, like `vault.integrity_failed`.
 */
export const createKeyUnwrapFailedError = createErrorFactory({
  code: 'vault.key_unwrap_failed',
  status: 500,
  isInternal: true,
  message: 'A wrapped key did not authenticate: it was altered, moved, or wrapped under another key.',
});

/** A key is wrapped by a root key the keyring does not hold (the wrong root key file, or an old one). */
export const createRootKeyUnknownError = createErrorFactory({
  code: 'vault.root_key_unknown',
  status: 500,
  isInternal: true,
  message: 'A key is wrapped by a root key this installation does not hold.',
});

/** createMatterKeys was called for a matter that already has keys. */
export const createMatterKeysExistError = createErrorFactory({
  code: 'vault.matter_keys_exist',
  status: 409,
  isInternal: true,
  message: 'This matter already has keys.',
});
