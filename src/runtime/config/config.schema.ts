import { isIP } from 'node:net';
import { parseCosignerKey } from '../../modules/ledger/ledger.cosignatures.js';
import { isValidKeyName } from '../../modules/ledger/ledger.note-keys.js';

/**
 * The one schema of Writ's configuration: every key with its environment variable, default, validation and doc.
 * `docs/configuration.md` is generated from it (`npm run docs:config`); a test fails when the two differ.
 * @NOTE Environment variable names are public: renaming one breaks every installation that sets it.
 */
type Parse<T> = (raw: string) => T;

export type ConfigEntry<T> = {
  env: string;
  doc: string;
  /** Text shown in the docs for the default; `undefined` means the key has no default and may stay unset. */
  defaultDoc: string;
  parse: Parse<T>;
  isSecretFile?: boolean;
};

export class ConfigValueError extends Error {
  override name = 'ConfigValueError';
}

function integer({ min, max }: { min: number; max: number }): Parse<number> {
  return (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigValueError(`"${raw}" is not a whole number`);
    const value = Number(raw.trim());
    if (value < min || value > max) throw new ConfigValueError(`${value} is outside ${min}–${max}`);
    return value;
  };
}

const boolean: Parse<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ConfigValueError(`"${raw}" is not true or false`);
};

const text: Parse<string> = (raw) => {
  if (raw.trim() === '') throw new ConfigValueError('must not be empty');
  if (/[\0\r\n]/.test(raw)) throw new ConfigValueError('must not contain control characters');
  return raw.trim();
};

function oneOf<const T extends string>(values: readonly T[]): Parse<T> {
  return (raw) => {
    const value = raw.trim().toLowerCase();
    if (!(values as readonly string[]).includes(value)) {
      throw new ConfigValueError(`"${raw}" is not one of ${values.join(', ')}`);
    }
    return value as T;
  };
}

const smtpUrl: Parse<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigValueError(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigValueError('must start with smtp:// or smtps://');
  if (url.username !== '' || url.password !== '') {
    throw new ConfigValueError(
      'must not contain credentials: use WRIT_SMTP_USER and WRIT_SMTP_PASSWORD_FILE',
    );
  }
  return url.toString();
};

const roleNames = ['admin', 'lawyer', 'assistant', 'process_server', 'client', 'auditor'];

const roleList: Parse<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    if (!roleNames.includes(item))
      throw new ConfigValueError(`"${item}" is not one of ${roleNames.join(', ')}`);
  }
  return items;
};

const hostPattern =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?)*$/;

const host: Parse<string> = (raw) => {
  const value = raw.trim();
  if (isIP(value) !== 0 || hostPattern.test(value)) return value;
  throw new ConfigValueError(`"${raw}" is not an IP address or host name`);
};

const httpsUrl: Parse<string> = (raw) => {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConfigValueError(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new ConfigValueError('must start with https://');
  if (url.username !== '' || url.password !== '') throw new ConfigValueError('must not contain credentials');
  return url.origin + url.pathname.replace(/\/+$/, '');
};

const addressList: Parse<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    const [address, prefix, extra] = item.split('/');
    const family = address === undefined ? 0 : isIP(address);
    // The prefix fits the family: /33 on IPv4 would otherwise pass here and crash the matcher at start.
    const isPrefixValid =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
    if (family === 0 || !isPrefixValid || extra !== undefined) {
      throw new ConfigValueError(`"${item}" is not an IP address or CIDR range`);
    }
  }
  return items;
};

const ledgerOrigin: Parse<string> = (raw) => {
  const value = text(raw);
  if (!isValidKeyName(value))
    throw new ConfigValueError('must not contain spaces, "+" or control characters');
  return value;
};

const cosignerKeyList: Parse<string[]> = (raw) => {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    try {
      parseCosignerKey(item);
    } catch {
      throw new ConfigValueError(
        `"${item}" is not an Ed25519 cosigner key <name>+<key id>+<base64(0x04 ‖ key)>`,
      );
    }
  }
  return items;
};

export const configSchema = {
  dataDir: {
    env: 'WRIT_DATA_DIR',
    doc: 'Directory holding the embedded database, blobs, keys and TLS certificate. Created with mode 0700 on first start; must be owned by the user running Writ.',
    defaultDoc: '`./writ-data`',
    parse: text,
  },
  host: {
    env: 'WRIT_HOST',
    doc: 'Address the HTTPS and SFTP servers listen on (`0.0.0.0` for every interface).',
    defaultDoc: '`127.0.0.1`',
    parse: host,
  },
  port: {
    env: 'WRIT_PORT',
    doc: 'TCP port of the HTTPS server (0 picks a free port).',
    defaultDoc: '`8443`',
    parse: integer({ min: 0, max: 65535 }),
  },
  sftpPort: {
    env: 'WRIT_SFTP_PORT',
    doc: 'TCP port reserved for the SFTP server.',
    defaultDoc: '`2222`',
    parse: integer({ min: 0, max: 65535 }),
  },
  publicUrl: {
    env: 'WRIT_PUBLIC_URL',
    doc: 'The https:// address people use to reach Writ; used in printed and mailed links. Set it when Writ runs behind a proxy or a different host name.',
    defaultDoc: '`https://<host>:<port>` (`localhost` for a loopback host)',
    parse: httpsUrl,
  },
  databaseUrl: {
    env: 'WRIT_DATABASE_URL',
    doc: 'Database: `sqlite:<file>` (relative to the data directory) or `postgres://user@host:port/database`. A password does not belong here: use `WRIT_DATABASE_PASSWORD_FILE`.',
    defaultDoc: '`sqlite:writ.db` in the data directory',
    parse: text,
  },
  databasePasswordFile: {
    env: 'WRIT_DATABASE_PASSWORD_FILE',
    doc: 'File holding the PostgreSQL password (secret; its content is never printed or logged).',
    defaultDoc: 'none',
    parse: text,
    isSecretFile: true,
  },
  blobDir: {
    env: 'WRIT_BLOB_DIR',
    doc: 'Directory of encrypted document blobs when stored on the local file system.',
    defaultDoc: '`blobs/` in the data directory',
    parse: text,
  },
  rootKeyFile: {
    env: 'WRIT_ROOT_KEY_FILE',
    doc: 'File holding the root key that wraps every matter key (secret; must be readable by its owner only, mode 0600). Created on first start when missing. Losing it loses every document: back it up apart from the data.',
    defaultDoc: '`keys/root.key` in the data directory',
    parse: text,
    isSecretFile: true,
  },
  tlsCertFile: {
    env: 'WRIT_TLS_CERT_FILE',
    doc: 'PEM certificate chain for HTTPS. When neither it nor the key file is set, Writ creates and renews a self-signed certificate in the data directory.',
    defaultDoc: '`tls/cert.pem` in the data directory (self-signed)',
    parse: text,
  },
  tlsKeyFile: {
    env: 'WRIT_TLS_KEY_FILE',
    doc: 'PEM private key for HTTPS (secret; mode 0600).',
    defaultDoc: '`tls/key.pem` in the data directory (self-signed)',
    parse: text,
    isSecretFile: true,
  },
  behindTlsProxy: {
    env: 'WRIT_BEHIND_TLS_PROXY',
    doc: 'Serve plain HTTP because a reverse proxy terminates TLS in front of Writ. Only the proxies of `WRIT_TRUSTED_PROXIES` may connect, and client addresses are taken from the `X-Forwarded-For` they send. Without this setting Writ serves HTTPS only.',
    defaultDoc: '`false`',
    parse: boolean,
  },
  trustedProxies: {
    env: 'WRIT_TRUSTED_PROXIES',
    doc: 'Comma-separated addresses or CIDR ranges of the reverse proxies allowed to connect and to set `X-Forwarded-*` headers (only with `WRIT_BEHIND_TLS_PROXY`). Required when Writ listens on a non-loopback address behind a proxy.',
    defaultDoc: '`127.0.0.1,::1` (loopback hosts only)',
    parse: addressList,
  },
  logLevel: {
    env: 'WRIT_LOG_LEVEL',
    doc: 'Minimum level of operator logs (JSON lines on standard output).',
    defaultDoc: '`info`',
    parse: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
  },
  jsonBodyLimitBytes: {
    env: 'WRIT_JSON_BODY_LIMIT_BYTES',
    doc: 'Largest JSON request body accepted; larger ones get 413. Document uploads have their own limit.',
    defaultDoc: '`1048576` (1 MiB)',
    parse: integer({ min: 1024, max: 64 * 1024 * 1024 }),
  },
  rateLimitPerMinute: {
    env: 'WRIT_RATE_LIMIT_PER_MINUTE',
    doc: 'Requests per minute one client address may make to the HTTP API before getting 429.',
    defaultDoc: '`600`',
    parse: integer({ min: 1, max: 1_000_000 }),
  },
  setupLinkTtlMinutes: {
    env: 'WRIT_SETUP_LINK_TTL_MINUTES',
    doc: 'How long the one-time link that creates the first administrator stays valid.',
    defaultDoc: '`60`',
    parse: integer({ min: 1, max: 7 * 24 * 60 }),
  },
  shutdownTimeoutSeconds: {
    env: 'WRIT_SHUTDOWN_TIMEOUT_SECONDS',
    doc: 'How long a stopping server waits for requests in flight before closing their connections.',
    defaultDoc: '`30`',
    parse: integer({ min: 1, max: 3600 }),
  },
  sessionIdleMinutes: {
    env: 'WRIT_SESSION_IDLE_MINUTES',
    doc: 'A session unused for this long ends; the user signs in again.',
    defaultDoc: '`30`',
    parse: integer({ min: 1, max: 24 * 60 }),
  },
  sessionAbsoluteHours: {
    env: 'WRIT_SESSION_ABSOLUTE_HOURS',
    doc: 'A session ends this long after sign-in, however active.',
    defaultDoc: '`12`',
    parse: integer({ min: 1, max: 30 * 24 }),
  },
  stepUpMinutes: {
    env: 'WRIT_STEP_UP_MINUTES',
    doc: 'Sensitive actions need a second factor proved within this many minutes.',
    defaultDoc: '`10`',
    parse: integer({ min: 1, max: 24 * 60 }),
  },
  mfaRequiredRoles: {
    env: 'WRIT_MFA_REQUIRED_ROLES',
    doc: 'Comma-separated roles that must enrol a second factor before reaching any content.',
    defaultDoc: '`admin,lawyer,assistant,process_server,auditor`',
    parse: roleList,
  },
  signInMaxFailures: {
    env: 'WRIT_SIGN_IN_MAX_FAILURES',
    doc: 'Failed sign-ins for one account or one client address before each further attempt waits (doubling up to the lockout).',
    defaultDoc: '`5`',
    parse: integer({ min: 1, max: 100 }),
  },
  signInLockoutMinutes: {
    env: 'WRIT_SIGN_IN_LOCKOUT_MINUTES',
    doc: 'The longest wait the sign-in backoff imposes, and how long a locked account stays locked.',
    defaultDoc: '`15`',
    parse: integer({ min: 1, max: 24 * 60 }),
  },
  invitationTtlHours: {
    env: 'WRIT_INVITATION_TTL_HOURS',
    doc: 'How long an invitation or password-reset link stays valid.',
    defaultDoc: '`72`',
    parse: integer({ min: 1, max: 30 * 24 }),
  },
  smtpUrl: {
    env: 'WRIT_SMTP_URL',
    doc: 'SMTP server for notification mail, `smtp://host:port` or `smtps://host:port` (credentials in `WRIT_SMTP_PASSWORD_FILE`). Without it notifications are only shown in Writ.',
    defaultDoc: 'none',
    parse: smtpUrl,
  },
  smtpUser: {
    env: 'WRIT_SMTP_USER',
    doc: 'User name for the SMTP server.',
    defaultDoc: 'none',
    parse: text,
  },
  smtpPasswordFile: {
    env: 'WRIT_SMTP_PASSWORD_FILE',
    doc: 'File holding the SMTP password (secret).',
    defaultDoc: 'none',
    parse: text,
    isSecretFile: true,
  },
  mailFrom: {
    env: 'WRIT_MAIL_FROM',
    doc: 'Sender address of notification mail.',
    defaultDoc: '`writ@localhost`',
    parse: text,
  },
  metricsTokenFile: {
    env: 'WRIT_METRICS_TOKEN_FILE',
    doc: 'File holding a bearer token that lets a Prometheus scraper read `/metrics` from any address (secret). Without it `/metrics` answers loopback clients only.',
    defaultDoc: 'none',
    parse: text,
    isSecretFile: true,
  },
  ledgerOrigin: {
    env: 'WRIT_LEDGER_ORIGIN',
    doc: 'Name of the ledger in its signed checkpoints and of its signing key (c2sp.org/tlog-checkpoint origin). Published in every checkpoint and verifier key, so it is fixed by the first checkpoint: a later WRIT_PUBLIC_URL or port does not rename the ledger, and a different value set here afterwards stops Writ with an error.',
    defaultDoc: '`<host of WRIT_PUBLIC_URL>/ledger`',
    parse: ledgerOrigin,
  },
  ledgerCheckpointSeconds: {
    env: 'WRIT_LEDGER_CHECKPOINT_SECONDS',
    doc: 'While the ledger grows, a new signed checkpoint is published at least this often.',
    defaultDoc: '`10`',
    parse: integer({ min: 1, max: 24 * 60 * 60 }),
  },
  ledgerWitnesses: {
    env: 'WRIT_LEDGER_WITNESSES',
    doc: 'Comma-separated verifier keys (`<name>+<key id>+<base64>`, c2sp.org/tlog-cosignature Ed25519, type 0x04) of the witnesses whose cosignatures `POST /ledger/cosignature` accepts and serves with the checkpoint.',
    defaultDoc: 'none',
    parse: cosignerKeyList,
  },
  ledgerVerifyMinutes: {
    env: 'WRIT_LEDGER_VERIFY_MINUTES',
    doc: 'The server verifies the whole ledger at start and then this often, logging `ledger verification failed` at error level on a mismatch.',
    defaultDoc: '`60`',
    parse: integer({ min: 1, max: 7 * 24 * 60 }),
  },
  maxUploadBytes: {
    env: 'WRIT_MAX_UPLOAD_BYTES',
    doc: 'Largest document accepted in one upload, in bytes; a larger upload is cut off with 413 and nothing is stored.',
    defaultDoc: '`5368709120` (5 GiB)',
    parse: integer({ min: 1, max: 1024 ** 4 }),
  },
  matterQuotaBytes: {
    env: 'WRIT_MATTER_QUOTA_BYTES',
    doc: 'Storage quota of each new matter, in bytes of documents (all versions, trash included); `0` for no quota.',
    defaultDoc: '`0` (no quota)',
    parse: integer({ min: 0, max: 1024 ** 5 }),
  },
  abandonedUploadMinutes: {
    env: 'WRIT_ABANDONED_UPLOAD_MINUTES',
    doc: 'An upload still unfinished after this long is abandoned and its partial blob removed. With SQLite (one server) every unfinished upload is also removed at start.',
    defaultDoc: '`1440` (24 hours)',
    parse: integer({ min: 5, max: 30 * 24 * 60 }),
  },
  blobStore: {
    env: 'WRIT_BLOB_STORE',
    doc: 'Where encrypted document blobs are kept: `fs` (the local directory `WRIT_BLOB_DIR`) or `s3` (an S3-compatible bucket, for several servers).',
    defaultDoc: '`fs`',
    parse: oneOf(['fs', 's3'] as const),
  },
  s3Bucket: {
    env: 'WRIT_S3_BUCKET',
    doc: 'Bucket of the blobs with `WRIT_BLOB_STORE=s3` (required then).',
    defaultDoc: 'none',
    parse: text,
  },
  s3Region: {
    env: 'WRIT_S3_REGION',
    doc: 'Region of the bucket.',
    defaultDoc: '`us-east-1`',
    parse: text,
  },
  s3Endpoint: {
    env: 'WRIT_S3_ENDPOINT',
    doc: 'Endpoint of an S3-compatible service (MinIO, Ceph, …); unset for AWS. Path-style addressing is used when set.',
    defaultDoc: 'none (AWS)',
    parse: text,
  },
  s3Prefix: {
    env: 'WRIT_S3_PREFIX',
    doc: "Key prefix of Writ's blobs in the bucket, e.g. `writ/`.",
    defaultDoc: 'none',
    parse: text,
  },
  s3AccessKeyId: {
    env: 'WRIT_S3_ACCESS_KEY_ID',
    doc: "Access key id for the bucket; unset to use the AWS SDK's default credentials (instance role, environment).",
    defaultDoc: 'none',
    parse: text,
  },
  s3SecretAccessKeyFile: {
    env: 'WRIT_S3_SECRET_ACCESS_KEY_FILE',
    doc: 'File holding the secret access key (secret; mode 0600). Required with `WRIT_S3_ACCESS_KEY_ID`.',
    defaultDoc: 'none',
    parse: text,
    isSecretFile: true,
  },
} satisfies Record<string, ConfigEntry<unknown>>;

export type ConfigKey = keyof typeof configSchema;
