import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { migrateToLatest } from '../../src/migrations/migrations.js';
import type { WritDatabase } from '../../src/modules/database.js';
import { createCheckpoint } from '../../src/modules/ledger/ledger.checkpoints.usecases.js';
import { sequencePendingEntries } from '../../src/modules/ledger/ledger.sequencer.js';
import { appendTestEvents } from '../../src/modules/ledger/ledger.storage.test-utils.js';
import { createSecretBox } from '../../src/modules/vault/vault.secret-box.js';
import { loadOrCreateSigningKey } from '../../src/modules/vault/vault.signing-keys.js';
import { createTestClock } from '../../src/shared/clock/clock.test-utils.js';
import { type DatabaseConnection, openDatabase } from '../../src/shared/db/database.js';
import { cleanupCli, runWrit } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { withPostgresClient } from '../support/postgres-server.js';

afterAll(cleanupCli);

describe('writ ledger grants [postgres]', () => {
  const role = `writ_app_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let database: TestDatabase;
  let app: DatabaseConnection<WritDatabase>;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    await withPostgresClient(database.url, (client) =>
      client.query(`create role ${role} login password '${password}'`),
    );
    const grants = await runWrit(['ledger', 'grants', '--role', role]);
    expect(grants.exitCode).toBe(0);
    await withPostgresClient(database.url, (client) => client.query(grants.stdout));
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    app = await openDatabase<WritDatabase>({ dialect: 'postgres', connectionString: url.toString() });
  });

  afterAll(async () => {
    await app.close();
    await database.destroy();
    await withPostgresClient(inject('postgresServerUrl'), (client) =>
      client.query(`drop role if exists ${role}`),
    );
  });

  test("Writ's role still starts, appends, sequences and checkpoints under the printed grants", async () => {
    const db = app.db;
    const clock = createTestClock();
    await migrateToLatest(db);
    const signer = await loadOrCreateSigningKey({
      db,
      secretBox: createSecretBox({ key: randomBytes(32) }),
      clock,
      name: 'writ.example.com/ledger',
    });
    await appendTestEvents({ db, clock, count: 5 });
    expect(await sequencePendingEntries({ db, clock })).toMatchObject({ sequenced: 5, treeSize: 5 });
    const { checkpoint } = await createCheckpoint({ db, clock, signer, origin: 'writ.example.com/ledger' });
    expect(checkpoint.size).toBe(5);
  });

  test("Writ's role cannot update, delete or truncate ledger rows", async () => {
    const db = app.db;
    const refused = [
      sql`update ledger_entries set entry = entry where idx = 0`,
      sql`delete from ledger_entries where idx = 0`,
      sql`truncate ledger_entries`,
      sql`update ledger_subtrees set hash = hash`,
      sql`delete from ledger_checkpoints`,
    ];
    for (const statement of refused) {
      await expect(statement.execute(db)).rejects.toThrow(/permission denied/);
    }
    const { count } = await db
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(5);
  });

  test('a role name that is not a plain SQL identifier is refused and nothing is printed', async () => {
    const result = await runWrit(['ledger', 'grants', '--role', 'app"; drop table users; --']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('A role name is');
  });
});
