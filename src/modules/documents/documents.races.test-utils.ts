import type { BlobStore } from '../../shared/blobs/blob-store.js';
import type { DocumentsLedger } from './documents.dependencies.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise to wait on and the function that settles it. */
export function createGate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A meeting point for acts run at the same time: each `arrive()` waits until `parties` have arrived, so that
 * every one of them is where the race happens before any goes on. One that a lock holds back never arrives;
 * the others then go on after `timeoutMs`, which is what a test of that lock expects.
 */
export function createRendezvous({ parties, timeoutMs = 500 }: { parties: number; timeoutMs?: number }) {
  let arrived = 0;
  const everyone = createGate();
  return {
    async arrive(): Promise<void> {
      arrived += 1;
      if (arrived >= parties) everyone.open();
      await Promise.race([everyone.opened, sleep(timeoutMs)]);
    },
    get arrived(): number {
      return arrived;
    },
  };
}

/**
 * The ledger, with every append of one of `kinds` waiting for `wait()` first: the act's transaction is then
 * open, its rows written but not committed. `entered` settles when the first such append starts.
 */
export function holdLedgerAppends({
  ledger,
  kinds,
  wait,
}: {
  ledger: DocumentsLedger;
  kinds: readonly string[];
  wait: () => Promise<void>;
}): { ledger: DocumentsLedger; entered: Promise<void> } {
  const entered = createGate();
  return {
    ledger: {
      append: async (args) => {
        if (kinds.includes(args.event.kind)) {
          entered.open();
          await wait();
        }
        return ledger.append(args);
      },
    },
    entered: entered.opened,
  };
}

/**
 * The blob store, with every put answering only once `wait()` settles, after its blob is stored: the
 * upload then stands between storing its content and committing its version. `stored` settles when the
 * first put has stored its blob.
 */
export function holdBlobPuts({ blobStore, wait }: { blobStore: BlobStore; wait: () => Promise<void> }): {
  blobStore: BlobStore;
  stored: Promise<void>;
} {
  const stored = createGate();
  return {
    blobStore: {
      ...blobStore,
      put: async (args) => {
        const result = await blobStore.put(args);
        stored.open();
        await wait();
        return result;
      },
    },
    stored: stored.opened,
  };
}
