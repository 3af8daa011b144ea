import { type ChildProcess, execFileSync, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchmarkReport } from './run.js';
import { parsePositiveInteger } from './settings.js';
import { ensureSystemPackages, oathtool, opensshClient } from './system-packages.js';
import { touchPageCache } from './page-cache.js';
import { readLauncherSettings, spawnWrit } from './writ-process.js';
import { expectJson, requestJson, signInWithTotp, totpCode } from './writ-https.js';
import { ensureBuilt, startProcessSampler } from './vault-servers.js';

/*
 * A large file put and got with Debian's OpenSSH `sftp` client, against Writ's SFTP front door (`writ serve`
 * as an operator runs it: encryption at rest, a lawyer with an SSH key and TOTP) and against OpenSSH's own
 * sshd + sftp-server (a private sshd on another loopback port, run from a temporary sshd_config), with the
 * same client, the same cipher and the same file, rounds alternating between the two servers.
 *
 * Each server gets one authenticated SSH connection (`ControlMaster`), and each transfer is a new `sftp`
 * process over it: Writ's TOTP codes are single-use, so one sign-in serves every round. What is timed is the
 * whole `sftp -b` run of one `put` or one `get` (the multiplexed session's set-up is a few milliseconds).
 * Every download is checked against the source's SHA-256.
 *
 * A third server, ssh2 alone (sftp-floor-server.ts: Writ's transport serving plain files), shows what part of
 * the gap to OpenSSH is the SSH library's and what part Writ's own work (vault, hashing, database, ledger).
 * A fourth, the same with --at-rest-crypto, only takes puts: each byte hashed and sealed in Writ's at-rest
 * format with no streams, hashing thread or database, so that what the required cryptography costs is told
 * apart from what Writ's upload pipeline adds. It is a reference, not a bound: everything runs on its event
 * loop, and Writ, which hashes on another thread, can pass it.
 *
 * Settings: `--size <MiB>` (BENCH_SFTP_SIZE_MIB, default 1024), `--rounds <n>` (BENCH_SFTP_ROUNDS, default
 * 3), `--quick` (256 MiB, one round). BENCH_SFTP_CPU_PROF=<dir> runs Writ with --cpu-prof into that directory,
 * BENCH_SFTP_NODE_ARGS adds Node options to it (`--trace-gc`), BENCH_SFTP_MAIN runs another build's main.js.
 * Each side's fastest round counts: load from elsewhere on the machine only ever slows a round down.
 *
 * Besides the server's own CPU, each transfer records what the whole machine spent (client, server and kernel):
 * on two cores shared with the client, it is what decides how fast a CPU-bound transfer can go, and OpenSSH's
 * figure over Writ's is the speed ratio the two reach when neither waits on anything but the processors.
 */

const cipher = 'aes128-gcm@openssh.com';
const targets = { getRatioMin: 1.0, putRatioMin: 0.8 };
const mebibyte = 1024 * 1024;
/**
 * What OpenSSH's sftp asks for at a time of a server without `limits@openssh.com`, as ssh2's (whose VERSION
 * offers no extension); sshd's sftp-server offers the extension, and gets about 255 KiB. The baseline is also
 * run with `-B 32768`, to tell that difference from the rest.
 */
const openSshDefaultRequestBytes = 32 * 1024;
const sshdPath = '/usr/sbin/sshd';
const sftpServerPath = '/usr/lib/openssh/sftp-server';
const sshdInstall = ['apt-get', 'install', '-y', '--no-install-recommends', 'openssh-server'];
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** BENCH_SFTP_MAIN runs another build (say, of a clean checkout) instead of this tree's dist/main.js. */
const otherMainScript = process.env.BENCH_SFTP_MAIN;
const mainScript =
  otherMainScript === undefined || otherMainScript === ''
    ? join(repoRoot, 'dist', 'main.js')
    : otherMainScript;
const benchPassword = 'sftp bench correct horse battery staple';
const benchUser = 'sftp.bench';
const matterName = 'Sftp bench';

function log(line: string): void {
  process.stderr.write(`[bench:sftp] ${line}\n`);
}

type Settings = { sizeMiB: number; rounds: number; cpuProfileDir: string | undefined };

function readSettings(): Settings {
  const args = process.argv.slice(3);
  const isQuick = args.includes('--quick');
  const optionValue = (option: string): string | undefined => {
    const index = args.indexOf(option);
    return index === -1 ? undefined : args[index + 1];
  };
  const sizeRaw = optionValue('--size') ?? process.env.BENCH_SFTP_SIZE_MIB;
  const roundsRaw = optionValue('--rounds') ?? process.env.BENCH_SFTP_ROUNDS;
  const cpuProfileDir = process.env.BENCH_SFTP_CPU_PROF;
  return {
    sizeMiB:
      sizeRaw === undefined || sizeRaw === ''
        ? isQuick
          ? 256
          : 1024
        : parsePositiveInteger('size', sizeRaw),
    rounds:
      roundsRaw === undefined || roundsRaw === ''
        ? isQuick
          ? 1
          : 3
        : parsePositiveInteger('rounds', roundsRaw),
    cpuProfileDir: cpuProfileDir === undefined || cpuProfileDir === '' ? undefined : cpuProfileDir,
  };
}

/** Whether something listens on TCP port 22 (IPv4 or IPv6), from /proc: no `ss` needed. */
function isPort22Listening(): boolean {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    const lines = readFileSync(table, 'utf8').split('\n').slice(1);
    // Field 2 is local address:port in hex, field 4 the state (0A = LISTEN).
    if (lines.some((line) => /^\s*\d+: [0-9A-F]+:0016 [0-9A-F]+:[0-9A-F]+ 0A /.test(line))) return true;
  }
  return false;
}

/**
 * Installs Debian's openssh-server when sshd is missing, as root only; otherwise stops with the command to
 * run. @NOTE Debian's maintainer scripts would start and enable a system sshd on port 22: a policy-rc.d
 * answering 101 forbids the start for the install, the service is disabled again (so that no reboot starts
 * it), and one that started anyway is stopped. A policy-rc.d already in place (containers) is left alone.
 */
function ensureSshd(): void {
  if (existsSync(sshdPath) && existsSync(sftpServerPath)) return;
  const command = sshdInstall.join(' ');
  if (process.getuid?.() !== 0) {
    throw new Error(
      `OpenSSH's sshd is missing (${sshdPath}); install it, then run again:\n  sudo ${command}`,
    );
  }
  log(`${sshdPath} is missing: ${command}`);
  const policyFile = '/usr/sbin/policy-rc.d';
  const isPolicyOurs = !existsSync(policyFile);
  if (isPolicyOurs)
    writeFileSync(policyFile, '#!/bin/sh\n# Written by bench/sftp.bench.ts for one install.\nexit 101\n', {
      mode: 0o755,
    });
  const wasListening = isPort22Listening();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const quiet: SpawnSyncOptions = { env, stdio: ['ignore', 2, 2] };
  try {
    const [program = 'apt-get', ...args] = sshdInstall;
    let result = spawnSync(program, args, quiet);
    if (result.status !== 0) {
      log('install failed: apt-get update, then once more');
      spawnSync('apt-get', ['update'], quiet);
      result = spawnSync(program, args, quiet);
    }
    if (result.status !== 0) throw new Error(`${command} failed (exit ${result.status ?? result.signal})`);
  } finally {
    if (isPolicyOurs) rmSync(policyFile, { force: true });
  }
  if (existsSync('/usr/bin/systemctl')) spawnSync('systemctl', ['disable', 'ssh.service'], quiet);
  if (!wasListening && isPort22Listening()) {
    log('the install started a system sshd on port 22: stopping it');
    spawnSync('service', ['ssh', 'stop'], quiet);
  }
  if (!existsSync(sshdPath) || !existsSync(sftpServerPath))
    throw new Error(`${command} did not install ${sshdPath} and ${sftpServerPath}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * User + system CPU seconds of a process and all its descendants, the reaped ones included (cutime,
 * cstime): sshd does its work in per-connection children and sftp-server grandchildren.
 */
function treeCpuSeconds(rootPid: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
      stats.set(Number(entry), { ppid: Number(fields[1]), ticks });
    } catch {
      // The process ended meanwhile; its parent's cutime has it.
    }
  }
  const isInTree = (pid: number): boolean => {
    for (let current: number | undefined = pid, depth = 0; current !== undefined && depth < 64; depth += 1) {
      if (current === rootPid) return true;
      current = stats.get(current)?.ppid;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, stat] of stats) if (isInTree(pid)) ticks += stat.ticks;
  // Clock ticks are 1/100 s on Linux.
  return ticks / 100;
}

/**
 * CPU seconds the whole machine spent busy (user, nice, system, irq, softirq; not idle, I/O wait or steal):
 * server, client and kernel threads together. On two cores, a transfer whose every part is CPU-bound cannot
 * beat 2 / (machine CPU seconds per GB) GB/s, so the ratio of two servers' figures bounds their speed ratio
 * when the machine, not waiting, is what limits both.
 */
function machineBusyCpuSeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).map(Number);
  return [user, nice, system, irq, softirq].reduce<number>((sum, ticks) => sum + (ticks ?? 0), 0) / 100;
}

/** Stops a child process: SIGTERM, then SIGKILL when it lingers. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** One random MiB repeated, each MiB stamped with its index so that no two are equal; returns its SHA-256. */
async function writeSourceFile(file: string, sizeMiB: number): Promise<string> {
  const base = randomBytes(mebibyte);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let index = 0; index < sizeMiB; index += 1) {
    const chunk = Buffer.from(base);
    chunk.writeBigUInt64LE(BigInt(index), 0);
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: mebibyte })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Where `sftp` connects, with which user, and which remote path to put the file at. */
type SftpTarget = {
  kind: 'writ' | 'sshd' | 'ssh2' | 'ssh2 + at-rest crypto';
  port: number;
  username: string;
  remoteDir: string;
  /** The server process: its tree's CPU time is the server's cost. */
  pid: number;
  /** Whether the work is all in `pid` itself, so that its peak RSS means something (Writ; sshd forks). */
  isSingleProcess: boolean;
  /** Environment of the one authenticating `ssh` run (the control master): what answers the TOTP prompt. */
  masterEnv: NodeJS.ProcessEnv;
  stop: () => Promise<void>;
};

/**
 * `writ serve` on a fresh data directory (`--port 0 --sftp-port 0`), a lawyer created with the CLI who
 * signs in over HTTPS, enrols TOTP, registers the bench's SSH key and opens the matter uploaded into.
 */
async function startWrit({
  root,
  publicKey,
  maxUploadBytes,
  cpuProfileDir,
}: {
  root: string;
  publicKey: string;
  maxUploadBytes: number;
  cpuProfileDir: string | undefined;
}): Promise<SftpTarget> {
  const dataDir = join(root, 'writ-data');
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    WRIT_DATA_DIR: dataDir,
    WRIT_LOG_LEVEL: 'warn',
    WRIT_MAX_UPLOAD_BYTES: String(maxUploadBytes),
  };
  execFileSync(
    process.execPath,
    [mainScript, 'admin', 'create-user', '--username', benchUser, '--role', 'lawyer'],
    {
      env,
      input: `${benchPassword}\n`,
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  const nodeArgs = [
    ...(cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir]),
    ...(process.env.BENCH_SFTP_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
  ];
  const child = spawnWrit({ mainScript, args: ['serve', '--port', '0', '--sftp-port', '0'], env, nodeArgs });
  const stop = () => stopChild(child);
  try {
    child.stderr.pipe(process.stderr);
    // A profiling run's Node options (--trace-gc) write to standard output: shown, prefixed, on ours.
    if (nodeArgs.length > 0) {
      createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
        process.stderr.write(`[writ] ${line}\n`);
      });
    }
    const { origin, sftpPort } = await new Promise<{ origin: string; sftpPort: number }>(
      (resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString('utf8');
          const web = /^ {2}Web: +(https:\/\/localhost:\d+)$/m.exec(stdout);
          const sftp = /^ {2}SFTP: +port (\d+),/m.exec(stdout);
          if (web?.[1] !== undefined && sftp?.[1] !== undefined && stdout.includes('Press Ctrl+C to stop.')) {
            resolve({ origin: web[1].replace('//localhost:', '//127.0.0.1:'), sftpPort: Number(sftp[1]) });
          }
        });
        child.once('exit', (code, signal) => {
          reject(new Error(`writ serve exited (${code ?? signal}) before its banner:\n${stdout}`));
        });
      },
    );
    const ca = readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    const { headers, totpSecret } = await signInWithTotp({
      origin,
      ca,
      username: benchUser,
      password: benchPassword,
    });
    await expectJson(
      requestJson({
        origin,
        ca,
        path: '/api/ssh-keys',
        method: 'POST',
        headers,
        body: { name: 'bench', publicKey },
      }),
      201,
      'POST /api/ssh-keys',
    );
    await expectJson(
      requestJson({ origin, ca, path: '/api/matters', method: 'POST', headers, body: { name: matterName } }),
      201,
      'POST /api/matters',
    );
    // The next TOTP step: the one the HTTPS enrolment used cannot be replayed.
    const askpass = join(root, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\nprintf '%s\\n' '${totpCode(totpSecret, 30)}'\n`, { mode: 0o700 });
    return {
      kind: 'writ',
      port: sftpPort,
      username: benchUser,
      remoteDir: `/${matterName}`,
      pid: child.pid ?? 0,
      isSingleProcess: true,
      masterEnv: { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: ':0' },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A private OpenSSH sshd for the current user: its own config, host key and authorized_keys in `root`,
 * on a free loopback port, in the foreground (`-D -e`), without PAM; sftp-server as the sftp subsystem.
 */
async function startSshd({ root, publicKey }: { root: string; publicKey: string }): Promise<SftpTarget> {
  const dir = join(root, 'sshd');
  mkdirSync(join(dir, 'files'), { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-sshd', '-f', hostKey]);
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, `${publicKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      `Ciphers ${cipher}`,
      `Subsystem sftp ${sftpServerPath}`,
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // Run as root, sshd insists on its privilege-separation directory, which only the service would create.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const child = spawn(sshdPath, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    process.stderr.write(`[sshd] ${chunk}`);
  });
  const stop = () => stopChild(child);
  // Up once it answers a key scan.
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`sshd exited (${child.exitCode}): ${stderr}`);
    const probe = spawnSync('ssh-keyscan', ['-p', String(port), '-T', '2', '127.0.0.1'], { stdio: 'ignore' });
    if (probe.status === 0) break;
    if (attempt > 50) {
      await stop();
      throw new Error(`sshd is not listening on 127.0.0.1:${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    kind: 'sshd',
    port,
    username: userInfo().username,
    remoteDir: join(dir, 'files'),
    pid: child.pid ?? 0,
    isSingleProcess: false,
    masterEnv: {},
    stop,
  };
}

/**
 * ssh2 alone (sftp-floor-server.ts): Writ's SSH transport, algorithms, limits and flow control serving plain
 * files, with no vault, hashing, database or ledger. It runs with the launcher's Node options, as Writ does.
 */
async function startSsh2Floor({
  root,
  keyFile,
  isSealing = false,
}: {
  root: string;
  keyFile: string;
  /** Uploads hashed and sealed in the at-rest format (--at-rest-crypto). */
  isSealing?: boolean;
}): Promise<SftpTarget> {
  const dir = join(root, isSealing ? 'ssh2-crypto' : 'ssh2');
  mkdirSync(join(dir, 'files'), { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-ssh2', '-f', hostKey]);
  const launcher = readLauncherSettings();
  const child = spawn(
    process.execPath,
    [
      ...launcher.nodeOptions,
      '--import',
      'tsx',
      fileURLToPath(new URL('./sftp-floor-server.ts', import.meta.url)),
      hostKey,
      `${keyFile}.pub`,
      join(dir, 'files'),
      ...(isSealing ? ['--at-rest-crypto'] : []),
    ],
    { env: { ...launcher.env, ...process.env }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const stop = () => stopChild(child);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^port (\d+)$/m.exec(stdout);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      child.once('exit', (code, signal) => {
        reject(new Error(`the ssh2 floor server exited (${code ?? signal}) before listening`));
      });
    });
    return {
      kind: isSealing ? 'ssh2 + at-rest crypto' : 'ssh2',
      port,
      username: 'bench',
      remoteDir: '',
      pid: child.pid ?? 0,
      isSingleProcess: true,
      masterEnv: {},
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

type Connection = { target: SftpTarget; controlPath: string; stop: () => Promise<void> };

function sshOptions({ root, keyFile }: { root: string; keyFile: string }): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    `Ciphers=${cipher}`,
    '-o',
    'StrictHostKeyChecking=accept-new',
    '-o',
    `UserKnownHostsFile=${join(root, 'known_hosts')}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-i',
    keyFile,
  ];
}

/** The one authenticated connection to a server (`ssh -M -N`), which every `sftp` run below multiplexes over. */
async function openConnection({
  root,
  keyFile,
  target,
}: {
  root: string;
  keyFile: string;
  target: SftpTarget;
}): Promise<Connection> {
  const controlPath = join(root, `cm-${target.kind.replace(/[^a-z0-9]+/gi, '-')}`);
  const child = spawn(
    'ssh',
    [
      ...sshOptions({ root, keyFile }),
      '-o',
      'BatchMode=no',
      '-o',
      'ControlMaster=yes',
      '-o',
      `ControlPath=${controlPath}`,
      '-o',
      'PreferredAuthentications=publickey,keyboard-interactive',
      '-N',
      '-p',
      String(target.port),
      `${target.username}@127.0.0.1`,
    ],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, ...target.masterEnv },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stop = async () => {
    spawnSync('ssh', ['-o', `ControlPath=${controlPath}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
    await stopChild(child);
  };
  for (let attempt = 0; ; attempt += 1) {
    if (child.exitCode !== null)
      throw new Error(`ssh to ${target.kind} exited (${child.exitCode}): ${stderr}`);
    const check = spawnSync('ssh', ['-o', `ControlPath=${controlPath}`, '-O', 'check', 'x'], {
      stdio: 'ignore',
    });
    if (check.status === 0) break;
    if (attempt > 100) {
      await stop();
      throw new Error(`ssh to ${target.kind} did not authenticate: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { target, controlPath, stop };
}

type Transfer = {
  seconds: number;
  bytes: number;
  cpuSeconds: number;
  machineCpuSeconds: number;
  peakRssMiB: number | undefined;
};

/** One `sftp -b` run of a single command over the connection, timed from spawn to exit. */
async function runSftp({
  root,
  keyFile,
  connection,
  command,
  cwd,
  clientArgs,
}: {
  root: string;
  keyFile: string;
  connection: Connection;
  command: string;
  cwd: string;
  clientArgs: string[];
}): Promise<Omit<Transfer, 'bytes'>> {
  const batch = join(root, 'batch');
  writeFileSync(batch, `${command}\n`);
  const { pid, isSingleProcess } = connection.target;
  const sampler = isSingleProcess ? startProcessSampler(pid) : undefined;
  const cpuAtStart = treeCpuSeconds(pid);
  const machineCpuAtStart = machineBusyCpuSeconds();
  const started = process.hrtime.bigint();
  const child = spawn(
    'sftp',
    [
      ...sshOptions({ root, keyFile }),
      '-o',
      `ControlPath=${connection.controlPath}`,
      '-o',
      'ControlMaster=no',
      ...clientArgs,
      '-b',
      batch,
      '-P',
      String(connection.target.port),
      `${connection.target.username}@127.0.0.1`,
    ],
    {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [exitCode] = (await once(child, 'close')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = sampler?.stop();
  const cpuSeconds = Math.round((treeCpuSeconds(pid) - cpuAtStart) * 100) / 100;
  const machineCpuSeconds = Math.round((machineBusyCpuSeconds() - machineCpuAtStart) * 100) / 100;
  if (exitCode !== 0)
    throw new Error(`${connection.target.kind}: sftp "${command}" exited ${exitCode}: ${stderr}`);
  return { seconds, cpuSeconds, machineCpuSeconds, peakRssMiB: used?.peakRssMiB };
}

function quote(path: string): string {
  return `"${path.replace(/(["\\])/g, '\\$1')}"`;
}

type RoundTrip = { put: Transfer; get: Transfer };

async function measureRoundTrip({
  root,
  keyFile,
  connection,
  source,
  sourceSha256,
  bytes,
  round,
  label = connection.target.kind,
  clientArgs = [],
}: {
  root: string;
  keyFile: string;
  connection: Connection;
  source: string;
  sourceSha256: string;
  bytes: number;
  round: number;
  label?: string;
  clientArgs?: string[];
}): Promise<RoundTrip> {
  const kind = label;
  const { remoteDir } = connection.target;
  const remote = `${remoteDir}/big-${round}.bin`;
  const copy = join(root, `copy-${kind.replace(/[^a-z0-9]+/gi, '-')}.bin`);
  const run = (command: string) => runSftp({ root, keyFile, connection, command, cwd: root, clientArgs });
  const put = await run(`put ${quote(source)} ${quote(remote)}`);
  logTransfer(kind, 'put', { ...put, bytes });
  const get = await run(`get ${quote(remote)} ${quote(copy)}`);
  logTransfer(kind, 'get', { ...get, bytes });
  const copySha256 = await sha256OfFile(copy);
  rmSync(copy, { force: true });
  if (copySha256 !== sourceSha256)
    throw new Error(
      `${kind}: the file got back differs from the one put (SHA-256 ${copySha256}, put ${sourceSha256})`,
    );
  await run(`rm ${quote(remote)}`);
  return { put: { ...put, bytes }, get: { ...get, bytes } };
}

/** A put alone, for a server whose stored file is not the file put (the at-rest crypto floor). */
async function measurePut({
  root,
  keyFile,
  connection,
  source,
  bytes,
  round,
}: {
  root: string;
  keyFile: string;
  connection: Connection;
  source: string;
  bytes: number;
  round: number;
}): Promise<Transfer> {
  const remote = `${connection.target.remoteDir}/big-${round}.bin`;
  const run = (command: string) => runSftp({ root, keyFile, connection, command, cwd: root, clientArgs: [] });
  const put = await run(`put ${quote(source)} ${quote(remote)}`);
  logTransfer(connection.target.kind, 'put', { ...put, bytes });
  await run(`rm ${quote(remote)}`);
  return { ...put, bytes };
}

function logTransfer(kind: string, verb: 'put' | 'get', transfer: Transfer): void {
  log(
    `${kind}: ${verb} ${megabytesPerSecond(transfer)} MB/s (${transfer.seconds.toFixed(1)} s, ` +
      `server CPU ${transfer.cpuSeconds} s, machine CPU ${transfer.machineCpuSeconds} s)`,
  );
}

function megabytesPerSecond(transfer: { seconds: number; bytes: number }): number {
  return Math.round((transfer.bytes / 1e6 / transfer.seconds) * 10) / 10;
}

/** Server CPU (user + system, the whole process tree) per GB moved: its cost, whatever else runs here. */
function cpuSecondsPerGB(transfer: Transfer): number {
  return Math.round((transfer.cpuSeconds / (transfer.bytes / 1e9)) * 100) / 100;
}

/** Busy CPU of the whole machine (client, server, kernel) per GB moved. */
function machineCpuSecondsPerGB(transfer: Transfer): number {
  return Math.round((transfer.machineCpuSeconds / (transfer.bytes / 1e9)) * 100) / 100;
}

function ratio(writ: number, baseline: number): number | null {
  return baseline === 0 ? null : Math.round((writ / baseline) * 1000) / 1000;
}

function summarize(rounds: RoundTrip[]) {
  const fastest = (pick: (round: RoundTrip) => Transfer) =>
    rounds.map(pick).reduce((best, transfer) => (transfer.seconds < best.seconds ? transfer : best));
  const peaks = rounds
    .flatMap((round) => [round.put.peakRssMiB, round.get.peakRssMiB])
    .filter((value) => value !== undefined);
  return {
    putMBps: megabytesPerSecond(fastest((round) => round.put)),
    getMBps: megabytesPerSecond(fastest((round) => round.get)),
    putMBpsRounds: rounds.map((round) => megabytesPerSecond(round.put)),
    getMBpsRounds: rounds.map((round) => megabytesPerSecond(round.get)),
    putCpuSecondsPerGB: Math.min(...rounds.map((round) => cpuSecondsPerGB(round.put))),
    getCpuSecondsPerGB: Math.min(...rounds.map((round) => cpuSecondsPerGB(round.get))),
    putMachineCpuSecondsPerGB: Math.min(...rounds.map((round) => machineCpuSecondsPerGB(round.put))),
    getMachineCpuSecondsPerGB: Math.min(...rounds.map((round) => machineCpuSecondsPerGB(round.get))),
    ...(peaks.length === 0 ? {} : { serverPeakRssMB: Math.max(...peaks) }),
  };
}

function clientVersion(): string {
  const result = spawnSync('ssh', ['-V'], { encoding: 'utf8' });
  return (result.stderr || result.stdout).trim();
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const settings = readSettings();
  ensureSystemPackages('sftp', [oathtool, opensshClient]);
  ensureSshd();
  if (otherMainScript === undefined || otherMainScript === '') ensureBuilt();
  const root = mkdtempSync(join(tmpdir(), 'writ-bench-sftp-'));
  const cleanups: (() => Promise<void>)[] = [];
  try {
    const keyFile = join(root, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'sftp-bench', '-f', keyFile]);
    const publicKey = readFileSync(`${keyFile}.pub`, 'utf8').trim();
    const bytes = settings.sizeMiB * mebibyte;
    const source = join(root, 'source.bin');
    log(`writing a ${settings.sizeMiB} MiB source file`);
    const sourceSha256 = await writeSourceFile(source, settings.sizeMiB);
    // Writ keeps each round's upload; the copies got and sshd's upload are deleted and their pages reused.
    const warmupMiB = (settings.rounds + 2) * settings.sizeMiB;
    log(`writing and deleting ${warmupMiB} MiB, so that both servers write into recycled page cache`);
    touchPageCache({ dir: root, mebibytes: warmupMiB });

    const writ = await startWrit({
      root,
      publicKey,
      maxUploadBytes: bytes + mebibyte,
      cpuProfileDir: settings.cpuProfileDir,
    });
    cleanups.push(writ.stop);
    const sshd = await startSshd({ root, publicKey });
    cleanups.push(sshd.stop);
    const writConnection = await openConnection({ root, keyFile, target: writ });
    cleanups.push(writConnection.stop);
    const sshdConnection = await openConnection({ root, keyFile, target: sshd });
    cleanups.push(sshdConnection.stop);
    const floor = await startSsh2Floor({ root, keyFile });
    cleanups.push(floor.stop);
    const floorConnection = await openConnection({ root, keyFile, target: floor });
    cleanups.push(floorConnection.stop);
    const cryptoFloor = await startSsh2Floor({ root, keyFile, isSealing: true });
    cleanups.push(cryptoFloor.stop);
    const cryptoFloorConnection = await openConnection({ root, keyFile, target: cryptoFloor });
    cleanups.push(cryptoFloorConnection.stop);

    const writRounds: RoundTrip[] = [];
    const sshdRounds: RoundTrip[] = [];
    const sshdSmallRounds: RoundTrip[] = [];
    const floorRounds: RoundTrip[] = [];
    const cryptoFloorPuts: Transfer[] = [];
    for (let round = 1; round <= settings.rounds; round += 1) {
      log(`round ${round} of ${settings.rounds}`);
      const common = { root, keyFile, source, sourceSha256, bytes, round };
      writRounds.push(await measureRoundTrip({ ...common, connection: writConnection }));
      sshdRounds.push(await measureRoundTrip({ ...common, connection: sshdConnection }));
      sshdSmallRounds.push(
        await measureRoundTrip({
          ...common,
          connection: sshdConnection,
          label: 'sshd -B 32768',
          clientArgs: ['-B', String(openSshDefaultRequestBytes)],
        }),
      );
      floorRounds.push(await measureRoundTrip({ ...common, connection: floorConnection }));
      cryptoFloorPuts.push(await measurePut({ ...common, connection: cryptoFloorConnection }));
    }

    const metrics = summarize(writRounds);
    const baseline = summarize(sshdRounds);
    const floorMetrics = summarize(floorRounds);
    const fastestCryptoFloorPut = cryptoFloorPuts.reduce((best, put) =>
      put.seconds < best.seconds ? put : best,
    );
    const cryptoFloorMetrics = {
      putMBps: megabytesPerSecond(fastestCryptoFloorPut),
      putMBpsRounds: cryptoFloorPuts.map(megabytesPerSecond),
      putCpuSecondsPerGB: Math.min(...cryptoFloorPuts.map(cpuSecondsPerGB)),
      putMachineCpuSecondsPerGB: Math.min(...cryptoFloorPuts.map(machineCpuSecondsPerGB)),
    };
    const ratios = {
      put: ratio(metrics.putMBps, baseline.putMBps),
      get: ratio(metrics.getMBps, baseline.getMBps),
      putCpuPerGB: ratio(metrics.putCpuSecondsPerGB, baseline.putCpuSecondsPerGB),
      getCpuPerGB: ratio(metrics.getCpuSecondsPerGB, baseline.getCpuSecondsPerGB),
      putMachineCpuBound: ratio(baseline.putMachineCpuSecondsPerGB, metrics.putMachineCpuSecondsPerGB),
      getMachineCpuBound: ratio(baseline.getMachineCpuSecondsPerGB, metrics.getMachineCpuSecondsPerGB),
      ssh2FloorPut: ratio(floorMetrics.putMBps, baseline.putMBps),
      ssh2FloorGet: ratio(floorMetrics.getMBps, baseline.getMBps),
      writPutToSsh2Floor: ratio(metrics.putMBps, floorMetrics.putMBps),
      writGetToSsh2Floor: ratio(metrics.getMBps, floorMetrics.getMBps),
      ssh2CryptoFloorPut: ratio(cryptoFloorMetrics.putMBps, baseline.putMBps),
      writPutToSsh2CryptoFloor: ratio(metrics.putMBps, cryptoFloorMetrics.putMBps),
    };
    const isGetMet = (ratios.get ?? 0) >= targets.getRatioMin;
    const isPutMet = (ratios.put ?? 0) >= targets.putRatioMin;
    log(
      `targets: get >= ${targets.getRatioMin}x OpenSSH ${isGetMet ? 'met' : 'NOT met'} (${ratios.get}), ` +
        `put >= ${targets.putRatioMin}x ${isPutMet ? 'met' : 'NOT met'} (${ratios.put})`,
    );
    return {
      bench: 'sftp',
      client: `${clientVersion()} sftp, default buffer size and request count, over one ControlMaster connection per server`,
      cipher,
      server: 'writ serve (SQLite + local blobs, encryption at rest), its ssh2 SFTP front door',
      sftp_baseline: `OpenSSH ${sshdPath} with ${sftpServerPath}, private config, same client, writing to the same disk`,
      ssh2_floor_server:
        'ssh2 alone (bench/sftp-floor-server.ts): the same transport, algorithms, limits and flow control serving plain files, no vault, hash, database or ledger; what any server on ssh2 could reach',
      ssh2_crypto_floor_server:
        'the same ssh2 server with --at-rest-crypto (bench/sftp-floor-sealer.ts), puts only: every byte hashed (SHA-256) and sealed in the at-rest format (AES-256-GCM segments, Tink layout) on the event loop, written in place, no streams, hashing thread or database; what the required cryptography costs on this transport done on one thread (a reference, not a bound: Writ hashes on another thread and can pass it)',
      sftp_baseline_32KiB_requests: `the same sshd with sftp -B ${openSshDefaultRequestBytes}: the request size of a server that does not offer limits@openssh.com`,
      units: {
        MBps: '10^6 bytes per second, fastest of the rounds',
        CpuSecondsPerGB:
          'server user + system CPU seconds (whole process tree) per 10^9 bytes, lowest of the rounds',
        MachineCpuSecondsPerGB:
          'busy CPU seconds of the whole machine (client, server, kernel; not idle, I/O wait or steal) per 10^9 bytes, lowest of the rounds (anything else running here counts too)',
        MachineCpuBound:
          "OpenSSH's machine CPU per GB over Writ's: the speed ratio the two reach when both are limited by the machine's CPU alone",
        MB: 'MiB, peak resident set of writ serve',
      },
      settings: {
        sizeMiB: settings.sizeMiB,
        rounds: settings.rounds,
        pageCacheWarmupMiB: (settings.rounds + 2) * settings.sizeMiB,
      },
      metrics,
      baseline,
      baseline_32KiB_requests: summarize(sshdSmallRounds),
      ssh2_floor: floorMetrics,
      ssh2_crypto_floor: cryptoFloorMetrics,
      ratios,
      target: {
        get_ratio_min: targets.getRatioMin,
        put_ratio_min: targets.putRatioMin,
        is_get_met: isGetMet,
        is_put_met: isPutMet,
        is_met: isGetMet && isPutMet,
      },
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}
