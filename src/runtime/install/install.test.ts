import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ensureRootKeyFile, readRootKeyFile } from '../../modules/vault/vault.root-key.js';
import { isErrorWithCode } from '../../shared/errors/errors.js';
import { acquireDataDirLock, isDataDirLocked } from './data-dir-lock.js';
import { ensureDataDir } from './data-dir.js';
import { checkSecretFile } from './file-safety.js';
import { ensureSelfSignedCertificate, summarizeCertificate } from './tls-certificate.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'writ-install-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('data directory', () => {
  test('is created private to its owner and refused once other users may enter it', () => {
    const dataDir = join(dir, 'data');
    expect(ensureDataDir(dataDir)).toEqual({ isNew: true });
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    chmodSync(dataDir, 0o750);
    let error: unknown;
    try {
      ensureDataDir(dataDir);
    } catch (caught) {
      error = caught;
    }
    expect(isErrorWithCode({ error, code: 'install.unsafe' })).toBe(true);
    expect((error as Error).message).toContain(`chmod 700 ${dataDir}`);
  });

  test('a second lock on the same directory is refused, in this process too, until the first is released', () => {
    const first = acquireDataDirLock({ dataDir: dir, purpose: 'test' });
    expect(isDataDirLocked(dir).isLocked).toBe(true);
    let error: unknown;
    try {
      acquireDataDirLock({ dataDir: dir, purpose: 'second' });
    } catch (caught) {
      error = caught;
    }
    expect(isErrorWithCode({ error, code: 'install.data_dir_locked' })).toBe(true);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    first.release();
    expect(isDataDirLocked(dir)).toEqual({ isLocked: false });
    acquireDataDirLock({ dataDir: dir, purpose: 'third' }).release();
  });

  test('a lock held by a process that was killed is free again: the kernel drops it', () => {
    const script = `
      const { acquireDataDirLock } = await import(${JSON.stringify(new URL('./data-dir-lock.ts', import.meta.url).pathname)});
      acquireDataDirLock({ dataDir: ${JSON.stringify(dir)}, purpose: 'child' });
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.signal).toBe('SIGKILL');
    expect(readFileSync(join(dir, 'writ.holder'), 'utf8')).toContain('child');
    expect(isDataDirLocked(dir)).toEqual({ isLocked: false });
  });
});

describe('secret files', () => {
  test('the root key file is created once, mode 0600, holding 32 random bytes', () => {
    const path = join(dir, 'keys', 'root.key');
    expect(ensureRootKeyFile(path)).toEqual({ isNew: true });
    const key = readRootKeyFile(path);
    expect(key).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(ensureRootKeyFile(path)).toEqual({ isNew: false });
    expect(readRootKeyFile(path).equals(key)).toBe(true);
  });

  test('a readable-by-others or garbled key file is refused with the fix to apply', () => {
    const path = join(dir, 'root.key');
    ensureRootKeyFile(path);
    chmodSync(path, 0o644);
    expect(checkSecretFile(path)).toMatchObject({ fix: `chmod 600 ${path}` });
    chmodSync(path, 0o600);
    expect(checkSecretFile(path)).toBeUndefined();
    writeFileSync(path, 'WRIT-ROOT-KEY-1 tooshort\n');
    expect(() => readRootKeyFile(path)).toThrow(/not a Writ root key/);
  });
});

describe('self-signed certificate', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const hostNames = ['localhost', '127.0.0.1', '::1', 'writ.example.test'];

  test('names every host, is valid now, and an independent TLS stack (OpenSSL) accepts it for those names', async () => {
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    expect(await ensureSelfSignedCertificate({ certFile, keyFile, hostNames, now })).toEqual({ isNew: true });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const summary = summarizeCertificate(readFileSync(certFile, 'utf8'));
    expect(summary.hostNames).toEqual(
      expect.arrayContaining(['localhost', '127.0.0.1', '::1', 'writ.example.test']),
    );
    expect(summary.isSelfSigned).toBe(true);
    expect(summary.validFrom.getTime()).toBeLessThan(now.getTime());

    const verify = (name: string) =>
      spawnSync(
        'openssl',
        [
          'verify',
          '-CAfile',
          certFile,
          '-attime',
          String(now.getTime() / 1000),
          '-verify_hostname',
          name,
          certFile,
        ],
        {
          encoding: 'utf8',
        },
      );
    expect(verify('writ.example.test').stdout).toContain(': OK');
    expect(verify('elsewhere.example.test').status).not.toBe(0);
    const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).toContain('ASN1 OID: prime256v1');
    expect(text).toContain('TLS Web Server Authentication');
  });

  test('is kept while valid, and renewed when its names change or it nears expiry', async () => {
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await ensureSelfSignedCertificate({ certFile, keyFile, hostNames, now });
    const original = readFileSync(certFile, 'utf8');
    expect(await ensureSelfSignedCertificate({ certFile, keyFile, hostNames, now })).toEqual({
      isNew: false,
    });
    expect(
      await ensureSelfSignedCertificate({
        certFile,
        keyFile,
        hostNames: [...hostNames, 'new.example.test'],
        now,
      }),
    ).toEqual({ isNew: true });
    const inElevenMonths = new Date(now.getTime() + 380 * 24 * 60 * 60 * 1000);
    expect(
      await ensureSelfSignedCertificate({
        certFile,
        keyFile,
        hostNames: [...hostNames, 'new.example.test'],
        now: inElevenMonths,
      }),
    ).toEqual({ isNew: true });
    expect(readFileSync(certFile, 'utf8')).not.toBe(original);
  });
});
