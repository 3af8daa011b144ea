import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, test } from 'vitest';
import { isWritError } from '../errors/errors.js';
import type { BlobStore } from './blob-store.js';

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<unknown>) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks);
}

export async function collectKeys(keys: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of keys) out.push(key);
  return out.sort();
}

/** The rejection of `promise`, failing the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await rejectionOf(promise);
  expect(isWritError(error) ? error.code : error).toBe(code);
}

/** `size` bytes in `chunkSize` chunks, produced lazily as a consumer would see an upload arrive. */
export function chunkedSource({ data, chunkSize }: { data: Buffer; chunkSize: number }): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += chunkSize) {
        yield data.subarray(offset, offset + chunkSize);
      }
    })(),
  );
}

/** Yields `before` bytes, then fails with `error`. */
export function failingSource({ before, error }: { before: Buffer; error: Error }): Readable {
  return Readable.from(
    (async function* () {
      yield before;
      await sleep(5);
      throw error;
    })(),
  );
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Resolves once everything written to `stream` has been read by its consumer. */
export async function drained(stream: PassThrough): Promise<void> {
  while (stream.writableLength > 0 || stream.readableLength > 0) await sleep(5);
}

const invalidKeys = [
  '',
  '/',
  '/a',
  'a/',
  'a//b',
  '.',
  '..',
  '../x',
  'a/../../b',
  'a/./b',
  '/etc/passwd',
  'a\0b',
  'content\\x',
  'Content',
  'a b',
  'a.b',
  'é',
  'x'.repeat(101),
  Array.from({ length: 9 }, () => 'a').join('/'),
];

/**
 * What every `BlobStore` must do. `createStore` returns a store that sees no other test's blobs; the suite
 * closes it after each test.
 */
export function describeBlobStoreContract(name: string, createStore: () => Promise<BlobStore>): void {
  describe(`${name}: BlobStore contract`, () => {
    const opened: BlobStore[] = [];
    async function open(): Promise<BlobStore> {
      const store = await createStore();
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    describe('put and read', () => {
      test('an empty blob round-trips', async () => {
        const store = await open();
        expect(await store.put({ key: 'content/empty', source: Readable.from([]) })).toEqual({
          size: 0,
        });
        expect(await readAll(await store.read({ key: 'content/empty' }))).toEqual(Buffer.alloc(0));
        expect(await store.stat({ key: 'content/empty' })).toEqual({ size: 0 });
      });

      test('a one-byte blob round-trips', async () => {
        const store = await open();
        const data = Buffer.from([0xa5]);
        expect(await store.put({ key: 'content/one', source: Readable.from([data]) })).toEqual({
          size: 1,
        });
        expect(await readAll(await store.read({ key: 'content/one' }))).toEqual(data);
      });

      test('several MiB streamed in chunks come back byte for byte', async () => {
        const store = await open();
        const data = randomBytes(3 * 1024 * 1024 + 17);
        const source = chunkedSource({ data, chunkSize: 64 * 1024 });
        const key = 'content/mat_1/blb_1';
        expect(await store.put({ key, source })).toEqual({ size: data.length });
        expect(sha256(await readAll(await store.read({ key })))).toBe(sha256(data));
        expect(await store.stat({ key })).toEqual({ size: data.length });
      });

      test('reading an absent key is blobs.not_found, never an empty stream', async () => {
        const store = await open();
        await expectCode(store.read({ key: 'content/absent' }), 'blobs.not_found');
        await expectCode(
          store.read({ key: 'content/absent', range: { start: 0, end: 0 } }),
          'blobs.not_found',
        );
        await expectCode(store.readRange({ key: 'content/absent', start: 0, end: 10 }), 'blobs.not_found');
      });

      test('stat of an absent key is undefined', async () => {
        const store = await open();
        expect(await store.stat({ key: 'content/absent' })).toBeUndefined();
      });
    });

    describe('ranges', () => {
      const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
      const ranges = [
        { start: 0, end: 10 },
        { start: 100, end: 357 },
        { start: 990, end: 1000 },
        { start: 0, end: 1000 },
        { start: 500, end: 500 },
        { start: 1000, end: 1000 },
      ];

      test('read returns exactly bytes [start, end): start, middle, end, whole and empty', async () => {
        const store = await open();
        await store.put({ key: 'content/r', source: Readable.from([data]) });
        for (const range of ranges) {
          const bytes = await readAll(await store.read({ key: 'content/r', range }));
          expect(bytes, `${range.start}-${range.end}`).toEqual(data.subarray(range.start, range.end));
        }
      });

      test('readRange returns exactly bytes [start, end)', async () => {
        const store = await open();
        await store.put({ key: 'content/r', source: Readable.from([data]) });
        for (const range of ranges) {
          const bytes = await store.readRange({ key: 'content/r', ...range });
          expect(bytes, `${range.start}-${range.end}`).toEqual(data.subarray(range.start, range.end));
        }
      });

      test('a range past the end returns only the bytes that exist', async () => {
        const store = await open();
        await store.put({ key: 'content/r', source: Readable.from([data]) });
        expect(await store.readRange({ key: 'content/r', start: 990, end: 2000 })).toEqual(
          data.subarray(990),
        );
        expect(await store.readRange({ key: 'content/r', start: 1500, end: 2000 })).toEqual(Buffer.alloc(0));
        const bytes = await readAll(await store.read({ key: 'content/r', range: { start: 995, end: 2000 } }));
        expect(bytes).toEqual(data.subarray(995));
      });

      test('a reversed, negative or fractional range is blobs.range_invalid', async () => {
        const store = await open();
        await store.put({ key: 'content/r', source: Readable.from([data]) });
        for (const range of [
          { start: 10, end: 5 },
          { start: -1, end: 5 },
          { start: 0.5, end: 5 },
        ]) {
          await expectCode(store.readRange({ key: 'content/r', ...range }), 'blobs.range_invalid');
          await expectCode(store.read({ key: 'content/r', range }), 'blobs.range_invalid');
        }
      });
    });

    describe('immutability and removal', () => {
      test('a put to an existing key is refused and the first blob is untouched', async () => {
        const store = await open();
        await store.put({ key: 'content/once', source: Readable.from([Buffer.from('first')]) });
        await expectCode(
          store.put({ key: 'content/once', source: Readable.from([Buffer.from('second!')]) }),
          'blobs.already_exists',
        );
        expect((await readAll(await store.read({ key: 'content/once' }))).toString()).toBe('first');
      });

      test('delete removes a blob, and deleting an absent blob is not an error', async () => {
        const store = await open();
        await store.put({ key: 'content/gone', source: Readable.from([Buffer.from('x')]) });
        await store.delete({ key: 'content/gone' });
        expect(await store.stat({ key: 'content/gone' })).toBeUndefined();
        await expectCode(store.read({ key: 'content/gone' }), 'blobs.not_found');
        await store.delete({ key: 'content/gone' });
        await store.delete({ key: 'content/never' });
      });

      test('list returns every key under a prefix and nothing else', async () => {
        const store = await open();
        const keys = ['content/mat_a/blb_1', 'content/mat_a/blb_2', 'content/mat_b/blb_3', 'other/x'];
        for (const key of keys) {
          await store.put({ key, source: Readable.from([Buffer.from(key)]) });
        }
        expect(await collectKeys(store.list({ prefix: '' }))).toEqual(keys);
        expect(await collectKeys(store.list({ prefix: 'content/' }))).toEqual(keys.slice(0, 3));
        expect(await collectKeys(store.list({ prefix: 'content/mat_a/' }))).toEqual(keys.slice(0, 2));
        expect(await collectKeys(store.list({ prefix: 'content/mat_' }))).toEqual(keys.slice(0, 3));
        expect(await collectKeys(store.list({ prefix: 'content/mat_b/blb_3' }))).toEqual([
          'content/mat_b/blb_3',
        ]);
        expect(await collectKeys(store.list({ prefix: 'nothing/' }))).toEqual([]);
      });
    });

    describe('failed puts leave nothing behind', () => {
      test('a source that errors midway rejects with that error and leaves no blob', async () => {
        const store = await open();
        const error = new Error('upload connection reset');
        const source = failingSource({ before: randomBytes(256 * 1024), error });
        expect(await rejectionOf(store.put({ key: 'content/broken', source }))).toBe(error);
        expect(await store.stat({ key: 'content/broken' })).toBeUndefined();
        expect(await collectKeys(store.list({ prefix: '' }))).toEqual([]);
        await expectCode(store.read({ key: 'content/broken' }), 'blobs.not_found');
      });

      test('a put aborted midway rejects with the abort reason and leaves no blob', async () => {
        const store = await open();
        const source = new PassThrough();
        const controller = new AbortController();
        const reason = new Error('client went away');
        const putting = store.put({ key: 'content/aborted', source, signal: controller.signal });
        source.write(randomBytes(128 * 1024));
        await drained(source);
        controller.abort(reason);
        expect(await rejectionOf(putting)).toBe(reason);
        expect(await store.stat({ key: 'content/aborted' })).toBeUndefined();
        expect(await collectKeys(store.list({ prefix: '' }))).toEqual([]);
      });

      test('a put with an already aborted signal writes nothing', async () => {
        const store = await open();
        const reason = new Error('too late');
        const putting = store.put({
          key: 'content/aborted',
          source: Readable.from([Buffer.from('x')]),
          signal: AbortSignal.abort(reason),
        });
        expect(await rejectionOf(putting)).toBe(reason);
        expect(await store.stat({ key: 'content/aborted' })).toBeUndefined();
      });
    });

    describe('keys', () => {
      test.each(invalidKeys.map((key) => [JSON.stringify(key), key]))(
        'the key %s is refused by every method',
        async (_label, key) => {
          const store = await open();
          await expectCode(
            store.put({ key, source: Readable.from([Buffer.from('x')]) }),
            'blobs.key_invalid',
          );
          await expectCode(store.read({ key }), 'blobs.key_invalid');
          await expectCode(store.readRange({ key, start: 0, end: 1 }), 'blobs.key_invalid');
          await expectCode(store.stat({ key }), 'blobs.key_invalid');
          await expectCode(store.delete({ key }), 'blobs.key_invalid');
        },
      );

      test('a list prefix that no key could start with is refused', async () => {
        const store = await open();
        for (const prefix of ['/', '../', 'a//', 'A/', '.incomplete/']) {
          await expectCode(collectKeys(store.list({ prefix })), 'blobs.key_invalid');
        }
      });

      test('the longest valid key is accepted', async () => {
        const store = await open();
        const key = Array.from({ length: 8 }, () => 'a'.repeat(100)).join('/');
        await store.put({ key, source: Readable.from([Buffer.from('deep')]) });
        expect(await store.stat({ key })).toEqual({ size: 4 });
      });
    });
  });
}
