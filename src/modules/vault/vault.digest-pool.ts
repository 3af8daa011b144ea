import { Worker } from 'node:worker_threads';

/**
 * SHA-256 of plaintext streams, computed on one worker thread so that hashing runs beside the cipher and
 * the network instead of after them on the event loop (SHA-256 is a fifth of the event loop's work on a
 * download). Chunks are copied into a ring of slots in a SharedArrayBuffer: a copy costs a fifth of the
 * hash (98 ms against about 500 per GiB in an SFTP put), and no message is posted per chunk. The worker
 * hashes the slots in order; records of several streams interleave freely, each tagged with its stream's
 * number.
 *
 * Control words (Int32): [0] slots published by the event loop, [1] slots consumed by the worker, [2] the
 * worker sleeps, [3] waits for a free slot, then per slot its length (or a command) and its stream. Both
 * counters wrap at 2^32 together; only their difference matters.
 */

export type DigestStream = {
  /**
   * Copies `chunk` into the ring. Returns a promise when the ring filled up on the way: the caller waits
   * for it before the next update (that is the back-pressure). The chunk may be reused once it returns or
   * resolves.
   */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** Hex SHA-256 of everything given to `update`; ends the stream. */
  digest(): Promise<string>;
  /** Forgets the stream (a failed or cut-off transfer); harmless after `digest`. */
  abandon(): void;
};

export type DigestPool = {
  createStream(): DigestStream;
  /** The worker died or the pool was closed: every stream of this pool fails. */
  hasFailed(): boolean;
  /** Stops the worker; streams still open fail. */
  close(): Promise<void>;
};

/** Node 20 has it; TypeScript declares it only from the ES2024 library, which would retype every buffer. */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const published = 0;
const consumed = 1;
/** Set by the worker while it sleeps, so that the event loop wakes it only then (a wake is a system call). */
const workerSleeping = 2;
/** How many waits for a free slot the event loop has; the worker signals a consumed slot only to those. */
const slotWaiters = 3;
const headerWords = 4;
const digestCommand = -1;
const dropCommand = -2;

/** Plain JavaScript, run with `eval`, so that it works the same from the build and from the sources. */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { data, control, slots, slotBytes } = workerData;
const ctl = new Int32Array(control);
const bytes = new Uint8Array(data);
const hashes = new Map();
let next = Atomics.load(ctl, ${consumed});
for (;;) {
  if (Atomics.load(ctl, ${published}) === next) {
    Atomics.store(ctl, ${workerSleeping}, 1);
    Atomics.wait(ctl, ${published}, next);
    Atomics.store(ctl, ${workerSleeping}, 0);
    continue;
  }
  const slot = next & (slots - 1);
  const length = ctl[${headerWords} + slot * 2];
  const stream = ctl[${headerWords} + slot * 2 + 1];
  if (length >= 0) {
    let hash = hashes.get(stream);
    if (hash === undefined) {
      hash = createHash('sha256');
      hashes.set(stream, hash);
    }
    hash.update(bytes.subarray(slot * slotBytes, slot * slotBytes + length));
  } else {
    const hash = hashes.get(stream) ?? createHash('sha256');
    hashes.delete(stream);
    if (length === ${digestCommand}) parentPort.postMessage({ stream, digest: hash.digest('hex') });
  }
  next = (next + 1) | 0;
  Atomics.store(ctl, ${consumed}, next);
  if (Atomics.load(ctl, ${slotWaiters}) > 0) Atomics.notify(ctl, ${consumed});
}
`;

export function createDigestPool({
  slots = 16,
  slotBytes = 256 * 1024,
  firstSequence = 0,
}: {
  /** A power of two. */
  slots?: number;
  slotBytes?: number;
  /** Where both counters start; tests start near 2^31 to cross the wrap. */
  firstSequence?: number;
} = {}): DigestPool {
  if (slots < 2 || (slots & (slots - 1)) !== 0)
    throw new Error('The digest ring needs a power of two slots.');
  // A Buffer view, for `fill` (see `copy`); the worker gets the SharedArrayBuffer itself.
  const data = Buffer.from(new SharedArrayBuffer(slots * slotBytes));
  const control = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (headerWords + slots * 2));
  const ctl = new Int32Array(control);
  ctl[published] = firstSequence | 0;
  ctl[consumed] = firstSequence | 0;

  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { data: data.buffer, control, slots, slotBytes },
    // The hash state of a few streams: a small heap is enough.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  const waiting = new Map<number, { resolve: (digest: string) => void; reject: (error: Error) => void }>();
  let failure: Error | undefined;
  let nextStream = 0;

  worker.on('message', ({ stream, digest }: { stream: number; digest: string }) => {
    const waiter = waiting.get(stream);
    waiting.delete(stream);
    waiter?.resolve(digest);
  });
  // An open stream may wait for a slot or a digest, and neither wait keeps the event loop alive by
  // itself: the worker does, while any stream is open.
  let openStreams = 0;
  const opened = () => {
    openStreams += 1;
    if (openStreams === 1) worker.ref();
  };
  const closed = () => {
    openStreams -= 1;
    if (openStreams === 0) worker.unref();
  };
  const fail = (error: Error) => {
    failure ??= error;
    for (const waiter of waiting.values()) waiter.reject(failure);
    waiting.clear();
  };
  worker.on('error', (error) => {
    fail(new Error('The hashing thread failed.', { cause: error }));
  });
  worker.on('exit', () => {
    fail(new Error('The hashing thread stopped.'));
  });

  const inFlight = () => (Atomics.load(ctl, published) - Atomics.load(ctl, consumed)) | 0;

  /**
   * Resolves once the worker has consumed a slot (or a second passed). Others may take that slot first:
   * callers check for room again in the same synchronous step as they publish.
   */
  async function slotReleased(): Promise<void> {
    if (failure !== undefined) throw failure;
    // Counted before looking: a slot consumed after the look is then signalled (both sides are atomic).
    Atomics.add(ctl, slotWaiters, 1);
    try {
      const seen = Atomics.load(ctl, consumed);
      if (((Atomics.load(ctl, published) - seen) | 0) < slots) return;
      const wait = waitAsync(ctl, consumed, seen, 1000);
      if (wait.async) await wait.value;
    } finally {
      Atomics.sub(ctl, slotWaiters, 1);
    }
  }

  /**
   * The slot being filled: small chunks of one stream (SFTP writes arrive 32 KiB at a time) share a slot,
   * which is handed to the worker when full, or when another record needs the ring. It was free when
   * taken, so it is not counted in flight until published.
   */
  let filling: { stream: number; length: number } | undefined;

  function slotOffset(): number {
    return (Atomics.load(ctl, published) & (slots - 1)) * slotBytes;
  }

  /**
   * A sleeping worker is woken only once half the ring waits for it, or for a command: it hashes faster than
   * transfers arrive, so it would otherwise sleep after every slot, and each wake is a system call on the
   * event loop (about 35 µs here, 0.15 s per GiB uploaded) and a switch on the other core.
   * @NOTE No wake is lost: the worker sleeps only when nothing is published, having said so first, and the
   * event loop waits for a slot only when the whole ring is in flight, past this threshold.
   */
  const wakeThreshold = slots / 2;

  function publish(stream: number, length: number): void {
    const sequence = Atomics.load(ctl, published);
    const slot = sequence & (slots - 1);
    ctl[headerWords + slot * 2] = length;
    ctl[headerWords + slot * 2 + 1] = stream;
    Atomics.store(ctl, published, (sequence + 1) | 0);
    if (Atomics.load(ctl, workerSleeping) === 1 && (length < 0 || inFlight() >= wakeThreshold)) {
      Atomics.notify(ctl, published);
    }
  }

  function publishFilling(): void {
    if (filling === undefined) return;
    const { stream, length } = filling;
    filling = undefined;
    publish(stream, length);
  }

  async function publishCommand(stream: number, command: number): Promise<void> {
    for (;;) {
      if (failure !== undefined) throw failure;
      publishFilling();
      if (inFlight() < slots) {
        publish(stream, command);
        return;
      }
      await slotReleased();
    }
  }

  function createStream(): DigestStream {
    const stream = nextStream;
    nextStream = (nextStream + 1) | 0;
    let isEnded = false;
    opened();

    function copy(chunk: Uint8Array, from: number): Promise<void> | undefined {
      let offset = from;
      while (offset < chunk.length) {
        if (failure !== undefined) return Promise.reject(failure);
        if (filling !== undefined && filling.stream !== stream) publishFilling();
        if (filling === undefined) {
          if (inFlight() >= slots) {
            const resume = offset;
            return slotReleased().then(() => copy(chunk, resume));
          }
          filling = { stream, length: 0 };
        }
        const length = Math.min(slotBytes - filling.length, chunk.length - offset);
        const start = slotOffset() + filling.length;
        // @NOTE `fill` with a buffer of exactly the range's length is one copy, by Node's own memcpy.
        // `set` (and `copy`, which calls it) copies into shared memory word by word, as V8 must for
        // memory another thread may touch: three times slower, 0.3 s of the event loop per GiB uploaded.
        data.fill(chunk.subarray(offset, offset + length), start, start + length);
        filling.length += length;
        offset += length;
        if (filling.length === slotBytes) publishFilling();
      }
      return undefined;
    }

    return {
      update(chunk) {
        if (isEnded) throw new Error('This digest stream has ended.');
        return copy(chunk, 0);
      },
      async digest() {
        if (isEnded) throw new Error('This digest stream has ended.');
        isEnded = true;
        if (failure !== undefined) {
          closed();
          throw failure;
        }
        const result = new Promise<string>((resolve, reject) => waiting.set(stream, { resolve, reject }));
        // If the slot never comes, the error below is the one the caller sees; this one has no reader.
        result.catch(() => undefined);
        try {
          await publishCommand(stream, digestCommand);
          return await result;
        } finally {
          closed();
        }
      },
      abandon() {
        if (isEnded) return;
        isEnded = true;
        closed();
        if (failure === undefined) publishCommand(stream, dropCommand).catch(() => undefined);
      },
    };
  }

  return {
    createStream,
    hasFailed: () => failure !== undefined,
    async close() {
      fail(new Error('The hashing thread was closed.'));
      await worker.terminate();
    },
  };
}
