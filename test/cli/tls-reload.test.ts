import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterEach, describe, expect, test } from 'vitest';
import { ensureSelfSignedCertificate } from '../../src/runtime/install/tls-certificate.js';
import { cleanupCli, createCliWorkspace, startWritServer } from '../support/cli.js';
import { waitFor } from '../support/documents-cli.js';

afterEach(cleanupCli);

/** The SHA-256 fingerprint of the certificate a fresh TLS connection to the server is offered. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' },
      () => {
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        socket.end();
        resolve(fingerprint);
      },
    );
    socket.on('error', reject);
  });
}

async function writePair(dir: string, name: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = join(dir, `${name}-cert.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  await ensureSelfSignedCertificate({ certFile, keyFile, hostNames: ['localhost'], now: new Date() });
  return { certFile, keyFile };
}

describe('TLS certificate reload', { timeout: 120_000 }, () => {
  test('SIGHUP serves a renewed certificate to new connections; a broken pair is refused and the old one stays', async () => {
    const { root, dataDir } = createCliWorkspace();
    const live = { certFile: join(root, 'cert.pem'), keyFile: join(root, 'key.pem') };
    const first = await writePair(root, 'first');
    const renewed = await writePair(root, 'renewed');
    const install = async (pair: { certFile: string; keyFile: string }) => {
      const { readFileSync } = await import('node:fs');
      writeFileSync(live.certFile, readFileSync(pair.certFile));
      writeFileSync(live.keyFile, readFileSync(pair.keyFile), { mode: 0o600 });
    };
    await install(first);
    const server = await startWritServer({
      dataDir,
      env: { WRIT_TLS_CERT_FILE: live.certFile, WRIT_TLS_KEY_FILE: live.keyFile, WRIT_LOG_LEVEL: 'info' },
    });
    const before = await servedFingerprint(server.port);

    await install(renewed);
    process.kill(server.pid, 'SIGHUP');
    await waitFor('the reload', () => server.stdout().includes('TLS certificate reloaded'));
    const after = await servedFingerprint(server.port);
    expect(after).not.toBe(before);
    expect(server.isRunning()).toBe(true);

    // A key that does not match the certificate: refused, logged, and the renewed pair is still served.
    writeFileSync(
      live.keyFile,
      generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    process.kill(server.pid, 'SIGHUP');
    await waitFor('the refusal', () => server.stdout().includes('TLS certificate reload failed'));
    expect(await servedFingerprint(server.port)).toBe(after);
    expect(server.isRunning()).toBe(true);
    expect((await server.stop()).exitCode).toBe(0);
  });
});
