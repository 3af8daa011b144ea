// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { migrationNames } from '../../src/migrations/migrations.js';
import { webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterEach, describe, expect, test } from 'vitest';
import { cleanupCli, createCliWorkspace, runWrit, startWritServer } from '../support/cli.js';

type Finding = { check: string; severity: 'ok' | 'info' | 'warning' | 'error'; message: string };

const quiet = { WRIT_LOG_LEVEL: 'warn' };

/** A data directory after one `writ serve` start and stop: what an operator has after installing. */
async function createInstallation(): Promise<string> {
  const { dataDir } = createCliWorkspace();
  const server = await startWritServer({ dataDir });
  expect((await server.stop()).exitCode).toBe(0);
  return dataDir;
}

function doctor(
  dataDir: string,
  { args = [], env = {} }: { args?: string[]; env?: Record<string, string> } = {},
) {
  return runWrit(['doctor', '--data-dir', dataDir, ...args], { env: { ...quiet, ...env } });
}

/** A self-signed certificate for localhost that expired yesterday, written over the installation's own. */
async function writeExpiredCertificate(dataDir: string): Promise<Date> {
  const day = 24 * 60 * 60 * 1000;
  const notAfter = new Date(Math.floor((Date.now() - day) / 1000) * 1000);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=localhost',
    notBefore: new Date(notAfter.getTime() - 30 * day),
    notAfter,
    signingAlgorithm: algorithm,
    keys,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
    ],
  });
  const privateKey = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString(
    'base64',
  );
  writeFileSync(
    join(dataDir, 'tls', 'key.pem'),
    `-----BEGIN PRIVATE KEY-----\n${privateKey}\n-----END PRIVATE KEY-----\n`,
    {
      mode: 0o600,
    },
  );
  writeFileSync(join(dataDir, 'tls', 'cert.pem'), certificate.toString('pem'));
  return notAfter;
}

function lineFor(stdout: string, severity: string, check: string): string | undefined {
  return stdout.split('\n').find((line) => line.startsWith(`[${severity.padEnd(7)}] ${check} `));
}

describe('writ doctor', () => {
  afterEach(cleanupCli);

  test('on a healthy installation it exits 0 with an OK line for each part and no ERROR', async () => {
    const dataDir = await createInstallation();
    const result = await doctor(dataDir);
    expect(result.exitCode).toBe(0);
    for (const check of [
      'data directory',
      'root key',
      'TLS private key',
      'TLS certificate',
      'database',
      'migrations',
      'clock',
      // npm ci builds ssh2's native ciphers (allowScripts); without them SFTP is several times slower.
      'SFTP ciphers',
    ]) {
      expect(lineFor(result.stdout, 'OK', check), check).toBeDefined();
    }
    expect(lineFor(result.stdout, 'INFO', 'server')).toContain(
      'No server is running on this data directory.',
    );
    expect(result.stdout).not.toContain('[ERROR');
    expect(lineFor(result.stdout, 'OK', 'migrations')).toContain(`All ${migrationNames.length} applied.`);
  });

  test(
    'a data directory that does not exist is reported, not created, by doctor and refused by the commands that need one',
    { timeout: 120_000 },
    async () => {
      const { dataDir } = createCliWorkspace();
      const report = await doctor(dataDir, { args: ['--json'] });
      expect(report.exitCode).toBe(1);
      const findings = (JSON.parse(report.stdout) as { findings: Finding[] }).findings;
      expect(findings).toContainEqual(
        expect.objectContaining({ check: 'data directory', severity: 'error' }),
      );
      expect(existsSync(dataDir)).toBe(false);
      for (const args of [
        ['migrate', '--status'],
        ['admin', 'setup-link'],
        ['ledger', 'verify'],
        [
          'keys',
          'destroy-matter',
          'mat_00000000000000000000000000',
          '--confirm',
          'mat_00000000000000000000000000',
        ],
      ]) {
        const result = await runWrit([...args, '--data-dir', dataDir], { env: quiet });
        expect(result.exitCode, args.join(' ')).toBe(1);
        expect(result.stderr, args.join(' ')).toContain(`There is no data directory at ${dataDir}.`);
        expect(existsSync(dataDir), args.join(' ')).toBe(false);
      }
    },
  );

  test('a public URL naming an IP address is a warning that passkeys need a host name, and exit code stays 0', async () => {
    const dataDir = await createInstallation();
    expect(lineFor((await doctor(dataDir)).stdout, 'OK', 'public URL')).toContain(
      'Passkeys are bound to localhost',
    );
    const result = await doctor(dataDir, { env: { WRIT_PUBLIC_URL: 'https://127.0.0.1:8443' } });
    expect(result.exitCode).toBe(0);
    expect(lineFor(result.stdout, 'WARNING', 'public URL')).toContain('passkeys need a host name');
  });

  test('--json prints parseable findings with hasErrors false on a healthy installation', async () => {
    const dataDir = await createInstallation();
    const result = await doctor(dataDir, { args: ['--json'] });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as { findings: Finding[]; hasErrors: boolean };
    expect(report.hasErrors).toBe(false);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'root key', severity: 'ok' }),
        expect.objectContaining({ check: 'database', severity: 'ok' }),
        expect.objectContaining({ check: 'migrations', severity: 'ok' }),
      ]),
    );
    expect(report.findings.filter((finding) => finding.severity === 'error')).toEqual([]);
  });

  test('a root key file other users can read is an ERROR naming chmod 600, exit code 1, and the file is not changed', async () => {
    const dataDir = await createInstallation();
    const keyFile = join(dataDir, 'keys', 'root.key');
    const key = readFileSync(keyFile, 'utf8');
    chmodSync(keyFile, 0o644);

    const result = await doctor(dataDir);
    expect(result.exitCode).toBe(1);
    expect(lineFor(result.stdout, 'ERROR', 'root key')).toContain(`chmod 600 ${keyFile}`);
    expect(result.stdout).not.toContain(key.split(' ')[1]?.trim() ?? 'no key');

    const json = await doctor(dataDir, { args: ['--json'] });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as { findings: Finding[]; hasErrors: boolean };
    expect(report.hasErrors).toBe(true);
    expect(report.findings).toContainEqual(expect.objectContaining({ check: 'root key', severity: 'error' }));
    expect(readFileSync(keyFile, 'utf8')).toBe(key);
  });

  test('a TLS certificate file that is not a certificate is an ERROR for the TLS certificate, exit code 1, left unrepaired', async () => {
    const dataDir = await createInstallation();
    const certFile = join(dataDir, 'tls', 'cert.pem');
    writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n');

    const result = await doctor(dataDir);
    expect(result.exitCode).toBe(1);
    expect(lineFor(result.stdout, 'ERROR', 'TLS certificate')).toContain(
      `${certFile} cannot be read as a PEM certificate`,
    );
    expect(lineFor(result.stdout, 'OK', 'root key')).toBeDefined();
    expect(readFileSync(certFile, 'utf8')).toContain('Z2FyYmFnZQ==');
  });

  test('an expired TLS certificate is an ERROR naming its expiry, and the next writ serve renews the self-signed one', async () => {
    const dataDir = await createInstallation();
    const expiredOn = await writeExpiredCertificate(dataDir);

    const result = await doctor(dataDir);
    expect(result.exitCode).toBe(1);
    expect(lineFor(result.stdout, 'ERROR', 'TLS certificate')).toContain(
      `The certificate expired on ${expiredOn.toISOString()}.`,
    );

    await (await startWritServer({ dataDir })).stop();
    const renewed = new X509Certificate(readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8'));
    expect(new Date(renewed.validTo).getTime()).toBeGreaterThan(Date.now());
    const after = await doctor(dataDir);
    expect(after.exitCode).toBe(0);
    expect(lineFor(after.stdout, 'OK', 'TLS certificate')).toBeDefined();
  });

  test('an unreachable PostgreSQL is a database ERROR with exit code 1', async () => {
    const dataDir = await createInstallation();
    const result = await doctor(dataDir, {
      env: { WRIT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
    });
    expect(result.isTimedOut).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(lineFor(result.stdout, 'ERROR', 'database')).toContain(
      'Cannot reach the database at postgres://postgres@127.0.0.1:1/none',
    );
  });

  test('beside a running server it names the process holding the data directory and the server keeps running', async () => {
    const { dataDir } = createCliWorkspace();
    const server = await startWritServer({ dataDir });
    const result = await doctor(dataDir);
    expect(result.exitCode).toBe(0);
    expect(lineFor(result.stdout, 'INFO', 'server')).toContain(`pid ${server.pid}, writ serve`);
    expect(server.isRunning()).toBe(true);
    expect(readFileSync(join(dataDir, 'writ.pid'), 'utf8')).toBe(`${server.pid}\n`);
    expect(readFileSync(join(dataDir, 'writ.holder'), 'utf8')).toContain(`pid ${server.pid}, writ serve`);
  });
});
