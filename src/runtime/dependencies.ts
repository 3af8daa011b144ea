import type { Kysely } from 'kysely';
import { createLedger, type Ledger } from '../modules/ledger/ledger.usecases.js';
import {
  createKeyedHasher,
  createSecretBox,
  type KeyedHasher,
  type SecretBox,
} from '../modules/vault/vault.secret-box.js';
import type { RootKeyring } from '../modules/vault/vault.keys.models.js';
import { loadInstallationKey } from '../modules/vault/vault.keys.usecases.js';
import { createArgon2PasswordHasher, type PasswordHasher } from '../modules/identity/identity.passwords.js';
import type { Clock } from '../shared/clock/clock.js';
import { type DatabaseConnection, openDatabase, parseDatabaseUrl } from '../shared/db/database.js';
import type { Logger } from '../shared/logger/logger.js';
import { loadPolicyEngine, type PolicyEngine } from '../modules/access/access.policy.js';
import type { BlobStore } from '../shared/blobs/blob-store.js';
import { createConfiguredBlobStore } from './blob-store.js';
import type { Config } from './config/config.js';
import type { Secrets } from './config/secrets.js';
import type { WritDatabase } from '../modules/database.js';

/** The composition root's products: each use-case and front door receives the few it needs. */
export type Dependencies = {
  config: Config;
  logger: Logger;
  clock: Clock;
  db: Kysely<WritDatabase>;
  database: DatabaseConnection<WritDatabase>;
  passwordHasher: PasswordHasher;
  ledger: Ledger;
  /** The root key(s): wraps installation and matter keys; only the vault's key use-cases take it. */
  keyring: RootKeyring;
  /** Sealing and keyed hashing under the installation key. */
  secretBox: SecretBox;
  keyedHasher: KeyedHasher;
  blobStore: BlobStore;
  /** The Cedar policies of `policies/`, validated and preparsed: a server never starts without them. */
  policy: PolicyEngine;
};

export async function openConfiguredDatabase({
  config,
  databasePassword,
}: {
  config: Pick<Config, 'databaseUrl' | 'dataDir'>;
  databasePassword: string | undefined;
}): Promise<DatabaseConnection<WritDatabase>> {
  const target = parseDatabaseUrl({ url: config.databaseUrl, baseDir: config.dataDir });
  return openDatabase<WritDatabase>(
    target.dialect === 'postgres' && databasePassword !== undefined
      ? { ...target, password: databasePassword }
      : target,
  );
}

/**
 * Builds the dependencies on an open, migrated database: the installation key lives in it (created on the
 * first start), and the secret box and keyed hasher derive from that key, not from the root key.
 */
export async function createDependencies({
  config,
  secrets,
  database,
  logger,
  clock,
}: {
  config: Config;
  secrets: Pick<Secrets, 'rootKeyring' | 's3SecretAccessKey'>;
  database: DatabaseConnection<WritDatabase>;
  logger: Logger;
  clock: Clock;
}): Promise<Dependencies> {
  const keyring = secrets.rootKeyring;
  const installationKey = await loadInstallationKey({ db: database.db, keyring, clock });
  return {
    config,
    logger,
    clock,
    db: database.db,
    database,
    passwordHasher: createArgon2PasswordHasher(),
    ledger: createLedger({ clock }),
    keyring,
    secretBox: createSecretBox({ key: installationKey }),
    keyedHasher: createKeyedHasher({ key: installationKey }),
    policy: loadPolicyEngine(),
    blobStore: await createConfiguredBlobStore({ config, s3SecretAccessKey: secrets.s3SecretAccessKey }),
  };
}
