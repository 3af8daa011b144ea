import { createErrorFactory } from '../errors/errors.js';

/** Keys are chosen by Writ, never by a user: an invalid key or range is a bug, not a bad request. */
export const createBlobKeyInvalidError = createErrorFactory({
  code: 'blobs.key_invalid',
  status: 500,
  message: 'Invalid blob key.',
  isInternal: true,
});

export const createBlobNotFoundError = createErrorFactory({
  code: 'blobs.not_found',
  status: 404,
  message: 'This content is not available.',
});

/** Blobs are immutable: a second put to a key is refused rather than replacing the first blob. */
export const createBlobAlreadyExistsError = createErrorFactory({
  code: 'blobs.already_exists',
  status: 409,
  message: 'A blob with this key already exists.',
  isInternal: true,
});

export const createBlobRangeInvalidError = createErrorFactory({
  code: 'blobs.range_invalid',
  status: 416,
  message: 'The requested byte range is not valid.',
});
