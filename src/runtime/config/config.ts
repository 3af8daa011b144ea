import { isAbsolute, resolve } from 'node:path';
import { parseDatabaseUrl } from '../../shared/db/database.js';
import { createError } from '../../shared/errors/errors.js';
import { type ConfigKey, configSchema, ConfigValueError } from './config.schema.js';

type Parsed<K extends ConfigKey> = ReturnType<(typeof configSchema)[K]['parse']>;

export type Config = {
  dataDir: string;
  host: string;
  port: number;
  sftpPort: number;
  publicUrl: string;
  /** Whether WRIT_PUBLIC_URL set `publicUrl`, rather than the listen address. */
  isPublicUrlConfigured: boolean;
  databaseUrl: string;
  databasePasswordFile: string | undefined;
  blobDir: string;
  rootKeyFile: string;
  tls: { certFile: string; keyFile: string; isManaged: boolean };
  behindTlsProxy: boolean;
  /** Undefined unless set: only a loopback listener may default to trusting the local host. */
  trustedProxies: string[] | undefined;
  logLevel: Parsed<'logLevel'>;
  jsonBodyLimitBytes: number;
  rateLimitPerMinute: number;
  setupLinkTtlMinutes: number;
  shutdownTimeoutSeconds: number;
  metricsTokenFile: string | undefined;
  identity: {
    sessionIdleMinutes: number;
    sessionAbsoluteHours: number;
    stepUpMinutes: number;
    mfaRequiredRoles: string[];
    signInMaxFailures: number;
    signInLockoutMinutes: number;
    invitationTtlHours: number;
  };
  mail: {
    smtpUrl: string | undefined;
    smtpUser: string | undefined;
    smtpPasswordFile: string | undefined;
    from: string;
  };
  ledger: {
    /**
     * What this configuration names the ledger. Once the ledger has a checkpoint, its own name wins (see
     * `settleLedgerOrigin`): read the origin for a run from there, not from here.
     */
    origin: string;
    /** Whether WRIT_LEDGER_ORIGIN set `origin`, rather than the public URL. */
    isOriginConfigured: boolean;
    checkpointSeconds: number;
    verifyMinutes: number;
    witnesses: string[];
  };
  documents: { maxUploadBytes: number; matterQuotaBytes: number | undefined; abandonedUploadMinutes: number };
  blobs:
    | { kind: 'fs' }
    | {
        kind: 's3';
        bucket: string;
        region: string;
        endpoint: string | undefined;
        prefix: string | undefined;
        accessKeyId: string | undefined;
        secretAccessKeyFile: string | undefined;
      };
};

export type ConfigSource = 'flag' | 'environment' | 'default';

export type RawConfig = {
  values: Partial<Record<ConfigKey, string>>;
  sources: Partial<Record<ConfigKey, ConfigSource>>;
};

/** The only reader of `process.env`. Command-line flags win over the environment. */
export function readEnv({
  env = process.env,
  flags = {},
}: { env?: NodeJS.ProcessEnv; flags?: Partial<Record<ConfigKey, string | undefined>> } = {}): RawConfig {
  const raw: RawConfig = { values: {}, sources: {} };
  for (const key of Object.keys(configSchema) as ConfigKey[]) {
    const flag = flags[key];
    const fromEnv = env[configSchema[key].env];
    if (flag !== undefined) {
      raw.values[key] = flag;
      raw.sources[key] = 'flag';
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw.values[key] = fromEnv;
      raw.sources[key] = 'environment';
    }
  }
  return raw;
}

export const createConfigInvalidError = (problems: string[]) =>
  createError({
    code: 'config.invalid',
    status: 500,
    message: `Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    details: { problems },
  });

type Reader = <K extends ConfigKey>(key: K) => Parsed<K> | undefined;

function readBlobStoreConfig({
  read,
  problems,
  cwd,
}: {
  read: Reader;
  problems: string[];
  cwd: string;
}): Config['blobs'] {
  if ((read('blobStore') ?? 'fs') === 'fs') return { kind: 'fs' };
  const bucket = read('s3Bucket');
  if (bucket === undefined) problems.push('WRIT_S3_BUCKET: required with WRIT_BLOB_STORE=s3');
  const accessKeyId = read('s3AccessKeyId');
  const secretAccessKeyFile = read('s3SecretAccessKeyFile');
  if ((accessKeyId === undefined) !== (secretAccessKeyFile === undefined)) {
    problems.push('WRIT_S3_ACCESS_KEY_ID and WRIT_S3_SECRET_ACCESS_KEY_FILE: set both, or neither');
  }
  return {
    kind: 's3',
    bucket: bucket ?? '',
    region: read('s3Region') ?? 'us-east-1',
    endpoint: read('s3Endpoint'),
    prefix: read('s3Prefix'),
    accessKeyId,
    secretAccessKeyFile: secretAccessKeyFile === undefined ? undefined : resolve(cwd, secretAccessKeyFile),
  };
}

/**
 * A listener reachable from other machines whose links still say localhost: invitations, the setup link and
 * passkeys would point nowhere for anyone else, and fixing it later renames what is bound to the name.
 */
export function publicUrlWarning(
  config: Pick<Config, 'host' | 'publicUrl' | 'isPublicUrlConfigured'>,
): string | undefined {
  if (config.isPublicUrlConfigured || isLoopback(config.host)) return undefined;
  return `Writ listens on ${config.host}, but its links and passkeys name ${config.publicUrl}, which other machines cannot reach. Set WRIT_PUBLIC_URL to the https:// address people use, before anyone enrols a passkey.`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function defaultPublicUrl(host: string, port: number): string {
  const name = isLoopback(host) || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const bracketed = name.includes(':') ? `[${name}]` : name;
  return port === 443 ? `https://${bracketed}` : `https://${bracketed}:${port}`;
}

/** Adds defaults, validates every key and reports all problems at once, each with its variable's name. */
export function envToConfig(raw: RawConfig, { cwd = process.cwd() }: { cwd?: string } = {}): Config {
  const problems: string[] = [];
  function read<K extends ConfigKey>(key: K): Parsed<K> | undefined {
    const value = raw.values[key];
    if (value === undefined) return undefined;
    try {
      return configSchema[key].parse(value) as Parsed<K>;
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      problems.push(`${configSchema[key].env}: ${error.message}`);
      return undefined;
    }
  }

  const dataDir = resolve(cwd, read('dataDir') ?? './writ-data');
  const inDataDir = (path: string) => (isAbsolute(path) ? path : resolve(dataDir, path));
  const host = read('host') ?? '127.0.0.1';
  const port = read('port') ?? 8443;
  const certFile = read('tlsCertFile');
  const keyFile = read('tlsKeyFile');
  if ((certFile === undefined) !== (keyFile === undefined)) {
    problems.push(
      'WRIT_TLS_CERT_FILE and WRIT_TLS_KEY_FILE: set both, or neither for a self-signed certificate',
    );
  }
  const behindTlsProxy = read('behindTlsProxy') ?? false;
  if (!behindTlsProxy && raw.values.trustedProxies !== undefined) {
    problems.push('WRIT_TRUSTED_PROXIES: only meaningful with WRIT_BEHIND_TLS_PROXY=true');
  }
  const databaseUrl = read('databaseUrl') ?? 'sqlite:writ.db';
  try {
    parseDatabaseUrl({ url: databaseUrl, baseDir: dataDir });
  } catch (error) {
    problems.push(`WRIT_DATABASE_URL: ${(error as Error).message}`);
  }
  const databasePasswordFile = read('databasePasswordFile');
  const metricsTokenFile = read('metricsTokenFile');
  const smtpPasswordFile = read('smtpPasswordFile');
  const publicUrl = read('publicUrl') ?? defaultPublicUrl(host, port);
  const blobs = readBlobStoreConfig({ read, problems, cwd });
  const matterQuotaBytes = read('matterQuotaBytes') ?? 0;

  const config: Config = {
    dataDir,
    host,
    port,
    sftpPort: read('sftpPort') ?? 2222,
    publicUrl,
    isPublicUrlConfigured: raw.values.publicUrl !== undefined,
    databaseUrl,
    databasePasswordFile: databasePasswordFile === undefined ? undefined : resolve(cwd, databasePasswordFile),
    blobDir: inDataDir(read('blobDir') ?? 'blobs'),
    rootKeyFile: inDataDir(read('rootKeyFile') ?? 'keys/root.key'),
    tls: {
      certFile: inDataDir(certFile ?? 'tls/cert.pem'),
      keyFile: inDataDir(keyFile ?? 'tls/key.pem'),
      isManaged: certFile === undefined && keyFile === undefined,
    },
    behindTlsProxy,
    trustedProxies: read('trustedProxies'),
    logLevel: read('logLevel') ?? 'info',
    jsonBodyLimitBytes: read('jsonBodyLimitBytes') ?? 1024 * 1024,
    rateLimitPerMinute: read('rateLimitPerMinute') ?? 600,
    setupLinkTtlMinutes: read('setupLinkTtlMinutes') ?? 60,
    shutdownTimeoutSeconds: read('shutdownTimeoutSeconds') ?? 30,
    metricsTokenFile: metricsTokenFile === undefined ? undefined : resolve(cwd, metricsTokenFile),
    identity: {
      sessionIdleMinutes: read('sessionIdleMinutes') ?? 30,
      sessionAbsoluteHours: read('sessionAbsoluteHours') ?? 12,
      stepUpMinutes: read('stepUpMinutes') ?? 10,
      mfaRequiredRoles: read('mfaRequiredRoles') ?? [
        'admin',
        'lawyer',
        'assistant',
        'process_server',
        'auditor',
      ],
      signInMaxFailures: read('signInMaxFailures') ?? 5,
      signInLockoutMinutes: read('signInLockoutMinutes') ?? 15,
      invitationTtlHours: read('invitationTtlHours') ?? 72,
    },
    mail: {
      smtpUrl: read('smtpUrl'),
      smtpUser: read('smtpUser'),
      smtpPasswordFile: smtpPasswordFile === undefined ? undefined : resolve(cwd, smtpPasswordFile),
      from: read('mailFrom') ?? 'writ@localhost',
    },
    ledger: {
      origin: read('ledgerOrigin') ?? `${new URL(publicUrl).host}/ledger`,
      isOriginConfigured: raw.values.ledgerOrigin !== undefined,
      checkpointSeconds: read('ledgerCheckpointSeconds') ?? 10,
      verifyMinutes: read('ledgerVerifyMinutes') ?? 60,
      witnesses: read('ledgerWitnesses') ?? [],
    },
    documents: {
      maxUploadBytes: read('maxUploadBytes') ?? 5 * 1024 ** 3,
      matterQuotaBytes: matterQuotaBytes === 0 ? undefined : matterQuotaBytes,
      abandonedUploadMinutes: read('abandonedUploadMinutes') ?? 24 * 60,
    },
    blobs,
  };

  if (problems.length > 0) throw createConfigInvalidError(problems);
  return config;
}

/** Refusals that depend on several keys together: settings that would expose people's documents. */
export function findUnsafeSettings(config: Config): string[] {
  const unsafe: string[] = [];
  if (config.behindTlsProxy && !isLoopback(config.host) && config.trustedProxies === undefined) {
    unsafe.push(
      `Plain HTTP on ${config.host} would accept passwords and documents unencrypted from anyone on the network. ` +
        'Name the TLS-terminating proxy that may connect with WRIT_TRUSTED_PROXIES (its address or CIDR range), ' +
        'listen on a loopback address (WRIT_HOST=127.0.0.1), or unset WRIT_BEHIND_TLS_PROXY to serve HTTPS directly.',
    );
  }
  return unsafe;
}

/** The proxies a plain-HTTP listener accepts connections from. */
export function effectiveTrustedProxies(config: Pick<Config, 'trustedProxies'>): string[] {
  return config.trustedProxies ?? ['127.0.0.1', '::1'];
}

/** Effective configuration as `VAR=value` lines; secret files are named, their content never read. */
export function formatConfig(config: Config, raw: RawConfig): string {
  const shown: Record<ConfigKey, string | undefined> = {
    dataDir: config.dataDir,
    host: config.host,
    port: String(config.port),
    sftpPort: String(config.sftpPort),
    publicUrl: config.publicUrl,
    databaseUrl: config.databaseUrl,
    databasePasswordFile: config.databasePasswordFile,
    blobDir: config.blobDir,
    rootKeyFile: config.rootKeyFile,
    tlsCertFile: config.tls.certFile,
    tlsKeyFile: config.tls.keyFile,
    behindTlsProxy: String(config.behindTlsProxy),
    trustedProxies: effectiveTrustedProxies(config).join(','),
    logLevel: config.logLevel,
    jsonBodyLimitBytes: String(config.jsonBodyLimitBytes),
    rateLimitPerMinute: String(config.rateLimitPerMinute),
    setupLinkTtlMinutes: String(config.setupLinkTtlMinutes),
    shutdownTimeoutSeconds: String(config.shutdownTimeoutSeconds),
    metricsTokenFile: config.metricsTokenFile,
    sessionIdleMinutes: String(config.identity.sessionIdleMinutes),
    sessionAbsoluteHours: String(config.identity.sessionAbsoluteHours),
    stepUpMinutes: String(config.identity.stepUpMinutes),
    mfaRequiredRoles: config.identity.mfaRequiredRoles.join(','),
    signInMaxFailures: String(config.identity.signInMaxFailures),
    signInLockoutMinutes: String(config.identity.signInLockoutMinutes),
    invitationTtlHours: String(config.identity.invitationTtlHours),
    smtpUrl: config.mail.smtpUrl,
    smtpUser: config.mail.smtpUser,
    smtpPasswordFile: config.mail.smtpPasswordFile,
    mailFrom: config.mail.from,
    ledgerOrigin: config.ledger.origin,
    ledgerCheckpointSeconds: String(config.ledger.checkpointSeconds),
    ledgerVerifyMinutes: String(config.ledger.verifyMinutes),
    ledgerWitnesses: config.ledger.witnesses.join(','),
    maxUploadBytes: String(config.documents.maxUploadBytes),
    matterQuotaBytes: String(config.documents.matterQuotaBytes ?? 0),
    abandonedUploadMinutes: String(config.documents.abandonedUploadMinutes),
    blobStore: config.blobs.kind,
    s3Bucket: config.blobs.kind === 's3' ? config.blobs.bucket : undefined,
    s3Region: config.blobs.kind === 's3' ? config.blobs.region : undefined,
    s3Endpoint: config.blobs.kind === 's3' ? config.blobs.endpoint : undefined,
    s3Prefix: config.blobs.kind === 's3' ? config.blobs.prefix : undefined,
    s3AccessKeyId: config.blobs.kind === 's3' ? config.blobs.accessKeyId : undefined,
    s3SecretAccessKeyFile: config.blobs.kind === 's3' ? config.blobs.secretAccessKeyFile : undefined,
  };
  return (Object.keys(configSchema) as ConfigKey[])
    .map((key) => {
      const entry: { env: string; isSecretFile?: boolean } = configSchema[key];
      const value = shown[key] ?? '';
      const notes = [
        raw.sources[key] ?? 'default',
        ...(entry.isSecretFile === true ? ['secret file: content not shown'] : []),
      ];
      return `${entry.env}=${value}  # ${notes.join('; ')}`;
    })
    .join('\n');
}
