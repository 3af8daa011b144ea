import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { afterEach, describe, expect, test } from 'vitest';
import { controlSftpFlow, type SftpFlowControl, type SftpFlowLimits } from './sftp.flow-control.js';

/*
 * Real ssh2 on both ends, in this process: a server whose SFTP session is bounded, and an ssh2 client that
 * behaves as a hostile one would (requests without waiting for replies, replies it does not read).
 */

const { Client, Server, utils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = utils.sftp;
const hostKey = utils.generateKeyPairSync('ed25519').private;
const kib = 1024;
const mib = 1024 * kib;

type ServerSession = { sftp: SFTPWrapper; flow: SftpFlowControl; overruns: number };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Starts a server whose sessions are bounded by `limits`; `onSession` installs the request handlers. */
async function startPair(limits: SftpFlowLimits, onSession: (session: ServerSession) => void) {
  const server = new Server({ hostKeys: [hostKey] }, (connection) => {
    connection.on('authentication', (context) => {
      context.accept();
    });
    connection.on('session', (accept) => {
      accept().on('sftp', (acceptSftp) => {
        const sftp = acceptSftp();
        const session: ServerSession = { sftp, flow: undefined as never, overruns: 0 };
        session.flow = controlSftpFlow({
          sftp,
          output: { writableLength: 0, once: () => undefined, off: () => undefined },
          onWindowOverrun: () => (session.overruns += 1),
          limits,
        });
        onSession(session);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, username: 'u' });
  });
  const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
    client.sftp((error, wrapper) => {
      if (error) reject(error);
      else resolve(wrapper);
    }),
  );
  cleanups.push(() => {
    client.end();
    server.close();
  });
  const handle = await new Promise<Buffer>((resolve, reject) => {
    sftp.open('/f', OPEN_MODE.WRITE, (error, opened) => {
      if (error) reject(error);
      else resolve(opened);
    });
  });
  return { client, sftp, handle };
}

const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SFTP flow control on real ssh2', () => {
  test('writes sent without waiting stop at the bound, and resume once the queued ones are answered', async () => {
    const held: (() => void)[] = [];
    let receivedBytes = 0;
    const { sftp, handle } = await startPair(
      { maxQueuedRequests: 10_000, maxQueuedBytes: 1 * mib, maxPendingReplyBytes: mib },
      ({ sftp: server, flow }) => {
        expect(flow.isEnforced).toBe(true);
        server.on('OPEN', (reqid) => {
          server.handle(reqid, Buffer.from('h'));
        });
        server.on('WRITE', (reqid, _handle, _offset, data: Buffer) => {
          receivedBytes += data.length;
          const release = flow.admit(data.length);
          held.push(() => {
            release();
            server.status(reqid, STATUS_CODE.OK);
          });
        });
      },
    );
    const total = 16 * mib;
    const chunk = Buffer.alloc(32 * kib, 1);
    const writes: Promise<void>[] = [];
    for (let offset = 0; offset < total; offset += chunk.length) {
      writes.push(
        new Promise((resolve, reject) => {
          sftp.write(handle, chunk, 0, chunk.length, offset, (error) => {
            if (error) reject(error);
            else resolve();
          });
        }),
      );
    }
    await settle();
    // The bound, plus what the client may still send inside the window it holds (2 MiB), plus a packet.
    expect(receivedBytes).toBeGreaterThanOrEqual(1 * mib);
    expect(receivedBytes).toBeLessThanOrEqual(1 * mib + 2 * mib + 64 * kib);
    const receivedWhileHeld = receivedBytes;
    await settle(200);
    expect(receivedBytes).toBe(receivedWhileHeld);

    const answerHeld = setInterval(() => {
      for (const answer of held.splice(0)) answer();
    }, 5);
    cleanups.push(() => {
      clearInterval(answerHeld);
    });
    await Promise.all(writes);
    expect(receivedBytes).toBe(total);
  });

  test('reads are served only while the replies the client has not taken stay under the bound', async () => {
    let served = 0;
    // Under ssh2's own request size (about 31 KiB), so that each read is one request.
    const replyBytes = 16 * kib;
    const { client, sftp, handle } = await startPair(
      { maxQueuedRequests: 10_000, maxQueuedBytes: 32 * mib, maxPendingReplyBytes: 1 * mib },
      ({ sftp: server, flow }) => {
        server.on('OPEN', (reqid) => {
          server.handle(reqid, Buffer.from('h'));
        });
        let queue = Promise.resolve();
        server.on('READ', (reqid, _handle, _offset, length) => {
          const release = flow.admit(0);
          queue = queue.then(async () => {
            await flow.repliesSent();
            served += 1;
            server.data(reqid, Buffer.alloc(length, 2));
            release();
          });
        });
      },
    );
    // The client stops reading its socket: the server's replies fill its window, then wait in ssh2.
    const socket = (client as unknown as { _sock: { pause(): void; resume(): void } })._sock;
    socket.pause();
    const count = 400;
    const reads: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      reads.push(
        new Promise((resolve, reject) => {
          sftp.read(handle, Buffer.alloc(replyBytes), 0, replyBytes, index * replyBytes, (error) => {
            if (error) reject(error);
            else resolve();
          });
        }),
      );
    }
    await settle();
    // The client's window (2 MiB) and the bound (1 MiB), in 16 KiB replies, and the one that crossed it.
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual((2 * mib + 1 * mib) / replyBytes + 2);
    socket.resume();
    await Promise.all(reads);
    expect(served).toBe(count);
  });
});

/** ssh2's SFTP object as far as flow control touches it, for what a well-behaved ssh2 pair never does. */
function fakeSftp() {
  const pushed: (Buffer | null)[] = [];
  const fake = Object.assign(new EventEmitter(), {
    incoming: { window: 2 * mib },
    outgoing: { state: 'open', id: 1 },
    _buffer: [] as Buffer[],
    _chunkcb: undefined as (() => void) | undefined,
  });
  Object.setPrototypeOf(
    fake,
    Object.assign(Object.create(EventEmitter.prototype) as object, {
      push(data: Buffer | null) {
        pushed.push(data);
        return undefined;
      },
    }),
  );
  return { fake, pushed, asWrapper: fake as unknown as SFTPWrapper };
}

const quietOutput = { writableLength: 0, once: () => undefined, off: () => undefined };

describe('SFTP flow control, what real ssh2 clients do not show', () => {
  test('a client that sends beyond its window is reported, and its data refused', () => {
    const { fake, pushed, asWrapper } = fakeSftp();
    let overruns = 0;
    controlSftpFlow({ sftp: asWrapper, output: quietOutput, onWindowOverrun: () => (overruns += 1) });
    const push = (fake as unknown as { push(data: Buffer): unknown }).push.bind(fake);
    fake.incoming.window -= 1000;
    expect(push(Buffer.alloc(1000))).toBeUndefined();
    fake.incoming.window = -5;
    expect(push(Buffer.alloc(10))).toBe(false);
    fake.incoming.window = -15;
    expect(push(Buffer.alloc(10))).toBe(false);
    expect(overruns).toBe(1);
    expect(pushed).toHaveLength(3);
  });

  test('changes nothing when ssh2 internals are not the expected ones', () => {
    const { fake, asWrapper } = fakeSftp();
    Object.defineProperty(fake, '_buffer', { value: 'no' });
    const flow = controlSftpFlow({ sftp: asWrapper, output: quietOutput, onWindowOverrun: () => undefined });
    expect(flow.isEnforced).toBe(false);
    expect(Object.hasOwn(fake, 'push')).toBe(false);
  });

  test('a reply waiting on the socket holds reads until the socket drains, and closing lets them go', async () => {
    const { fake, asWrapper } = fakeSftp();
    const output = Object.assign(new EventEmitter(), { writableLength: 5 * mib });
    const flow = controlSftpFlow({ sftp: asWrapper, output, onWindowOverrun: () => undefined });
    let isSent = false;
    const sent = flow.repliesSent().then(() => (isSent = true));
    await settle(20);
    expect(isSent).toBe(false);
    output.writableLength = 0;
    output.emit('drain');
    await sent;
    output.writableLength = 5 * mib;
    const second = flow.repliesSent();
    fake.emit('close');
    await second;
    expect(output.listenerCount('drain')).toBe(0);
  });

  test('many reads waiting on the socket share one drain listener, and all go once it drains', async () => {
    const { asWrapper } = fakeSftp();
    const output = Object.assign(new EventEmitter(), { writableLength: 5 * mib });
    const flow = controlSftpFlow({ sftp: asWrapper, output, onWindowOverrun: () => undefined });
    let sentCount = 0;
    const waiting = Array.from({ length: 40 }, () => flow.repliesSent().then(() => (sentCount += 1)));
    await settle(20);
    expect(sentCount).toBe(0);
    expect(output.listenerCount('drain')).toBe(1);
    output.writableLength = 0;
    output.emit('drain');
    await Promise.all(waiting);
    expect(sentCount).toBe(40);
    expect(output.listenerCount('drain')).toBe(0);
  });
});
