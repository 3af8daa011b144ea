import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import type { BenchmarkReport } from './run.js';
import { readCpuSeconds } from './vault-servers.js';
import { readLauncherSettings } from './writ-process.js';

/*
 * Writ's full Fastify stack against a bare node:http server sending the same bodies, both over plain HTTP on
 * loopback, so the ratio measures the stack rather than TLS. Each server runs in a forked child: autocannon in this
 * process would otherwise take CPU from the very event loop it measures. Both servers are started, but only one is
 * loaded at a time, so on two cores the client and the server under test each have one. Each route is measured in
 * rounds that alternate between the servers (BENCH_ROUNDS, BENCH_DURATION_SECONDS in all per server and route):
 * other work on the machine then weighs on both sides of a ratio alike. Throughput is requests over measured time
 * across the rounds; p99 is the worst round's. Server CPU per request (user + system, all threads, from /proc) is
 * reported beside it: it varies less than throughput on a shared machine, and it is what the stack costs.
 * BENCH_HTTP_CPU_PROF=<dir> runs Writ's server with --cpu-prof into it.
 *
 * What Writ's side pays on every request, as `writ serve` does with its defaults: routing, helmet's headers, request
 * ids, cookies, the rate limiter's bookkeeping (its limit is raised so that it never refuses), the Prometheus
 * histogram, the fast-json-stringify response schema, and one operator log line (request id, route, status,
 * duration) at the default log level, written to standard output, here a file. `/api/setup` asks the database
 * whether an administrator exists (none does here, so the answer is never remembered) through Kysely; the baseline
 * asks the same SQLite file with one raw prepared statement. The run checks that every request was logged.
 *
 * Two floors are measured on `/healthz` in the same rounds, with the launcher's Node options as Writ: Fastify alone
 * (the route and its response schema), and Fastify with Writ's logger writing the same request line (`floors` in the
 * report). No stack built on Fastify with a per-request log line can do better than the second.
 */

const rpsRatioMin = 0.6;
const launcher = readLauncherSettings();

type ServerKind = 'writ' | 'baseline' | 'fastify' | 'fastify-logged';

/**
 * `/healthz` is also measured on two floors: Fastify alone, and Fastify with Writ's request log line. Their
 * ratios to the baseline bound what any stack with that framework and that log could reach.
 */
const routes: readonly { name: string; path: string; body: unknown; kinds: readonly ServerKind[] }[] = [
  {
    name: 'healthz',
    path: '/healthz',
    body: { status: 'ok' },
    kinds: ['writ', 'baseline', 'fastify', 'fastify-logged'],
  },
  { name: 'api', path: '/api/setup', body: { isSetupRequired: true }, kinds: ['writ', 'baseline'] },
];
const serverKinds: readonly ServerKind[] = ['writ', 'baseline', 'fastify', 'fastify-logged'];
type Settings = { warmupSeconds: number; durationSeconds: number; rounds: number; connections: number };

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

type RunningServer = {
  url: string;
  /** User and system CPU seconds the server process has used so far (all its threads). */
  cpuSeconds: () => number;
  stop: () => Promise<void>;
  /** The request log lines the server wrote to its standard output. */
  countRequestLogLines: () => Promise<number>;
  removeLog: () => void;
};

async function startServer(kind: ServerKind): Promise<RunningServer> {
  // Writ's operator log (its stdout) goes to a file, as a supervisor would keep it; the rest to our stderr, since
  // our stdout is reserved for the report.
  const logDir = mkdtempSync(join(tmpdir(), 'writ-bench-log-'));
  const logPath = join(logDir, 'stdout.log');
  const logFd = openSync(logPath, 'w');
  let child: ChildProcess;
  try {
    child = fork(new URL('./http-bench-server.ts', import.meta.url), [kind], {
      // Writ's side runs with bin/writ's Node options and allocator settings, as `writ serve` does.
      ...(kind === 'baseline' ? {} : { env: { ...launcher.env, ...process.env } }),
      execArgv: [
        '--import',
        'tsx',
        ...(kind === 'baseline' ? [] : launcher.nodeOptions),
        ...(kind === 'writ' && process.env.BENCH_HTTP_CPU_PROF
          ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_HTTP_CPU_PROF]
          : []),
      ],
      stdio: ['ignore', logFd, 2, 'ipc'],
    });
  } finally {
    closeSync(logFd);
  }
  const port = await new Promise<number>((resolve, reject) => {
    const onEarlyExit = (code: number | null) => {
      rmSync(logDir, { recursive: true, force: true });
      reject(new Error(`The ${kind} server exited (code ${code}) before listening.`));
    };
    child.once('exit', onEarlyExit);
    child.once('message', (message) => {
      child.off('exit', onEarlyExit);
      resolve((message as { port: number }).port);
    });
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`The ${kind} server has no pid.`);
  return {
    url: `http://127.0.0.1:${port}`,
    cpuSeconds: () => readCpuSeconds(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      const killTimer = setTimeout(() => child.kill(), 10_000);
      child.disconnect();
      await exited;
      clearTimeout(killTimer);
    },
    countRequestLogLines: () => countRequestLogLines(logPath),
    removeLog: () => {
      rmSync(logDir, { recursive: true, force: true });
    },
  };
}

async function countRequestLogLines(path: string): Promise<number> {
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.includes('"msg":"request completed"') && line.includes('"reqId":"req_')) count += 1;
  }
  return count;
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

type Tally = {
  requests: number;
  seconds: number;
  worstP99: number;
  non2xx: number;
  errors: number;
  cpuSeconds: number;
};

async function measureRound(
  kind: ServerKind,
  server: RunningServer,
  path: string,
  settings: Settings,
  { seconds, isFirst }: { seconds: number; isFirst: boolean },
  tally: Tally,
): Promise<void> {
  const url = `${server.url}${path}`;
  // Warm-up apart, so that the CPU counted below is that of the measured requests alone.
  if (isFirst) await autocannon({ url, connections: settings.connections, duration: settings.warmupSeconds });
  const cpuBefore = server.cpuSeconds();
  const result = await autocannon({ url, connections: settings.connections, duration: seconds });
  const cpuSeconds = server.cpuSeconds() - cpuBefore;
  tally.cpuSeconds += cpuSeconds;
  tally.requests += result.requests.total;
  tally.seconds += result.duration;
  tally.worstP99 = Math.max(tally.worstP99, result.latency.p99);
  tally.non2xx += result.non2xx;
  tally.errors += result.errors;
  log(
    `${kind} GET ${new URL(url).pathname}: ${Math.round(result.requests.total / result.duration)} req/s, ` +
      `p99 ${result.latency.p99} ms, ${result.requests.total} requests, ` +
      `server CPU ${Math.round((cpuSeconds / Math.max(result.requests.total, 1)) * 1e6)} µs/request, ${result.non2xx} non-2xx, ` +
      `${result.errors} errors (${result.timeouts} timeouts)`,
  );
  if (result.non2xx > 0 || result.errors > 0)
    log(`!!! ${kind} ${url} FAILED requests: figures are suspect !!!`);
}

/**
 * Both servers measured route by route in alternating rounds (writ, baseline, baseline, writ, ...), so that load
 * from elsewhere on the machine falls on both sides of each ratio alike; only one of them is loaded at a time.
 */
async function measureAll(
  servers: Record<ServerKind, RunningServer>,
  settings: Settings,
): Promise<Record<ServerKind, Record<string, number>>> {
  const metrics: Record<ServerKind, Record<string, number>> = {
    writ: {},
    baseline: {},
    fastify: {},
    'fastify-logged': {},
  };
  const seconds = settings.durationSeconds / settings.rounds;
  for (const route of routes) {
    const emptyTally = () => ({ requests: 0, seconds: 0, worstP99: 0, non2xx: 0, errors: 0, cpuSeconds: 0 });
    const tallies: Record<ServerKind, Tally> = {
      writ: emptyTally(),
      baseline: emptyTally(),
      fastify: emptyTally(),
      'fastify-logged': emptyTally(),
    };
    for (const kind of route.kinds) await assertBody(`${servers[kind].url}${route.path}`, route.body);
    log(
      `GET ${route.path}: ${settings.rounds} rounds of ${seconds} s per server with ${settings.connections} connections, ` +
        `after ${settings.warmupSeconds} s of warm-up each`,
    );
    for (let round = 0; round < settings.rounds; round += 1) {
      const order = round % 2 === 0 ? route.kinds : [...route.kinds].reverse();
      for (const kind of order) {
        await measureRound(
          kind,
          servers[kind],
          route.path,
          settings,
          { seconds, isFirst: round === 0 },
          tallies[kind],
        );
      }
    }
    for (const kind of route.kinds) {
      const tally = tallies[kind];
      metrics[kind][`${route.name}_rps`] = Math.round(tally.requests / tally.seconds);
      metrics[kind][`${route.name}_p99_ms`] = tally.worstP99;
      metrics[kind][`${route.name}_non2xx`] = tally.non2xx;
      metrics[kind][`${route.name}_errors`] = tally.errors;
      metrics[kind][`${route.name}_requests`] = tally.requests;
      metrics[kind][`${route.name}_cpu_us_per_request`] =
        tally.requests === 0 ? 0 : Math.round((tally.cpuSeconds / tally.requests) * 1e7) / 10;
    }
  }
  return metrics;
}

async function startAll(): Promise<Record<ServerKind, RunningServer>> {
  const started: Partial<Record<ServerKind, RunningServer>> = {};
  try {
    for (const kind of serverKinds) started[kind] = await startServer(kind);
    return started as Record<ServerKind, RunningServer>;
  } catch (error) {
    for (const server of Object.values(started)) {
      await server.stop();
      server.removeLog();
    }
    throw error;
  }
}

/** Writ must have written its per-request log line for every request; warm-up ones come on top. */
async function checkRequestLog(server: RunningServer, writ: Record<string, number>): Promise<number> {
  const logLines = await server.countRequestLogLines();
  const answered = routes.reduce((sum, { name }) => sum + (writ[`${name}_requests`] ?? 0), 0);
  if (logLines < answered) throw new Error(`Writ logged ${logLines} requests but answered ${answered}.`);
  return logLines;
}

function ratio(writ: number | undefined, baseline: number | undefined): number | null {
  if (writ === undefined || baseline === undefined || baseline === 0) return null;
  return Math.round((writ / baseline) * 1000) / 1000;
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const settings: Settings = {
    warmupSeconds: readPositiveInteger('BENCH_WARMUP_SECONDS', 2),
    durationSeconds: readPositiveInteger('BENCH_DURATION_SECONDS', 12),
    rounds: readPositiveInteger('BENCH_ROUNDS', 3),
    connections: readPositiveInteger('BENCH_CONNECTIONS', 50),
  };
  const servers = await startAll();
  let measured: Record<ServerKind, Record<string, number>>;
  try {
    try {
      measured = await measureAll(servers, settings);
    } finally {
      await Promise.all(serverKinds.map((kind) => servers[kind].stop()));
    }
    measured.writ.request_log_lines = await checkRequestLog(servers.writ, measured.writ);
    measured['fastify-logged'].request_log_lines = await checkRequestLog(
      servers['fastify-logged'],
      measured['fastify-logged'],
    );
  } finally {
    for (const kind of serverKinds) servers[kind].removeLog();
  }
  const { writ, baseline } = measured;
  const floors = { fastify: measured.fastify, fastify_logged: measured['fastify-logged'] };

  const ratios: Record<string, number | null> = {};
  for (const { name } of routes) {
    ratios[`${name}_rps`] = ratio(writ[`${name}_rps`], baseline[`${name}_rps`]);
    ratios[`${name}_p99_ms`] = ratio(writ[`${name}_p99_ms`], baseline[`${name}_p99_ms`]);
    ratios[`${name}_cpu_per_request`] = ratio(
      writ[`${name}_cpu_us_per_request`],
      baseline[`${name}_cpu_us_per_request`],
    );
  }
  for (const [name, floor] of Object.entries(floors)) {
    ratios[`healthz_${name}_rps`] = ratio(floor.healthz_rps, baseline.healthz_rps);
    ratios[`healthz_${name}_cpu_per_request`] = ratio(
      floor.healthz_cpu_us_per_request,
      baseline.healthz_cpu_us_per_request,
    );
  }
  const failedRequests = { writ: sumFailures(writ), baseline: sumFailures(baseline) };
  const failedRequestsTotal =
    failedRequests.writ +
    failedRequests.baseline +
    sumFailures(floors.fastify) +
    sumFailures(floors.fastify_logged);
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
      rounds: settings.rounds,
      connections: settings.connections,
    },
    metrics: { ...writ, failed_requests: failedRequests.writ },
    baseline: { ...baseline, failed_requests: failedRequests.baseline },
    floors,
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
