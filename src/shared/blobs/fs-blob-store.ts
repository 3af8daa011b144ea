import { randomBytes } from 'node:crypto';
import { type FileHandle, link, lstat, mkdir, open, opendir, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import {
  assertValidBlobKey,
  assertValidBlobKeyPrefix,
  assertValidByteRange,
  isValidBlobKey,
} from './blob-key.js';
import { createBlobAlreadyExistsError, createBlobNotFoundError } from './blob-store.errors.js';
import type { BlobStore } from './blob-store.js';

const incompleteDirName = '.incomplete';
const directoryMode = 0o700;
const fileMode = 0o600;

/**
 * Blobs are files at `<rootDir>/<key>`. A put writes `<rootDir>/.incomplete/<random>`, fsyncs it, then
 * publishes it with link(2) and drops the temp name.
 * @NOTE link(2), not rename(2): rename silently replaces an existing file and a check-then-rename races
 * with another writer, whereas link fails with EEXIST atomically. It needs a filesystem with hard links
 * (not every FUSE/SMB mount has them). A crash between link and unlink leaves a second name of a complete
 * blob in `.incomplete`, which `sweepIncomplete` removes without touching the blob.
 * @NOTE A key cannot be both a blob and the prefix of another key (`a` and `a/b`): Writ's keys never are.
 */
export function createFsBlobStore({
  rootDir,
}: {
  rootDir: string;
}): BlobStore & Required<Pick<BlobStore, 'openReader'>> {
  const root = resolve(rootDir);
  const incompleteDir = join(root, incompleteDirName);

  function pathOf(key: string): string {
    assertValidBlobKey(key);
    const path = join(root, ...key.split('/'));
    // Validation already rules traversal out; this guards against a future change to the key rules.
    if (!path.startsWith(root + sep)) throw new Error('blob path escapes the store root');
    return path;
  }

  async function openBlob(key: string) {
    const path = pathOf(key);
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isMissing(error) ? createBlobNotFoundError({ cause: error }) : error;
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw createBlobNotFoundError();
    }
    return { handle, size: info.size };
  }

  return {
    description: `filesystem ${root}`,

    async put({ key, source, signal }) {
      const path = pathOf(key);
      signal?.throwIfAborted();
      await mkdir(incompleteDir, { recursive: true, mode: directoryMode });
      const tempPath = join(incompleteDir, randomBytes(16).toString('hex'));
      const handle = await open(tempPath, 'wx', fileMode);
      // A stalled source never yields again: destroying it ends the loop below.
      const onAbort = () => source.destroy();
      signal?.addEventListener('abort', onAbort, { once: true });
      let size = 0;
      try {
        try {
          for await (const chunk of source as AsyncIterable<unknown>) {
            signal?.throwIfAborted();
            const bytes = toBuffer(chunk);
            await handle.write(bytes);
            size += bytes.length;
          }
        } catch (error) {
          signal?.throwIfAborted();
          throw error;
        }
        signal?.throwIfAborted();
        await handle.sync();
      } catch (error) {
        await handle.close().catch(() => undefined);
        await removeIfPresent(tempPath);
        throw error;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
      await handle.close();

      try {
        const blobDir = dirname(path);
        const firstCreated = await mkdir(blobDir, { recursive: true, mode: directoryMode });
        await link(tempPath, path);
        await syncDirectories({ blobDir, firstCreated });
      } catch (error) {
        if (errorCode(error) === 'EEXIST') throw createBlobAlreadyExistsError({ cause: error });
        throw error;
      } finally {
        await removeIfPresent(tempPath);
      }
      return { size };
    },

    async read({ key, range }) {
      if (range !== undefined) assertValidByteRange(range);
      const { handle } = await openBlob(key);
      if (range === undefined) return handle.createReadStream();
      if (range.start === range.end) {
        await handle.close();
        return Readable.from([]);
      }
      return handle.createReadStream({ start: range.start, end: range.end - 1 });
    },

    async readRange({ key, start, end }) {
      assertValidByteRange({ start, end });
      const { handle, size } = await openBlob(key);
      try {
        // Sized on the file, not on `end`: a range past the end returns what exists.
        const buffer = Buffer.alloc(Math.max(0, Math.min(end, size) - start));
        return buffer.subarray(0, await readFully(handle, buffer, start));
      } finally {
        await handle.close();
      }
    },

    async openReader({ key }) {
      const { handle, size } = await openBlob(key);
      return {
        size,
        read: (buffer, position) => readFully(handle, buffer, position),
        close: () => handle.close(),
      };
    },

    async stat({ key }) {
      const path = pathOf(key);
      try {
        const info = await stat(path);
        return info.isFile() ? { size: info.size } : undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async delete({ key }) {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        // A directory at this path is a prefix of other keys, not a blob.
        if (isMissing(error) || errorCode(error) === 'EISDIR') return;
        throw error;
      }
    },

    async *list({ prefix }) {
      assertValidBlobKeyPrefix(prefix);
      const baseKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
      for await (const key of walk(baseKey)) {
        if (key.startsWith(prefix)) yield key;
      }
    },

    async sweepIncomplete({ olderThan }) {
      let names: string[];
      try {
        names = await readdir(incompleteDir);
      } catch (error) {
        if (isMissing(error)) return { removed: 0 };
        throw error;
      }
      let removed = 0;
      for (const name of names) {
        const path = join(incompleteDir, name);
        const info = await lstat(path).catch((error: unknown) => {
          if (isMissing(error)) return undefined;
          throw error;
        });
        if (info === undefined || info.mtime >= olderThan) continue;
        if (await removeIfPresent(path)) removed += 1;
      }
      return { removed };
    },

    close: () => Promise.resolve(),
  };

  async function* walk(baseKey: string): AsyncGenerator<string> {
    const dirPath = baseKey === '' ? root : join(root, ...baseKey.split('/'));
    let entries;
    try {
      entries = await opendir(dirPath);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    const names: { name: string; isDirectory: boolean; isFile: boolean }[] = [];
    for await (const entry of entries) {
      names.push({ name: entry.name, isDirectory: entry.isDirectory(), isFile: entry.isFile() });
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of names) {
      const key = baseKey === '' ? entry.name : `${baseKey}/${entry.name}`;
      // Skips `.incomplete` and anything else no key could name.
      if (!isValidBlobKey(key)) continue;
      if (entry.isDirectory) yield* walk(key);
      else if (entry.isFile) yield key;
    }
  }

  /**
   * fsyncs the blob's directory, which gained an entry, and the parent of every directory this put
   * created, so that the blob's path survives a crash and not only its bytes.
   */
  async function syncDirectories({
    blobDir,
    firstCreated,
  }: {
    blobDir: string;
    firstCreated: string | undefined;
  }): Promise<void> {
    const dirs = [blobDir];
    if (firstCreated !== undefined) {
      for (let dir = blobDir; dir.startsWith(root + sep); dir = dirname(dir)) {
        dirs.push(dirname(dir));
        if (dir === firstCreated) break;
      }
    }
    for (const dir of dirs) {
      const handle = await open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  throw new TypeError('a blob source must yield bytes');
}

async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Reads until `buffer` is full or the file ends: pread(2) may return fewer bytes than asked. */
async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}
