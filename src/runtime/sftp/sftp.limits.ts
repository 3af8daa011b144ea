import type { SFTPWrapper } from 'ssh2';

/*
 * OpenSSH's sftp client asks for 32 KiB per READ and WRITE unless the server offers the limits@openssh.com
 * extension, in which case it uses the server's (sshd's sftp-server offers 255 KiB). Each 32 KiB reply with
 * its header then takes two SSH packets, and every request costs Writ a turn of its event loop. ssh2 1.17
 * answers INIT with a VERSION that lists no extension and has no call for an EXTENDED_REPLY, so both are
 * written here on the SFTP channel, through the same ssh2 channel call and window accounting its own replies
 * use. The internals this touches are checked first; where they are not as expected (another ssh2 version),
 * nothing is offered and the client keeps its 32 KiB.
 */

/** The largest packet ssh2 accepts from a client (its OpenSSH limit), and what a request may carry within it. */
export const sftpLimits = {
  maxPacketLength: 256 * 1024,
  maxReadLength: 255 * 1024,
  maxWriteLength: 255 * 1024,
} as const;

const extensionName = 'limits@openssh.com';
const versionPacketType = 2;
const extendedReplyPacketType = 201;
const sftpVersion = 3;

type ChannelData = (this: unknown, channelId: number, data: Buffer) => void;
type Ssh2Internals = {
  outgoing: { id: number; window: number; state: string };
  _protocol: { channelData: ChannelData };
  _buffer: unknown[];
};

function internalsOf(sftp: SFTPWrapper): Ssh2Internals | undefined {
  const candidate = sftp as unknown as Partial<Ssh2Internals>;
  const { outgoing, _protocol: protocol, _buffer: buffer } = candidate;
  const isExpected =
    typeof outgoing?.id === 'number' &&
    typeof outgoing.window === 'number' &&
    typeof protocol?.channelData === 'function' &&
    Array.isArray(buffer);
  return isExpected ? (candidate as Ssh2Internals) : undefined;
}

function sftpPacket(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(1 + body.length, 0);
  header[4] = type;
  return Buffer.concat([header, body]);
}

function sshString(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

const plainVersion = sftpPacket(versionPacketType, Buffer.from([0, 0, 0, sftpVersion]));
const versionWithLimits = sftpPacket(
  versionPacketType,
  Buffer.concat([Buffer.from([0, 0, 0, sftpVersion]), sshString(extensionName), sshString('1')]),
);

/** Writes `packet` on the SFTP channel now, when nothing of ssh2's is queued and the window takes it. */
function sendNow(internals: Ssh2Internals, packet: Buffer): boolean {
  const { outgoing } = internals;
  if (outgoing.state !== 'open' || internals._buffer.length > 0 || outgoing.window < packet.length) {
    return false;
  }
  outgoing.window -= packet.length;
  internals._protocol.channelData(internals.outgoing.id, packet);
  return true;
}

/**
 * Makes ssh2's VERSION reply to this session's INIT list limits@openssh.com. Call it right after accepting
 * the SFTP subsystem, before the client's INIT is read. Returns false, changing nothing, when ssh2's
 * internals are not the expected ones.
 */
export function offerSftpLimits(sftp: SFTPWrapper): boolean {
  const internals = internalsOf(sftp);
  if (internals === undefined) return false;
  const protocol = internals._protocol;
  // Another session on this connection is between its accept and its INIT: let it go first.
  if (Object.hasOwn(protocol, 'channelData')) return false;
  const channelData = protocol.channelData;
  const restore = () => {
    if (protocol.channelData === intercept) delete (protocol as Partial<typeof protocol>).channelData;
  };
  const intercept: ChannelData = function (this: unknown, channelId, data) {
    if (channelId !== internals.outgoing.id || !data.equals(plainVersion)) {
      Reflect.apply(channelData, this, [channelId, data]);
      return;
    }
    restore();
    // ssh2 has already taken the plain VERSION's bytes off the window; only the extension's are added.
    const extra = versionWithLimits.length - data.length;
    if (internals.outgoing.window < extra) {
      Reflect.apply(channelData, this, [channelId, data]);
      return;
    }
    internals.outgoing.window -= extra;
    Reflect.apply(channelData, this, [channelId, versionWithLimits]);
  };
  protocol.channelData = intercept;
  sftp.once('close', restore);
  return true;
}

/**
 * Answers an EXTENDED request for limits@openssh.com. Returns false when the request is another extension,
 * or when the reply cannot be written in order right now (the caller then answers OP_UNSUPPORTED).
 */
export function answerSftpLimitsRequest(sftp: SFTPWrapper, requestId: number, extension: string): boolean {
  if (extension !== extensionName) return false;
  const internals = internalsOf(sftp);
  if (internals === undefined) return false;
  const body = Buffer.alloc(4 + 4 * 8);
  body.writeUInt32BE(requestId, 0);
  body.writeBigUInt64BE(BigInt(sftpLimits.maxPacketLength), 4);
  body.writeBigUInt64BE(BigInt(sftpLimits.maxReadLength), 12);
  body.writeBigUInt64BE(BigInt(sftpLimits.maxWriteLength), 20);
  // No limit of Writ's own on open handles: the client keeps its own number of requests in flight.
  body.writeBigUInt64BE(0n, 28);
  return sendNow(internals, sftpPacket(extendedReplyPacketType, body));
}
