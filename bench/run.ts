import { readdirSync } from 'node:fs';

/** What every benchmark returns; printed as the last line of stdout so scripts can read it with `tail -n 1`. */
export type BenchmarkReport = {
  bench: string;
  metrics: Record<string, unknown>;
  baseline: Record<string, unknown>;
  ratios: Record<string, unknown>;
  [extra: string]: unknown;
};

const suffix = '.bench.ts';
const available = readdirSync(new URL('.', import.meta.url))
  .filter((file) => file.endsWith(suffix))
  .map((file) => file.slice(0, -suffix.length))
  .sort();

const name = process.argv[2];
if (name === undefined || !available.includes(name)) {
  process.stderr.write(
    `${name === undefined ? 'No benchmark named.' : `Unknown benchmark "${name}".`} Available: ${available.join(', ')}\n` +
      'Usage: npm run bench -- <name>\n',
  );
  process.exitCode = 2;
} else {
  const module = (await import(`./${name}${suffix}`)) as { runBenchmark: () => Promise<BenchmarkReport> };
  const report = await module.runBenchmark();
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
