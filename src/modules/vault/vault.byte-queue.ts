/**
 * A FIFO of byte chunks that hands out exact byte counts without copying: a chunk split at a boundary
 * is shared through `subarray`.
 */
export type ByteQueue = {
  readonly length: () => number;
  readonly append: (chunk: Buffer) => void;
  /** Removes exactly `count` bytes (at most `length()`), as the chunks that hold them. */
  readonly take: (count: number) => Buffer[];
};

export function createByteQueue(): ByteQueue {
  // Slots before `head` are emptied as they are taken: a consumed chunk must not stay reachable until the
  // next compaction, which kept up to 64 of them (16 MiB of an SFTP upload) alive long enough to reach
  // the old generation, each then waiting for a full collection.
  let chunks: (Buffer | undefined)[] = [];
  let head = 0;
  let length = 0;

  function append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    chunks.push(chunk);
    length += chunk.length;
  }

  function take(count: number): Buffer[] {
    if (!Number.isSafeInteger(count) || count < 0 || count > length) {
      throw new RangeError('Cannot take more bytes than the queue holds.');
    }
    const taken: Buffer[] = [];
    let missing = count;
    while (missing > 0) {
      const chunk = chunks[head];
      if (chunk === undefined) throw new RangeError('Byte queue is inconsistent.');
      if (chunk.length <= missing) {
        taken.push(chunk);
        missing -= chunk.length;
        chunks[head] = undefined;
        head += 1;
      } else {
        taken.push(chunk.subarray(0, missing));
        chunks[head] = chunk.subarray(missing);
        missing = 0;
      }
    }
    length -= count;
    // Drops consumed slots once they dominate, so many tiny writes stay linear.
    if (head > 64 && head * 2 > chunks.length) {
      chunks = chunks.slice(head);
      head = 0;
    }
    return taken;
  }

  return { length: () => length, append, take };
}

/** Splits the last `count` bytes off a list of chunks; the tail is copied, the body is shared. */
export function splitTail(chunks: readonly Buffer[], count: number): { body: Buffer[]; tail: Buffer } {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (total < count) throw new RangeError('Not enough bytes to split off the tail.');
  const body: Buffer[] = [];
  const tail = Buffer.alloc(count);
  let bodyLeft = total - count;
  let written = 0;
  for (const chunk of chunks) {
    const bodyPart = Math.min(bodyLeft, chunk.length);
    if (bodyPart > 0) body.push(chunk.subarray(0, bodyPart));
    bodyLeft -= bodyPart;
    written += chunk.copy(tail, written, bodyPart);
  }
  return { body, tail };
}
