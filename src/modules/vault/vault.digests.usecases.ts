import { createDigestPool, type DigestPool, type DigestStream } from './vault.digest-pool.js';

export type { DigestStream } from './vault.digest-pool.js';

let shared: DigestPool | undefined;

/**
 * A SHA-256 of a plaintext stream, computed on the process's hashing thread (started on first use; a pool
 * whose thread died is replaced). Like libuv's thread pool it is a process resource, not state: it holds
 * nothing but the hash of the streams in flight.
 */
export function createPlaintextDigest(): DigestStream {
  if (shared === undefined || shared.hasFailed()) shared = createDigestPool();
  return shared.createStream();
}
