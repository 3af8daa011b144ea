import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Starts `writ serve` (or another command) the way an operator does: through `bin/writ`, the launcher behind
 * `npm start` and the installed `writ`, so that a benchmark measures the process settings Writ ships with.
 * `mainScript` is a build's dist/main.js. Node options (--cpu-prof, --trace-gc) need `node` itself, since
 * Node 20 refuses them in NODE_OPTIONS: such a run, like a build without a launcher, starts plain `node`
 * and is for profiles, not for the figures.
 */
export function spawnWrit({
  mainScript,
  args,
  env,
  nodeArgs = [],
}: {
  mainScript: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  nodeArgs?: string[];
}): ChildProcessByStdio<null, Readable, Readable> {
  const launcher = join(dirname(mainScript), '..', 'bin', 'writ');
  const [command, commandArgs] =
    nodeArgs.length === 0 && existsSync(launcher)
      ? [launcher, args]
      : [process.execPath, [...nodeArgs, mainScript, ...args]];
  return spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
}
