import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2, { type AnyAuthMethod, type SFTPWrapper } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ledgerEntries } from '../../../test/support/assertions.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { createTestDocumentsDependencies } from '../../../test/support/documents.js';
import {
  createSessionFixtures,
  goodPassword,
  oathtoolCode,
} from '../../modules/identity/identity.sessions.test-utils.js';
import { parseSshPublicKey } from '../../modules/identity/identity.ssh-keys.models.js';
import { addSshKey } from '../../modules/identity/identity.ssh-keys.usecases.js';
import { loadOrCreateSshHostKey } from '../../modules/vault/vault.ssh-host-key.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { sftpConnectionLimits, type SftpConnectionLimits } from './sftp.admission.js';
import { type RunningSftpServer, startSftpServer } from './sftp.server.js';

/*
 * The real server on SQLite with real identity use-cases, driven by raw TCP sockets, ssh2's client and
 * Debian's OpenSSH `ssh`. Each test starts a server with the limits it exercises, small where it waits.
 */

const clock = createTestClock();
let database: TestDatabase;
let fixtures: ReturnType<typeof createSessionFixtures>;
let documents: ReturnType<typeof createTestDocumentsDependencies>;
let scratch: string;
const logLines: string[] = [];
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  database = await createTestDatabase('sqlite');
  fixtures = createSessionFixtures({ db: database.db, clock });
  documents = createTestDocumentsDependencies({ db: database.db, clock });
  scratch = mkdtempSync(join(tmpdir(), 'writ-sftp-admission-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  documents.cleanup();
  await database.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

async function startServer(limits: Partial<SftpConnectionLimits> = {}): Promise<RunningSftpServer> {
  const hostKey = await loadOrCreateSshHostKey({
    db: database.db,
    secretBox: fixtures.deps.secretBox,
    clock,
  });
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        logLines.push(line);
      },
    },
  });
  const server = await startSftpServer({
    host: '127.0.0.1',
    port: 0,
    hostKey,
    identity: fixtures.deps,
    documents,
    logger,
    shutdownTimeoutMs: 500,
    limits: { ...sftpConnectionLimits, ...limits },
  });
  cleanups.push(() => server.stop());
  return server;
}

type RawConnection = { socket: Socket; received: () => string; closed: Promise<void> };

/** A plain TCP connection that sends `ident` (if any) and nothing else, as a slow-loris client does. */
function connectRaw(port: number, { localAddress = '127.0.0.1', ident = 'SSH-2.0-loris\r\n' } = {}) {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  let received = '';
  socket.setEncoding('latin1').on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.once('close', () => {
      resolve();
    });
  });
  const opened = new Promise<RawConnection>((resolve) => {
    socket.once('connect', () => {
      if (ident !== '') socket.write(ident);
      resolve({ socket, received: () => received, closed });
    });
  });
  cleanups.push(() => {
    socket.destroy();
  });
  return opened;
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => {
      resolve(false);
    }, ms);
  });
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An attempt, or false to give up (which ssh2 takes though its types do not say so). */
type AuthStep = AnyAuthMethod | false;

/**
 * An ssh2 client that makes the attempts `steps` gives (then gives up); resolves with how it ended and how
 * many attempts the server let it make.
 */
function attemptSignIn(port: number, username: string, steps: (attempt: number) => AuthStep) {
  const client = new ssh2.Client();
  let attempts = 0;
  cleanups.push(() => {
    client.end();
  });
  const ended = new Promise<{ outcome: 'ready' | 'closed'; attempts: number }>((resolve) => {
    client.once('ready', () => {
      resolve({ outcome: 'ready', attempts });
    });
    client.once('close', () => {
      resolve({ outcome: 'closed', attempts });
    });
  });
  client.on('error', () => undefined);
  client.connect({
    host: '127.0.0.1',
    port,
    username,
    hostVerifier: () => true,
    readyTimeout: 60_000,
    authHandler: (_methods, _partial, next) => {
      attempts += 1;
      (next as (step: AuthStep) => void)(steps(attempts));
    },
  });
  return { client, ended };
}

const randomKey = () => ssh2.utils.generateKeyPairSync('ed25519').private;

/**
 * ssh2's generator writes about one Ed25519 public key in 400 with 31 bytes (a leading zero byte dropped),
 * which Writ rightly refuses as invalid: such a pair is drawn again.
 */
function ed25519KeyPair() {
  for (;;) {
    const keys = ssh2.utils.generateKeyPairSync('ed25519');
    if (typeof parseSshPublicKey(keys.public) !== 'string') return keys;
  }
}

async function unknownKeyEntries(account: string): Promise<number> {
  const entries = await ledgerEntries(database.db, 'identity.sign_in_failed');
  return entries.filter((entry) => entry.data.account === account && entry.data.reason === 'unknown_ssh_key')
    .length;
}

async function userWithKey() {
  const user = await fixtures.user({ role: 'client' });
  const { token } = await fixtures.signIn({ username: user.username });
  const keys = ed25519KeyPair();
  await addSshKey({
    ...fixtures.deps,
    principal: await fixtures.principalOf(token),
    name: 'laptop',
    publicKey: keys.public,
  });
  return { user, privateKey: keys.private };
}

function openSftp(client: ssh2.Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    client.sftp((error, sftp) => {
      if (error) reject(error);
      else resolve(sftp);
    });
  });
}

describe('SFTP connections before sign-in', () => {
  test('a connection that never signs in is closed at the login grace time, ident sent or not', async () => {
    const server = await startServer({ loginGraceMs: 400 });
    const loris = await connectRaw(server.port);
    const silent = await connectRaw(server.port, { ident: '' });
    await pause(200);
    expect(loris.socket.destroyed).toBe(false);
    expect(loris.received()).toMatch(/^SSH-2\.0-Writ\r\n/);
    expect(await settlesWithin(Promise.all([loris.closed, silent.closed]), 3_000)).toBe(true);
  });

  test('a client left at the verification-code prompt is dropped at the grace time, no code recorded', async () => {
    const server = await startServer({ loginGraceMs: 1_500 });
    const lawyer = await fixtures.user({ role: 'lawyer' });
    await fixtures.enrolTotp({ username: lawyer.username });
    const before = await ledgerEntries(database.db, 'identity.second_factor_failed');
    let isPrompted = false;
    const { ended } = attemptSignIn(server.port, lawyer.username, (attempt) =>
      attempt === 1
        ? { type: 'password', username: lawyer.username, password: goodPassword }
        : attempt === 2
          ? {
              type: 'keyboard-interactive',
              username: lawyer.username,
              prompt: () => {
                isPrompted = true;
              },
            }
          : false,
    );
    expect(await settlesWithin(ended, 15_000)).toBe(true);
    expect(isPrompted).toBe(true);
    expect(await ended).toEqual({ outcome: 'closed', attempts: 2 });
    expect(await ledgerEntries(database.db, 'identity.second_factor_failed')).toEqual(before);
  });

  test('a signed-in connection is not dropped at the grace time', async () => {
    const server = await startServer({ loginGraceMs: 1_000 });
    const { user, privateKey } = await userWithKey();
    const { client, ended } = attemptSignIn(server.port, user.username, (attempt) =>
      attempt === 1 ? { type: 'publickey', username: user.username, key: privateKey } : false,
    );
    expect((await ended).outcome).toBe('ready');
    await pause(1_500);
    const sftp = await openSftp(client);
    const listed = await new Promise<unknown[]>((resolve, reject) => {
      sftp.readdir('/', (error, list) => {
        if (error) reject(error);
        else resolve(list);
      });
    });
    expect(listed).toEqual([]);
  });

  test('connections signing in beyond the per-address and overall bounds are closed at once', async () => {
    const server = await startServer({ maxUnauthenticated: 4, maxUnauthenticatedPerAddress: 2 });
    const first = await connectRaw(server.port);
    await connectRaw(server.port);
    const thirdFromSameAddress = await connectRaw(server.port);
    const otherAddress = await connectRaw(server.port, { localAddress: '127.0.0.2' });
    await connectRaw(server.port, { localAddress: '127.0.0.3' });
    const beyondAll = await connectRaw(server.port, { localAddress: '127.0.0.4' });
    expect(await settlesWithin(thirdFromSameAddress.closed, 2_000)).toBe(true);
    expect(await settlesWithin(beyondAll.closed, 2_000)).toBe(true);
    expect(thirdFromSameAddress.received()).toBe('');
    expect(otherAddress.received()).toMatch(/^SSH-2\.0-Writ/);
    expect(otherAddress.socket.destroyed).toBe(false);

    // A slot is free again once a connection signing in goes away.
    first.socket.destroy();
    await first.closed;
    await pause(50);
    const again = await connectRaw(server.port);
    await pause(300);
    expect(again.received()).toMatch(/^SSH-2\.0-Writ/);
    expect(again.socket.destroyed).toBe(false);
  });

  test('a signed-in connection no longer counts against the bound on connections signing in', async () => {
    const server = await startServer({ maxUnauthenticatedPerAddress: 1 });
    const { user, privateKey } = await userWithKey();
    const { ended } = attemptSignIn(server.port, user.username, () => ({
      type: 'publickey',
      username: user.username,
      key: privateKey,
    }));
    expect((await ended).outcome).toBe('ready');
    const next = await connectRaw(server.port);
    await pause(300);
    expect(next.received()).toMatch(/^SSH-2\.0-Writ/);
    expect(next.socket.destroyed).toBe(false);
  });
});

describe('SFTP authentication attempts', () => {
  test('the sixth refused key ends the connection, and the ledger records its first unknown key only', async () => {
    const server = await startServer();
    const { user } = await userWithKey();
    const before = await unknownKeyEntries(user.id);
    const { ended } = attemptSignIn(server.port, user.username, () => ({
      type: 'publickey',
      username: user.username,
      key: randomKey(),
    }));
    // Five refusals ask for the next attempt; the sixth ends the connection instead.
    expect(await ended).toEqual({ outcome: 'closed', attempts: 6 });
    expect((await unknownKeyEntries(user.id)) - before).toBe(1);
    expect(logLines.some((line) => line.includes('"unrecordedKeyQueries":5'))).toBe(true);
  });

  test('a registered key offered after unknown ones still signs in', async () => {
    const server = await startServer();
    const { user, privateKey } = await userWithKey();
    const before = await unknownKeyEntries(user.id);
    const { ended } = attemptSignIn(server.port, user.username, (attempt) => ({
      type: 'publickey',
      username: user.username,
      key: attempt <= 3 ? randomKey() : privateKey,
    }));
    expect(await ended).toEqual({ outcome: 'ready', attempts: 4 });
    expect((await unknownKeyEntries(user.id)) - before).toBe(1);
  });

  test('asking for the methods and a first factor that asks for the code are not refused attempts', async () => {
    const server = await startServer({ maxAuthAttempts: 1 });
    const lawyer = await fixtures.user({ role: 'lawyer' });
    const { secret } = await fixtures.enrolTotp({ username: lawyer.username });
    const { ended } = attemptSignIn(server.port, lawyer.username, (attempt) =>
      attempt === 1
        ? { type: 'none', username: lawyer.username }
        : attempt === 2
          ? { type: 'password', username: lawyer.username, password: goodPassword }
          : {
              type: 'keyboard-interactive',
              username: lawyer.username,
              prompt: (_name, _instructions, _lang, _prompts, finish) => {
                finish([oathtoolCode({ secret, at: clock.now() })]);
              },
            },
    );
    expect(await ended).toEqual({ outcome: 'ready', attempts: 3 });
  });

  test('every wrong password is still on the ledger, one entry each', async () => {
    const server = await startServer();
    const user = await fixtures.user({ role: 'client' });
    const failures = async () =>
      (await ledgerEntries(database.db, 'identity.sign_in_failed')).filter(
        (entry) => entry.data.account === user.id && entry.data.reason === 'wrong_password',
      ).length;
    const before = await failures();
    const { ended } = attemptSignIn(server.port, user.username, (attempt) =>
      attempt <= 3 ? { type: 'password', username: user.username, password: 'wrong guess' } : false,
    );
    expect((await ended).outcome).toBe('closed');
    expect((await failures()) - before).toBe(3);
  });

  test('hostbased and keyboard-interactive before a first factor count against the cap, off the ledger', async () => {
    const server = await startServer({ maxAuthAttempts: 4 });
    const user = await fixtures.user({ role: 'client' });
    const before = (await ledgerEntries(database.db, 'identity.sign_in_failed')).length;
    const { ended } = attemptSignIn(server.port, user.username, (attempt) =>
      attempt === 1
        ? { type: 'none', username: user.username }
        : attempt % 2 === 0
          ? {
              type: 'hostbased',
              username: user.username,
              key: randomKey(),
              localHostname: 'client.example',
              localUsername: 'someone',
            }
          : { type: 'keyboard-interactive', username: user.username, prompt: () => undefined },
    );
    // The first `none` (asking for the methods) is free: four more attempts, then the connection ends.
    expect(await ended).toEqual({ outcome: 'closed', attempts: 5 });
    expect((await ledgerEntries(database.db, 'identity.sign_in_failed')).length).toBe(before);
  });

  test("OpenSSH's ssh offering seven unknown keys is disconnected after six, one ledger entry", async () => {
    const server = await startServer();
    const { user } = await userWithKey();
    const before = await unknownKeyEntries(user.id);
    const keyFiles = Array.from({ length: 7 }, (_, index) => {
      const file = join(scratch, `unknown-${index}`);
      writeFileSync(file, randomKey(), { mode: 0o600 });
      return file;
    });
    const { stderr } = await new Promise<{ stderr: string }>((resolve) => {
      execFile(
        'ssh',
        [
          '-F',
          '/dev/null',
          '-v',
          '-p',
          String(server.port),
          '-o',
          'StrictHostKeyChecking=no',
          '-o',
          'UserKnownHostsFile=/dev/null',
          '-o',
          'BatchMode=yes',
          '-o',
          'IdentitiesOnly=yes',
          '-o',
          'PreferredAuthentications=publickey',
          ...keyFiles.flatMap((file) => ['-i', file]),
          '-s',
          `${user.username}@127.0.0.1`,
          'sftp',
        ],
        { timeout: 25_000 },
        (_error, _stdout, stderr) => {
          resolve({ stderr });
        },
      );
    });
    const offered = stderr.split('\n').filter((line) => line.includes('Offering public key')).length;
    expect(offered, stderr).toBe(6);
    expect(stderr).not.toContain('Authenticated to');
    expect((await unknownKeyEntries(user.id)) - before).toBe(1);
  });
});

describe('SFTP sessions of a signed-in user', () => {
  test('a connection opens at most the bound of sessions at once; closing one frees its place', async () => {
    const server = await startServer({ maxSessionsPerConnection: 3 });
    const { user, privateKey } = await userWithKey();
    const { client, ended } = attemptSignIn(server.port, user.username, () => ({
      type: 'publickey',
      username: user.username,
      key: privateKey,
    }));
    expect((await ended).outcome).toBe('ready');
    const sessions = await Promise.all([openSftp(client), openSftp(client), openSftp(client)]);
    await expect(openSftp(client)).rejects.toThrow();
    const closing = sessions[0];
    await new Promise<void>((resolve) => {
      closing?.once('close', () => {
        resolve();
      });
      closing?.end();
    });
    await pause(100);
    await expect(openSftp(client)).resolves.toBeDefined();
  });

  test("a user's connections beyond the bound are refused at sign-in; a closed one frees its place", async () => {
    const server = await startServer({ maxConnectionsPerUser: 2 });
    const { user, privateKey } = await userWithKey();
    const signIn = () =>
      attemptSignIn(server.port, user.username, (attempt) =>
        attempt === 1 ? { type: 'publickey', username: user.username, key: privateKey } : false,
      );
    const first = signIn();
    expect((await first.ended).outcome).toBe('ready');
    expect((await signIn().ended).outcome).toBe('ready');
    expect((await signIn().ended).outcome).toBe('closed');
    first.client.end();
    await pause(200);
    expect((await signIn().ended).outcome).toBe('ready');
  });
});
