import type { Kysely } from 'kysely';
import { createLedger, type Ledger } from '../modules/ledger/ledger.usecases.js';
import {
  createKeyedHasher,
  createSecretBox,
  type KeyedHasher,
  type SecretBox,
} from '../modules/vault/vault.secret-box.js';
import { createArgon2PasswordHasher, type PasswordHasher } from '../modules/identity/identity.passwords.js';
import type { Clock } from '../shared/clock/clock.js';
import { type DatabaseConnection, openDatabase, parseDatabaseUrl } from '../shared/db/database.js';
import type { Logger } from '../shared/logger/logger.js';
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
  secretBox: SecretBox;
  keyedHasher: KeyedHasher;
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

export async function createDependencies({
  config,
  secrets,
  logger,
  clock,
}: {
  config: Config;
  secrets: Pick<Secrets, 'databasePassword' | 'rootKey'>;
  logger: Logger;
  clock: Clock;
}): Promise<Dependencies> {
  const database = await openConfiguredDatabase({ config, databasePassword: secrets.databasePassword });
  return {
    config,
    logger,
    clock,
    db: database.db,
    database,
    passwordHasher: createArgon2PasswordHasher(),
    ledger: createLedger({ clock }),
    secretBox: createSecretBox({ rootKey: secrets.rootKey }),
    keyedHasher: createKeyedHasher({ rootKey: secrets.rootKey }),
  };
}
