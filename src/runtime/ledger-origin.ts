import type { Kysely } from 'kysely';
import { settleLedgerOrigin } from '../modules/ledger/ledger.checkpoints.usecases.js';
import type { WritDatabase } from '../modules/database.js';
import type { Config } from './config/config.js';

/** The ledger's name for this run: the one it was first checkpointed under, else what the configuration says. */
export function ledgerOriginOf({
  db,
  config,
}: {
  db: Kysely<WritDatabase>;
  config: Pick<Config, 'ledger'>;
}): Promise<string> {
  return settleLedgerOrigin({
    db,
    configured: config.ledger.isOriginConfigured ? config.ledger.origin : undefined,
    derived: config.ledger.origin,
  });
}
