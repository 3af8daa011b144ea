import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  cleanupCli,
  createCliWorkspace,
  expectProblem,
  handshakeTls,
  querySqlite,
  readServerCertificate,
  requestHttps,
  requestJson,
  requestPlainHttp,
  runWrit,
  startWritServer,
  type WritServer,
} from '../support/cli.js';
import { databaseUrl, withPostgresClient } from '../support/postgres-server.js';
import { migrationNames } from '../../src/migrations/migrations.js';

const adminUsername = 'it-admin';
const adminPassword = 'correct horse battery staple';

function countAdmins(dataDir: string): number {
  const [row] = querySqlite<{ count: number }>(
    dataDir,
    `select count(*) as count from users where role = 'admin'`,
  );
  return row?.count ?? -1;
}

function environmentOf(pid: number): string[] {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
}

function countUsers(dataDir: string): number {
  const [row] = querySqlite<{ count: number }>(dataDir, 'select count(*) as count from users');
  return row?.count ?? -1;
}

describe('writ serve: the first start with zero configuration', () => {
  let dataDir = '';
  let server: WritServer;
  let ca = '';

  beforeAll(async () => {
    ({ dataDir } = createCliWorkspace());
    server = await startWritServer({ dataDir });
    ca = readServerCertificate(dataDir);
  });
  afterAll(cleanupCli);

  test('creates the data directory with mode 0700, readable by its owner only', () => {
    const stats = statSync(dataDir);
    expect(stats.isDirectory()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o700);
    expect(stats.uid).toBe(process.getuid?.());
  });

  test('creates the embedded SQLite database in WAL mode and a blob directory', () => {
    expect(statSync(join(dataDir, 'writ.db')).isFile()).toBe(true);
    expect(existsSync(join(dataDir, 'writ.db-wal'))).toBe(true);
    expect(querySqlite<{ journal_mode: string }>(dataDir, 'pragma journal_mode')).toEqual([
      { journal_mode: 'wal' },
    ]);
    expect(statSync(join(dataDir, 'blobs')).isDirectory()).toBe(true);
    expect(statSync(join(dataDir, 'blobs')).mode & 0o077).toBe(0);
  });

  test('/metrics tells an operator what to alert on: the ledger check, its backlog and failures, the certificate expiry', async () => {
    const scrape = async () => (await requestHttps({ url: `${server.url}/metrics`, ca })).text;
    // The first verification runs right after the start.
    for (
      let attempt = 0;
      attempt < 100 && !(await scrape()).includes('writ_ledger_verification_ok 1');
      attempt += 1
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const text = await scrape();
    expect(text).toContain('writ_ledger_verification_ok 1');
    expect(text).toMatch(/^writ_ledger_verification_timestamp_seconds \d+(\.\d+)?$/m);
    expect(text).toMatch(/^writ_ledger_pending_entries \d+$/m);
    expect(text).toContain('writ_ledger_sequencing_failures_total 0');
    const validTo = new Date(new X509Certificate(ca).validTo).getTime() / 1000;
    expect(text).toContain(`writ_tls_certificate_expiry_timestamp_seconds ${validTo}`);
  });

  test('creates a 32-byte root key file with mode 0600', () => {
    const keyFile = join(dataDir, 'keys', 'root.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const match = /^WRIT-ROOT-KEY-1 ([A-Za-z0-9_-]+)\n$/.exec(readFileSync(keyFile, 'utf8'));
    expect(Buffer.from(match?.[1] ?? '', 'base64url')).toHaveLength(32);
  });

  test('creates a TLS certificate naming localhost and 127.0.0.1, whose fingerprint the banner prints', () => {
    const certificate = new X509Certificate(ca);
    expect(certificate.subjectAltName?.split(', ')).toEqual(
      expect.arrayContaining(['DNS:localhost', 'IP Address:127.0.0.1']),
    );
    expect(certificate.checkHost('localhost')).toBe('localhost');
    expect(certificate.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(new Date(certificate.validTo).getTime()).toBeGreaterThan(Date.now());
    expect(server.banner).toContain(`SHA-256 ${certificate.fingerprint256}`);
    expect(statSync(join(dataDir, 'tls', 'key.pem')).mode & 0o077).toBe(0);
  });

  test('answers HTTPS with that certificate for https://localhost, pinned as the only trusted one', async () => {
    const response = await requestHttps({ url: `${server.url}/healthz`, ca });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    const readiness = await requestHttps({ url: `${server.url}/readyz`, ca });
    expect(readiness.status).toBe(200);
  });

  test('gives no HTTP answer to a plain-HTTP request on its port', async () => {
    const result = await requestPlainHttp({ port: server.port, path: '/healthz' });
    expect(result.status).toBeUndefined();
    expect(result.errorCode).toBeDefined();
  });

  test('refuses a TLS 1.1 handshake and accepts TLS 1.2', async () => {
    const old = await handshakeTls({ port: server.port, ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' });
    expect(old.protocol).toBeUndefined();
    // Alert 70 (protocol_version) comes from the server: this client did offer TLS 1.1.
    expect(old.errorCode).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');

    const modern = await handshakeTls({
      port: server.port,
      ca,
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.2',
    });
    expect(modern).toEqual({ protocol: 'TLSv1.2', isAuthorized: true });
  });

  test('sends HSTS and a restrictive Content-Security-Policy', async () => {
    const response = await requestHttps({ url: `${server.url}/setup`, ca });
    expect(response.status).toBe(200);
    expect(response.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    const csp = response.headers['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  test('runs as the node process bin/writ execs, with one allocator arena, garbage collection on its own thread, a small young generation and a roomier old one (ADR 0013)', () => {
    // The launcher replaces itself (exec), so the pid the banner belongs to is node's.
    const [command, ...args] = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0');
    const nodeOptions = args.slice(0, 3);
    const script = args[3];
    expect(command).toBe('node');
    expect(nodeOptions).toEqual([
      '--single-threaded-gc',
      '--max-semi-space-size=2',
      '--heap-growing-percent=300',
    ]);
    expect(script).toMatch(/\/bin\/\.\.\/dist\/main\.js$/);
    expect(environmentOf(server.pid)).toContain('MALLOC_ARENA_MAX=1');
  });

  test('prints a one-time setup link on the same address as the web URL', () => {
    expect(server.setupLink).toBe(`${server.url}/setup#token=${server.setupToken ?? ''}`);
    expect(server.setupToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(server.banner).toContain('No administrator exists yet.');
  });
});

describe('writ serve: the setup link creates the first administrator once', () => {
  afterEach(cleanupCli);

  test('opening the setup page twice consumes nothing, and the POST then creates the administrator', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);

    for (let visit = 0; visit < 2; visit += 1) {
      const page = await requestHttps({ url: `${server.url}/setup`, ca });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['cache-control']).toBe('no-store');
    }
    expect((await requestHttps({ url: `${server.url}/api/setup`, ca })).json()).toEqual({
      isSetupRequired: true,
    });

    const created = await requestJson({
      url: `${server.url}/api/setup`,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: adminPassword },
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ user: { username: adminUsername, role: 'admin' } });
    expect(created.text).not.toContain(adminPassword);
    expect((await requestHttps({ url: `${server.url}/api/setup`, ca })).json()).toEqual({
      isSetupRequired: false,
    });
    expect(countAdmins(dataDir)).toBe(1);
  });

  test('replaying a used setup token or forging one is refused with setup_link_invalid and creates no second administrator', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);
    const url = `${server.url}/api/setup`;
    const first = await requestJson({
      url,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: adminPassword },
    });
    expect(first.status).toBe(201);

    const replayed = await requestJson({
      url,
      ca,
      body: { token: server.setupToken, username: 'second-admin', password: adminPassword },
    });
    expectProblem(replayed, { status: 400, code: 'identity.setup_link_invalid' });

    const forged = await requestJson({
      url,
      ca,
      body: {
        token: randomBytes(32).toString('base64url'),
        username: 'third-admin',
        password: adminPassword,
      },
    });
    expectProblem(forged, { status: 400, code: 'identity.setup_link_invalid' });

    expect(countUsers(dataDir)).toBe(1);
    expect(querySqlite<{ username: string }>(dataDir, 'select username from users')).toEqual([
      { username: adminUsername },
    ]);
  });

  test('a password that is too weak is refused, creates nobody and leaves the setup link usable', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);
    const url = `${server.url}/api/setup`;

    const weak = await requestJson({
      url,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: 'short' },
    });
    expectProblem(weak, { status: 400, code: 'identity.password_too_weak' });
    expect(countUsers(dataDir)).toBe(0);
    expect((await requestHttps({ url, ca })).json()).toEqual({ isSetupRequired: true });

    const strong = await requestJson({
      url,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: adminPassword },
    });
    expect(strong.status).toBe(201);
  });

  test('`writ admin setup-link` prints a new link that works and invalidates the one printed at start', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);

    const issued = await runWrit(['admin', 'setup-link', '--data-dir', dataDir], {
      env: { WRIT_LOG_LEVEL: 'warn', WRIT_PUBLIC_URL: server.url },
    });
    expect(issued.exitCode).toBe(0);
    const link = new RegExp(`^ {2}${server.url}/setup#token=([A-Za-z0-9_-]+)$`, 'm').exec(issued.stdout);
    const newToken = link?.[1];
    expect(newToken).toBeDefined();
    expect(newToken).not.toBe(server.setupToken);

    const url = `${server.url}/api/setup`;
    const withOld = await requestJson({
      url,
      ca,
      body: { token: server.setupToken, username: adminUsername, password: adminPassword },
    });
    expectProblem(withOld, { status: 400, code: 'identity.setup_link_invalid' });
    expect(countUsers(dataDir)).toBe(0);

    const withNew = await requestJson({
      url,
      ca,
      body: { token: newToken, username: adminUsername, password: adminPassword },
    });
    expect(withNew.status).toBe(201);
    expect(countAdmins(dataDir)).toBe(1);
  });

  test('after setup, `writ admin setup-link` refuses and a restarted server prints "Sign in" and no setup link', async () => {
    const { dataDir } = createCliWorkspace();
    const first = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);
    const created = await requestJson({
      url: `${first.url}/api/setup`,
      ca,
      body: { token: first.setupToken, username: adminUsername, password: adminPassword },
    });
    expect(created.status).toBe(201);

    const refused = await runWrit(['admin', 'setup-link', '--data-dir', dataDir], {
      env: { WRIT_LOG_LEVEL: 'warn' },
    });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('An administrator already exists');
    expect(refused.stdout).not.toContain('/setup#token=');

    expect((await first.stop()).exitCode).toBe(0);
    const second = await startWritServer({ dataDir });
    expect(second.setupLink).toBeUndefined();
    expect(second.banner).toContain(`Sign in at ${second.url}/`);
    expect(second.stdout()).not.toContain('#token=');
    expect(countAdmins(dataDir)).toBe(1);
  });
});

describe('writ serve: stopping and one server per data directory', () => {
  afterEach(cleanupCli);

  test('SIGTERM stops the server with exit code 0 and removes writ.pid', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    expect(readFileSync(join(dataDir, 'writ.pid'), 'utf8')).toBe(`${server.pid}\n`);
    expect(readFileSync(join(dataDir, 'writ.holder'), 'utf8')).toContain(`pid ${server.pid}, writ serve`);

    const exit = await server.stop();
    expect(exit).toEqual({ exitCode: 0, signal: null });
    expect(existsSync(join(dataDir, 'writ.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'writ.holder'))).toBe(false);
    expect(server.stderr()).toBe('');
  });

  // Five first starts (keys, certificate, migrations): more than the default time on a loaded machine.
  test(
    'SIGTERM sent the moment the banner appears still stops the server cleanly (exit 0, writ.pid removed)',
    { timeout: 120_000 },
    async () => {
      // A supervisor may stop Writ as soon as it reports running; five tries make a late signal handler show.
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const { dataDir } = createCliWorkspace();
        const server = await startWritServer({ dataDir, shouldStopAtBanner: true });
        expect(await server.stop()).toEqual({ exitCode: 0, signal: null });
        expect(existsSync(join(dataDir, 'writ.pid'))).toBe(false);
      }
    },
  );

  test("an operator's own MALLOC_ARENA_MAX is kept by the launcher", async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir, env: { MALLOC_ARENA_MAX: '4' } });
    expect(environmentOf(server.pid)).toContain('MALLOC_ARENA_MAX=4');
    expect(environmentOf(server.pid)).not.toContain('MALLOC_ARENA_MAX=1');
  });

  test('a second server on the same data directory refuses, naming the first, which keeps serving', async () => {
    const { dataDir } = createCliWorkspace();
    const first = await startWritServer({ dataDir });
    const ca = readServerCertificate(dataDir);

    const second = await runWrit(['serve', '--data-dir', dataDir, '--port', '0'], {
      env: { WRIT_LOG_LEVEL: 'warn' },
    });
    expect(second.isTimedOut).toBe(false);
    expect(second.exitCode).not.toBe(0);
    expect(second.stderr).toContain(`Another Writ process (pid ${first.pid}, writ serve`);
    expect(second.stderr).toContain(dataDir);
    expect(second.stdout).not.toContain('Web:');

    expect(first.isRunning()).toBe(true);
    expect((await requestHttps({ url: `${first.url}/readyz`, ca })).status).toBe(200);
    expect(readFileSync(join(dataDir, 'writ.pid'), 'utf8')).toBe(`${first.pid}\n`);
    expect(readFileSync(join(dataDir, 'writ.holder'), 'utf8')).toContain(`pid ${first.pid}, writ serve`);

    expect((await first.stop()).exitCode).toBe(0);
    const third = await startWritServer({ dataDir });
    expect(
      (await requestHttps({ url: `${third.url}/readyz`, ca: readServerCertificate(dataDir) })).status,
    ).toBe(200);
  });
});

describe('writ serve on PostgreSQL', () => {
  const serverUrl = inject('postgresServerUrl');
  const databaseName = `writ_cli_serve_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    await withPostgresClient(serverUrl, (client) => client.query(`create database ${databaseName}`));
  });
  afterAll(async () => {
    await cleanupCli();
    await withPostgresClient(serverUrl, (client) =>
      client.query(`drop database if exists ${databaseName} with (force)`),
    );
  });

  test('starts on an empty PostgreSQL database, migrates it, answers /readyz and keeps no SQLite file', async () => {
    const { dataDir } = createCliWorkspace();
    const url = databaseUrl(serverUrl, databaseName);
    const server = await startWritServer({ dataDir, env: { WRIT_DATABASE_URL: url } });
    expect(server.banner).toContain(`Database:  ${url}`);
    expect(server.setupLink).toBeDefined();

    const readiness = await requestHttps({ url: `${server.url}/readyz`, ca: readServerCertificate(dataDir) });
    expect(readiness.status).toBe(200);
    expect(readiness.json()).toEqual({ status: 'ready' });
    expect(existsSync(join(dataDir, 'writ.db'))).toBe(false);

    const { rows } = await withPostgresClient(url, (client) =>
      client.query<{ name: string }>('select name from writ_migrations order by name'),
    );
    expect(rows.map((row) => row.name)).toEqual([...migrationNames]);
  });
});
