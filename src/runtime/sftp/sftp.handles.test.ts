import { PassThrough, Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { readAheadBytes, SequentialReader } from './sftp.handles.js';

function bytes(length: number, offset = 0): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (index + offset) % 251));
}

describe('SequentialReader', () => {
  test('serves exact-size reads across chunk boundaries, then the short tail, then the end', async () => {
    const content = bytes(100_000);
    const chunks = [content.subarray(0, 7), content.subarray(7, 40_000), content.subarray(40_000)];
    const reader = new SequentialReader(Readable.from(chunks), 0);
    const read: Buffer[] = [];
    for (;;) {
      const chunk = await reader.read(32 * 1024);
      if (chunk === undefined) break;
      // Valid until the next read.
      read.push(Buffer.from(chunk));
    }
    expect(read.map((chunk) => chunk.length)).toEqual([32_768, 32_768, 32_768, 1_696]);
    expect(Buffer.concat(read).equals(content)).toBe(true);
    expect(reader.position).toBe(100_000);
  });

  test('reads that straddle chunks share one buffer of the reader instead of a new one each', async () => {
    const content = bytes(300_000);
    const pieces = [0, 1, 2, 3].map((index) => content.subarray(index * 75_000, (index + 1) * 75_000));
    const reader = new SequentialReader(Readable.from(pieces), 0);
    const first = await reader.read(100_000);
    expect(first?.equals(content.subarray(0, 100_000))).toBe(true);
    const second = await reader.read(100_000);
    expect(second?.equals(content.subarray(100_000, 200_000))).toBe(true);
    expect(second?.buffer).toBe(first?.buffer);
    const last = await reader.read(200_000);
    expect(last?.equals(content.subarray(200_000))).toBe(true);
  });

  test('a stream that fails mid-way fails the next read, even with bytes still buffered', async () => {
    const body = new PassThrough();
    const reader = new SequentialReader(body, 0);
    body.write(bytes(10_000));
    expect((await reader.read(4_000))?.length).toBe(4_000);
    body.destroy(
      Object.assign(new Error('segment 3 did not authenticate'), { code: 'vault.integrity_failed' }),
    );
    // The failure is delivered as an 'error' event, on a later tick.
    await new Promise((resolve) => setImmediate(resolve));
    await expect(reader.read(4_000)).rejects.toMatchObject({ code: 'vault.integrity_failed' });
  });

  test('a stream destroyed before its end is never passed off as a complete file', async () => {
    const body = new PassThrough();
    const reader = new SequentialReader(body, 0);
    body.write(bytes(1_000));
    body.destroy();
    await expect(reader.read(32 * 1024)).rejects.toThrow('The download ended early.');
  });

  test('reads ahead no further than the limit while no request comes', async () => {
    let produced = 0;
    const body = new Readable({
      read() {
        produced += 64 * 1024;
        this.push(bytes(64 * 1024));
      },
    });
    const reader = new SequentialReader(body, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // What the stream's own buffer holds besides: a chunk or two.
    expect(produced).toBeLessThan(readAheadBytes + 256 * 1024);
    expect((await reader.read(32 * 1024))?.length).toBe(32 * 1024);
    reader.destroy();
  });
});
