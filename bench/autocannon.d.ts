// autocannon ships no types; this declares only the part of its programmatic API the benchmarks use.
declare module 'autocannon' {
  namespace autocannon {
    type Options = {
      url: string;
      connections?: number;
      duration?: number;
      warmup?: { connections?: number; duration?: number };
    };
    type Result = {
      /** Per-second samples of completed responses, whatever their status. */
      requests: { average: number; total: number };
      /** Milliseconds, recorded as whole numbers, 2xx responses only. */
      latency: { average: number; p50: number; p99: number };
      /** Socket errors, timeouts included. */
      errors: number;
      timeouts: number;
      non2xx: number;
      /** Seconds the measured run lasted, warm-up excluded. */
      duration: number;
    };
  }
  function autocannon(options: autocannon.Options): PromiseLike<autocannon.Result>;
  export = autocannon;
}
