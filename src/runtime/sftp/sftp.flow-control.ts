import { createRequire } from 'node:module';
import type { SFTPWrapper } from 'ssh2';

/*
 * ssh2 1.17 gives an SFTP session no back-pressure of its own. Incoming, it reopens the client's SSH window
 * as soon as bytes reach the SFTP parser, however many requests wait behind it: a client that sends WRITEs
 * without waiting for their replies (OpenSSH's client keeps 64 in flight, another client need not stop)
 * fills the server's memory with queued data. Outgoing, a reply the client's window cannot take is queued
 * in memory, as is what the TCP socket has not sent: a client that asks for reads and never takes the
 * replies does the same. These bounds put a ceiling on both, through the hooks ssh2 has for its own
 * channels: `push` returning false holds the window shut, and ssh2's `_chunkcb` runs when the client opens
 * its window again. They are checked first; where ssh2 is not as expected, nothing is bounded.
 */

export type SftpFlowLimits = {
  /** Requests received and not yet answered. */
  maxQueuedRequests: number;
  /** Bytes of WRITE data received and not yet written. */
  maxQueuedBytes: number;
  /** Reply bytes waiting for the client's window or the socket, above which no READ is served. */
  maxPendingReplyBytes: number;
};

/**
 * @NOTE WRITE data is bounded at twice the SSH window, not more. OpenSSH's client keeps 64 writes of 255 KiB
 * in flight, and with room for them 10–16 MiB waited in the queue during a put: each chunk waited there long
 * enough to outlive two young-generation collections, so the old generation held ~64 MB more chunks every
 * few hundred milliseconds, and each time V8 marked the whole heap (16 full collections per 1 GiB put). At
 * 4 MiB, chunks die young: no full collection during a put.
 */
export const defaultSftpFlowLimits: SftpFlowLimits = {
  maxQueuedRequests: 1024,
  maxQueuedBytes: 4 * 1024 * 1024,
  maxPendingReplyBytes: 4 * 1024 * 1024,
};

/** The connection's socket, as far as replies are concerned. */
export type SftpOutput = {
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
  off(event: 'drain', listener: () => void): unknown;
};

export type SftpFlowControl = {
  /** False when ssh2's internals were not as expected: nothing is bounded then. */
  readonly isEnforced: boolean;
  /** Counts a request (and the WRITE bytes it carries) as queued; the returned function ends that. */
  admit(bytes: number): () => void;
  /** Resolves once the replies not yet sent are under the bound, or the session closed. */
  repliesSent(): Promise<void>;
};

type Push = (this: unknown, data: Buffer | null) => unknown;
type ChunkCallback = (this: unknown) => void;
type Ssh2Internals = {
  push: Push;
  incoming: { window: number };
  outgoing: { state: string };
  _buffer: Buffer[];
  /** Set by ssh2 once `push` returned false; absent until then. */
  _waitChanDrain?: boolean;
  _chunkcb: ChunkCallback | undefined;
};
type Ssh2Channel = { windowAdjust: (channel: unknown) => void };

const ssh2Channel = loadSsh2Channel();

function loadSsh2Channel(): Ssh2Channel | undefined {
  try {
    const channel = createRequire(import.meta.url)('ssh2/lib/Channel.js') as Partial<Ssh2Channel>;
    return typeof channel.windowAdjust === 'function' ? (channel as Ssh2Channel) : undefined;
  } catch {
    return undefined;
  }
}

function internalsOf(sftp: SFTPWrapper): Ssh2Internals | undefined {
  const candidate = sftp as unknown as Partial<Ssh2Internals>;
  const isExpected =
    typeof candidate.push === 'function' &&
    typeof candidate.incoming?.window === 'number' &&
    typeof candidate.outgoing?.state === 'string' &&
    Array.isArray(candidate._buffer) &&
    (candidate._waitChanDrain === undefined || typeof candidate._waitChanDrain === 'boolean') &&
    !Object.hasOwn(candidate, 'push') &&
    Object.getOwnPropertyDescriptor(candidate, '_chunkcb')?.writable === true;
  return isExpected ? (candidate as Ssh2Internals) : undefined;
}

const unbounded: SftpFlowControl = {
  isEnforced: false,
  admit: () => () => undefined,
  repliesSent: () => Promise.resolve(),
};

/**
 * Bounds one SFTP session's queued requests and unsent replies. Call it right after accepting the session.
 * `onWindowOverrun` is called when the client sends beyond the window it was given (a protocol violation
 * ssh2 does not refuse): the caller ends the connection.
 */
export function controlSftpFlow({
  sftp,
  output,
  onWindowOverrun,
  limits = defaultSftpFlowLimits,
}: {
  sftp: SFTPWrapper;
  output: SftpOutput;
  onWindowOverrun: () => void;
  limits?: SftpFlowLimits;
}): SftpFlowControl {
  const internals = internalsOf(sftp);
  if (internals === undefined || ssh2Channel === undefined) return unbounded;
  const { windowAdjust } = ssh2Channel;
  let queuedRequests = 0;
  let queuedBytes = 0;
  let isClosed = false;
  let isOverrun = false;
  const isFull = () => queuedRequests >= limits.maxQueuedRequests || queuedBytes >= limits.maxQueuedBytes;
  const hasRoom = () =>
    queuedRequests <= limits.maxQueuedRequests / 2 && queuedBytes <= limits.maxQueuedBytes / 2;

  const push = internals.push;
  internals.push = function (this: unknown, data: Buffer | null) {
    const result = Reflect.apply(push, this, [data]);
    if (data === null) return result;
    if (internals.incoming.window < 0) {
      if (!isOverrun) onWindowOverrun();
      isOverrun = true;
      return false;
    }
    // False keeps the window shut (ssh2 then waits for a drain that, for SFTP, only `release` gives).
    return isFull() ? false : result;
  };

  const release = (bytes: number): void => {
    queuedRequests -= 1;
    queuedBytes -= bytes;
    if (internals._waitChanDrain !== true || !hasRoom() || isClosed) return;
    internals._waitChanDrain = false;
    windowAdjust(internals);
  };

  // Every request waiting for replies to go out shares one 'drain' listener on the socket: a client with
  // many reads in flight would otherwise add one listener each.
  const waiters = new Set<() => void>();
  let isListeningForDrain = false;
  const wake = () => {
    for (const waiter of waiters) waiter();
    waiters.clear();
  };
  const onDrain = () => {
    isListeningForDrain = false;
    wake();
  };
  let chunkCallback = internals._chunkcb;
  // ssh2 sets `_chunkcb` when a reply waits for the window, and calls it once the client opens it.
  Object.defineProperty(internals, '_chunkcb', {
    configurable: true,
    enumerable: true,
    get: () => (chunkCallback === undefined ? undefined : afterWindowOpened),
    set: (callback: ChunkCallback | undefined) => {
      chunkCallback = callback;
    },
  });
  function afterWindowOpened(this: unknown): void {
    const callback = chunkCallback;
    if (callback !== undefined) Reflect.apply(callback, this, []);
    wake();
  }
  sftp.once('close', () => {
    isClosed = true;
    if (isListeningForDrain) output.off('drain', onDrain);
    isListeningForDrain = false;
    wake();
  });

  const pendingReplyBytes = () =>
    internals._buffer.reduce((sum, chunk) => sum + chunk.length, 0) + output.writableLength;

  return {
    isEnforced: true,
    admit(bytes) {
      queuedRequests += 1;
      queuedBytes += bytes;
      let isReleased = false;
      return () => {
        if (isReleased) return;
        isReleased = true;
        release(bytes);
      };
    },
    async repliesSent() {
      while (
        !isClosed &&
        internals.outgoing.state === 'open' &&
        pendingReplyBytes() > limits.maxPendingReplyBytes
      ) {
        await new Promise<void>((resolve) => {
          waiters.add(resolve);
          if (isListeningForDrain) return;
          isListeningForDrain = true;
          output.once('drain', onDrain);
        });
      }
    },
  };
}
