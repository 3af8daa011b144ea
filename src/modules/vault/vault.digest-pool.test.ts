import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { createDigestPool, type DigestPool, type DigestStream } from './vault.digest-pool.js';

const pools: DigestPool[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function smallPool(options: { firstSequence?: number } = {}): DigestPool {
  // A tiny ring: every test crosses slot boundaries, wraps around and waits for free slots.
  const pool = createDigestPool({ slots: 4, slotBytes: 1024, ...options });
  pools.push(pool);
  return pool;
}

async function feed(stream: DigestStream, chunks: Uint8Array[]): Promise<string> {
  for (const chunk of chunks) await stream.update(chunk);
  return stream.digest();
}

function sha256(chunks: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

const awkwardSizes = [0, 1, 1023, 1024, 1025, 4096, 4097, 3 * 1024 + 5, 10_000];

describe('the hashing thread', () => {
  test('gives the SHA-256 node:crypto gives, for chunks smaller than, equal to and larger than a slot', async () => {
    const pool = smallPool();
    const chunks = awkwardSizes.map((size) => randomBytes(size));
    expect(await feed(pool.createStream(), chunks)).toBe(sha256(chunks));
  });

  test('takes plain Uint8Arrays and views at any offset of a larger buffer, copying only their bytes', async () => {
    const pool = smallPool();
    const backing = randomBytes(20_000);
    const chunks = awkwardSizes.map(
      (size, index) => new Uint8Array(backing.buffer, backing.byteOffset + index * 997, size),
    );
    expect(await feed(pool.createStream(), chunks)).toBe(sha256(chunks));
  });

  test('an empty stream has the SHA-256 of nothing', async () => {
    expect(await smallPool().createStream().digest()).toBe(sha256([]));
  });

  test('keeps the streams apart when many are fed at once, their records interleaved in the ring', async () => {
    const pool = smallPool();
    const inputs = Array.from({ length: 12 }, (_, index) =>
      Array.from({ length: 6 }, (_unused, part) => randomBytes(((index * 7 + part * 311) % 3000) + 1)),
    );
    const digests = await Promise.all(inputs.map((chunks) => feed(pool.createStream(), chunks)));
    expect(digests).toEqual(inputs.map(sha256));
  });

  test('small chunks of streams fed in turn share and hand over slots without mixing', async () => {
    const pool = smallPool();
    const streams = [pool.createStream(), pool.createStream(), pool.createStream()];
    const inputs: Buffer[][] = [[], [], []];
    for (let round = 0; round < 400; round += 1) {
      for (const [index, stream] of streams.entries()) {
        const chunk = randomBytes(((round * 13 + index * 5) % 40) + 1);
        inputs[index]?.push(chunk);
        await stream.update(chunk);
      }
    }
    expect(await Promise.all(streams.map((stream) => stream.digest()))).toEqual(inputs.map(sha256));
  });

  test('a chunk may be overwritten as soon as update returns: the ring holds its own copy', async () => {
    const pool = smallPool();
    const stream = pool.createStream();
    const buffer = Buffer.alloc(3000, 0x61);
    const expected = sha256([Buffer.from(buffer), Buffer.from(buffer)]);
    await stream.update(buffer);
    const copy = Buffer.from(buffer);
    buffer.fill(0x62);
    await stream.update(copy);
    expect(await stream.digest()).toBe(expected);
  });

  test('a sleeping thread is woken once half the ring waits, not for every slot, and still hashes all', async () => {
    const pool = smallPool();
    const stream = pool.createStream();
    const notify = vi.spyOn(Atomics, 'notify');
    const chunks = Array.from({ length: 40 }, () => randomBytes(1024));
    for (const chunk of chunks) {
      await stream.update(chunk);
      // Time for the thread to hash what it was given and go back to sleep.
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Index 0 counts published slots: the wakes of the thread (index 1 would be slots it consumed).
    const wakes = notify.mock.calls.filter(([, index]) => index === 0).length;
    expect(wakes).toBeLessThanOrEqual(chunks.length / 2);
    expect(await stream.digest()).toBe(sha256(chunks));
  });

  test('counters crossing 2^31 do not lose or repeat a slot', async () => {
    const pool = smallPool({ firstSequence: 2 ** 31 - 3 });
    const chunks = [randomBytes(5000), randomBytes(7000)];
    expect(await feed(pool.createStream(), chunks)).toBe(sha256(chunks));
  });

  test('an abandoned stream does not disturb the others, and cannot be used afterwards', async () => {
    const pool = smallPool();
    const abandoned = pool.createStream();
    await abandoned.update(randomBytes(2000));
    abandoned.abandon();
    expect(() => abandoned.update(randomBytes(1))).toThrow('ended');
    const chunks = [randomBytes(2500)];
    expect(await feed(pool.createStream(), chunks)).toBe(sha256(chunks));
  });

  test('a digest asked twice is refused', async () => {
    const stream = smallPool().createStream();
    await stream.digest();
    await expect(stream.digest()).rejects.toThrow('ended');
  });

  test('when the thread is gone, open streams fail with an error instead of waiting for ever', async () => {
    const pool = smallPool();
    const stream = pool.createStream();
    await stream.update(randomBytes(100));
    await pool.close();
    expect(pool.hasFailed()).toBe(true);
    await expect(stream.digest()).rejects.toThrow('hashing thread');
    await expect(Promise.resolve(pool.createStream().update(randomBytes(10)))).rejects.toThrow(
      'hashing thread',
    );
  });
});
