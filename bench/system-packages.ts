import { spawnSync } from 'node:child_process';

/** A Debian package a benchmark drives, with the shell check that proves it is installed. */
export type SystemPackage = { package: string; check: string };

export const oathtool: SystemPackage = { package: 'oathtool', check: 'command -v oathtool' };
export const opensshClient: SystemPackage = {
  package: 'openssh-client',
  check: 'command -v sftp && command -v ssh && command -v ssh-keygen',
};
export const chromium: SystemPackage = { package: 'chromium', check: 'command -v chromium' };

function passes(check: string): boolean {
  return spawnSync('sh', ['-c', check], { stdio: 'ignore' }).status === 0;
}

/**
 * Installs what is missing when running as root (as `npm test` does), otherwise stops with the exact
 * command: a benchmark must not fail half-way on a missing program.
 */
export function ensureSystemPackages(benchName: string, packages: SystemPackage[]): void {
  const missing = packages.filter(({ check }) => !passes(check)).map((entry) => entry.package);
  if (missing.length === 0) return;
  const install = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !passes('command -v apt-get')) {
    throw new Error(
      `The ${benchName} benchmark needs these Debian packages: ${missing.join(' ')}\nRun: sudo sh -c '${install}'`,
    );
  }
  process.stderr.write(`[bench:${benchName}] installing ${missing.join(', ')}\n`);
  const result = spawnSync('sh', ['-c', install], {
    stdio: ['ignore', 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) throw new Error(`${install} failed (exit ${result.status ?? result.signal})`);
}
