import { readFileSync } from 'node:fs';
import type { RootKeyring } from '../../modules/vault/vault.keys.models.js';
import { loadRootKeyring } from '../../modules/vault/vault.root-keyring.js';
import { createError } from '../../shared/errors/errors.js';
import { checkSecretFile, describeProblem } from '../install/file-safety.js';
import type { Config } from './config.js';

/**
 * Secrets live in files, apart from the configuration, and are handed only to what needs them.
 * @NOTE Never log or print a value of this type.
 */
export type Secrets = {
  /** The root key file's key, and while `writ keys rotate-root` is unfinished the next one (current). */
  rootKeyring: RootKeyring;
  /** `root.key.next` exists: a root key rotation was started and not finished. */
  isRootKeyRotationPending: boolean;
  tls: { key: string; cert: string } | undefined;
  databasePassword: string | undefined;
  metricsToken: string | undefined;
  smtpPassword: string | undefined;
  s3SecretAccessKey: string | undefined;
};

export const createSecretFileUnsafeError = (message: string) =>
  createError({ code: 'config.secret_file_unsafe', status: 500, message });

function readSecretFile({ path, setting }: { path: string; setting: string }): string {
  let problem;
  try {
    problem = checkSecretFile(path);
  } catch (cause) {
    throw createError({
      code: 'config.secret_file_missing',
      status: 500,
      message: `${setting}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? 'error'}).`,
      cause,
    });
  }
  if (problem !== undefined) throw createSecretFileUnsafeError(`${setting}: ${describeProblem(problem)}`);
  return readFileSync(path, 'utf8');
}

export function readDatabasePassword(config: Pick<Config, 'databasePasswordFile'>): string | undefined {
  return config.databasePasswordFile === undefined
    ? undefined
    : readSecretFile({ path: config.databasePasswordFile, setting: 'WRIT_DATABASE_PASSWORD_FILE' }).trim();
}

/** The root keyring from `root.key` (and `root.key.next`), refusing key files other users could read. */
export function readRootKeyring(config: Pick<Config, 'rootKeyFile'>): ReturnType<typeof loadRootKeyring> {
  return loadRootKeyring({
    rootKeyFile: config.rootKeyFile,
    readFile: (path) => readSecretFile({ path, setting: 'WRIT_ROOT_KEY_FILE' }),
  });
}

/** The TLS certificate and its key, the key refused if other users could read it: at start and on reload. */
export function readTlsPair(config: Pick<Config, 'tls'>): { key: string; cert: string } {
  return {
    key: readSecretFile({ path: config.tls.keyFile, setting: 'WRIT_TLS_KEY_FILE' }),
    cert: readFileSync(config.tls.certFile, 'utf8'),
  };
}

/** Reads every secret file, refusing any that other users could read. */
export function envToSecrets(config: Config): Secrets {
  const { keyring, isRotationPending } = readRootKeyring(config);
  return {
    rootKeyring: keyring,
    isRootKeyRotationPending: isRotationPending,
    tls: config.behindTlsProxy ? undefined : readTlsPair(config),
    databasePassword: readDatabasePassword(config),
    metricsToken:
      config.metricsTokenFile === undefined
        ? undefined
        : readSecretFile({ path: config.metricsTokenFile, setting: 'WRIT_METRICS_TOKEN_FILE' }).trim(),
    smtpPassword:
      config.mail.smtpPasswordFile === undefined
        ? undefined
        : readSecretFile({ path: config.mail.smtpPasswordFile, setting: 'WRIT_SMTP_PASSWORD_FILE' }).trim(),
    s3SecretAccessKey:
      config.blobs.kind !== 's3' || config.blobs.secretAccessKeyFile === undefined
        ? undefined
        : readSecretFile({
            path: config.blobs.secretAccessKeyFile,
            setting: 'WRIT_S3_SECRET_ACCESS_KEY_FILE',
          }).trim(),
  };
}
