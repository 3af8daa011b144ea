import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import type { BenchmarkReport } from './run.js';

/*
 * Writ's full Fastify stack against a bare node:http server sending the same bodies, both over plain HTTP on
 * loopback, so the ratio measures the stack rather than TLS. Each server runs in a forked child: autocannon in this
 * process would otherwise take CPU from the very event loop it measures. Only one server runs at a time, so on two
 * cores the client and the server under test each have one.
 */

const rpsRatioMin = 0.6;

const routes = [
  { name: 'healthz', path: '/healthz', body: { status: 'ok' } },
  { name: 'api', path: '/api/setup', body: { isSetupRequired: true } },
] as const;

type ServerKind = 'writ' | 'baseline';
type Settings = { warmupSeconds: number; durationSeconds: number; connections: number };

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench:http] ${line}\n`);
}

async function startServer(kind: ServerKind): Promise<{ url: string; stop: () => Promise<void> }> {
  // The child's output goes to our stderr: stdout is reserved for the report.
  const child: ChildProcess = fork(new URL('./http-bench-server.ts', import.meta.url), [kind], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => {
      resolve((message as { port: number }).port);
    });
    child.once('exit', (code) => {
      reject(new Error(`The ${kind} server exited (code ${code}) before listening.`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      const killTimer = setTimeout(() => child.kill(), 10_000);
      child.disconnect();
      await exited;
      clearTimeout(killTimer);
    },
  };
}

/** A server answering with the wrong body would make the comparison meaningless, so check once before loading it. */
async function assertBody(url: string, expected: unknown): Promise<void> {
  const response = await fetch(url, { headers: { connection: 'close' } });
  const body: unknown = await response.json();
  if (response.status !== 200 || !isDeepStrictEqual(body, expected)) {
    throw new Error(
      `${url} answered ${response.status} ${JSON.stringify(body)}, expected 200 ${JSON.stringify(expected)}.`,
    );
  }
}

async function measureServer(kind: ServerKind, settings: Settings): Promise<Record<string, number>> {
  const server = await startServer(kind);
  const metrics: Record<string, number> = {};
  try {
    for (const route of routes) {
      const url = `${server.url}${route.path}`;
      await assertBody(url, route.body);
      log(
        `${kind} GET ${route.path}: warm-up ${settings.warmupSeconds} s, then ${settings.durationSeconds} s with ${settings.connections} connections`,
      );
      const result = await autocannon({
        url,
        connections: settings.connections,
        duration: settings.durationSeconds,
        warmup: { connections: settings.connections, duration: settings.warmupSeconds },
      });
      metrics[`${route.name}_rps`] = Math.round(result.requests.average);
      metrics[`${route.name}_p99_ms`] = result.latency.p99;
      metrics[`${route.name}_non2xx`] = result.non2xx;
      metrics[`${route.name}_errors`] = result.errors;
      log(
        `${kind} GET ${route.path}: ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, ` +
          `${result.requests.total} requests, ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts)`,
      );
      if (result.non2xx > 0 || result.errors > 0) {
        log(
          `!!! ${kind} GET ${route.path} FAILED ${result.non2xx} responses and ${result.errors} requests: figures are suspect !!!`,
        );
      }
    }
  } finally {
    await server.stop();
  }
  return metrics;
}

function ratio(writ: number | undefined, baseline: number | undefined): number | null {
  if (writ === undefined || baseline === undefined || baseline === 0) return null;
  return Math.round((writ / baseline) * 1000) / 1000;
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const settings: Settings = {
    warmupSeconds: readPositiveInteger('BENCH_WARMUP_SECONDS', 2),
    durationSeconds: readPositiveInteger('BENCH_DURATION_SECONDS', 10),
    connections: readPositiveInteger('BENCH_CONNECTIONS', 50),
  };
  const writ = await measureServer('writ', settings);
  const baseline = await measureServer('baseline', settings);

  const ratios: Record<string, number | null> = {};
  for (const { name } of routes) {
    ratios[`${name}_rps`] = ratio(writ[`${name}_rps`], baseline[`${name}_rps`]);
    ratios[`${name}_p99_ms`] = ratio(writ[`${name}_p99_ms`], baseline[`${name}_p99_ms`]);
  }
  const failedRequests = { writ: sumFailures(writ), baseline: sumFailures(baseline) };
  const failedRequestsTotal = failedRequests.writ + failedRequests.baseline;
  // Refused or failed requests are cheap and would flatter the throughput, so a run with any of them meets nothing.
  const isMet =
    failedRequestsTotal === 0 && routes.every(({ name }) => (ratios[`${name}_rps`] ?? 0) >= rpsRatioMin);
  if (failedRequestsTotal > 0)
    log(`!!! ${failedRequestsTotal} requests failed in this run: see the *_non2xx and *_errors metrics !!!`);
  log(`target rps ratio >= ${rpsRatioMin}: ${isMet ? 'met' : 'NOT met'}`);

  return {
    bench: 'http',
    transport: 'http',
    api_baseline: 'node:http with the same SQLite query as one raw better-sqlite3 prepared statement',
    settings: {
      warmup_seconds: settings.warmupSeconds,
      duration_seconds: settings.durationSeconds,
      connections: settings.connections,
    },
    metrics: { ...writ, failed_requests: failedRequests.writ },
    baseline: { ...baseline, failed_requests: failedRequests.baseline },
    ratios,
    target: { rps_ratio_min: rpsRatioMin, is_met: isMet },
  };
}

function sumFailures(metrics: Record<string, number>): number {
  return routes.reduce(
    (sum, { name }) => sum + (metrics[`${name}_non2xx`] ?? 0) + (metrics[`${name}_errors`] ?? 0),
    0,
  );
}
