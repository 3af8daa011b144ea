#!/usr/bin/env node
// `npm test`: everything CI checks, in the order a failure is cheapest to find.
// System packages the tests need are installed here when missing (as root), or named with the exact command.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';

/** Debian packages the test suite drives, each with the shell check that proves it is there. */
const systemPackages = [
  { package: 'openssl', check: 'command -v openssl' },
  { package: 'python3-cryptography', check: '/usr/bin/python3 -c "import cryptography"' },
  { package: 'oathtool', check: 'command -v oathtool' },
  { package: 'chromium', check: 'command -v chromium' },
  { package: 'openssh-client', check: 'command -v sftp && command -v ssh-keygen && command -v ssh-keyscan' },
];

function run(title, command, args, options = {}) {
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    process.stderr.write(`\nnpm test: ${title} failed (exit ${result.status ?? result.signal}).\n`);
    process.exit(result.status ?? 1);
  }
}

function passes(check) {
  return spawnSync('sh', ['-c', check], { stdio: 'ignore' }).status === 0;
}

function hasCommand(command) {
  return passes(`command -v ${command}`);
}

function ensureSystemPackages() {
  const missing = systemPackages.filter(({ check }) => !passes(check)).map((entry) => entry.package);
  if (missing.length === 0) return;
  const install = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !hasCommand('apt-get')) {
    process.stderr.write(
      `npm test needs these Debian packages: ${missing.join(' ')}\nRun: sudo sh -c '${install}'\n`,
    );
    process.exit(1);
  }
  run(`installing ${missing.join(', ')}`, 'sh', ['-c', install], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    process.stderr.write(`Writ needs Node.js 20.19 or later; this is ${process.version}.\n`);
    process.exit(1);
  }
}

checkNode();
ensureSystemPackages();
const bin = (name) => `node_modules/.bin/${name}`;
run('typecheck', 'npm', ['run', '--silent', 'typecheck']);
run('lint', 'npm', ['run', '--silent', 'lint']);
run('format', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
mkdirSync('test-artifacts', { recursive: true });
const report = 'test-artifacts/vitest-report.json';
const vitest = spawnSync(
  bin('vitest'),
  ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
  {
    stdio: 'inherit',
  },
);
let summary;
let failed = 0;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  failed = results.numFailedTests + results.numFailedTestSuites;
  summary = `${results.numPassedTests} passed, ${results.numFailedTests} failed`;
  if (results.numPendingTests + results.numTodoTests > 0)
    summary += `, ${results.numPendingTests + results.numTodoTests} skipped`;
} catch {
  summary = undefined;
}
if (summary !== undefined) process.stdout.write(`\ntests: ${summary}\n`);
// Failures in the report fail the run even if the runner's own exit status were lost.
process.exit(vitest.status === 0 && failed === 0 && summary !== undefined ? 0 : 1);
