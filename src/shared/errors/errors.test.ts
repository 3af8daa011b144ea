import { describe, expect, test } from 'vitest';
import { createError, createErrorFactory, isErrorWithCode, isWritError } from './errors.js';

describe('error factories', () => {
  const createLinkExpiredError = createErrorFactory({
    code: 'sharing.link_expired',
    status: 410,
    message: 'This link has expired.',
  });

  test('a factory produces errors with its stable code, status and default message', () => {
    const error = createLinkExpiredError();
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('sharing.link_expired');
    expect(error.status).toBe(410);
    expect(error.message).toBe('This link has expired.');
    expect(error.isInternal).toBe(false);
    expect(createLinkExpiredError.code).toBe('sharing.link_expired');
  });

  test('a cause is kept for logs and the message can be specialised', () => {
    const cause = new Error('disk full');
    const error = createLinkExpiredError({ message: 'Expired yesterday.', cause });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Expired yesterday.');
  });

  test('code checks never match plain errors or other codes', () => {
    const error = createError({ code: 'vault.integrity_failed', status: 422, message: 'x' });
    expect(isErrorWithCode({ error, code: 'vault.integrity_failed' })).toBe(true);
    expect(isErrorWithCode({ error, code: ['a.b', 'vault.integrity_failed'] })).toBe(true);
    expect(isErrorWithCode({ error, code: 'vault.other' })).toBe(false);
    const impostor = Object.assign(new Error('x'), { code: 'vault.integrity_failed', status: 422 });
    expect(isErrorWithCode({ error: impostor, code: 'vault.integrity_failed' })).toBe(false);
    expect(isWritError(null)).toBe(false);
  });
});
