import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { expect } from 'vitest';
import { requestHttps } from '../support/cli.js';
import { lawyerPassword } from '../support/documents-cli.js';

/** A signed-in user of a real server over HTTPS, with the TOTP secret enrolled (codes from oathtool). */
export type SftpTestUser = {
  username: string;
  totpSecret: string;
  json(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; text: string; json(): unknown }>;
};

function cookieOf(headers: Record<string, string | string[] | undefined>): string {
  const cookies = headers['set-cookie'];
  const session = (Array.isArray(cookies) ? cookies : []).find((c) => c.startsWith('__Host-writ_session='));
  if (session === undefined) throw new Error('no session cookie');
  return session.split(';')[0] ?? '';
}

export function totpCode(secret: string, offsetSeconds = 0): string {
  const args = ['--totp', '-b', secret];
  if (offsetSeconds !== 0) args.push('-N', `now + ${offsetSeconds} seconds`);
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

export async function signInWithTotp({
  url,
  ca,
  username,
}: {
  url: string;
  ca: string;
  username: string;
}): Promise<SftpTestUser> {
  const signIn = await requestHttps({
    url: `${url}/api/session`,
    ca,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: lawyerPassword }),
  });
  expect(signIn.status, signIn.text).toBe(200);
  const pending = {
    cookie: cookieOf(signIn.headers),
    'x-csrf-token': (signIn.json() as { csrfToken: string }).csrfToken,
  };
  const enrolment = await requestHttps({ url: `${url}/api/mfa/totp`, ca, method: 'POST', headers: pending });
  expect(enrolment.status, enrolment.text).toBe(201);
  const totpSecret =
    new URL((enrolment.json() as { otpauthUri: string }).otpauthUri).searchParams.get('secret') ?? '';
  const confirmed = await requestHttps({
    url: `${url}/api/mfa/totp/confirm`,
    ca,
    method: 'POST',
    headers: { ...pending, 'content-type': 'application/json' },
    body: JSON.stringify({ code: totpCode(totpSecret) }),
  });
  expect(confirmed.status, confirmed.text).toBe(200);
  const headers = {
    cookie: cookieOf(confirmed.headers),
    'x-csrf-token': (confirmed.json() as { session: { csrfToken: string } }).session.csrfToken,
  };
  return {
    username,
    totpSecret,
    json: (method, path, body) =>
      requestHttps({
        url: `${url}${path}`,
        ca,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** A fresh Ed25519 key pair made by ssh-keygen; returns the private key path and the public key line. */
export function generateClientKey(dir: string, name = 'id_ed25519'): { keyFile: string; publicKey: string } {
  const keyFile = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'writ-test', '-f', keyFile]);
  return { keyFile, publicKey: execFileSync('cat', [`${keyFile}.pub`], { encoding: 'utf8' }).trim() };
}

/** An SSH_ASKPASS script answering the verification-code prompt with `code` and the password prompt with `password`. */
export function writeAskpass(dir: string, { code, password }: { code: string; password?: string }): string {
  const file = join(dir, `askpass-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(
    file,
    `#!/bin/sh\ncase "$1" in\n  *erification*) printf '%s\\n' '${code}' ;;\n  *) printf '%s\\n' '${password ?? ''}' ;;\nesac\n`,
  );
  chmodSync(file, 0o700);
  return file;
}

export type SftpRun = { exitCode: number | null; stdout: string; stderr: string };

export type SftpRunOptions = {
  dir: string;
  port: number;
  hostKeyLine: string;
  username: string;
  batch: string;
  keyFile?: string;
  askpass?: string;
  methods: string;
  cwd: string;
  /** `sftp -vvv`, whose debug lines go to stderr (also on for every run with WRIT_TEST_SFTP_VERBOSE set). */
  isVerbose?: boolean;
};

/**
 * Starts Debian's OpenSSH `sftp -b <batch>` against the server, pinning its host key, in a process group of
 * its own; `kill` ends the group (sftp and the ssh it runs), `done` resolves once both are gone.
 */
export function spawnSftp({
  dir,
  port,
  hostKeyLine,
  username,
  batch,
  keyFile,
  askpass,
  methods,
  cwd,
  isVerbose = process.env.WRIT_TEST_SFTP_VERBOSE !== undefined,
}: SftpRunOptions): { done: Promise<SftpRun>; kill: (signal: NodeJS.Signals) => void } {
  const batchFile = join(dir, `batch-${Math.random().toString(36).slice(2)}`);
  writeFileSync(batchFile, batch);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKeyLine}\n`);
  // BatchMode=no must come before -b, which otherwise sets BatchMode=yes (first value wins) and so
  // turns off keyboard-interactive, the second factor.
  const args = [
    ...(isVerbose ? ['-vvv'] : []),
    '-o',
    'BatchMode=no',
    '-b',
    batchFile,
    '-P',
    String(port),
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `PreferredAuthentications=${methods}`,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'NumberOfPasswordPrompts=1',
    '-F',
    '/dev/null',
    ...(keyFile === undefined ? ['-o', 'PubkeyAuthentication=no'] : ['-i', keyFile]),
    `${username}@127.0.0.1`,
  ];
  const child = spawn('sftp', args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      DISPLAY: ':0',
      ...(askpass === undefined ? {} : { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // sftp runs ssh as a child: kill the whole group, or the pipes stay open and 'close' never comes.
  const kill = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const done = new Promise<SftpRun>((resolve) => {
    child.once('close', (exitCode) => {
      resolve({ exitCode, stdout, stderr });
    });
  });
  return { done, kill };
}

/** Runs `sftp -b <batch>` to the end (killed after 25 s, so that a hung server fails the test). */
export async function runSftp(options: SftpRunOptions): Promise<SftpRun> {
  const { done, kill } = spawnSftp(options);
  const timer = setTimeout(() => {
    kill('SIGKILL');
  }, 25_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** The server's host key as `ssh-keyscan` sees it, checked against the fingerprint `writ serve` printed. */
export function scanHostKey({ port, fingerprint }: { port: number; fingerprint: string }): string {
  const scanned = execFileSync('ssh-keyscan', ['-p', String(port), '-t', 'ed25519', '127.0.0.1'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
  const line = scanned.split(' ').slice(1).join(' ');
  const printed = execFileSync('ssh-keygen', ['-l', '-f', '-'], { input: `${scanned}\n`, encoding: 'utf8' });
  expect(printed).toContain(fingerprint);
  return line;
}

/** An SSH connection by ssh2's own client (key, then the TOTP code), with its SFTP channel. */
export type Ssh2Session = { sftp: SFTPWrapper; closed: Promise<void>; end: () => void };

export function connectWithSsh2({
  port,
  fingerprint,
  username,
  keyFile,
  totpSecret,
}: {
  port: number;
  fingerprint: string;
  username: string;
  keyFile: string;
  totpSecret: string;
}): Promise<Ssh2Session> {
  const client = new ssh2.Client();
  const closed = new Promise<void>((resolve) => {
    client.once('close', () => {
      resolve();
    });
  });
  return new Promise((resolve, reject) => {
    client.on('keyboard-interactive', (_name, _instructions, _language, prompts, finish) => {
      // The next TOTP step: the one the HTTPS enrolment used cannot be replayed.
      finish(prompts.map(() => totpCode(totpSecret, 30)));
    });
    client.once('error', reject);
    client.once('ready', () => {
      client.sftp((error, sftp) => {
        if (error !== undefined && error !== null) reject(error);
        else
          resolve({
            sftp,
            closed,
            end: () => {
              client.end();
            },
          });
      });
    });
    client.connect({
      host: '127.0.0.1',
      port,
      username,
      privateKey: readFileSync(keyFile),
      tryKeyboard: true,
      readyTimeout: 20_000,
      hostVerifier: (key: Buffer) =>
        `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === fingerprint,
    });
  });
}

/** The SFTP status an ssh2 client call failed with (`undefined` when it succeeded). */
export function statusOf(call: (done: (error: Error | null | undefined) => void) => void) {
  return new Promise<{ code: number; message: string } | undefined>((resolve) => {
    call((error) => {
      if (error === null || error === undefined) resolve(undefined);
      else resolve({ code: (error as Error & { code: number }).code, message: error.message });
    });
  });
}
