import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type SecureVersion } from 'node:tls';
import { fileURLToPath } from 'node:url';
import SqliteDatabase from 'better-sqlite3';
import { expect } from 'vitest';

/**
 * Runs the built `writ` CLI (`bin/writ`, the launcher of dist/main.js built by the global setup) as a child
 * process, the way an operator does: a fresh temporary data directory, a clean environment, the real TLS
 * certificate.
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const launcher = join(repoRoot, 'bin', 'writ');

export type CliEnv = Record<string, string>;

/** Nothing leaks in from the test runner: no WRIT_* variables, no NODE_OPTIONS. */
function cleanEnv(env: CliEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', TZ: 'UTC', ...env };
}

export type CliResult = {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The command did not finish within its time limit and was killed. */
  isTimedOut: boolean;
};

const workspaces = new Set<string>();
/** How to stop each server process still running, so that no test leaves one behind. */
const runningServers = new Set<() => Promise<unknown>>();

/** A temporary directory for one test; `dataDir` inside it does not exist yet, so Writ creates it. */
export function createCliWorkspace(): { root: string; dataDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'writ-cli-'));
  workspaces.add(root);
  return { root, dataDir: join(root, 'data') };
}

/** Stops every server still running (SIGTERM, then SIGKILL) and removes every workspace. */
export async function cleanupCli(): Promise<void> {
  await Promise.all([...runningServers].map((stop) => stop().catch(() => undefined)));
  for (const root of workspaces) rmSync(root, { recursive: true, force: true });
  workspaces.clear();
}

/** Children still alive when the test worker itself exits are killed with it, never left serving. */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function spawnWrit(
  args: string[],
  env: CliEnv,
  cwd: string,
  stdin: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  const child = spawn(launcher, args, {
    cwd,
    env: cleanEnv(env),
    stdio: [stdin, 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('close', () => children.delete(child));
  return child;
}

/**
 * Runs one command to completion; kills it when it outlives `timeoutMs` and reports `isTimedOut`. `input`,
 * when given, is piped to its standard input (otherwise standard input is closed).
 */
export function runWrit(
  args: string[],
  {
    env = {},
    cwd = tmpdir(),
    timeoutMs = 20_000,
    input,
  }: { env?: CliEnv; cwd?: string; timeoutMs?: number; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnWrit(args, env, cwd, input === undefined ? 'ignore' : 'pipe');
    child.stdin?.end(input);
    let stdout = '';
    let stderr = '';
    let isTimedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      isTimedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr, isTimedOut });
    });
  });
}

export type WritServer = {
  pid: number;
  /** `https://localhost:<port>` from the banner's `Web:` line. */
  url: string;
  port: number;
  /** The one-time setup link, when the banner printed one. */
  setupLink: string | undefined;
  setupToken: string | undefined;
  /** The SFTP port and host key fingerprint (`SHA256:…`) from the banner's `SFTP:` line. */
  sftpPort: number;
  sftpHostKeyFingerprint: string;
  banner: string;
  stdout(): string;
  stderr(): string;
  isRunning(): boolean;
  /** Sends SIGTERM and waits for the process to exit; SIGKILL when it does not within `timeoutMs`. */
  stop(options?: { timeoutMs?: number }): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>;
};

const bannerEnd = 'Press Ctrl+C to stop.';

/** Starts `writ serve --data-dir <dataDir> --port 0 --sftp-port 0` and resolves once the banner is printed. */
export function startWritServer({
  dataDir,
  args = [],
  env = {},
  cwd = tmpdir(),
  timeoutMs = 30_000,
  shouldStopAtBanner = false,
}: {
  dataDir: string;
  args?: string[];
  env?: CliEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Send SIGTERM in the same tick the banner arrives, as an impatient supervisor would. */
  shouldStopAtBanner?: boolean;
}): Promise<WritServer> {
  const child = spawnWrit(
    ['serve', '--data-dir', dataDir, '--port', '0', '--sftp-port', '0', ...args],
    { WRIT_LOG_LEVEL: 'warn', ...env },
    cwd,
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let exit: { exitCode: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (exitCode, signal) => {
      exit = { exitCode, signal };
      resolve(exit);
    });
  });

  let stopping: Promise<{ exitCode: number | null; signal: NodeJS.Signals | null }> | undefined;
  const stop = ({ timeoutMs: stopTimeoutMs = 15_000 }: { timeoutMs?: number } = {}) => {
    stopping ??= (async () => {
      if (exit === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      runningServers.delete(stop);
      return exit ?? (await exited);
    })();
    return stopping;
  };
  runningServers.add(stop);

  return new Promise((resolve, reject) => {
    let isSettled = false;
    const fail = (reason: string) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      void stop().then(() => {
        reject(new Error(`writ serve ${reason}.\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
      });
    };
    const timer = setTimeout(() => {
      fail(`printed no banner within ${timeoutMs} ms`);
    }, timeoutMs);
    void exited.then(({ exitCode, signal }) => {
      fail(`exited (code ${exitCode ?? 'none'}, signal ${signal ?? 'none'}) before printing its banner`);
    });
    // Checked on every chunk, so a caller can act (or stop the server) the moment the banner is out.
    const checkBanner = () => {
      const end = stdout.indexOf(bannerEnd);
      if (isSettled || end === -1) return;
      const bannerStart = stdout.lastIndexOf('Writ ', stdout.indexOf(' is running.'));
      const banner = stdout.slice(Math.max(0, bannerStart), end + bannerEnd.length);
      const web = /^ {2}Web: +(https:\/\/localhost:(\d+))$/m.exec(banner);
      const link = /^ {2}(https:\/\/\S+\/setup#token=([A-Za-z0-9_-]+))$/m.exec(banner);
      const sftp = /^ {2}SFTP: +port (\d+), host key (SHA256:[A-Za-z0-9+/]+)/m.exec(banner);
      if (web?.[1] === undefined || web[2] === undefined || child.pid === undefined) {
        fail('printed a banner without a `Web: https://localhost:<port>` line');
        return;
      }
      isSettled = true;
      clearTimeout(timer);
      if (shouldStopAtBanner) void stop();
      resolve({
        pid: child.pid,
        url: web[1],
        port: Number(web[2]),
        setupLink: link?.[1],
        setupToken: link?.[2],
        sftpPort: Number(sftp?.[1] ?? 0),
        sftpHostKeyFingerprint: sftp?.[2] ?? '',
        banner,
        stdout: () => stdout,
        stderr: () => stderr,
        isRunning: () => exit === undefined,
        stop,
      });
    };
    child.stdout?.on('data', checkBanner);
  });
}

/** The certificate Writ keeps in the data directory, to pin as the only trusted CA. */
export function readServerCertificate(dataDir: string): string {
  return readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8');
}

export type HttpsResponse = { status: number; headers: IncomingHttpHeaders; text: string; json(): unknown };

/**
 * One HTTPS request that trusts only `ca`: the request fails unless the server's certificate is that one
 * and names the URL's host. A new connection each time (no keep-alive), so stopping a server never waits.
 */
export function requestHttps({
  url,
  ca,
  method = 'GET',
  headers = {},
  body,
}: {
  url: string;
  ca: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { method, headers, ca, agent: false, timeout: 10_000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json: () => JSON.parse(text) as unknown,
        });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${method} ${url} timed out`)));
    request.on('error', reject);
    request.end(body);
  });
}

/** A JSON request: `body` is serialised and sent as application/json. */
export function requestJson({
  url,
  ca,
  method = 'POST',
  body,
}: {
  url: string;
  ca: string;
  method?: string;
  body: unknown;
}): Promise<HttpsResponse> {
  return requestHttps({
    url,
    ca,
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** A plain-HTTP request to an HTTPS port: resolves with the status if any HTTP response came back, else the error. */
export function requestPlainHttp({
  port,
  path,
}: {
  port: number;
  path: string;
}): Promise<{ status?: number; errorCode?: string }> {
  return new Promise((resolve) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, path, agent: false, timeout: 10_000 },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0 });
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'TIMEOUT' })));
    request.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ errorCode: error.code ?? error.message });
    });
    request.end();
  });
}

/** A bare TLS handshake limited to the given protocol versions, trusting only `ca`. */
export function handshakeTls({
  port,
  ca,
  minVersion,
  maxVersion,
}: {
  port: number;
  ca: string;
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
}): Promise<{ protocol?: string; isAuthorized?: boolean; errorCode?: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      servername: 'localhost',
      port,
      ca,
      minVersion,
      maxVersion,
      // Security level 0 lets this client offer old protocols, so a refusal is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    socket.once('secureConnect', () => {
      resolve({ protocol: socket.getProtocol() ?? undefined, isAuthorized: socket.authorized });
      socket.end();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      resolve({ errorCode: error.code ?? error.message });
      socket.destroy();
    });
  });
}

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
};

/**
 * Asserts an RFC 9457 problem answer: status, stable code, problem+json, an `x-request-id` header equal to the
 * body's `requestId`, and nothing but the documented fields (no stack trace, no internal message).
 */
export function expectProblem(
  response: HttpsResponse,
  { status, code }: { status: number; code: string },
): Problem {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
  const problem = response.json() as Problem;
  expect(problem).toMatchObject({ status, code, type: `urn:writ:problem:${code}` });
  const requestId = response.headers['x-request-id'];
  expect(requestId).toMatch(/^req_[A-Za-z0-9_-]{8,}$/);
  expect(problem.requestId).toBe(requestId);
  expect(Object.keys(problem).sort()).toEqual(
    [
      'type',
      'title',
      'status',
      'detail',
      'code',
      'requestId',
      ...(problem.errors === undefined ? [] : ['errors']),
    ].sort(),
  );
  expect(response.text).not.toMatch(/\bat [^ ]+ \(|\.[jt]s:\d+:\d+|node_modules|stack|SyntaxError|FST_ERR/);
  return problem;
}

/** Reads the embedded SQLite database read-only, beside a running server (WAL lets both in). */
export function querySqlite<Row>(dataDir: string, query: string): Row[] {
  const database = new SqliteDatabase(join(dataDir, 'writ.db'), { readonly: true, fileMustExist: true });
  try {
    return database.prepare(query).all() as Row[];
  } finally {
    database.close();
  }
}
