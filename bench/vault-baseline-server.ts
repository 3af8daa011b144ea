/**
 * The baseline for vault.bench.ts: a bare node:https server doing what Writ's content path does, with no
 * framework, no database and no segmenting: an upload streams through SHA-256 and one AES-256-GCM stream
 * under a fresh key into a file that is fsynced before the answer; a download streams the file back through
 * the decipher and SHA-256, and fails unless the length and digest match what was stored.
 * Usage: vault-baseline-server.ts <workDir>. Reports `{ port, cert }` over IPC once listening; stops when IPC
 * disconnects.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ensureSelfSignedCertificate } from '../src/runtime/install/tls-certificate.js';

type Stored = { path: string; key: Buffer; iv: Buffer; tag: Buffer; size: number; sha256: string };

/** Counts and hashes what passes, as Writ's content meter and digest verifier do. */
function createHashingPassThrough(): Transform & { bytes: number; hex: () => string } {
  const hash = createHash('sha256');
  const meter = Object.assign(
    new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
        meter.bytes += chunk.length;
        hash.update(chunk);
        callback(null, chunk);
      },
    }),
    { bytes: 0, hex: () => hash.digest('hex') },
  );
  return meter;
}

const workDirArgument = process.argv[2];
if (workDirArgument === undefined) throw new Error('Usage: vault-baseline-server.ts <workDir>');
const workDir: string = workDirArgument;
if (process.send === undefined)
  throw new Error('Run me with child_process.fork: the port is reported over IPC.');

const certFile = join(workDir, 'cert.pem');
const keyFile = join(workDir, 'key.pem');
// The same kind of certificate Writ makes for itself (ECDSA P-256, self-signed) and the same TLS settings.
await ensureSelfSignedCertificate({
  certFile,
  keyFile,
  hostNames: ['localhost', '127.0.0.1'],
  now: new Date(),
});
const cert = await readFile(certFile, 'utf8');
const tlsOptions: ServerOptions = {
  key: await readFile(keyFile, 'utf8'),
  cert,
  minVersion: 'TLSv1.2',
  honorCipherOrder: true,
};

// File I/O in 1 MiB pieces, as Writ's 1 MiB segments give it: smaller ones would handicap the baseline.
const fileChunkSize = 1024 * 1024;

const stored = new Map<string, Stored>();
let counter = 0;

async function upload(request: IncomingMessage): Promise<Stored & { id: string }> {
  counter += 1;
  const id = `blob${counter}`;
  const path = join(workDir, id);
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const meter = createHashingPassThrough();
  await pipeline(
    request,
    meter,
    cipher,
    createWriteStream(path, { mode: 0o600, highWaterMark: fileChunkSize }),
  );
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  const entry = { path, key, iv, tag: cipher.getAuthTag(), size: meter.bytes, sha256: meter.hex() };
  stored.set(id, entry);
  return { id, ...entry };
}

async function download(entry: Stored, response: ServerResponse): Promise<void> {
  const decipher = createDecipheriv('aes-256-gcm', entry.key, entry.iv).setAuthTag(entry.tag);
  const meter = createHashingPassThrough();
  const verify = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const isIntact = meter.bytes === entry.size && meter.hex() === entry.sha256;
      callback(isIntact ? null : new Error('integrity check failed'));
    },
  });
  response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': entry.size });
  await pipeline(
    createReadStream(entry.path, { highWaterMark: fileChunkSize }),
    decipher,
    meter,
    verify,
    response,
  );
}

const server = createServer(tlsOptions, (request, response) => {
  const url = new URL(request.url ?? '/', 'https://localhost');
  const fail = (error: unknown) => {
    // The client closes as soon as it has every byte, which can come before the response's own 'finish'.
    if (response.writableEnded && (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    process.stderr.write(`[bench:vault:baseline] ${request.method} ${url.pathname}: ${String(error)}\n`);
    if (!response.headersSent) response.writeHead(500).end();
    else response.destroy();
  };
  if (request.method === 'POST' && url.pathname === '/upload') {
    upload(request).then(({ id, size, sha256 }) => {
      const body = JSON.stringify({ id, size, sha256 });
      response
        .writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
        .end(body);
    }, fail);
    return;
  }
  const entry = request.method === 'GET' ? stored.get(url.pathname.replace(/^\/download\//, '')) : undefined;
  if (entry !== undefined && url.pathname.startsWith('/download/')) {
    download(entry, response).catch(fail);
    return;
  }
  if (request.method === 'DELETE' && url.pathname.startsWith('/blobs/')) {
    const id = url.pathname.slice('/blobs/'.length);
    const found = stored.get(id);
    stored.delete(id);
    (found === undefined ? Promise.resolve() : unlink(found.path)).then(
      () => response.writeHead(204).end(),
      fail,
    );
    return;
  }
  response.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

process.once('disconnect', () => {
  server.closeAllConnections();
  server.close(() => {
    rmSync(workDir, { recursive: true, force: true });
  });
});
process.send({ port: (server.address() as AddressInfo).port, cert });
