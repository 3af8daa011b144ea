import { readFileSync } from 'node:fs';
import { parseRootKey } from '../../modules/vault/vault.root-key.js';
import { createError } from '../../shared/errors/errors.js';
import { checkSecretFile, describeProblem } from '../install/file-safety.js';
import type { Config } from './config.js';

/**
 * Secrets live in files, apart from the configuration, and are handed only to what needs them.
 * @NOTE Never log or print a value of this type.
 */
export type Secrets = {
  rootKey: Buffer;
  tls: { key: string; cert: string } | undefined;
  databasePassword: string | undefined;
  metricsToken: string | undefined;
  smtpPassword: string | undefined;
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

/** Reads every secret file, refusing any that other users could read. */
export function envToSecrets(config: Config): Secrets {
  return {
    rootKey: parseRootKey(
      readSecretFile({ path: config.rootKeyFile, setting: 'WRIT_ROOT_KEY_FILE' }),
      config.rootKeyFile,
    ),
    tls: config.behindTlsProxy
      ? undefined
      : {
          key: readSecretFile({ path: config.tls.keyFile, setting: 'WRIT_TLS_KEY_FILE' }),
          cert: readFileSync(config.tls.certFile, 'utf8'),
        },
    databasePassword: readDatabasePassword(config),
    metricsToken:
      config.metricsTokenFile === undefined
        ? undefined
        : readSecretFile({ path: config.metricsTokenFile, setting: 'WRIT_METRICS_TOKEN_FILE' }).trim(),
    smtpPassword:
      config.mail.smtpPasswordFile === undefined
        ? undefined
        : readSecretFile({ path: config.mail.smtpPasswordFile, setting: 'WRIT_SMTP_PASSWORD_FILE' }).trim(),
  };
}
