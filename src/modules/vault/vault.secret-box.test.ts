import { randomBytes } from 'node:crypto';
import { expect, test } from 'vitest';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { createKeyedHasher, createSecretBox } from './vault.secret-box.js';

const installationKey = randomBytes(32);

function expectUnreadable(open: () => unknown): void {
  let error: unknown;
  try {
    open();
  } catch (caught) {
    error = caught;
  }
  expect(isErrorWithCode({ error, code: 'vault.secret_unreadable' })).toBe(true);
}

test('a sealed secret opens with the same key and purpose, and does not contain the plaintext', () => {
  const box = createSecretBox({ key: installationKey });
  const plaintext = Buffer.from('JBSWY3DPEHPK3PXP');
  const sealed = box.seal({ plaintext, purpose: 'totp:usr_1' });
  expect(sealed).toMatch(/^s1\.[A-Za-z0-9_-]+$/);
  expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
  expect(box.open({ sealed, purpose: 'totp:usr_1' }).equals(plaintext)).toBe(true);
  expect(box.seal({ plaintext, purpose: 'totp:usr_1' })).not.toBe(sealed);
});

test('another purpose, another key, a flipped byte or a truncation does not open', () => {
  const box = createSecretBox({ key: installationKey });
  const sealed = box.seal({ plaintext: Buffer.from('secret'), purpose: 'totp:usr_1' });
  expectUnreadable(() => box.open({ sealed, purpose: 'totp:usr_2' }));
  expectUnreadable(() => createSecretBox({ key: randomBytes(32) }).open({ sealed, purpose: 'totp:usr_1' }));
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  raw[14] = (raw[14] ?? 0) ^ 1;
  expectUnreadable(() => box.open({ sealed: `s1.${raw.toString('base64url')}`, purpose: 'totp:usr_1' }));
  expectUnreadable(() => box.open({ sealed: sealed.slice(0, 20), purpose: 'totp:usr_1' }));
  expectUnreadable(() => box.open({ sealed: 'plain', purpose: 'totp:usr_1' }));
});

test('keyed hashes are stable per key and purpose, and differ across both', () => {
  const hasher = createKeyedHasher({ key: installationKey });
  const a = hasher.hash({ value: '203.0.113.7', purpose: 'throttle-ip' });
  expect(hasher.hash({ value: '203.0.113.7', purpose: 'throttle-ip' })).toBe(a);
  expect(hasher.hash({ value: '203.0.113.7', purpose: 'throttle-account' })).not.toBe(a);
  expect(
    createKeyedHasher({ key: randomBytes(32) }).hash({ value: '203.0.113.7', purpose: 'throttle-ip' }),
  ).not.toBe(a);
  expect(a).not.toContain('203.0.113.7');
});
