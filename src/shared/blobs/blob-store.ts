import type { Readable } from 'node:stream';

/** A blob opened for reads at any position into the caller's buffers: no allocation per read. */
export type BlobReader = {
  readonly size: number;
  /** Reads up to `buffer.length` bytes at `position`; fewer only where the blob ends. */
  read(buffer: Buffer, position: number): Promise<number>;
  close(): Promise<void>;
};

/**
 * Where encrypted blobs live: the local filesystem by default, S3-compatible object storage when several
 * nodes share the data. Blobs are immutable once written: a key is written once and then only read or
 * deleted. Bytes here are always ciphertext; the store never sees a key or a plaintext.
 *
 * Keys are `/`-separated segments of `[a-z0-9_-]` chosen by Writ (never by a user), e.g.
 * `content/mat_…/blb_…`; a store refuses any other key with `blobs.key_invalid`.
 */
export type BlobStore = {
  /** Human-readable location for logs and `writ doctor` (no credentials). */
  readonly description: string;
  /**
   * Streams `source` into a new blob. The blob becomes visible under `key` only once every byte is durable
   * (filesystem: temp file, fsync, rename; S3: multipart upload completed). If `source` errors or `signal`
   * aborts, nothing is visible under `key` and the partial data is removed; the promise rejects with the
   * source's error (or the abort reason).
   */
  put(args: { key: string; source: Readable; signal?: AbortSignal }): Promise<{ size: number }>;
  /** Bytes [start, end) of a blob, or all of it without a range; `blobs.not_found` when absent. */
  read(args: { key: string; range?: { start: number; end: number } }): Promise<Readable>;
  /** Bytes [start, end) in one buffer, for small reads (a segment of a range request). */
  readRange(args: { key: string; start: number; end: number }): Promise<Buffer>;
  /**
   * Opens a blob for positional reads; `blobs.not_found` when absent. Offered only where a read costs no
   * request (the filesystem): an object store streams instead.
   */
  openReader?(args: { key: string }): Promise<BlobReader>;
  /** Size in bytes, or undefined when no blob has this key. */
  stat(args: { key: string }): Promise<{ size: number } | undefined>;
  /** Removes a blob; removing an absent blob is not an error. */
  delete(args: { key: string }): Promise<void>;
  /** Every key under `prefix` (e.g. `content/`), for orphan sweeps and tests. */
  list(args: { prefix: string }): AsyncIterable<string>;
  /**
   * Removes leftovers of puts that never finished (filesystem temp files, S3 incomplete multipart uploads)
   * started before `olderThan`. Returns how many were removed.
   */
  sweepIncomplete(args: { olderThan: Date }): Promise<{ removed: number }>;
  close(): Promise<void>;
};
