import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Starts `writ serve` (or another command) the way an operator does: through `bin/writ`, the launcher behind
 * `npm start` and the installed `writ`, so that a benchmark measures the process settings Writ ships with.
 * `mainScript` is a build's dist/main.js. Node options (--cpu-prof, --trace-gc) need `node` itself, since
 * Node 20 refuses them in NODE_OPTIONS: such a run starts `node` with the launcher's options and environment
 * (read from this tree's `bin/writ`) before the extra ones, and is for profiles, not for the figures. A build
 * without a launcher starts plain `node`.
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
  if (!existsSync(launcher)) {
    return spawn(process.execPath, [...nodeArgs, mainScript, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }
  if (nodeArgs.length === 0) return spawn(launcher, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const shipped = readLauncherSettings();
  return spawn(process.execPath, [...shipped.nodeOptions, ...nodeArgs, mainScript, ...args], {
    env: { ...shipped.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * The Node options and environment defaults `bin/writ` starts Writ with, read from the launcher itself, for a
 * benchmark that runs Writ's code in a process of its own making (the http benchmark forks its server) and
 * must still measure it as shipped. Throws when the launcher no longer reads as expected.
 */
export function readLauncherSettings(launcher = join(repoRoot, 'bin', 'writ')): {
  nodeOptions: string[];
  env: Record<string, string>;
} {
  const text = readFileSync(launcher, 'utf8');
  const exec = /^exec node ((?:--[\w-]+(?:=\S+)? )*)"/m.exec(text);
  if (exec === null) throw new Error(`${launcher}: no "exec node <options> ..." line`);
  const env = Object.fromEntries(
    [...text.matchAll(/^: "\$\{(\w+):=([^}]*)\}"$/gm)].map(([, name = '', value = '']) => [name, value]),
  );
  return { nodeOptions: (exec[1] ?? '').trim().split(' ').filter(Boolean), env };
}
