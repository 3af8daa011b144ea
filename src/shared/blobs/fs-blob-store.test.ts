import {
  type FileHandle,
  lstat,
  mkdir,
  mkdtemp,
  open,
  readdir,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, test, vi } from 'vitest';
import { isErrorWithCode } from '../errors/errors.js';
import {
  collectKeys,
  describeBlobStoreContract,
  drained,
  expectCode,
  failingSource,
  readAll,
  rejectionOf,
} from './blob-store.test-utils.js';
import { createFsBlobStore, syncBehindBytes } from './fs-blob-store.js';

const tempDirs: string[] = [];
async function createTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'writ-blobs-'));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function createStoreInTempDir() {
  const parent = await createTempDir();
  const rootDir = join(parent, 'blobs');
  return { parent, rootDir, store: createFsBlobStore({ rootDir }) };
}

describeBlobStoreContract('filesystem', async () => (await createStoreInTempDir()).store);

/** FileHandle's prototype, to watch the syncs a put makes: node:fs does not export the class. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const probe = await open(join(await createTempDir(), 'probe'), 'w');
  await probe.close();
  return Object.getPrototypeOf(probe) as FileHandle;
}

/** 1 MiB chunks, counting how many went out, so that a sync can be placed in the stream. */
function countedSource(chunks: number) {
  const state = { emitted: 0 };
  const source = Readable.from(
    (function* () {
      for (let index = 0; index < chunks; index += 1) {
        state.emitted += 1;
        yield Buffer.alloc(1024 * 1024, index % 251);
      }
    })(),
  );
  return { source, state };
}

describe('filesystem blob store', () => {
  test('no partial file is ever visible under the key while a put is streaming', async () => {
    const { rootDir, store } = await createStoreInTempDir();
    const source = new PassThrough();
    const key = 'content/mat_1/blb_1';
    const putting = store.put({ key, source });
    for (let i = 0; i < 4; i++) {
      source.write(Buffer.alloc(256 * 1024, i));
      await drained(source);
      expect(await store.stat({ key })).toBeUndefined();
      expect(await rejectionOf(lstat(join(rootDir, 'content', 'mat_1', 'blb_1')))).toMatchObject({
        code: 'ENOENT',
      });
      expect(await collectKeys(store.list({ prefix: '' }))).toEqual([]);
      expect(await readdir(join(rootDir, '.incomplete'))).toHaveLength(1);
    }
    source.end();
    expect(await putting).toEqual({ size: 1024 * 1024 });
    expect(await store.stat({ key })).toEqual({ size: 1024 * 1024 });
    expect(await readdir(join(rootDir, '.incomplete'))).toEqual([]);
  });

  test('the temp file is removed when the source fails', async () => {
    const { rootDir, store } = await createStoreInTempDir();
    const error = new Error('boom');
    const source = failingSource({ before: Buffer.alloc(1024), error });
    expect(await rejectionOf(store.put({ key: 'content/x', source }))).toBe(error);
    expect(await readdir(join(rootDir, '.incomplete'))).toEqual([]);
  });

  describe('flushing behind the writes', () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    test('a large put starts fdatasyncs while it writes, and still fsyncs at the end', async () => {
      const { store } = await createStoreInTempDir();
      const prototype = await fileHandlePrototype();
      const chunks = (3 * syncBehindBytes) / (1024 * 1024);
      const { source, state } = countedSource(chunks);
      const emittedAtSync: number[] = [];
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the handle as `this`
      const realDatasync = prototype.datasync;
      vi.spyOn(prototype, 'datasync').mockImplementation(function (this: FileHandle) {
        emittedAtSync.push(state.emitted);
        return realDatasync.call(this);
      });
      const sync = vi.spyOn(prototype, 'sync');
      expect(await store.put({ key: 'content/large', source })).toEqual({ size: chunks * 1024 * 1024 });
      // How many background syncs start depends on how fast the disk answers (one runs at a time): at least
      // one must start before the source has given everything.
      expect(emittedAtSync.length).toBeGreaterThanOrEqual(1);
      expect(emittedAtSync[0]).toBeLessThan(chunks);
      // The blob's fsync, then its directory's.
      expect(sync.mock.calls.length).toBeGreaterThanOrEqual(2);
      const blob = await readAll(await store.read({ key: 'content/large' }));
      expect(blob.length).toBe(chunks * 1024 * 1024);
      expect(blob[blob.length - 1]).toBe((chunks - 1) % 251);
    });

    test('a background sync that fails fails the put and leaves no file', async () => {
      const { rootDir, store } = await createStoreInTempDir();
      const prototype = await fileHandlePrototype();
      const failure = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      vi.spyOn(prototype, 'datasync').mockRejectedValue(failure);
      const { source } = countedSource((2 * syncBehindBytes) / (1024 * 1024));
      expect(await rejectionOf(store.put({ key: 'content/lost', source }))).toBe(failure);
      expect(await store.stat({ key: 'content/lost' })).toBeUndefined();
      expect(await readdir(join(rootDir, '.incomplete'))).toEqual([]);
    });

    test('concurrent puts take turns: one background sync at a time in a store', async () => {
      const { store } = await createStoreInTempDir();
      const prototype = await fileHandlePrototype();
      // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the handle as `this`
      const realDatasync = prototype.datasync;
      let running = 0;
      let mostRunning = 0;
      let calls = 0;
      vi.spyOn(prototype, 'datasync').mockImplementation(async function (this: FileHandle) {
        calls += 1;
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        // A slow disk: long enough for the other put to pass its own threshold meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 50));
        await realDatasync.call(this);
        running -= 1;
      });
      const chunks = (3 * syncBehindBytes) / (1024 * 1024);
      const sizes = await Promise.all(
        ['content/one', 'content/two'].map((key) => store.put({ key, source: countedSource(chunks).source })),
      );
      expect(sizes).toEqual([{ size: chunks * 1024 * 1024 }, { size: chunks * 1024 * 1024 }]);
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(mostRunning).toBe(1);
    });

    test('a small put makes no background sync', async () => {
      const { store } = await createStoreInTempDir();
      const datasync = vi.spyOn(await fileHandlePrototype(), 'datasync');
      const { source } = countedSource(4);
      expect(await store.put({ key: 'content/small', source })).toEqual({ size: 4 * 1024 * 1024 });
      expect(datasync).not.toHaveBeenCalled();
    });
  });

  test('chunks pushed faster than the disk takes them are all written, in order, whatever their type', async () => {
    const { store } = await createStoreInTempDir();
    const source = new PassThrough({ objectMode: true });
    const expected: Buffer[] = [];
    // Pushed in one go, so that most of them queue behind a write and go out together.
    for (let index = 0; index < 200; index += 1) {
      // ASCII, so that the string chunks are the same bytes in UTF-8.
      const bytes = Buffer.alloc(1 + (index % 7) * 1000, 32 + (index % 95));
      expected.push(bytes);
      source.write(
        index % 3 === 0 ? new Uint8Array(bytes) : index % 3 === 1 ? bytes : bytes.toString('latin1'),
      );
    }
    source.end();
    const total = expected.reduce((sum, bytes) => sum + bytes.length, 0);
    expect(await store.put({ key: 'content/many', source })).toEqual({ size: total });
    expect((await readAll(await store.read({ key: 'content/many' }))).equals(Buffer.concat(expected))).toBe(
      true,
    );
  });

  test('a chunk that is not bytes fails the put and leaves no file', async () => {
    const { rootDir, store } = await createStoreInTempDir();
    const source = Readable.from([Buffer.from('fine'), { not: 'bytes' }]);
    const error = await rejectionOf(store.put({ key: 'content/odd', source }));
    expect(error).toBeInstanceOf(TypeError);
    expect(await store.stat({ key: 'content/odd' })).toBeUndefined();
    expect(await readdir(join(rootDir, '.incomplete'))).toEqual([]);
  });

  test('two concurrent puts of one key: exactly one wins, the other is refused', async () => {
    const { rootDir, store } = await createStoreInTempDir();
    const results = await Promise.allSettled([
      store.put({ key: 'content/race', source: Readable.from([Buffer.from('aaaa')]) }),
      store.put({ key: 'content/race', source: Readable.from([Buffer.from('bbbb')]) }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(isErrorWithCode({ error: refused?.reason, code: 'blobs.already_exists' })).toBe(true);
    expect(['aaaa', 'bbbb']).toContain((await readAll(await store.read({ key: 'content/race' }))).toString());
    expect(await readdir(join(rootDir, '.incomplete'))).toEqual([]);
  });

  test('blobs are 0600 and their directories 0700', async () => {
    const { rootDir, store } = await createStoreInTempDir();
    await store.put({ key: 'content/mat_1/blb_1', source: Readable.from([Buffer.from('x')]) });
    const mode = async (path: string) => (await stat(path)).mode & 0o777;
    expect(await mode(join(rootDir, 'content', 'mat_1', 'blb_1'))).toBe(0o600);
    expect(await mode(join(rootDir, 'content', 'mat_1'))).toBe(0o700);
    expect(await mode(join(rootDir, 'content'))).toBe(0o700);
    expect(await mode(join(rootDir, '.incomplete'))).toBe(0o700);
  });

  test('sweepIncomplete removes only temp files older than the cut-off', async () => {
    const { rootDir, store } = await createStoreInTempDir();
    expect(await store.sweepIncomplete({ olderThan: new Date() })).toEqual({ removed: 0 });
    await store.put({ key: 'content/kept', source: Readable.from([Buffer.from('x')]) });
    const incomplete = join(rootDir, '.incomplete');
    const old = new Date('2026-01-01T00:00:00Z');
    for (const name of ['old-1', 'old-2', 'recent']) await writeFile(join(incomplete, name), 'x');
    await utimes(join(incomplete, 'old-1'), old, old);
    await utimes(join(incomplete, 'old-2'), old, old);
    expect(await store.sweepIncomplete({ olderThan: new Date('2026-01-02T00:00:00Z') })).toEqual({
      removed: 2,
    });
    expect(await readdir(incomplete)).toEqual(['recent']);
    expect(await store.stat({ key: 'content/kept' })).toEqual({ size: 1 });
  });

  test('keys that try to leave the root never reach the filesystem', async () => {
    const { parent, rootDir, store } = await createStoreInTempDir();
    await writeFile(join(parent, 'secret'), 'do not read');
    await mkdir(rootDir, { recursive: true });
    for (const key of ['../secret', 'a/../../secret', `${parent}/secret`, '../x', 'a\0/../../x']) {
      await expectCode(store.read({ key }), 'blobs.key_invalid');
      await expectCode(store.delete({ key }), 'blobs.key_invalid');
      await expectCode(store.put({ key, source: Readable.from([Buffer.from('x')]) }), 'blobs.key_invalid');
      await expectCode(store.openReader({ key }), 'blobs.key_invalid');
    }
    expect((await readdir(parent)).sort()).toEqual(['blobs', 'secret']);
    expect(await readdir(rootDir)).toEqual([]);
  });

  test('a directory that holds other keys is not a blob', async () => {
    const { store } = await createStoreInTempDir();
    await store.put({ key: 'content/mat_1/blb_1', source: Readable.from([Buffer.from('x')]) });
    expect(await store.stat({ key: 'content/mat_1' })).toBeUndefined();
    await expectCode(store.read({ key: 'content/mat_1' }), 'blobs.not_found');
    await store.delete({ key: 'content/mat_1' });
    expect(await store.stat({ key: 'content/mat_1/blb_1' })).toEqual({ size: 1 });
  });

  test('a reader reads at any position into the given buffer, short only where the blob ends', async () => {
    const { store } = await createStoreInTempDir();
    const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    await store.put({ key: 'content/mat_1/blb_1', source: Readable.from([content]) });
    const reader = await store.openReader({ key: 'content/mat_1/blb_1' });
    try {
      expect(reader.size).toBe(content.length);
      const buffer = Buffer.alloc(100_000);
      expect(await reader.read(buffer, 123_457)).toBe(100_000);
      expect(buffer.equals(content.subarray(123_457, 223_457))).toBe(true);
      expect(await reader.read(buffer, 250_000)).toBe(50_000);
      expect(buffer.subarray(0, 50_000).equals(content.subarray(250_000))).toBe(true);
      expect(await reader.read(buffer, content.length)).toBe(0);
    } finally {
      await reader.close();
    }
    await expect(reader.read(Buffer.alloc(1), 0)).rejects.toThrow();
  });

  test('a reader of a missing key or of a directory is blobs.not_found', async () => {
    const { store } = await createStoreInTempDir();
    await store.put({ key: 'content/mat_1/blb_1', source: Readable.from([Buffer.from('x')]) });
    await expectCode(store.openReader({ key: 'content/mat_1/blb_2' }), 'blobs.not_found');
    await expectCode(store.openReader({ key: 'content/mat_1' }), 'blobs.not_found');
  });
});
