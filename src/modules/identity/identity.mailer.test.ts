import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createSmtpMailer, isPlaintextSmtpAllowed } from './identity.mailer.js';

type Received = { from: string; to: string[]; data: string; user: string | undefined; isSecure: boolean };

const smtpUser = 'writ-relay';
const smtpPassword = 'relay-password-that-must-stay-in-auth';

/** A real SMTP server (the smtp-server package) on loopback, recording what it accepts. */
async function startRelay(options: Partial<SMTPServerOptions>) {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: true,
    onAuth: (auth, _session, callback) => {
      if (auth.username === smtpUser && auth.password === smtpPassword)
        callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData: (stream, session, callback) => {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (data += chunk));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((recipient) => recipient.address),
          data,
          user: typeof session.user === 'string' ? session.user : undefined,
          isSecure: session.secure,
        });
        callback();
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

describe('SMTP mail delivery (nodemailer) against a local SMTP server', () => {
  let dir = '';
  let cert = '';
  let key = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'writ-smtp-'));
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' }); // prettier-ignore
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const message = {
    to: 'ada@firm.example',
    subject: 'Writ: sign-in from a new device',
    text: 'Your account was signed in from a device not seen before (Firefox on Linux).\n',
  };

  test('a loopback relay receives the message for the right recipient, authenticated, with no secret in it', async () => {
    const relay = await startRelay({ disabledCommands: ['STARTTLS'] });
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${relay.port}`,
      user: smtpUser,
      password: smtpPassword,
      from: 'writ@firm.example',
    });
    try {
      await mailer.send(message);
    } finally {
      mailer.close();
      await relay.close();
    }
    expect(relay.received).toHaveLength(1);
    const [mail] = relay.received;
    expect(mail).toMatchObject({ from: 'writ@firm.example', to: ['ada@firm.example'], user: smtpUser });
    expect(mail?.data).toMatch(/^Subject: Writ: sign-in from a new device\r$/m);
    expect(mail?.data).toMatch(/^To: ada@firm\.example\r$/m);
    expect(mail?.data).toContain('Firefox on Linux');
    expect(mail?.data).not.toContain(smtpPassword);
    expect(mail?.data).not.toMatch(/^(Bcc|Cc):/im);
  });

  test('a relay offering STARTTLS is used encrypted, and one whose certificate does not verify gets nothing', async () => {
    const relay = await startRelay({ key, cert });
    const trusting = createSmtpMailer({
      url: `smtp://127.0.0.1:${relay.port}`,
      user: smtpUser,
      password: smtpPassword,
      from: 'writ@firm.example',
      ca: cert,
    });
    const untrusting = createSmtpMailer({
      url: `smtp://127.0.0.1:${relay.port}`,
      user: smtpUser,
      password: smtpPassword,
      from: 'writ@firm.example',
    });
    try {
      await trusting.send(message);
      await expect(untrusting.send(message)).rejects.toThrow(/self[- ]signed|certificate/i);
    } finally {
      trusting.close();
      untrusting.close();
      await relay.close();
    }
    expect(relay.received.map((mail) => mail.isSecure)).toEqual([true]);
  });

  test('wrong credentials are refused by the relay and reported as a failure', async () => {
    const relay = await startRelay({ disabledCommands: ['STARTTLS'] });
    const mailer = createSmtpMailer({
      url: `smtp://127.0.0.1:${relay.port}`,
      user: smtpUser,
      password: 'wrong',
      from: 'writ@firm.example',
    });
    try {
      await expect(mailer.send(message)).rejects.toMatchObject({ code: 'EAUTH' });
    } finally {
      mailer.close();
      await relay.close();
    }
    expect(relay.received).toEqual([]);
  });

  test('plain SMTP is allowed only to a relay on this machine', () => {
    expect(isPlaintextSmtpAllowed('smtp://127.0.0.1:25')).toBe(true);
    expect(isPlaintextSmtpAllowed('smtp://localhost:25')).toBe(true);
    expect(isPlaintextSmtpAllowed('smtp://[::1]:25')).toBe(true);
    expect(isPlaintextSmtpAllowed('smtp://mail.firm.example:587')).toBe(false);
    expect(isPlaintextSmtpAllowed('smtp://10.0.0.5:25')).toBe(false);
    expect(isPlaintextSmtpAllowed('smtp://127.0.0.1.evil.example:25')).toBe(false);
    expect(isPlaintextSmtpAllowed('smtps://mail.firm.example')).toBe(false);
  });
});
