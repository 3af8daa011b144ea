import { PassThrough, type Readable } from 'node:stream';
import type { DocumentSummary } from '../../modules/documents/documents.models.js';
import { sftpError } from './sftp.errors.js';

/**
 * Bytes of out-of-order writes one session holds in memory, all its uploads together, before refusing: such a
 * WRITE is answered at once, so the session's flow bound (sftp.flow-control.ts) does not cover what it holds.
 */
export const maxReorderBytes = 16 * 1024 * 1024;

/**
 * Handles (files and directories) one session may hold open. Each open upload holds a temporary blob file, an
 * upload row and its pipeline's buffers (a few MiB); OpenSSH's client opens one or two at a time.
 */
export const maxOpenHandles = 64;

/** Out-of-order WRITE data held by the uploads of one session. */
export type ReorderBudget = { held: number };

/** Plaintext a download decrypts ahead of the client's READ requests: about what OpenSSH keeps in flight. */
export const readAheadBytes = 2 * 1024 * 1024;

/**
 * Serves exact-size chunks of a plaintext stream to sequential READ requests. The stream flows ahead of the
 * requests (up to `readAheadBytes`), so that reading and decrypting the next segments overlaps with
 * answering; chunks are handed out as views, and copied only where a request straddles two of them, into a
 * buffer the reader keeps.
 * @NOTE A chunk read is valid until the next read: ssh2's `sftp.data` copies it into its packet at once, and
 * a fresh buffer for each 255 KiB reply would be garbage as soon as it is sent.
 */
export class SequentialReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private isEnded = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private scratch: Buffer | undefined;

  constructor(
    readonly body: Readable,
    public position: number,
  ) {
    body.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered >= readAheadBytes) body.pause();
      this.notify();
    });
    body.once('end', () => {
      this.isEnded = true;
      this.notify();
    });
    body.once('error', (error) => {
      this.failure ??= error;
      this.notify();
    });
    // Destroyed without an error and before its end: never pass a truncated file off as a complete one.
    body.once('close', () => {
      if (!this.isEnded) this.failure ??= sftpError.failure('The download ended early.');
      this.notify();
    });
  }

  /**
   * The next `length` bytes (fewer only at the end), valid until the next read; undefined at the end; throws
   * once the stream failed.
   */
  async read(length: number): Promise<Buffer | undefined> {
    while (this.failure === undefined && !this.isEnded && this.buffered < length) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    // @NOTE A failure (a segment that does not authenticate) wins over bytes still buffered.
    if (this.failure !== undefined) throw this.failure;
    if (this.buffered === 0) return undefined;
    const chunk = this.take(Math.min(length, this.buffered));
    this.position += chunk.length;
    if (this.body.isPaused() && this.buffered < readAheadBytes / 2) this.body.resume();
    return chunk;
  }

  destroy(): void {
    this.body.destroy();
  }

  private take(length: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= length) {
      if (first.length === length) this.chunks.shift();
      else this.chunks[0] = first.subarray(length);
      this.buffered -= length;
      return first.subarray(0, length);
    }
    if (this.scratch === undefined || this.scratch.length < length) this.scratch = Buffer.allocUnsafe(length);
    const out = this.scratch.subarray(0, length);
    let filled = 0;
    while (filled < length) {
      const next = this.chunks[0];
      if (next === undefined) break;
      const count = Math.min(next.length, length - filled);
      next.copy(out, filled, 0, count);
      filled += count;
      if (count === next.length) this.chunks.shift();
      else this.chunks[0] = next.subarray(count);
    }
    this.buffered -= filled;
    return out.subarray(0, filled);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * How long an open file may be read on its last decision: READ asks the policy again after this, so that a
 * client holding a handle open (sshfs, a paused transfer) loses it within seconds of losing access, as its
 * connection does when its session is revoked.
 */
export const readReauthorizeMs = 5000;

export type ReadHandle = {
  kind: 'read';
  document: DocumentSummary;
  reader: SequentialReader | undefined;
  /** When the policy last allowed reading it (clock milliseconds). */
  authorizedAt: number;
};

export type DirHandle = {
  kind: 'dir';
  entries: { filename: string; longname: string; attrs: object }[];
  /** The first entry not yet sent: READDIR answers in pages. */
  next: number;
};

/**
 * An upload in progress: WRITE requests feed a stream the upload use-case reads; writes must arrive in
 * offset order, and a small window of out-of-order ones is held in memory. Nothing is visible until CLOSE
 * ends the stream and the use-case commits; destroying the handle abandons the upload.
 */
export class WriteHandle {
  readonly kind = 'write';
  readonly content = new PassThrough({ highWaterMark: 1024 * 1024 });
  private nextOffset = 0;
  private readonly pending = new Map<number, Buffer>();
  private pendingBytes = 0;
  failure: Error | undefined;
  result: Promise<unknown> | undefined;

  constructor(private readonly reorder: ReorderBudget = { held: 0 }) {}

  /** Resolves once the data is accepted (after back-pressure clears). */
  async write(offset: number, data: Buffer): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (offset < this.nextOffset) {
      throw this.fail('Rewriting earlier bytes is not supported: uploads are written once, in order.');
    }
    if (offset > this.nextOffset) {
      if (this.pending.has(offset) || this.reorder.held + data.length > maxReorderBytes) {
        throw this.fail('Writes arrived too far out of order: uploads must be written sequentially.');
      }
      this.hold(data.length);
      this.pending.set(offset, data);
      return;
    }
    let chunk: Buffer | undefined = data;
    let isFlowing = true;
    while (chunk !== undefined) {
      isFlowing = this.content.write(chunk) && isFlowing;
      this.nextOffset += chunk.length;
      chunk = this.pending.get(this.nextOffset);
      if (chunk !== undefined) {
        this.pending.delete(this.nextOffset);
        this.hold(-chunk.length);
      }
    }
    if (!isFlowing) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.content.off('drain', done);
          this.content.off('close', done);
          resolve();
        };
        this.content.once('drain', done);
        this.content.once('close', done);
      });
    }
  }

  /** Ends the content and waits for the upload's commit. */
  async finish(): Promise<unknown> {
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.size > 0) throw this.fail('The upload has a gap: some writes never arrived.');
    this.content.end();
    return this.result;
  }

  abandon(reason = 'the SFTP client went away before closing the file'): void {
    this.fail(reason);
  }

  private fail(message: string): Error {
    this.failure ??= sftpError.failure(message);
    this.content.destroy(this.failure);
    this.pending.clear();
    this.hold(-this.pendingBytes);
    return this.failure;
  }

  private hold(bytes: number): void {
    this.pendingBytes += bytes;
    this.reorder.held += bytes;
  }
}

export type SftpHandle = ReadHandle | DirHandle | WriteHandle;

/** The handles of one SFTP session: opaque 4-byte ids, never reused within the session. */
export class HandleTable {
  private readonly handles = new Map<string, SftpHandle>();
  private counter = 0;

  /** Throws when `maxOpenHandles` are open: checked before an upload starts, which must not start for nothing. */
  requireRoom(): void {
    if (this.handles.size >= maxOpenHandles) throw sftpError.failure('Too many open files');
  }

  add(handle: SftpHandle): Buffer {
    this.requireRoom();
    this.counter += 1;
    const id = Buffer.alloc(4);
    id.writeUInt32BE(this.counter);
    this.handles.set(id.toString('hex'), handle);
    return id;
  }

  get(id: Buffer): SftpHandle | undefined {
    return this.handles.get(id.toString('hex'));
  }

  remove(id: Buffer): SftpHandle | undefined {
    const key = id.toString('hex');
    const handle = this.handles.get(key);
    this.handles.delete(key);
    return handle;
  }

  /** The connection ended: uploads not closed are abandoned, open reads released. */
  closeAll(): void {
    for (const handle of this.handles.values()) {
      if (handle instanceof WriteHandle) handle.abandon();
      else if (handle.kind === 'read') handle.reader?.destroy();
    }
    this.handles.clear();
  }
}
