import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../src/modules/database.js';
import { createCheckpoint } from '../../src/modules/ledger/ledger.checkpoints.usecases.js';
import { sequencePendingEntries } from '../../src/modules/ledger/ledger.sequencer.js';
import { createTestNoteSigner } from '../../src/modules/ledger/ledger.test-utils.js';
import type { Clock } from '../../src/shared/clock/clock.js';

/**
 * What the server's ledger jobs do, on demand, for tests of other modules: sequence pending entries into the
 * tree and sign a checkpoint (other modules may not reach the ledger's internals themselves).
 */
export async function sequenceLedger({ db, clock }: { db: Kysely<WritDatabase>; clock: Clock }) {
  await sequencePendingEntries({ db, clock });
}

export async function signLedgerCheckpoint({
  db,
  clock,
  origin = 'writ.test/log',
}: {
  db: Kysely<WritDatabase>;
  clock: Clock;
  origin?: string;
}) {
  await createCheckpoint({ db, clock, signer: createTestNoteSigner({ name: origin }), origin });
}
