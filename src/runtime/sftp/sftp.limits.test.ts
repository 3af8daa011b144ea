import { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import { describe, expect, test } from 'vitest';
import { answerSftpLimitsRequest, offerSftpLimits, sftpLimits } from './sftp.limits.js';

/*
 * The path through real ssh2 and OpenSSH's client is in test/sftp/sftp.test.ts (the client reports the
 * server's 255 KiB limits). These cover what a real ssh2 1.17 never shows: internals that are not as
 * expected, a window too small, replies queued behind ssh2's own.
 */

const plainVersion = Buffer.from([0, 0, 0, 5, 2, 0, 0, 0, 3]);

class RecordingProtocol {
  readonly sent: { channelId: number; data: Buffer }[] = [];
  channelData(channelId: number, data: Buffer): void {
    this.sent.push({ channelId, data });
  }
}

function fakeSftp({ window = 2 * 1024 * 1024, buffered = [] as unknown[] } = {}) {
  const protocol = new RecordingProtocol();
  const sftp = Object.assign(new EventEmitter(), {
    outgoing: { id: 7, window, state: 'open' },
    _protocol: protocol,
    _buffer: buffered,
  });
  return { sftp, protocol, asWrapper: sftp as unknown as SFTPWrapper };
}

/** What ssh2 does with its VERSION reply: takes its length off the window, then hands it to the protocol. */
function sendAsSsh2(fake: ReturnType<typeof fakeSftp>, channelId: number, data: Buffer): void {
  fake.sftp.outgoing.window -= data.length;
  fake.sftp._protocol.channelData(channelId, data);
}

describe('offerSftpLimits', () => {
  test('adds limits@openssh.com to the VERSION reply and counts the extra bytes against the window', () => {
    const fake = fakeSftp();
    expect(offerSftpLimits(fake.asWrapper)).toBe(true);
    sendAsSsh2(fake, 7, plainVersion);

    const [reply] = fake.protocol.sent;
    expect(reply?.channelId).toBe(7);
    const data = reply?.data ?? Buffer.alloc(0);
    expect(data.readUInt32BE(0)).toBe(data.length - 4);
    expect(data[4]).toBe(2);
    expect(data.readUInt32BE(5)).toBe(3);
    expect(data.subarray(9).toString('latin1')).toBe('\0\0\0\x12limits@openssh.com\0\0\0\x011');
    expect(fake.sftp.outgoing.window).toBe(2 * 1024 * 1024 - data.length);
    // Done after one VERSION: the protocol's own method is back.
    expect(Object.hasOwn(fake.protocol, 'channelData')).toBe(false);
  });

  test('passes other channels and other packets through unchanged', () => {
    const fake = fakeSftp();
    offerSftpLimits(fake.asWrapper);
    const other = Buffer.from('other channel');
    sendAsSsh2(fake, 8, plainVersion);
    sendAsSsh2(fake, 7, other);
    expect(fake.protocol.sent).toEqual([
      { channelId: 8, data: plainVersion },
      { channelId: 7, data: other },
    ]);
  });

  test('sends the plain VERSION when the window cannot take the extension', () => {
    const fake = fakeSftp({ window: plainVersion.length + 3 });
    offerSftpLimits(fake.asWrapper);
    sendAsSsh2(fake, 7, plainVersion);
    expect(fake.protocol.sent).toEqual([{ channelId: 7, data: plainVersion }]);
    expect(fake.sftp.outgoing.window).toBe(3);
  });

  test('changes nothing when ssh2 internals are not the expected ones', () => {
    const emitter = new EventEmitter();
    expect(offerSftpLimits(emitter as unknown as SFTPWrapper)).toBe(false);
    const fake = fakeSftp();
    fake.sftp._buffer = 'not an array' as unknown as unknown[];
    expect(offerSftpLimits(fake.asWrapper)).toBe(false);
    expect(Object.hasOwn(fake.protocol, 'channelData')).toBe(false);
  });

  test('a second session between accept and INIT on the same connection is not offered the limits', () => {
    const fake = fakeSftp();
    expect(offerSftpLimits(fake.asWrapper)).toBe(true);
    const second = Object.assign(new EventEmitter(), {
      outgoing: { id: 9, window: 1000, state: 'open' },
      _protocol: fake.protocol,
      _buffer: [],
    });
    expect(offerSftpLimits(second as unknown as SFTPWrapper)).toBe(false);
  });

  test('closing the session before its INIT puts the protocol back', () => {
    const fake = fakeSftp();
    offerSftpLimits(fake.asWrapper);
    fake.sftp.emit('close');
    expect(Object.hasOwn(fake.protocol, 'channelData')).toBe(false);
  });
});

describe('answerSftpLimitsRequest', () => {
  test('answers with an EXTENDED_REPLY of four uint64 limits for the request id', () => {
    const fake = fakeSftp();
    expect(answerSftpLimitsRequest(fake.asWrapper, 42, 'limits@openssh.com')).toBe(true);
    const data = fake.protocol.sent[0]?.data ?? Buffer.alloc(0);
    expect(data.length).toBe(4 + 1 + 4 + 32);
    expect(data.readUInt32BE(0)).toBe(data.length - 4);
    expect(data[4]).toBe(201);
    expect(data.readUInt32BE(5)).toBe(42);
    expect([9, 17, 25, 33].map((offset) => Number(data.readBigUInt64BE(offset)))).toEqual([
      sftpLimits.maxPacketLength,
      sftpLimits.maxReadLength,
      sftpLimits.maxWriteLength,
      0,
    ]);
    expect(fake.sftp.outgoing.window).toBe(2 * 1024 * 1024 - data.length);
  });

  test('declines other extensions, and replies that would overtake or overflow ssh2 queued output', () => {
    expect(answerSftpLimitsRequest(fakeSftp().asWrapper, 1, 'statvfs@openssh.com')).toBe(false);
    const queued = fakeSftp({ buffered: [Buffer.from('queued')] });
    expect(answerSftpLimitsRequest(queued.asWrapper, 1, 'limits@openssh.com')).toBe(false);
    const narrow = fakeSftp({ window: 10 });
    expect(answerSftpLimitsRequest(narrow.asWrapper, 1, 'limits@openssh.com')).toBe(false);
    expect([...queued.protocol.sent, ...narrow.protocol.sent]).toEqual([]);
  });
});
