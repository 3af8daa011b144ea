import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { request as httpsRequest } from 'node:https';
import type { BenchmarkReport } from './run.js';
import { parsePositiveInteger } from './settings.js';
import { ensureSystemPackages, oathtool } from './system-packages.js';
import {
  currentRssMiB,
  ensureBuilt,
  log,
  type ServerUnderTest,
  startBaseline,
  startProcessSampler,
  startWrit,
} from './vault-servers.js';

/*
 * Streaming a large file up to Writ's HTTPS API and back down (`POST /api/matters/:id/documents`, then
 * `GET /api/documents/:id/content`), against a bare node:https server doing the same cryptographic work
 * (SHA-256 and AES-256-GCM on the way in and out, fsync before answering an upload), over TLS on loopback.
 * Both servers run in their own process; the client (this process) generates the content, hashes it on the
 * way up and on the way down, and is the same code against both. Peak RSS is the server process's, per phase.
 * A second, larger file goes through Writ alone, for its peak RSS: memory must not grow with the file.
 *
 * Writ and the baseline alternate for BENCH_VAULT_ROUNDS rounds (default 3); each side's fastest round counts,
 * since load from elsewhere on the machine only ever slows a round down. Server CPU seconds per GB are
 * reported too: they hardly depend on that load.
 *
 * Sizes: BENCH_VAULT_SIZE_MIB (default 1024) and BENCH_VAULT_LARGE_SIZE_MIB (default 4096, 0 to skip), or
 * `--quick` (256 and 512, one round), `--size <MiB>`, `--large-size <MiB>` and `--rounds <n>` after the
 * benchmark's name.
 * BENCH_VAULT_CPU_PROF=<dir> runs the Writ server with --cpu-prof into that directory.
 */

const throughputRatioMin = 0.85;
const peakRssMaxMiB = 200;
const mebibyte = 1024 * 1024;
const chunkSize = mebibyte;

type Settings = { sizeMiB: number; largeSizeMiB: number; rounds: number; cpuProfileDir: string | undefined };

function readSettings(): Settings {
  const args = process.argv.slice(3);
  const isQuick = args.includes('--quick');
  const optionValue = (option: string): string | undefined => {
    const index = args.indexOf(option);
    return index === -1 ? undefined : args[index + 1];
  };
  const sizeRaw = optionValue('--size') ?? process.env.BENCH_VAULT_SIZE_MIB;
  const largeRaw = optionValue('--large-size') ?? process.env.BENCH_VAULT_LARGE_SIZE_MIB;
  const cpuProfileDir = process.env.BENCH_VAULT_CPU_PROF;
  const roundsRaw = optionValue('--rounds') ?? process.env.BENCH_VAULT_ROUNDS;
  return {
    rounds:
      roundsRaw === undefined || roundsRaw === ''
        ? isQuick
          ? 1
          : 3
        : parsePositiveInteger('rounds', roundsRaw),
    sizeMiB:
      sizeRaw === undefined || sizeRaw === ''
        ? isQuick
          ? 256
          : 1024
        : parsePositiveInteger('size', sizeRaw),
    largeSizeMiB:
      largeRaw === undefined || largeRaw === ''
        ? isQuick
          ? 512
          : 4096
        : parsePositiveInteger('large size', largeRaw, { allowZero: true }),
    cpuProfileDir: cpuProfileDir === undefined || cpuProfileDir === '' ? undefined : cpuProfileDir,
  };
}

/**
 * Pseudo-random content without holding it: one random MiB, with the chunk's index written into each chunk
 * so that no two chunks are equal. A fresh buffer per chunk: a buffer handed to a socket must not change.
 */
function* generateChunks(totalBytes: number): Generator<Buffer> {
  const base = randomBytes(chunkSize);
  for (let offset = 0, index = 0; offset < totalBytes; offset += chunkSize, index += 1) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, totalBytes - offset));
    base.copy(chunk, 0, 0, chunk.length);
    if (chunk.length >= 8) chunk.writeBigUInt64LE(BigInt(index), 0);
    yield chunk;
  }
}

type Transfer = { seconds: number; bytes: number; sha256: string; peakRssMiB: number; cpuSeconds: number };

/** Streams `totalBytes` up with backpressure; returns the server's answer and what the client sent. */
async function upload(
  server: ServerUnderTest,
  totalBytes: number,
): Promise<Transfer & { id: string; serverSha256: string }> {
  const path = await server.uploadPath();
  const sampler = startProcessSampler(server.pid);
  const hash = createHash('sha256');
  const started = process.hrtime.bigint();
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpsRequest(
      `${server.origin}${path}`,
      {
        method: 'POST',
        ca: server.ca,
        agent: false,
        headers: {
          ...server.headers,
          'content-type': 'application/octet-stream',
          'content-length': String(totalBytes),
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (text: string) => (body += text));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    void (async () => {
      for (const chunk of generateChunks(totalBytes)) {
        hash.update(chunk);
        if (!request.write(chunk)) await once(request, 'drain');
        // An answer before the end (a refusal) or a broken connection ends the loop.
        if (request.destroyed) return;
      }
      request.end();
    })().catch(reject);
  });
  let answer;
  let used;
  try {
    answer = await answered;
  } finally {
    used = sampler.stop();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (answer.status !== 201)
    throw new Error(`${server.kind} upload: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
  const parsed = JSON.parse(answer.body) as
    | { id: string; size: number; sha256: string }
    | { document: { id: string }; version: { size: number; sha256: string } };
  const { id, size, serverSha256 } =
    'document' in parsed
      ? { id: parsed.document.id, size: parsed.version.size, serverSha256: parsed.version.sha256 }
      : { id: parsed.id, size: parsed.size, serverSha256: parsed.sha256 };
  const sha256 = hash.digest('hex');
  if (size !== totalBytes || serverSha256 !== sha256) {
    throw new Error(
      `${server.kind} upload stored ${size} bytes with SHA-256 ${serverSha256}; sent ${totalBytes} bytes with ${sha256}`,
    );
  }
  return { id, serverSha256, seconds, bytes: totalBytes, sha256, ...used };
}

/** Reads the content back, hashing it, and discards it. */
async function download(server: ServerUnderTest, id: string): Promise<Transfer> {
  const sampler = startProcessSampler(server.pid);
  const hash = createHash('sha256');
  const started = process.hrtime.bigint();
  let bytes = 0;
  let used;
  try {
    await new Promise<void>((resolve, reject) => {
      const request = httpsRequest(
        `${server.origin}${server.downloadPath({ id })}`,
        { method: 'GET', ca: server.ca, agent: false, headers: server.headers },
        (response) => {
          if (response.statusCode !== 200) {
            reject(new Error(`${server.kind} download: HTTP ${response.statusCode}`));
            response.resume();
            return;
          }
          response.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            hash.update(chunk);
          });
          response.on('end', resolve);
          response.on('error', reject);
          // A response cut short (an integrity failure aborts it) ends with 'aborted' / 'close', not 'end'.
          response.on('close', () => {
            if (!response.complete)
              reject(new Error(`${server.kind} download was cut off after ${bytes} bytes`));
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
  } finally {
    used = sampler.stop();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, bytes, sha256: hash.digest('hex'), ...used };
}

function megabytesPerSecond(transfer: Transfer): number {
  return Math.round((transfer.bytes / 1e6 / transfer.seconds) * 10) / 10;
}

/** Server CPU (user + system) per GB moved: the cost, whatever else runs on the machine. */
function cpuSecondsPerGB(transfer: Transfer): number {
  return Math.round((transfer.cpuSeconds / (transfer.bytes / 1e9)) * 100) / 100;
}

type RoundTrip = { up: Transfer; down: Transfer; idleRssMiB: number };

async function measureRoundTrip(server: ServerUnderTest, sizeMiB: number): Promise<RoundTrip> {
  const totalBytes = sizeMiB * mebibyte;
  const idleRssMiB = currentRssMiB(server.pid);
  log(`${server.kind}: uploading ${sizeMiB} MiB (server RSS ${idleRssMiB} MiB before)`);
  const up = await upload(server, totalBytes);
  log(
    `${server.kind}: upload ${megabytesPerSecond(up)} MB/s (${up.seconds.toFixed(1)} s, server CPU ${up.cpuSeconds} s), peak RSS ${up.peakRssMiB} MiB`,
  );
  const down = await download(server, up.id);
  if (down.bytes !== totalBytes || down.sha256 !== up.sha256) {
    throw new Error(
      `${server.kind} download returned ${down.bytes} bytes with SHA-256 ${down.sha256}; uploaded ${totalBytes} with ${up.sha256}`,
    );
  }
  log(
    `${server.kind}: download ${megabytesPerSecond(down)} MB/s (${down.seconds.toFixed(1)} s, server CPU ${down.cpuSeconds} s), peak RSS ${down.peakRssMiB} MiB`,
  );
  await server.discard({ id: up.id });
  return { up, down, idleRssMiB };
}

async function withServer<T>(
  start: () => Promise<ServerUnderTest>,
  run: (server: ServerUnderTest) => Promise<T>,
): Promise<T> {
  const server = await start();
  try {
    return await run(server);
  } finally {
    await server.stop();
  }
}

function ratio(writ: number, baseline: number): number | null {
  return baseline === 0 ? null : Math.round((writ / baseline) * 1000) / 1000;
}

/** The fastest round each way (others' load only ever slows a round down), the highest RSS of any. */
function summarize(rounds: RoundTrip[]) {
  const fastest = (pick: (round: RoundTrip) => Transfer) =>
    rounds.map(pick).reduce((best, transfer) => (transfer.seconds < best.seconds ? transfer : best));
  const up = fastest((round) => round.up);
  const down = fastest((round) => round.down);
  return {
    uploadMBps: megabytesPerSecond(up),
    downloadMBps: megabytesPerSecond(down),
    uploadPeakRssMB: Math.max(...rounds.map((round) => round.up.peakRssMiB)),
    downloadPeakRssMB: Math.max(...rounds.map((round) => round.down.peakRssMiB)),
    idleRssMB: Math.max(...rounds.map((round) => round.idleRssMiB)),
    uploadCpuSecondsPerGB: Math.min(...rounds.map((round) => cpuSecondsPerGB(round.up))),
    downloadCpuSecondsPerGB: Math.min(...rounds.map((round) => cpuSecondsPerGB(round.down))),
    uploadMBpsRounds: rounds.map((round) => megabytesPerSecond(round.up)),
    downloadMBpsRounds: rounds.map((round) => megabytesPerSecond(round.down)),
  };
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const settings = readSettings();
  ensureBuilt();
  ensureSystemPackages('vault', [oathtool]);
  const maxUploadBytes = Math.max(settings.sizeMiB, settings.largeSizeMiB, 1) * mebibyte;
  const startWritServer = () => startWrit({ maxUploadBytes, cpuProfileDir: settings.cpuProfileDir });

  // One server at a time, so that on two cores the client and the server under test have one each; Writ and
  // the baseline alternate, round after round, so that a burst of load elsewhere does not hit one side only.
  const writRounds: RoundTrip[] = [];
  const baselineRounds: RoundTrip[] = [];
  for (let round = 1; round <= settings.rounds; round += 1) {
    log(`round ${round} of ${settings.rounds}`);
    writRounds.push(
      await withServer(startWritServer, (server) => measureRoundTrip(server, settings.sizeMiB)),
    );
    baselineRounds.push(
      await withServer(startBaseline, (server) => measureRoundTrip(server, settings.sizeMiB)),
    );
  }
  const large =
    settings.largeSizeMiB === 0
      ? undefined
      : await withServer(startWritServer, (server) => measureRoundTrip(server, settings.largeSizeMiB));

  const writ = summarize(writRounds);
  const baseline = summarize(baselineRounds);
  const metrics: Record<string, number | number[]> = { ...writ };
  if (large !== undefined) {
    const peakRssLargeMB = Math.max(large.up.peakRssMiB, large.down.peakRssMiB);
    Object.assign(metrics, {
      largeUploadMBps: megabytesPerSecond(large.up),
      largeDownloadMBps: megabytesPerSecond(large.down),
      largeUploadPeakRssMB: large.up.peakRssMiB,
      largeDownloadPeakRssMB: large.down.peakRssMiB,
      peakRssLargeMB,
      ...(settings.largeSizeMiB === 4096 ? { peakRss4GiBMB: peakRssLargeMB } : {}),
    });
  }
  const ratios = {
    upload: ratio(writ.uploadMBps, baseline.uploadMBps),
    download: ratio(writ.downloadMBps, baseline.downloadMBps),
    uploadCpuPerGB: ratio(writ.uploadCpuSecondsPerGB, baseline.uploadCpuSecondsPerGB),
    downloadCpuPerGB: ratio(writ.downloadCpuSecondsPerGB, baseline.downloadCpuSecondsPerGB),
  };
  const peakRssMiB = Math.max(
    writ.uploadPeakRssMB,
    writ.downloadPeakRssMB,
    large?.up.peakRssMiB ?? 0,
    large?.down.peakRssMiB ?? 0,
  );
  const isThroughputMet =
    (ratios.upload ?? 0) >= throughputRatioMin && (ratios.download ?? 0) >= throughputRatioMin;
  const isRssMet = peakRssMiB < peakRssMaxMiB;
  log(
    `target ratio >= ${throughputRatioMin} both ways: ${isThroughputMet ? 'met' : 'NOT met'} ` +
      `(upload ${ratios.upload}, download ${ratios.download}); ` +
      `peak RSS < ${peakRssMaxMiB} MB: ${isRssMet ? 'met' : 'NOT met'} (${peakRssMiB} MB)`,
  );

  return {
    bench: 'vault',
    transport: 'https on loopback (self-signed ECDSA P-256, minVersion TLSv1.2, as Writ serves it)',
    api_baseline:
      'node:https streaming through SHA-256 and one AES-256-GCM stream into an fsynced file, and back out through the decipher and SHA-256',
    units: {
      MBps: '10^6 bytes per second, fastest of the rounds',
      MB: 'MiB, peak resident set of the server process during the phase, highest of the rounds',
      CpuSecondsPerGB: 'server user + system CPU seconds per 10^9 bytes, lowest of the rounds',
    },
    settings: { sizeMiB: settings.sizeMiB, largeSizeMiB: settings.largeSizeMiB, rounds: settings.rounds },
    metrics,
    baseline,
    ratios,
    target: {
      ratio_min: throughputRatioMin,
      peak_rss_max_mb: peakRssMaxMiB,
      is_throughput_met: isThroughputMet,
      is_rss_met: isRssMet,
      is_met: isThroughputMet && isRssMet,
    },
  };
}
