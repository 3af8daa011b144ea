import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanupCli,
  createCliWorkspace,
  querySqlite,
  readServerCertificate,
  startWritServer,
} from '../support/cli.js';
import { createLawyer } from '../support/documents-cli.js';
import {
  connectWithSsh2,
  generateClientKey,
  scanHostKey,
  signInWithTotp,
  spawnSftp,
  type SftpTestUser,
  statusOf,
  totpCode,
  writeAskpass,
} from './sftp-support.js';

afterEach(cleanupCli);

const { STATUS_CODE } = ssh2.utils.sftp;

async function listRootFolder(user: SftpTestUser, matter: { id: string; rootFolderId: string }) {
  const listing = await user.json('GET', `/api/matters/${matter.id}/folders/${matter.rootFolderId}`);
  expect(listing.status, listing.text).toBe(200);
  return listing.json() as { folders: { name: string }[]; documents: { name: string }[] };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('SFTP front door against hostile and broken clients', () => {
  it(
    'an upload killed mid-way leaves no document, no version and no partial blob',
    { timeout: 180_000 },
    async () => {
      const { root, dataDir } = createCliWorkspace();
      await createLawyer({ dataDir, username: 'alice' });
      const server = await startWritServer({ dataDir });
      const ca = readServerCertificate(dataDir);
      const hostKeyLine = scanHostKey({ port: server.sftpPort, fingerprint: server.sftpHostKeyFingerprint });
      const alice = await signInWithTotp({ url: server.url, ca, username: 'alice' });
      const { keyFile, publicKey } = generateClientKey(root);
      expect((await alice.json('POST', '/api/ssh-keys', { name: 'laptop', publicKey })).status).toBe(201);
      const created = await alice.json('POST', '/api/matters', { name: 'Smith v Jones' });
      expect(created.status, created.text).toBe(201);
      const matter = created.json() as { id: string; rootFolderId: string };
      const work = join(root, 'work');
      mkdirSync(work);
      writeFileSync(join(work, 'big.bin'), randomBytes(128 * 1024 * 1024));

      const incompleteDir = join(dataDir, 'blobs', '.incomplete');
      const partialBlobBytes = () => {
        try {
          return readdirSync(incompleteDir).reduce(
            (sum, name) => sum + statSync(join(incompleteDir, name)).size,
            0,
          );
        } catch {
          return 0;
        }
      };
      const upload = spawnSftp({
        dir: root,
        port: server.sftpPort,
        hostKeyLine,
        username: 'alice',
        keyFile,
        askpass: writeAskpass(root, { code: totpCode(alice.totpSecret, 30) }),
        methods: 'publickey,keyboard-interactive',
        cwd: work,
        batch: 'put big.bin "/Smith v Jones/big.bin"\n',
      });
      // Killed once the server has encrypted and written some of it: the client vanishes without a CLOSE.
      await until(() => partialBlobBytes() > 1024 * 1024, 'the upload to start');
      upload.kill('SIGKILL');
      const run = await upload.done;
      expect(run.exitCode).not.toBe(0);

      // The server abandons the upload when the connection drops, and removes what it had written.
      await until(() => partialBlobBytes() === 0, 'the partial blob to be removed');
      expect(readdirSync(incompleteDir)).toEqual([]);
      expect((await listRootFolder(alice, matter)).documents).toEqual([]);
      expect(
        querySqlite<{ count: number }>(dataDir, 'SELECT count(*) AS count FROM document_versions'),
      ).toEqual([{ count: 0 }]);
      expect(querySqlite<{ count: number }>(dataDir, 'SELECT count(*) AS count FROM documents')).toEqual([
        { count: 0 },
      ]);
      expect(server.isRunning()).toBe(true);
    },
  );

  it(
    'names with control characters or NUL are refused with FAILURE and create nothing; a revoked session ends the connection',
    { timeout: 180_000 },
    async () => {
      const { root, dataDir } = createCliWorkspace();
      await createLawyer({ dataDir, username: 'bob' });
      const server = await startWritServer({ dataDir });
      const ca = readServerCertificate(dataDir);
      const bob = await signInWithTotp({ url: server.url, ca, username: 'bob' });
      const { keyFile, publicKey } = generateClientKey(root);
      expect((await bob.json('POST', '/api/ssh-keys', { name: 'laptop', publicKey })).status).toBe(201);
      const created = await bob.json('POST', '/api/matters', { name: 'Bob matter' });
      expect(created.status, created.text).toBe(201);
      const matter = created.json() as { id: string; rootFolderId: string };

      const session = await connectWithSsh2({
        port: server.sftpPort,
        fingerprint: server.sftpHostKeyFingerprint,
        username: 'bob',
        keyFile,
        totpSecret: bob.totpSecret,
      });
      const { sftp } = session;

      // OpenSSH's sftp cannot send these names; ssh2's client sends them as they are.
      const hostileNames = ['evil\u0000.txt', 'line\nbreak.txt', 'bell\u0007.pdf', 'del\u007f.txt'];
      for (const name of hostileNames) {
        const path = `/Bob matter/${name}`;
        const opened = await statusOf((done) => {
          sftp.open(path, 'w', (error) => {
            done(error);
          });
        });
        expect(opened, JSON.stringify(name)).toEqual({
          code: STATUS_CODE.FAILURE,
          message: 'File name contains control characters',
        });
        const made = await statusOf((done) => {
          sftp.mkdir(path, done);
        });
        expect(made?.code).toBe(STATUS_CODE.FAILURE);
      }
      const written = await statusOf((done) => {
        sftp.writeFile('/Bob matter/plain.txt', 'plain', done);
      });
      expect(written).toBeUndefined();
      const renamed = await statusOf((done) => {
        sftp.rename('/Bob matter/plain.txt', '/Bob matter/re\u0000named.txt', done);
      });
      expect(renamed?.code).toBe(STATUS_CODE.FAILURE);
      const listing = await listRootFolder(bob, matter);
      expect(listing.folders).toEqual([]);
      expect(listing.documents.map((document) => document.name)).toEqual(['plain.txt']);

      // Bob ends the SFTP session from the browser's session list; the open connection learns of it.
      const sessions = await bob.json('GET', '/api/sessions');
      expect(sessions.status, sessions.text).toBe(200);
      const others = (sessions.json() as { sessions: { id: string; isCurrent: boolean }[] }).sessions.filter(
        (each) => !each.isCurrent,
      );
      expect(others).toHaveLength(1);
      const revoked = await bob.json('DELETE', `/api/sessions/${others[0]?.id ?? ''}`);
      expect(revoked.status, revoked.text).toBe(204);

      const afterRevoke = await statusOf((done) => {
        sftp.readdir('/Bob matter', (error) => {
          done(error);
        });
      });
      expect(afterRevoke).toEqual({
        code: STATUS_CODE.PERMISSION_DENIED,
        message: 'Your session has ended: sign in again.',
      });
      await session.closed;
      expect((await listRootFolder(bob, matter)).documents.map((document) => document.name)).toEqual([
        'plain.txt',
      ]);
    },
  );
});
