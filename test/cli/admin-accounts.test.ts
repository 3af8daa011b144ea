import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  cleanupCli,
  createCliWorkspace,
  type HttpsResponse,
  querySqlite,
  readServerCertificate,
  requestHttps,
  runWrit,
  startWritServer,
} from '../support/cli.js';

const quiet = { WRIT_LOG_LEVEL: 'warn' };
const password = 'correct horse battery staple';

type LedgerRow = { kind: string; entry: string };

function ledgerEntries(dataDir: string, kind: string): { actor: unknown; data: Record<string, unknown> }[] {
  // Pending entries, or sequenced ones once a server has run: both tables hold the canonical JSON.
  const tables = querySqlite<{ name: string }>(
    dataDir,
    `select name from sqlite_master where type = 'table'`,
  ).map((row) => row.name);
  const rows = tables
    .filter((name) => name === 'ledger_pending_entries' || name === 'ledger_entries')
    .flatMap((table) => querySqlite<LedgerRow>(dataDir, `select kind, entry from ${table}`));
  return rows
    .filter((row) => row.kind === kind)
    .map((row) => JSON.parse(row.entry) as { actor: unknown; data: Record<string, unknown> });
}

function sessionCookieOf(response: HttpsResponse): string {
  const cookies = response.headers['set-cookie'] ?? [];
  const session = cookies.find((cookie) => cookie.startsWith('__Host-writ_session='));
  if (session === undefined) throw new Error(`no session cookie in ${JSON.stringify(cookies)}`);
  return session.split(';')[0] ?? '';
}

/** A real SMTP server on loopback that keeps what it receives: where the running Writ sends its mail. */
async function startMailbox() {
  const messages: { to: string[]; data: string }[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData: (stream, session, callback) => {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (data += chunk));
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((recipient) => recipient.address), data });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('writ admin create-user and reset-mfa', () => {
  let dataDir = '';
  const createUser = (username: string, role: string, input: string | undefined) =>
    runWrit(['admin', 'create-user', '--username', username, '--role', role, '--data-dir', dataDir], {
      env: quiet,
      ...(input === undefined ? {} : { input }),
    });

  beforeAll(() => {
    ({ dataDir } = createCliWorkspace());
  });
  afterAll(cleanupCli);

  test('create-user on a fresh data directory creates the account from a piped password, recorded as the system', async () => {
    const result = await createUser('Paula.Lawyer', 'lawyer', `${password}\n`);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Created paula\.lawyer \(usr_[0-9a-z]{26}\) with role lawyer\.\n$/);
    const [row] = querySqlite<{ id: string; role: string; password_hash: string }>(
      dataDir,
      `select id, role, password_hash from users where username = 'paula.lawyer'`,
    );
    expect(row?.role).toBe('lawyer');
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    expect(ledgerEntries(dataDir, 'identity.user_created')).toEqual([
      expect.objectContaining({ actor: { type: 'system' }, data: { userId: row?.id, role: 'lawyer' } }),
    ]);
    expect(result.stdout + result.stderr).not.toContain(password);
  });

  test('a weak, empty or missing password, a bad role or a taken name is refused with the reason, exit 1, nothing created', async () => {
    const before = querySqlite<{ count: number }>(dataDir, 'select count(*) as count from users')[0]?.count;
    const weak = await createUser('weak.user', 'client', 'password123\n');
    expect(weak).toMatchObject({ exitCode: 1 });
    expect(weak.stderr).toMatch(/^writ: A password needs at least 12 characters/);
    const guessable = await createUser('guess.user', 'client', 'aaaaaaaaaaaaaaaa');
    expect(guessable.exitCode).toBe(1);
    expect(guessable.stderr).toMatch(/^writ: This password is too easy to guess\./);
    const empty = await createUser('empty.user', 'client', '\n');
    expect(empty).toMatchObject({
      exitCode: 1,
      stderr: 'No password on standard input: the account was not created.\n',
    });
    const none = await createUser('none.user', 'client', undefined);
    expect(none.exitCode).toBe(1);
    const role = await createUser('role.user', 'superuser', `${password}\n`);
    expect(role).toMatchObject({ exitCode: 1 });
    expect(role.stderr).toContain('The role must be one of admin, lawyer');
    const taken = await createUser('paula.lawyer', 'client', `${password}\n`);
    expect(taken).toMatchObject({ exitCode: 1, stderr: 'writ: This username is already taken.\n' });
    const huge = await createUser('huge.user', 'client', 'x'.repeat(10_000));
    expect(huge).toMatchObject({ exitCode: 1 });
    expect(querySqlite<{ count: number }>(dataDir, 'select count(*) as count from users')[0]?.count).toBe(
      before,
    );
  });

  test('the created user signs in over HTTPS; reset-mfa then removes their second factors, ends their session and mails them', async () => {
    const mailbox = await startMailbox();
    const server = await startWritServer({ dataDir, env: { ...quiet, WRIT_SMTP_URL: mailbox.url } });
    const ca = readServerCertificate(dataDir);
    try {
      const signIn = await requestHttps({
        url: `${server.url}/api/session`,
        ca,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'paula.lawyer', password }),
      });
      expect(signIn.status).toBe(200);
      const session = signIn.json() as { isEnrolmentRequired: boolean; csrfToken: string };
      expect(session.isEnrolmentRequired).toBe(true);
      const headers = { cookie: sessionCookieOf(signIn), 'x-csrf-token': session.csrfToken };

      const enrolment = await requestHttps({
        url: `${server.url}/api/mfa/totp`,
        ca,
        method: 'POST',
        headers,
      });
      expect(enrolment.status).toBe(201);
      const secret =
        new URL((enrolment.json() as { otpauthUri: string }).otpauthUri).searchParams.get('secret') ?? '';
      const code = execFileSync('oathtool', ['--totp', '-b', secret], { encoding: 'utf8' }).trim();
      const confirmed = await requestHttps({
        url: `${server.url}/api/mfa/totp/confirm`,
        ca,
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      expect(confirmed.status).toBe(200);
      const cookie = sessionCookieOf(confirmed);
      expect(querySqlite(dataDir, 'select user_id from totp_credentials')).toHaveLength(1);
      const csrfToken = (confirmed.json() as { session: { csrfToken: string } }).session.csrfToken;
      const email = await requestHttps({
        url: `${server.url}/api/me/email`,
        ca,
        method: 'PUT',
        headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'paula@firm.example' }),
      });
      expect(email.json()).toEqual({ hasEmail: true });

      const reset = await runWrit(['admin', 'reset-mfa', 'Paula.Lawyer', '--data-dir', dataDir], {
        env: quiet,
      });
      expect(reset.stderr).toBe('');
      expect(reset).toMatchObject({ exitCode: 0 });
      expect(reset.stdout).toContain(
        'Removed the second factors of paula.lawyer: 1 authenticator app, 0 passkeys, 10 recovery codes',
      );
      expect(reset.stdout).toContain('0 API tokens and 0 SSH keys revoked');
      expect(querySqlite(dataDir, 'select user_id from totp_credentials')).toEqual([]);
      expect(querySqlite(dataDir, 'select id from recovery_codes')).toEqual([]);
      const after = await requestHttps({ url: `${server.url}/api/session`, ca, headers: { cookie } });
      expect(after.status).toBe(401);
      expect(ledgerEntries(dataDir, 'identity.mfa_reset')).toEqual([
        expect.objectContaining({ actor: { type: 'system' } }),
      ]);
      // The running server's outbox polls every 10 s and mails what the CLI recorded.
      await waitFor(
        () => mailbox.messages.some((message) => message.data.includes('second factors were reset')),
        15_000,
      );
      const subjects = mailbox.messages.map((message) => /^Subject: (.*)\r$/m.exec(message.data)?.[1]);
      expect(subjects).toEqual(
        expect.arrayContaining([
          'Writ: your notification address was changed',
          'Writ: your second factors were reset',
        ]),
      );
      expect(new Set(mailbox.messages.flatMap((message) => message.to))).toEqual(
        new Set(['paula@firm.example']),
      );
      expect(mailbox.messages.map((message) => message.data).join('')).not.toMatch(/#token=|writ_pat_|s1\./);
    } finally {
      expect(await server.stop()).toEqual({ exitCode: 0, signal: null });
      await mailbox.close();
    }
  });

  test('reset-mfa for an unknown user changes nothing and exits 1', async () => {
    const result = await runWrit(['admin', 'reset-mfa', 'nobody', '--data-dir', dataDir], { env: quiet });
    expect(result).toMatchObject({ exitCode: 1, stderr: 'writ: There is no such user.\n' });
  });
});
