import { expect, test } from 'vitest';
import { constantTimeEqual } from './constant-time.js';

test('equal secrets compare equal, whatever their type', () => {
  expect(constantTimeEqual('s3cret-token', 's3cret-token')).toBe(true);
  expect(constantTimeEqual(Buffer.from('abc'), 'abc')).toBe(true);
});

test('secrets that differ in one byte or in length compare unequal', () => {
  expect(constantTimeEqual('s3cret-token', 's3cret-tokeN')).toBe(false);
  expect(constantTimeEqual('s3cret-token', 's3cret-token-longer')).toBe(false);
  expect(constantTimeEqual('', 'x')).toBe(false);
});
