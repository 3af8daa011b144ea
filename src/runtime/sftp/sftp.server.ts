import { createError } from '../../shared/errors/errors.js';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { DocumentsDependencies } from '../../modules/documents/documents.dependencies.js';
import type { Principal } from '../../modules/identity/identity.models.js';
import type { SshHostKey } from '../../modules/vault/vault.ssh-host-key.js';
import type { Logger } from '../../shared/logger/logger.js';
import {
  createSftpAdmission,
  type PendingSftpConnection,
  sftpConnectionLimits,
  type SftpConnectionLimits,
} from './sftp.admission.js';
import { createSftpAuthenticator, type SftpIdentityDeps } from './sftp.auth.js';
import { serveSftpSession, type SftpTransport } from './sftp.session.js';
import { hasNativeSshCiphers, missingNativeSshCiphersAdvice } from './sftp.native-ciphers.js';

export type RunningSftpServer = { port: number; hostKeyFingerprint: string; stop(): Promise<void> };

/** Modern algorithms only; AEAD ciphers carry their own integrity, so no MAC is ever negotiated. */
export const sftpAlgorithms = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org'],
  serverHostKey: ['ssh-ed25519'],
  cipher: ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-gcm@openssh.com'],
  hmac: ['hmac-sha2-256-etm@openssh.com'],
  compress: ['none'],
};

/** For a connection whose socket was not found: no corking, and no socket buffer to wait for. */
const detachedTransport: SftpTransport = {
  cork: () => undefined,
  uncork: () => undefined,
  writableLength: 0,
  once: () => undefined,
  off: () => undefined,
};

/**
 * The SFTP front door: SSH on ssh2 with the vault's host key; sign-in decided by identity, every file act
 * by the documents use-cases. Only the `sftp` subsystem is served: no shell, exec or forwarding.
 */
export async function startSftpServer({
  host,
  port,
  hostKey,
  identity,
  documents,
  logger,
  shutdownTimeoutMs = 5000,
  limits = sftpConnectionLimits,
}: {
  host: string;
  port: number;
  hostKey: SshHostKey;
  identity: SftpIdentityDeps;
  documents: DocumentsDependencies;
  logger: Logger;
  shutdownTimeoutMs?: number;
  /** `sftpConnectionLimits` unless a test needs small ones. */
  limits?: SftpConnectionLimits;
}): Promise<RunningSftpServer> {
  const clients = new Set<{ end(): void }>();
  const admission = createSftpAdmission({ limits, logger });
  // The TCP sockets are ours, handed to ssh2, so that a session can cork its socket (see `SftpTransport`),
  // and so that a connection's login grace runs from accept, before ssh2 sees a byte.
  const sockets = new Map<string, { socket: Socket; pending: PendingSftpConnection }>();
  const socketKey = (address: string | undefined, port: number | undefined) => `${address}|${port}`;
  const sshServer = new ssh2.Server(
    { hostKeys: [hostKey.privateKeyOpenSsh], algorithms: sftpAlgorithms as never, ident: 'Writ' },
    (client, info) => {
      clients.add(client);
      const accepted = sockets.get(socketKey(info.ip, info.port));
      const closed = new AbortController();
      let principal: Principal | undefined;
      let releaseUser: (() => void) | undefined;
      let openSessions = 0;
      client.on(
        'authentication',
        createSftpAuthenticator({
          identity,
          connection: { clientAddress: info.ip, clientSoftware: info.header.versions.software },
          logger,
          maxAttempts: limits.maxAuthAttempts,
          signal: closed.signal,
          admit: (authenticated) => {
            // Closed during the sign-in (its grace time ran out): it must not keep a place of its user.
            if (closed.signal.aborted) return false;
            releaseUser = admission.admitUser(authenticated.userId);
            if (releaseUser === undefined) return false;
            principal = authenticated;
            return true;
          },
          endConnection: () => {
            client.end();
          },
        }),
      );
      client.once('ready', () => {
        accepted?.pending.authenticated();
      });
      client.on('session', (accept, reject) => {
        if (openSessions >= limits.maxSessionsPerConnection) {
          logger.info({ userId: principal?.userId }, 'SFTP session refused: too many on one connection');
          reject();
          return;
        }
        const session = accept();
        openSessions += 1;
        session.once('close', () => {
          openSessions -= 1;
        });
        session.on('sftp', (acceptSftp) => {
          if (principal === undefined) return;
          serveSftpSession({
            sftp: acceptSftp(),
            principal,
            deps: {
              documents,
              identity,
              logger,
              endConnection: () => {
                client.end();
              },
              transport: accepted?.socket ?? detachedTransport,
            },
          });
        });
        session.on('exec', (_accept, reject) => {
          reject();
        });
        session.on('shell', (_accept, reject) => {
          reject();
        });
        session.on('pty', (_accept, reject) => {
          reject?.();
        });
        session.on('subsystem', (_accept, reject) => {
          reject();
        });
      });
      client.on('tcpip', (_accept, reject) => {
        reject();
      });
      client.on('error', (error) => {
        logger.debug({ err: error }, 'SSH client error');
      });
      client.on('close', () => {
        clients.delete(client);
        closed.abort();
        releaseUser?.();
      });
    },
  );
  const server = createServer((socket) => {
    // Replies are batched by corking the socket for a turn of the event loop (SftpTransport); Nagle's
    // algorithm on top only holds a batch back until the client acknowledges the previous one, which a
    // client waiting for those replies delays (measured on an ssh2 server answering WRITEs at once: 65–95
    // instead of 300–440 MB/s).
    socket.setNoDelay(true);
    const pending = admission.admitConnection(socket);
    if (pending === undefined) return;
    const key = socketKey(socket.remoteAddress, socket.remotePort);
    sockets.set(key, { socket, pending });
    socket.once('close', () => sockets.delete(key));
    sshServer.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? createError({
              code: 'sftp.port_unavailable',
              status: 500,
              message: `The SFTP port ${host}:${port} is ${error.code === 'EADDRINUSE' ? 'already in use' : 'not allowed for this user'}: stop what uses it or choose another with WRIT_SFTP_PORT (--sftp-port).`,
              cause: error,
            })
          : error,
      );
    };
    server.once('error', refuse);
    server.listen(port, host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  server.on('error', (error: unknown) => {
    logger.error({ err: error }, 'SFTP server error');
  });
  if (!hasNativeSshCiphers()) logger.warn(missingNativeSshCiphersAdvice);
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    hostKeyFingerprint: hostKey.fingerprint,
    stop: () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          for (const client of clients) client.end();
        }, shutdownTimeoutMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Idle connections would hold the server open: ask them to end now.
        for (const client of clients) client.end();
        admission.dropUnauthenticated();
      }),
  };
}
