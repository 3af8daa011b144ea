/**
 * The servers under test for vault.bench.ts, each in a process of its own so that it has a core of its own and
 * its memory can be read from /proc: Writ as an operator runs it (`bin/writ serve`, its own
 * self-signed certificate, a lawyer created with `writ admin create-user`, signed in over HTTPS with TOTP),
 * and a bare node:https baseline (vault-baseline-server.ts).
 */
import { type ChildProcess, execFileSync, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectJson, requestJson, signInWithTotp } from './writ-https.js';
import { spawnWrit } from './writ-process.js';

export function log(line: string): void {
  process.stderr.write(`[bench:vault] ${line}\n`);
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** BENCH_VAULT_MAIN runs another build (say, of a clean checkout) instead of this tree's dist/main.js. */
const otherMainScript = process.env.BENCH_VAULT_MAIN;
const mainScript =
  otherMainScript === undefined || otherMainScript === ''
    ? join(repoRoot, 'dist', 'main.js')
    : otherMainScript;

/** A server under test: where to reach it, which certificate to trust, which headers authenticate. */
export type ServerUnderTest = {
  kind: 'writ' | 'baseline';
  pid: number;
  origin: string;
  ca: string;
  /** Headers for every request (cookie), and for state-changing ones (CSRF). */
  headers: Record<string, string>;
  uploadPath: () => Promise<string>;
  downloadPath: (uploaded: { id: string }) => string;
  /** Frees the stored content, so that the next phase has the disk space. */
  discard: (uploaded: { id: string }) => Promise<void>;
  stop: () => Promise<void>;
};

function newestMtime(dir: string, suffix: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(suffix)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The newest of the files `npm run build` compiles (tsconfig.build.json leaves tests out). */
function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || /\.test(-utils)?\.ts$/.test(entry.name)) continue;
    newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** `npm run build` unless dist/ is newer than every source file: the server runs the compiled code. */
export function ensureBuilt(): void {
  if (otherMainScript !== undefined && otherMainScript !== '') return;
  const srcDir = join(repoRoot, 'src');
  const distDir = join(repoRoot, 'dist');
  if (existsSync(mainScript) && newestMtime(distDir, '.js') >= newestSourceMtime(srcDir)) return;
  log('dist/ is older than src/: npm run build');
  // stdout is reserved for the report.
  const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
  if (result.status === 0) return;
  // tsc emits despite type errors: src/ may be mid-edit elsewhere, and the content path may still run.
  if (!existsSync(mainScript))
    throw new Error(`npm run build failed (exit ${result.status ?? result.signal})`);
  log(
    `!!! npm run build reported errors (exit ${result.status ?? result.signal}): running what it emitted !!!`,
  );
}

const benchPassword = 'vault bench correct horse battery staple';

function writEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    WRIT_DATA_DIR: dataDir,
    WRIT_LOG_LEVEL: 'warn',
  };
}

/**
 * Starts `writ serve` on a fresh data directory with `--port 0`, creates a lawyer beforehand with the CLI,
 * signs in and enrols TOTP over HTTPS, and opens a matter to upload into.
 */
export async function startWrit({
  maxUploadBytes,
  cpuProfileDir,
}: {
  maxUploadBytes: number;
  cpuProfileDir: string | undefined;
}): Promise<ServerUnderTest> {
  const root = mkdtempSync(join(tmpdir(), 'writ-bench-vault-'));
  const dataDir = join(root, 'data');
  const env = { ...writEnv(dataDir), WRIT_MAX_UPLOAD_BYTES: String(maxUploadBytes) };
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child?.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killTimer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const passwordFile = join(root, 'password');
    writeFileSync(passwordFile, `${benchPassword}\n`, { mode: 0o600 });
    execFileSync(
      process.execPath,
      [mainScript, 'admin', 'create-user', '--username', 'vault.bench', '--role', 'lawyer'],
      { env, input: readFileSync(passwordFile), stdio: ['pipe', 'ignore', 'inherit'] },
    );
    child = spawnWrit({
      mainScript,
      args: ['serve', '--port', '0'],
      env,
      nodeArgs: cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir],
    });
    child.stderr?.pipe(process.stderr);
    const origin = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      const onData = (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const web = /^ {2}Web: +(https:\/\/localhost:\d+)$/m.exec(stdout);
        if (web?.[1] !== undefined && stdout.includes('Press Ctrl+C to stop.')) {
          // Keep draining stdout, so that the server never blocks on a full pipe.
          resolve(web[1].replace('//localhost:', '//127.0.0.1:'));
        }
      };
      child?.stdout?.on('data', onData);
      child?.once('exit', (code, signal) => {
        reject(new Error(`writ serve exited (${code ?? signal}) before its banner:\n${stdout}`));
      });
    });
    const ca = readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    const { headers } = await signInWithTotp({
      origin,
      ca,
      username: 'vault.bench',
      password: benchPassword,
    });
    const matter = await expectJson<{ id: string }>(
      requestJson({
        origin,
        ca,
        path: '/api/matters',
        method: 'POST',
        headers,
        body: { name: 'Vault bench' },
      }),
      201,
      'POST /api/matters',
    );
    let uploads = 0;
    const pid = child.pid;
    if (pid === undefined) throw new Error('writ serve has no pid');
    return {
      kind: 'writ',
      pid,
      origin,
      ca,
      headers,
      // A new name each time: the same name would add a version to the same document.
      uploadPath: () => {
        uploads += 1;
        return Promise.resolve(`/api/matters/${matter.id}/documents?name=big-${uploads}.bin`);
      },
      downloadPath: ({ id }) => `/api/documents/${id}/content`,
      discard: async () => {
        // Trashing keeps the blob until purge; the phases run on fresh servers instead, and the data
        // directory goes with the server.
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Forks vault-baseline-server.ts. */
export async function startBaseline(): Promise<ServerUnderTest> {
  const workDir = mkdtempSync(join(tmpdir(), 'writ-bench-vault-baseline-'));
  const child = fork(new URL('./vault-baseline-server.ts', import.meta.url), [workDir], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      if (child.connected) child.disconnect();
      else child.kill('SIGTERM');
      await exited;
      clearTimeout(killTimer);
    }
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const { port, cert } = await new Promise<{ port: number; cert: string }>((resolve, reject) => {
      child.once('message', (message) => {
        resolve(message as { port: number; cert: string });
      });
      child.once('exit', (code) => {
        reject(new Error(`The baseline server exited (code ${code}) before listening.`));
      });
    });
    const origin = `https://127.0.0.1:${port}`;
    const pid = child.pid;
    if (pid === undefined) throw new Error('the baseline server has no pid');
    return {
      kind: 'baseline',
      pid,
      origin,
      ca: cert,
      headers: {},
      uploadPath: () => Promise.resolve('/upload'),
      downloadPath: ({ id }) => `/download/${id}`,
      discard: async ({ id }) => {
        const answer = await requestJson({ origin, ca: cert, path: `/blobs/${id}`, method: 'DELETE' });
        if (answer.status !== 204) throw new Error(`DELETE /blobs/${id}: HTTP ${answer.status}`);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function readStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process so far, in seconds (clock ticks are 1/100 s on Linux). */
export function readCpuSeconds(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * What a process used over one phase. Peak RSS is the kernel's high-water mark (VmHWM), reset at the start
 * of the phase through /proc/<pid>/clear_refs, and, as a cross-check and a fallback where the reset is not
 * allowed, the largest VmRSS seen polling every 100 ms; in MiB. CPU is user + system seconds.
 */
export function startProcessSampler(pid: number): { stop: () => { peakRssMiB: number; cpuSeconds: number } } {
  let isHwmReset = true;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    isHwmReset = false;
  }
  const cpuAtStart = readCpuSeconds(pid);
  let polledMaxKiB = readStatusKiB(pid, 'VmRSS') ?? 0;
  const timer = setInterval(() => {
    polledMaxKiB = Math.max(polledMaxKiB, readStatusKiB(pid, 'VmRSS') ?? 0);
  }, 100);
  return {
    stop: () => {
      clearInterval(timer);
      const hwmKiB = isHwmReset ? (readStatusKiB(pid, 'VmHWM') ?? 0) : 0;
      const peakKiB = Math.max(hwmKiB, polledMaxKiB, readStatusKiB(pid, 'VmRSS') ?? 0);
      return {
        peakRssMiB: Math.round((peakKiB / 1024) * 10) / 10,
        cpuSeconds: Math.round((readCpuSeconds(pid) - cpuAtStart) * 100) / 100,
      };
    },
  };
}

export function currentRssMiB(pid: number): number {
  return Math.round(((readStatusKiB(pid, 'VmRSS') ?? 0) / 1024) * 10) / 10;
}
