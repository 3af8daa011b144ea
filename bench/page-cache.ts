import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const chunkBytes = 8 * 1024 * 1024;

/**
 * Writes and deletes a scratch file of `mebibytes`, so that the page cache a benchmark then fills is made of
 * memory the machine has used before.
 * @NOTE On a virtual machine whose host backs guest memory on first use (these Firecracker machines), a write
 * into never-touched memory costs about 2.5 s of system CPU per GiB against 0.3–0.7 s into recycled pages
 * (measured with dd). A benchmark that keeps its uploads (Writ keeps every version) while the baseline
 * overwrites or deletes its file would otherwise charge that to one side only; a long-running server
 * recycles page cache, as both sides do after this.
 */
export function touchPageCache({ dir, mebibytes }: { dir: string; mebibytes: number }): void {
  const path = join(dir, 'page-cache-warmup.bin');
  const chunk = Buffer.alloc(chunkBytes, 0x5a);
  const fd = openSync(path, 'w', 0o600);
  try {
    for (let written = 0; written < mebibytes * 1024 * 1024; written += chunkBytes) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}
