import { cpus } from 'node:os';
import { hash } from '@node-rs/argon2';
import {
  type Argon2Parameters,
  defaultArgon2Parameters,
} from '../src/modules/identity/identity.passwords.js';
import type { BenchmarkReport } from './run.js';

/*
 * How long one Argon2id hash takes on this machine, one at a time, for Writ's default parameters and a few
 * neighbours, beside OWASP's minimum profile (19 MiB, t=2, p=1) as the baseline. The default is tuned to about
 * targetMs; docs/adr/0004-authentication.md records the figures. Sign-ins verify with these parameters, so
 * this is also the floor of a sign-in's latency.
 */

const targetMs = 100;
/** A default within this band of the target needs no retuning on this machine. */
const toleranceRatio = 0.3;

const owaspMinimum: Argon2Parameters = { memoryCost: 19456, timeCost: 2, parallelism: 1 };
const candidates: Record<string, Argon2Parameters> = {
  m64_t3: { memoryCost: 65536, timeCost: 3, parallelism: 1 },
  m96_t2: { memoryCost: 98304, timeCost: 2, parallelism: 1 },
  m128_t2: { memoryCost: 131072, timeCost: 2, parallelism: 1 },
  m128_t3: { memoryCost: 131072, timeCost: 3, parallelism: 1 },
  m192_t2: { memoryCost: 196608, timeCost: 2, parallelism: 1 },
  m256_t1: { memoryCost: 262144, timeCost: 1, parallelism: 1 },
};

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench:argon2] ${line}\n`);
}

/** Median milliseconds of `iterations` sequential hashes, after two warm-up hashes. */
async function measure(
  parameters: Argon2Parameters,
  iterations: number,
): Promise<{ median: number; p90: number }> {
  for (let warmup = 0; warmup < 2; warmup += 1) await hash('warm-up password', parameters);
  const durations: number[] = [];
  for (let iteration = 0; iteration < iterations; iteration += 1) {
    const start = performance.now();
    await hash('correct horse battery staple', parameters);
    durations.push(performance.now() - start);
  }
  durations.sort((a, b) => a - b);
  const pick = (quantile: number) =>
    durations[Math.min(durations.length - 1, Math.floor(quantile * durations.length))] ?? 0;
  return { median: Math.round(pick(0.5) * 10) / 10, p90: Math.round(pick(0.9) * 10) / 10 };
}

function label(parameters: Argon2Parameters): string {
  return `m=${parameters.memoryCost} KiB, t=${parameters.timeCost}, p=${parameters.parallelism}`;
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const iterations = readPositiveInteger('BENCH_ARGON2_ITERATIONS', 15);
  log(
    `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${iterations} sequential hashes per setting`,
  );

  const defaults = await measure(defaultArgon2Parameters, iterations);
  log(`default ${label(defaultArgon2Parameters)}: median ${defaults.median} ms, p90 ${defaults.p90} ms`);
  const owasp = await measure(owaspMinimum, iterations);
  log(`OWASP minimum ${label(owaspMinimum)}: median ${owasp.median} ms`);
  const neighbours: Record<string, number> = {};
  for (const [name, parameters] of Object.entries(candidates)) {
    neighbours[`${name}_median_ms`] = (await measure(parameters, iterations)).median;
    log(`${label(parameters)}: median ${neighbours[`${name}_median_ms`]} ms`);
  }

  const isMet = Math.abs(defaults.median - targetMs) <= targetMs * toleranceRatio;
  log(
    `default within ${targetMs} ms ± ${toleranceRatio * 100}%: ${isMet ? 'yes' : 'NO: retune defaultArgon2Parameters'}`,
  );
  return {
    bench: 'argon2',
    settings: { iterations, cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown' },
    metrics: {
      default_parameters: label(defaultArgon2Parameters),
      default_median_ms: defaults.median,
      default_p90_ms: defaults.p90,
      ...neighbours,
    },
    baseline: { owasp_minimum_parameters: label(owaspMinimum), owasp_minimum_median_ms: owasp.median },
    ratios: { default_vs_owasp_minimum: Math.round((defaults.median / owasp.median) * 100) / 100 },
    target: { median_ms: targetMs, tolerance_ratio: toleranceRatio, is_met: isMet },
  };
}
