import { createLedger } from '../../src/modules/ledger/ledger.usecases.js';
import { sequencePendingEntries } from '../../src/modules/ledger/ledger.sequencer.js';
import type { WritDatabase } from '../../src/modules/database.js';
import { createSystemClock } from '../../src/shared/clock/clock.js';
import { openDatabase } from '../../src/shared/db/database.js';

/**
 * A second OS process for the ledger's concurrency test: appends `count` events one transaction at a time,
 * sequencing after each, against the PostgreSQL database named by argv[2].
 */
const [connectionString, countText, label] = process.argv.slice(2);
if (connectionString === undefined || countText === undefined || label === undefined) {
  process.stderr.write('usage: ledger-sequencer-worker <postgres url> <count> <label>\n');
  process.exit(2);
}
const clock = createSystemClock();
const ledger = createLedger({ clock });
const connection = await openDatabase<WritDatabase>({ dialect: 'postgres', connectionString });
try {
  for (let i = 0; i < Number(countText); i += 1) {
    await connection.db.transaction().execute((trx) =>
      ledger.append({
        db: trx,
        event: { kind: 'test.appended', actor: { type: 'system' }, data: { worker: label, i } },
      }),
    );
    await sequencePendingEntries({ db: connection.db, clock, maxBatch: 7 });
  }
} finally {
  await connection.close();
}
