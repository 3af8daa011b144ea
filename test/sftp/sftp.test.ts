import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupCli, createCliWorkspace, readServerCertificate, startWritServer } from '../support/cli.js';
import { createLawyer, lawyerPassword } from '../support/documents-cli.js';
import {
  generateClientKey,
  runSftp,
  scanHostKey,
  signInWithTotp,
  totpCode,
  writeAskpass,
} from './sftp-support.js';

afterEach(cleanupCli);

/** The output lines that are not the batch commands sftp echoes (`sftp> …`). */
const listed = (stdout: string) =>
  stdout
    .split('\n')
    .filter((line) => !line.startsWith('sftp>'))
    .join('\n');

describe('SFTP front door (Debian OpenSSH sftp against writ serve)', () => {
  it(
    'signs in with key + TOTP and round-trips files, folders and renames; refuses hostile requests',
    { timeout: 180_000 },
    async () => {
      const { root, dataDir } = createCliWorkspace();
      await createLawyer({ dataDir, username: 'alice' });
      await createLawyer({ dataDir, username: 'bob' });
      const server = await startWritServer({ dataDir, env: { WRIT_LOG_LEVEL: 'info' } });
      expect(server.banner).toMatch(/SFTP: +port \d+, host key SHA256:/);
      const ca = readServerCertificate(dataDir);
      const hostKeyLine = scanHostKey({ port: server.sftpPort, fingerprint: server.sftpHostKeyFingerprint });

      const alice = await signInWithTotp({ url: server.url, ca, username: 'alice' });
      const bob = await signInWithTotp({ url: server.url, ca, username: 'bob' });
      const { keyFile, publicKey } = generateClientKey(root);
      const added = await alice.json('POST', '/api/ssh-keys', { name: 'laptop', publicKey });
      expect(added.status, added.text).toBe(201);
      const weak = await alice.json('POST', '/api/ssh-keys', {
        name: 'bad',
        publicKey: 'ssh-dss AAAAB3NzaC1kc3M= x',
      });
      expect(weak.status).toBe(400);
      expect((await alice.json('GET', '/api/ssh-keys')).text).toContain('SHA256:');

      const matter = await alice.json('POST', '/api/matters', { name: 'Smith v Jones' });
      expect(matter.status, matter.text).toBe(201);
      expect((await bob.json('POST', '/api/matters', { name: 'Bob private' })).status).toBe(201);

      const work = join(root, 'work');
      mkdirSync(work);
      const content = randomBytes(3 * 1024 * 1024 + 12345);
      writeFileSync(join(work, 'brief.bin'), content);
      writeFileSync(join(work, 'small.txt'), 'hello');

      const askpass = writeAskpass(root, { code: totpCode(alice.totpSecret, 30) });
      const first = await runSftp({
        dir: root,
        port: server.sftpPort,
        hostKeyLine,
        username: 'alice',
        keyFile,
        askpass,
        methods: 'publickey,keyboard-interactive',
        cwd: work,
        isVerbose: true,
        batch:
          [
            'ls /',
            'cd "Smith v Jones"',
            'put brief.bin',
            'mkdir pleadings',
            'put small.txt pleadings/small.txt',
            'ls -l',
            'ls pleadings',
            'get brief.bin copy.bin',
            'rename pleadings/small.txt pleadings/renamed.txt',
            'ls pleadings',
            'rm pleadings/renamed.txt',
            'rmdir pleadings',
            'ls',
            '-cd ../..',
            '-get /etc/passwd',
            '-ls "/Bob private"',
            '-symlink brief.bin link.bin',
            `-mkdir ${'x'.repeat(300)}`,
            '-mkdir /newmatter',
            'pwd',
          ].join('\n') + '\n',
      });
      const output = first.stdout + first.stderr;
      expect(first.exitCode, output + server.stdout().slice(-3000) + server.stderr().slice(-3000)).toBe(0);
      expect(readFileSync(join(work, 'copy.bin')).equals(content)).toBe(true);
      // The server offered limits@openssh.com, so the client moved the 3 MiB both ways in 255 KiB requests.
      expect(first.stderr).toContain(
        'server upload/download buffer sizes 261120 / 261120; using 261120 / 261120',
      );
      expect(first.stdout).toContain('Smith v Jones');
      // sftp echoes each batch command; only the listings' lines matter here.
      expect(listed(first.stdout)).not.toContain('Bob private');
      expect(first.stdout).toContain('renamed.txt');
      expect(first.stderr).toMatch(/\/etc\/passwd.*(not found|No such file)/i);
      expect(first.stderr).toMatch(/Permission denied/i);
      expect(first.stderr).toMatch(/symlink.*Operation unsupported/i);

      // Without the second factor the key alone is not enough for a lawyer.
      const keyOnly = await runSftp({
        dir: root,
        port: server.sftpPort,
        hostKeyLine,
        username: 'alice',
        keyFile,
        methods: 'publickey',
        cwd: work,
        batch: 'ls /\n',
      });
      expect(keyOnly.exitCode).not.toBe(0);

      // Password + TOTP, answered by prompt text.
      const passwordRun = await runSftp({
        dir: root,
        port: server.sftpPort,
        hostKeyLine,
        username: 'bob',
        askpass: writeAskpass(root, { code: totpCode(bob.totpSecret, 30), password: lawyerPassword }),
        methods: 'password,keyboard-interactive',
        cwd: work,
        batch: 'ls /\n-ls "/Smith v Jones"\n-put small.txt "/Smith v Jones/intruder.txt"\n',
      });
      expect(passwordRun.exitCode, passwordRun.stdout + passwordRun.stderr).toBe(0);
      expect(listed(passwordRun.stdout)).toContain('Bob private');
      expect(listed(passwordRun.stdout)).not.toContain('Smith v Jones');
      expect(passwordRun.stderr).toMatch(/not found|No such file/i);
    },
  );
});
