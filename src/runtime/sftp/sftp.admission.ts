import type { Socket } from 'node:net';
import type { Logger } from '../../shared/logger/logger.js';

/**
 * What one SSH connection, one address and one user may hold. Without these, a connection that never signs
 * in stays open for ever (ssh2 sets no timer), and a signed-in one may open any number of sessions, each
 * with its own bounds (`sftp.flow-control.ts`).
 */
export type SftpConnectionLimits = {
  /** From TCP accept to a successful sign-in; then the socket is destroyed (OpenSSH's LoginGraceTime). */
  loginGraceMs: number;
  /** Refused authentication attempts before the connection is ended (OpenSSH's MaxAuthTries). */
  maxAuthAttempts: number;
  /** Connections not yet signed in, over all; a new one beyond is closed at once (OpenSSH's MaxStartups). */
  maxUnauthenticated: number;
  /** The same, from one client address (OpenSSH's PerSourceMaxStartups). */
  maxUnauthenticatedPerAddress: number;
  /** Session channels open at once on one signed-in connection (OpenSSH's MaxSessions). */
  maxSessionsPerConnection: number;
  /** Signed-in connections of one user at once, on this node. */
  maxConnectionsPerUser: number;
};

/**
 * OpenSSH's defaults where it has one: 120 s is time enough to type a password and a TOTP code; 6 attempts
 * let a client offer the few keys of its agent, then the password and the code; 100 connections signing in
 * at once is where OpenSSH's MaxStartups (10:30:100) refuses all, and 10 per address is where it starts to
 * (an office behind one NAT signs in far fewer at once: a sign-in takes a second). 4 sessions per
 * connection instead of OpenSSH's 10: `sftp` uses one, a multiplexing client a few, and each holds up to
 * 4 MiB of writes and 4 MiB of replies. 16 connections per user cover parallel transfer tools (FileZilla,
 * WinSCP and rclone open a handful) while a stolen credential cannot multiply those bounds without end.
 */
export const sftpConnectionLimits: SftpConnectionLimits = {
  loginGraceMs: 120_000,
  maxAuthAttempts: 6,
  maxUnauthenticated: 100,
  maxUnauthenticatedPerAddress: 10,
  maxSessionsPerConnection: 4,
  maxConnectionsPerUser: 16,
};

/** A connection admitted before sign-in: its login grace timer runs until `authenticated()` or its close. */
export type PendingSftpConnection = { authenticated(): void };

export type SftpAdmission = {
  /** Admits a new TCP connection, or destroys it (undefined) when too many are still signing in. */
  admitConnection(socket: Socket): PendingSftpConnection | undefined;
  /** Counts a signed-in connection of `userId`: its release, or undefined when the user has too many. */
  admitUser(userId: string): (() => void) | undefined;
  /** Destroys every connection not yet signed in (the server is stopping: nothing there to finish). */
  dropUnauthenticated(): void;
};

function decrement(counts: Map<string, number>, key: string): void {
  const count = (counts.get(key) ?? 0) - 1;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}

export function createSftpAdmission({
  limits,
  logger,
}: {
  limits: Pick<
    SftpConnectionLimits,
    'loginGraceMs' | 'maxUnauthenticated' | 'maxUnauthenticatedPerAddress' | 'maxConnectionsPerUser'
  >;
  logger: Logger;
}): SftpAdmission {
  const pending = new Set<Socket>();
  const pendingByAddress = new Map<string, number>();
  const connectionsByUser = new Map<string, number>();
  // One warning per run of refusals, not one per refused socket: a flood must not flood the log too.
  let isRefusing = false;

  const refuse = (socket: Socket, clientAddress: string) => {
    if (!isRefusing) {
      logger.warn(
        { clientAddress, pending: pending.size, fromAddress: pendingByAddress.get(clientAddress) ?? 0 },
        'SFTP connections refused: too many are signing in',
      );
    }
    isRefusing = true;
    socket.destroy();
  };

  const admitConnection = (socket: Socket): PendingSftpConnection | undefined => {
    const clientAddress = socket.remoteAddress ?? '';
    if (
      pending.size >= limits.maxUnauthenticated ||
      (pendingByAddress.get(clientAddress) ?? 0) >= limits.maxUnauthenticatedPerAddress
    ) {
      refuse(socket, clientAddress);
      return undefined;
    }
    isRefusing = false;
    pending.add(socket);
    pendingByAddress.set(clientAddress, (pendingByAddress.get(clientAddress) ?? 0) + 1);
    const grace = setTimeout(() => {
      logger.info({ clientAddress }, 'SFTP connection ended: not signed in within the login grace time');
      socket.destroy();
    }, limits.loginGraceMs);
    let isPending = true;
    const settle = () => {
      if (!isPending) return;
      isPending = false;
      clearTimeout(grace);
      pending.delete(socket);
      decrement(pendingByAddress, clientAddress);
    };
    socket.once('close', settle);
    return { authenticated: settle };
  };

  const admitUser = (userId: string): (() => void) | undefined => {
    const count = connectionsByUser.get(userId) ?? 0;
    if (count >= limits.maxConnectionsPerUser) return undefined;
    connectionsByUser.set(userId, count + 1);
    let isHeld = true;
    return () => {
      if (!isHeld) return;
      isHeld = false;
      decrement(connectionsByUser, userId);
    };
  };

  return {
    admitConnection,
    admitUser,
    dropUnauthenticated: () => {
      for (const socket of pending) socket.destroy();
    },
  };
}
