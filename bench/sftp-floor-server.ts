/**
 * The SSH transport alone, for sftp.bench.ts: ssh2 with Writ's algorithms, its limits@openssh.com offer and its
 * flow control, serving plain files from one directory, with no vault, hashing, database, policy or ledger. What
 * it reaches is the most any SFTP server built on ssh2 could, so that the benchmark shows how much of the gap to
 * OpenSSH is the transport's and how much Writ's.
 *
 * With --at-rest-crypto, uploads are also hashed and sealed in Writ's at-rest format, in the leanest way the
 * format allows (sftp-floor-sealer.ts): what the required cryptography costs on this transport, without Writ's
 * upload pipeline. Downloads stay plain in either mode.
 *
 * Usage: sftp-floor-server.ts <host key file> <authorized public key file> <directory> [--at-rest-crypto].
 * Prints `port <n>` once listening; stops on SIGTERM. A bench fixture: one user, one key, every path mapped to
 * a file name in the directory.
 */
import { closeSync, fstatSync, openSync, read, readFileSync, rmSync, statSync, write } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { basename, join } from 'node:path';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { controlSftpFlow } from '../src/runtime/sftp/sftp.flow-control.js';
import { answerSftpLimitsRequest, offerSftpLimits, sftpLimits } from '../src/runtime/sftp/sftp.limits.js';
import { sftpAlgorithms } from '../src/runtime/sftp/sftp.server.js';
import { SealedUpload } from './sftp-floor-sealer.js';

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;
const [hostKeyFile, publicKeyFile, directoryArgument] = process.argv.slice(2);
if (hostKeyFile === undefined || publicKeyFile === undefined || directoryArgument === undefined)
  throw new Error('Usage: sftp-floor-server.ts <host key file> <authorized public key file> <directory>');
const directory: string = directoryArgument;
const isSealing = process.argv.slice(5).includes('--at-rest-crypto');
const allowedKey = ssh2.utils.parseKey(readFileSync(publicKeyFile, 'utf8'));
if (allowedKey instanceof Error) throw allowedKey;

function fileFor(path: string): string {
  return join(directory, basename(path));
}

function attributesOf(stats: { size: number; mode: number; mtimeMs: number; atimeMs: number }) {
  return {
    mode: stats.mode,
    uid: 0,
    gid: 0,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

/**
 * Requests are answered as their file call completes, in any order, as sshd's sftp-server may; opening,
 * closing and stat calls are synchronous, being few. Writes and reads go through libuv's thread pool, so that
 * the event loop never waits for the disk.
 */
function serve(sftp: SFTPWrapper, socket: Socket | undefined): void {
  offerSftpLimits(sftp);
  const flow = controlSftpFlow({
    sftp,
    output: socket ?? { writableLength: 0, once: () => undefined, off: () => undefined },
    onWindowOverrun: () => {
      sftp.end();
    },
  });
  const files = new Map<number, number>();
  const uploads = new Map<number, SealedUpload>();
  let nextHandle = 0;
  const handleOf = (raw: Buffer) => files.get(raw.readUInt32BE(0));
  const answer = (reqid: number, run: () => void) => {
    try {
      run();
    } catch {
      sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
  };
  sftp.on('REALPATH', (reqid, path) => {
    sftp.name(reqid, [{ filename: path === '.' ? '/' : path, longname: path, attrs: {} as never }]);
  });
  const stat = (reqid: number, path: string) => {
    answer(reqid, () => {
      const stats = path === '/' || path === '.' ? statSync(directory) : statSync(fileFor(path));
      sftp.attrs(reqid, attributesOf(stats));
    });
  };
  sftp.on('STAT', stat);
  sftp.on('LSTAT', stat);
  sftp.on('OPEN', (reqid, path, flags) => {
    answer(reqid, () => {
      const isWrite = (flags & OPEN_MODE.WRITE) !== 0;
      const fd = openSync(fileFor(path), isWrite ? 'w' : 'r');
      nextHandle += 1;
      files.set(nextHandle, fd);
      if (isWrite && isSealing) uploads.set(nextHandle, new SealedUpload(fd));
      const handle = Buffer.alloc(4);
      handle.writeUInt32BE(nextHandle, 0);
      sftp.handle(reqid, handle);
    });
  });
  sftp.on('WRITE', (reqid, handle, offset, data) => {
    const fd = handleOf(handle);
    if (fd === undefined) {
      sftp.status(reqid, STATUS_CODE.FAILURE);
      return;
    }
    const release = flow.admit(data.length);
    const upload = uploads.get(handle.readUInt32BE(0));
    if (upload !== undefined) {
      upload.write(offset, data, (error) => {
        release();
        sftp.status(reqid, error === undefined ? STATUS_CODE.OK : STATUS_CODE.FAILURE);
      });
      return;
    }
    write(fd, data, 0, data.length, offset, (error) => {
      release();
      sftp.status(reqid, error === null ? STATUS_CODE.OK : STATUS_CODE.FAILURE);
    });
  });
  sftp.on('READ', (reqid, handle, offset, length) => {
    const fd = handleOf(handle);
    if (fd === undefined) {
      sftp.status(reqid, STATUS_CODE.FAILURE);
      return;
    }
    const release = flow.admit(0);
    void flow.repliesSent().then(() => {
      const buffer = Buffer.allocUnsafe(Math.min(length, sftpLimits.maxReadLength));
      read(fd, buffer, 0, buffer.length, offset, (error, bytesRead) => {
        release();
        if (error !== null) sftp.status(reqid, STATUS_CODE.FAILURE);
        else if (bytesRead === 0) sftp.status(reqid, STATUS_CODE.EOF);
        else sftp.data(reqid, buffer.subarray(0, bytesRead));
      });
    });
  });
  sftp.on('FSTAT', (reqid, handle) => {
    answer(reqid, () => {
      const fd = handleOf(handle);
      if (fd === undefined) throw new Error('no handle');
      sftp.attrs(reqid, attributesOf(fstatSync(fd)));
    });
  });
  const succeed = (reqid: number) => {
    sftp.status(reqid, STATUS_CODE.OK);
  };
  sftp.on('SETSTAT', succeed);
  sftp.on('FSETSTAT', succeed);
  sftp.on('CLOSE', (reqid, handle) => {
    answer(reqid, () => {
      const fd = handleOf(handle);
      if (fd === undefined) throw new Error('no handle');
      files.delete(handle.readUInt32BE(0));
      const upload = uploads.get(handle.readUInt32BE(0));
      uploads.delete(handle.readUInt32BE(0));
      if (upload === undefined) {
        closeSync(fd);
        sftp.status(reqid, STATUS_CODE.OK);
        return;
      }
      upload.finish((error) => {
        closeSync(fd);
        sftp.status(reqid, error === undefined ? STATUS_CODE.OK : STATUS_CODE.FAILURE);
      });
    });
  });
  sftp.on('REMOVE', (reqid, path) => {
    answer(reqid, () => {
      rmSync(fileFor(path));
      sftp.status(reqid, STATUS_CODE.OK);
    });
  });
  // The client's EOF ends the session: ssh2 leaves closing the channel to its user.
  sftp.on('end', () => {
    sftp.end();
  });
  sftp.on('EXTENDED', (reqid, extension) => {
    if (!answerSftpLimitsRequest(sftp, reqid, extension)) sftp.status(reqid, STATUS_CODE.OP_UNSUPPORTED);
  });
}

const sockets = new Map<string, Socket>();
const sshServer = new ssh2.Server(
  { hostKeys: [readFileSync(hostKeyFile)], algorithms: sftpAlgorithms as never, ident: 'floor' },
  (client, info) => {
    client.on('authentication', (context) => {
      if (context.method !== 'publickey') {
        context.reject(['publickey']);
        return;
      }
      const isAllowed =
        context.key.algo === allowedKey.type && context.key.data.equals(allowedKey.getPublicSSH());
      if (!isAllowed) {
        context.reject(['publickey']);
        return;
      }
      if (context.signature === undefined || context.blob === undefined) {
        context.accept();
        return;
      }
      if (allowedKey.verify(context.blob, context.signature, context.hashAlgo)) context.accept();
      else context.reject(['publickey']);
    });
    client.on('session', (accept) => {
      accept().on('sftp', (acceptSftp) => {
        serve(acceptSftp(), sockets.get(`${info.ip}|${info.port}`));
      });
    });
    client.on('error', () => undefined);
  },
);
const server = createServer((socket) => {
  // As Writ's SFTP server does (sftp.server.ts).
  socket.setNoDelay(true);
  const key = `${socket.remoteAddress}|${socket.remotePort}`;
  sockets.set(key, socket);
  socket.once('close', () => sockets.delete(key));
  sshServer.injectSocket(socket);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`port ${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
