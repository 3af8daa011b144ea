import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { describe, expect, test } from 'vitest';
import { ensureSelfSignedCertificate } from '../install/tls-certificate.js';
import { describeKnownFailure } from './failures.js';

async function listenError(port: number, host: string): Promise<unknown> {
  const server = createServer();
  server.listen(port, host);
  const [error] = (await once(server, 'error').catch((caught: unknown) => [caught])) as [unknown];
  return error;
}

describe('start failures an operator can fix', () => {
  test('a busy port names the address and the settings that move it', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const { port } = holder.address() as { port: number };
    try {
      const message = describeKnownFailure(await listenError(port, '127.0.0.1'));
      expect(message).toBe(
        `127.0.0.1:${port} is already in use by another program. Stop it, or choose another port (--port / WRIT_PORT for HTTPS, --sftp-port / WRIT_SFTP_PORT for SFTP).`,
      );
    } finally {
      holder.close();
    }
  });

  test('an address that is not this machine’s is named as such', async () => {
    // TEST-NET-1: never assigned to a local interface.
    const message = describeKnownFailure(await listenError(0, '192.0.2.1'));
    expect(message).toMatch(/^192\.0\.2\.1 is not an address of this machine\./);
  });

  test('a certificate and key that do not match, and a key that is not PEM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-failures-'));
    try {
      const certFile = join(dir, 'cert.pem');
      await ensureSelfSignedCertificate({
        certFile,
        keyFile: join(dir, 'key.pem'),
        hostNames: ['localhost'],
        now: new Date(),
      });
      const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      const failureOf = (options: { cert: string; key: string }) => {
        try {
          createSecureContext(options);
        } catch (error) {
          return error;
        }
        throw new Error('the context was created');
      };
      expect(describeKnownFailure(failureOf({ cert: readFileSync(certFile, 'utf8'), key: otherKey }))).toBe(
        'The TLS certificate and key do not match: WRIT_TLS_CERT_FILE and WRIT_TLS_KEY_FILE must be a pair.',
      );
      const key = readFileSync(join(dir, 'key.pem'), 'utf8');
      for (const pair of [
        { cert: readFileSync(certFile, 'utf8'), key: 'not a key' },
        { cert: 'not a certificate', key },
      ]) {
        expect(describeKnownFailure(failureOf(pair))).toMatch(
          /^The TLS certificate or key is not a PEM file/,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('anything else stays an unexpected failure', () => {
    expect(describeKnownFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeKnownFailure('a string')).toBeUndefined();
  });
});
