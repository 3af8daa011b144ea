import ssh2, { type SFTPWrapper } from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCli, createCliWorkspace, readServerCertificate, startWritServer } from '../support/cli.js';
import { createLawyer } from '../support/documents-cli.js';
import { connectWithSsh2, generateClientKey, signInWithTotp, statusOf } from './sftp-support.js';

afterEach(cleanupCli);

const { STATUS_CODE } = ssh2.utils.sftp;

function openFile(sftp: SFTPWrapper, path: string, flags: 'r' | 'w' | 'wx') {
  return new Promise<Buffer>((resolve, reject) => {
    sftp.open(path, flags, (error, handle) => {
      if (error !== undefined && error !== null) reject(error);
      else resolve(handle);
    });
  });
}

function writeAt(sftp: SFTPWrapper, handle: Buffer, data: Buffer, position: number) {
  return statusOf((done) => {
    sftp.write(handle, data, 0, data.length, position, (error) => {
      done(error);
    });
  });
}

function close(sftp: SFTPWrapper, handle: Buffer) {
  return statusOf((done) => {
    sftp.close(handle, (error) => {
      done(error);
    });
  });
}

async function startWithLawyer() {
  const { root, dataDir } = createCliWorkspace();
  await createLawyer({ dataDir, username: 'alice' });
  const server = await startWritServer({ dataDir });
  const ca = readServerCertificate(dataDir);
  const alice = await signInWithTotp({ url: server.url, ca, username: 'alice' });
  const { keyFile, publicKey } = generateClientKey(root);
  expect((await alice.json('POST', '/api/ssh-keys', { name: 'laptop', publicKey })).status).toBe(201);
  const created = await alice.json('POST', '/api/matters', { name: 'Acme' });
  expect(created.status, created.text).toBe(201);
  // Each sign-in spends a TOTP step: a test signs in over SFTP once, with OpenSSH or with ssh2's client.
  const connect = () =>
    connectWithSsh2({
      port: server.sftpPort,
      fingerprint: server.sftpHostKeyFingerprint,
      username: 'alice',
      keyFile,
      totpSecret: alice.totpSecret,
    });
  return { connect };
}

function readAt(sftp: SFTPWrapper, handle: Buffer, position: number, length: number) {
  return new Promise<{ bytes: Buffer } | { code: number | undefined }>((resolve) => {
    sftp.read(handle, Buffer.alloc(length), 0, length, position, (error, bytesRead, buffer) => {
      if (error !== undefined && error !== null) {
        resolve({ code: 'code' in error ? (error.code as number) : undefined });
      } else resolve({ bytes: buffer.subarray(0, bytesRead) });
    });
  });
}

describe('SFTP: an open file is read on the policy of the moment', () => {
  it(
    'a member removed from the matter can no longer read a file they hold open, seconds later',
    { timeout: 180_000 },
    async () => {
      const { root, dataDir } = createCliWorkspace();
      await createLawyer({ dataDir, username: 'alice' });
      await createLawyer({ dataDir, username: 'bob' });
      const server = await startWritServer({ dataDir });
      const ca = readServerCertificate(dataDir);
      const alice = await signInWithTotp({ url: server.url, ca, username: 'alice' });
      const bob = await signInWithTotp({ url: server.url, ca, username: 'bob' });
      const bobId = ((await bob.json('GET', '/api/session')).json() as { user: { id: string } }).user.id;
      const { keyFile, publicKey } = generateClientKey(root);
      expect((await bob.json('POST', '/api/ssh-keys', { name: 'laptop', publicKey })).status).toBe(201);
      const created = await alice.json('POST', '/api/matters', { name: 'Acme' });
      const matterId = (created.json() as { id: string }).id;
      const granted = await alice.json('PUT', `/api/matters/${matterId}/members/${bobId}`, {
        role: 'editor',
      });
      expect(granted.status, granted.text).toBe(200);

      const session = await connectWithSsh2({
        port: server.sftpPort,
        fingerprint: server.sftpHostKeyFingerprint,
        username: 'bob',
        keyFile,
        totpSecret: bob.totpSecret,
      });
      const { sftp } = session;
      const content = Buffer.from('Exhibit A: the signed lease. '.repeat(100));
      const writing = await openFile(sftp, '/Acme/lease.txt', 'w');
      expect(await writeAt(sftp, writing, content, 0)).toBeUndefined();
      expect(await close(sftp, writing)).toBeUndefined();

      const reading = await openFile(sftp, '/Acme/lease.txt', 'r');
      expect(await readAt(sftp, reading, 0, 100)).toEqual({ bytes: content.subarray(0, 100) });
      const removed = await alice.json('DELETE', `/api/matters/${matterId}/members/${bobId}`);
      expect(removed.status, removed.text).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      // The next read asks the policy again: the file is gone for Bob, wherever he reads it.
      expect(await readAt(sftp, reading, 100, 100)).toEqual({ code: STATUS_CODE.NO_SUCH_FILE });
      expect(await readAt(sftp, reading, 0, 100)).toEqual({ code: STATUS_CODE.NO_SUCH_FILE });
      expect(await close(sftp, reading)).toBeUndefined();
      session.end();
    },
  );
});

describe('SFTP listings, names and per-session limits', () => {
  it(
    'answers READDIR in pages of at most 100 entries, as OpenSSH sftp-server does, until EOF',
    { timeout: 180_000 },
    async () => {
      const session = await (await startWithLawyer()).connect();
      const { sftp } = session;
      const names = Array.from({ length: 150 }, (_, index) => `folder-${String(index).padStart(3, '0')}`);
      for (const name of names) {
        const made = await statusOf((done) => {
          sftp.mkdir(`/Acme/${name}`, (error) => {
            done(error);
          });
        });
        expect(made, name).toBeUndefined();
      }
      const handle = await new Promise<Buffer>((resolve, reject) => {
        sftp.opendir('/Acme', (error, opened) => {
          if (error !== undefined && error !== null) reject(error);
          else resolve(opened);
        });
      });
      // With a handle, ssh2's client sends one READDIR per call and hands back that reply's entries.
      const pages: string[][] = [];
      for (;;) {
        const page = await new Promise<string[] | undefined>((resolve, reject) => {
          sftp.readdir(handle, (error, list) => {
            if (error !== undefined && error !== null) {
              if ('code' in error && error.code === STATUS_CODE.EOF) resolve(undefined);
              else reject(error);
            } else resolve(list.map((entry) => entry.filename));
          });
        });
        if (page === undefined) break;
        pages.push(page);
      }
      expect(pages.map((page) => page.length)).toEqual([100, 50]);
      expect(pages.flat().sort()).toEqual(names);
      expect(await close(sftp, handle)).toBeUndefined();
      session.end();
    },
  );

  it(
    'matches names regardless of case: O_EXCL refuses a case variant, a case-only rename works',
    { timeout: 180_000 },
    async () => {
      const session = await (await startWithLawyer()).connect();
      const { sftp } = session;
      const handle = await openFile(sftp, '/Acme/report.pdf', 'wx');
      expect(await writeAt(sftp, handle, Buffer.from('first'), 0)).toBeUndefined();
      expect(await close(sftp, handle)).toBeUndefined();

      const exclusive = await statusOf((done) => {
        sftp.open('/Acme/REPORT.pdf', 'wx', (error) => {
          done(error);
        });
      });
      expect(exclusive).toEqual({ code: STATUS_CODE.FAILURE, message: 'File exists' });
      const stat = await statusOf((done) => {
        sftp.stat('/Acme/Report.PDF', (error) => {
          done(error);
        });
      });
      expect(stat).toBeUndefined();

      const renamed = await statusOf((done) => {
        sftp.rename('/Acme/report.pdf', '/Acme/Report.pdf', (error) => {
          done(error);
        });
      });
      expect(renamed).toBeUndefined();
      const names = await new Promise<string[]>((resolve, reject) => {
        sftp.readdir('/Acme', (error, list) => {
          if (error !== undefined && error !== null) reject(error);
          else resolve(list.map((entry) => entry.filename));
        });
      });
      expect(names).toEqual(['Report.pdf']);
      // Onto another item, a rename is still refused.
      const other = await openFile(sftp, '/Acme/other.pdf', 'wx');
      expect(await close(sftp, other)).toBeUndefined();
      const clash = await statusOf((done) => {
        sftp.rename('/Acme/other.pdf', '/Acme/REPORT.PDF', (error) => {
          done(error);
        });
      });
      expect(clash).toEqual({ code: STATUS_CODE.FAILURE, message: 'File exists' });
      session.end();
    },
  );

  it(
    'bounds the handles a session holds open and the out-of-order data of all its uploads together',
    { timeout: 180_000 },
    async () => {
      const session = await (await startWithLawyer()).connect();
      const { sftp } = session;
      const opened: Buffer[] = [];
      for (let index = 0; index < 64; index += 1) {
        opened.push(
          await new Promise<Buffer>((resolve, reject) => {
            sftp.opendir('/Acme', (error, handle) => {
              if (error !== undefined && error !== null) reject(error);
              else resolve(handle);
            });
          }),
        );
      }
      const tooMany = await statusOf((done) => {
        sftp.open('/Acme/one-too-many.pdf', 'w', (error) => {
          done(error);
        });
      });
      expect(tooMany).toEqual({ code: STATUS_CODE.FAILURE, message: 'Too many open files' });
      for (const handle of opened) expect(await close(sftp, handle)).toBeUndefined();

      // Two uploads, each holding 9 MiB that arrived ahead of their first bytes: 18 MiB in all is too much.
      const chunk = Buffer.alloc(32 * 1024, 1);
      const first = await openFile(sftp, '/Acme/first.bin', 'w');
      const second = await openFile(sftp, '/Acme/second.bin', 'w');
      const aheadBytes = 9 * 1024 * 1024;
      for (let offset = chunk.length; offset <= aheadBytes; offset += chunk.length) {
        expect(await writeAt(sftp, first, chunk, offset)).toBeUndefined();
      }
      let refusedAt: number | undefined;
      for (
        let offset = chunk.length;
        offset <= aheadBytes && refusedAt === undefined;
        offset += chunk.length
      ) {
        const status = await writeAt(sftp, second, chunk, offset);
        if (status !== undefined) {
          expect(status.code).toBe(STATUS_CODE.FAILURE);
          expect(status.message).toMatch(/out of order/);
          refusedAt = offset;
        }
      }
      expect(refusedAt).toBeDefined();
      // The first upload still completes once its first bytes come; nothing of the second is kept.
      expect(await writeAt(sftp, first, chunk, 0)).toBeUndefined();
      expect(await close(sftp, first)).toBeUndefined();
      expect((await close(sftp, second))?.code).toBe(STATUS_CODE.FAILURE);
      const names = await new Promise<string[]>((resolve, reject) => {
        sftp.readdir('/Acme', (error, list) => {
          if (error !== undefined && error !== null) reject(error);
          else resolve(list.map((entry) => entry.filename));
        });
      });
      expect(names).toEqual(['first.bin']);
      session.end();
    },
  );
});
