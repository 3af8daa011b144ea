import { describe, expect, test } from 'vitest';
import { createPrefixedIdGenerator, createSequentialIdGenerator, isPrefixedId } from './ids.js';

describe('prefixed ids', () => {
  test('ids carry their prefix and 26 base32 characters', () => {
    const generate = createPrefixedIdGenerator({ prefix: 'mat' });
    const id = generate();
    expect(id).toMatch(/^mat_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isPrefixedId({ id, prefix: 'mat' })).toBe(true);
    expect(isPrefixedId({ id, prefix: 'doc' })).toBe(false);
  });

  test('ten thousand ids never collide', () => {
    const generate = createPrefixedIdGenerator({ prefix: 'doc' });
    const ids = new Set(Array.from({ length: 10_000 }, generate));
    expect(ids.size).toBe(10_000);
  });

  test('the body encodes the random bytes, so all-zero randomness gives all-zero characters', () => {
    const generate = createPrefixedIdGenerator({ prefix: 'usr', random: (n) => new Uint8Array(n) });
    expect(generate()).toBe(`usr_${'0'.repeat(26)}`);
  });

  test('a prefix that is not 2 to 5 lowercase letters is refused', () => {
    expect(() => createPrefixedIdGenerator({ prefix: 'Bad-1' })).toThrow(/invalid id prefix/);
  });

  test('sequential ids for tests are valid ids and in order', () => {
    const generate = createSequentialIdGenerator({ prefix: 'usr' });
    const [a, b] = [generate(), generate()];
    expect(isPrefixedId({ id: a, prefix: 'usr' })).toBe(true);
    expect(a < b).toBe(true);
  });
});
