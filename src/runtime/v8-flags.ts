import { setFlagsFromString } from 'node:v8';

/*
 * Imported first by main.ts: the policy engine's WebAssembly module is compiled when its module is
 * evaluated. V8 would otherwise tier Cedar's hot functions up on one compiler thread per core, and the
 * memory each thread's allocator keeps afterwards (about 45 MB on two cores, more on larger machines) is
 * never given back. With one thread, decisions are as fast; only start-up compiles on fewer threads.
 * Settings that must be in place before V8 starts (the young generation's size) are bin/writ's (ADR 0013).
 */
setFlagsFromString('--wasm-num-compilation-tasks=1');
