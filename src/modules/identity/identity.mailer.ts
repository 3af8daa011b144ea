import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

/** Sends one plain-text message. Mail delivery is the one collaborator tests may fake. */
export type Mailer = {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
};

export type SmtpMailerOptions = {
  /** `smtp://host:port` (STARTTLS) or `smtps://host:port` (TLS from the start); no credentials in it. */
  url: string;
  user: string | undefined;
  password: string | undefined;
  from: string;
  /** Extra trusted CA certificates (PEM), for a relay with a private certificate. */
  ca?: string | undefined;
};

/**
 * Whether an smtp:// relay may be reached without STARTTLS: only one on this machine (a local MTA often
 * has no certificate, and nothing crosses the network). smtps:// is always encrypted.
 */
export function isPlaintextSmtpAllowed(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'smtp:') return false;
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Mail through an SMTP relay with nodemailer. Except to a relay on this machine, the connection must be
 * encrypted (STARTTLS is required on smtp://) and the relay's certificate must verify, so that neither the
 * password nor the messages cross the network in clear.
 * @NOTE nodemailer's own logging stays off: it would print addresses and message contents.
 */
export function createSmtpMailer({ url, user, password, from, ca }: SmtpMailerOptions): Mailer & {
  close(): void;
} {
  const parsed = new URL(url);
  const isImplicitTls = parsed.protocol === 'smtps:';
  const options: SMTPTransport.Options = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? (isImplicitTls ? 465 : 587) : Number(parsed.port),
    secure: isImplicitTls,
    requireTLS: !isImplicitTls && !isPlaintextSmtpAllowed(url),
    tls: { minVersion: 'TLSv1.2', rejectUnauthorized: true, ...(ca === undefined ? {} : { ca }) },
    ...(user === undefined ? {} : { auth: { user, pass: password ?? '' } }),
    logger: false,
    debug: false,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  // nodemailer is loaded with the first message: a server whose outbox stays empty never pays its memory.
  let transport: Promise<Transporter> | undefined;
  const openTransport = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) => createTransport(options)));
  return {
    async send({ to, subject, text }) {
      await (
        await openTransport()
      ).sendMail({ from, to, subject, text, disableFileAccess: true, disableUrlAccess: true });
    },
    close: () => {
      void transport?.then((opened) => {
        opened.close();
      });
    },
  };
}
