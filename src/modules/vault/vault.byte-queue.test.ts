import { describe, expect, test } from 'vitest';
import { createByteQueue, splitTail } from './vault.byte-queue.js';
import { collectGarbage } from './vault.streaming-aead.test-utils.js';

describe('the byte queue', () => {
  test('hands out exact byte counts across chunk boundaries, sharing what it splits', () => {
    const queue = createByteQueue();
    const first = Buffer.from('abcdef');
    queue.append(first);
    queue.append(Buffer.alloc(0));
    queue.append(Buffer.from('ghij'));
    const taken = queue.take(4);
    expect(Buffer.concat(taken).toString()).toBe('abcd');
    expect(taken[0]?.buffer).toBe(first.buffer);
    expect(Buffer.concat(queue.take(5)).toString()).toBe('efghi');
    expect(queue.length()).toBe(1);
    expect(() => queue.take(2)).toThrow(RangeError);
    expect(Buffer.concat(queue.take(1)).toString()).toBe('j');
    expect(queue.length()).toBe(0);
  });

  test('a chunk taken whole is no longer held by the queue', async () => {
    const queue = createByteQueue();
    let taken: Buffer[] | undefined;
    const reference = (() => {
      const chunk = Buffer.alloc(64 * 1024, 1);
      queue.append(chunk);
      queue.append(Buffer.alloc(16, 2));
      taken = queue.take(chunk.length);
      return new WeakRef(chunk);
    })();
    expect(taken?.[0]).toBe(reference.deref());
    taken = undefined;
    // A WeakRef keeps its target until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    collectGarbage();
    expect(reference.deref()).toBeUndefined();
    expect(queue.length()).toBe(16);
  });

  test('many small appends and takes keep their order', () => {
    const queue = createByteQueue();
    const all = Buffer.from(Array.from({ length: 1000 }, (_, index) => index % 251));
    for (let offset = 0; offset < all.length; offset += 7) queue.append(all.subarray(offset, offset + 7));
    const out: Buffer[] = [];
    while (queue.length() > 0) out.push(...queue.take(Math.min(13, queue.length())));
    expect(Buffer.concat(out).equals(all)).toBe(true);
  });
});

describe('splitTail', () => {
  test('splits the last bytes off into a copy and shares the body', () => {
    const chunks = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('f')];
    const { body, tail } = splitTail(chunks, 4);
    expect(Buffer.concat(body).toString()).toBe('ab');
    expect(tail.toString()).toBe('cdef');
    expect(() => splitTail(chunks, 7)).toThrow(RangeError);
  });
});
