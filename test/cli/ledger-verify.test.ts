import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, test } from 'vitest';
import { migrateToLatest } from '../../src/migrations/migrations.js';
import type { WritDatabase } from '../../src/modules/database.js';
import { createCheckpoint } from '../../src/modules/ledger/ledger.checkpoints.usecases.js';
import { sequencePendingEntries } from '../../src/modules/ledger/ledger.sequencer.js';
import { appendTestEvents } from '../../src/modules/ledger/ledger.storage.test-utils.js';
import { loadInstallationKey } from '../../src/modules/vault/vault.keys.usecases.js';
import { ensureRootKeyFile } from '../../src/modules/vault/vault.root-key.js';
import { loadRootKeyring } from '../../src/modules/vault/vault.root-keyring.js';
import { createSecretBox } from '../../src/modules/vault/vault.secret-box.js';
import { loadOrCreateSigningKey } from '../../src/modules/vault/vault.signing-keys.js';
import { createTestClock } from '../../src/shared/clock/clock.test-utils.js';
import { openDatabase } from '../../src/shared/db/database.js';
import { cleanupCli, createCliWorkspace, runWrit } from '../support/cli.js';

// The origin `writ` derives from its defaults (WRIT_HOST 127.0.0.1, WRIT_PORT 8443).
const origin = 'localhost:8443/ledger';

afterAll(cleanupCli);

/** A data directory as `writ serve` leaves it: 40 entries sequenced in batches, a checkpoint after each. */
async function createLedgerDataDir(): Promise<{ dataDir: string; verifierKey: string }> {
  const { dataDir } = createCliWorkspace();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const rootKeyFile = join(dataDir, 'keys', 'root.key');
  ensureRootKeyFile(rootKeyFile);
  const connection = await openDatabase<WritDatabase>({ dialect: 'sqlite', path: join(dataDir, 'writ.db') });
  try {
    const db = connection.db;
    await migrateToLatest(db);
    const clock = createTestClock();
    const { keyring } = loadRootKeyring({ rootKeyFile });
    const signer = await loadOrCreateSigningKey({
      db,
      secretBox: createSecretBox({ key: await loadInstallationKey({ db, keyring, clock }) }),
      clock,
      name: origin,
    });
    // Distinct labels keep every entry's text distinct, so that swapping two is a real change.
    for (const [batch, count] of [10, 7, 13, 10].entries()) {
      await appendTestEvents({ db, clock, count, label: `batch ${batch}` });
      await sequencePendingEntries({ db, clock });
      await createCheckpoint({ db, clock, signer, origin });
    }
    return { dataDir, verifierKey: signer.verifierKey };
  } finally {
    await connection.close();
  }
}

/** The attack being simulated: someone with write access to the database file edits ledger rows. */
function tamper(dataDir: string, statements: string[]): void {
  const database = new SqliteDatabase(join(dataDir, 'writ.db'));
  try {
    for (const statement of statements) database.exec(statement);
  } finally {
    database.close();
  }
}

async function verify(dataDir: string, extra: string[] = []) {
  return runWrit(['ledger', 'verify', '--data-dir', dataDir, ...extra]);
}

describe('writ ledger verify', () => {
  test('an untouched log verifies, with its checkpoints, against the key `writ ledger key` prints', async () => {
    const { dataDir, verifierKey } = await createLedgerDataDir();
    const key = await runWrit(['ledger', 'key', '--data-dir', dataDir]);
    expect(key.stdout.trim()).toBe(verifierKey);
    const result = await verify(dataDir, ['--key', verifierKey]);
    expect(result.stdout).toContain('ok: 40 entries and 4 signed checkpoints');
    expect(result.exitCode).toBe(0);
  });

  test('the log keeps its name when the port or public URL changes later, and verifies; a rename on purpose is refused', async () => {
    const { dataDir, verifierKey } = await createLedgerDataDir();
    const environments: Record<string, string>[] = [
      { WRIT_PORT: '9443' },
      { WRIT_PUBLIC_URL: 'https://writ.firm.example' },
    ];
    for (const env of environments) {
      const key = await runWrit(['ledger', 'key', '--data-dir', dataDir], { env });
      expect(key.stdout.trim(), key.stderr).toBe(verifierKey);
      const result = await verify(dataDir, ['--key', verifierKey]);
      expect(result.stdout).toContain('ok: 40 entries and 4 signed checkpoints');
      const stored = await runWrit(['ledger', 'verify', '--data-dir', dataDir], { env });
      expect(stored.stdout, stored.stderr).toContain('ok: 40 entries and 4 signed checkpoints');
      expect(stored.exitCode).toBe(0);
    }
    const renamed = await runWrit(['ledger', 'verify', '--data-dir', dataDir], {
      env: { WRIT_LEDGER_ORIGIN: 'writ.firm.example/ledger' },
    });
    expect(renamed.exitCode).toBe(1);
    expect(renamed.stderr).toContain(`this database holds the ledger ${origin}`);
  });

  test('an altered entry is named by its index and the command exits 1', async () => {
    const { dataDir } = await createLedgerDataDir();
    tamper(dataDir, [
      `update ledger_entries set entry = replace(entry, '"label":"batch', '"label":"Batch') where idx = 23`,
    ]);
    const result = await verify(dataDir);
    expect(result.stdout).toContain('FAILED: first bad index 23');
    expect(result.exitCode).toBe(1);
  });

  test('an altered entry whose stored hashes were deleted too is still caught by the signed checkpoints', async () => {
    const { dataDir } = await createLedgerDataDir();
    tamper(dataDir, [
      `update ledger_entries set entry = replace(entry, '"label":"batch', '"label":"Batch') where idx = 23`,
      `delete from ledger_subtrees`,
    ]);
    const result = await verify(dataDir);
    expect(result.stdout).toContain('FAILED: first bad index between 17 and 29');
    expect(result.exitCode).toBe(1);
  });

  test('a removed entry is named by its index', async () => {
    const { dataDir } = await createLedgerDataDir();
    tamper(dataDir, ['delete from ledger_entries where idx = 12']);
    const result = await verify(dataDir);
    expect(result.stdout).toContain('FAILED: first bad index 12');
    expect(result.stdout).toContain('entry_missing');
    expect(result.exitCode).toBe(1);
  });

  test('two reordered entries are named by the first of them', async () => {
    const { dataDir } = await createLedgerDataDir();
    tamper(dataDir, [
      'update ledger_entries set idx = -1 where idx = 5',
      'update ledger_entries set idx = 5 where idx = 31',
      'update ledger_entries set idx = 31 where idx = -1',
    ]);
    const result = await verify(dataDir);
    expect(result.stdout).toContain('FAILED: first bad index 5');
    expect(result.exitCode).toBe(1);
  });

  test('a truncated log is named at its first missing index, even when the state row was rewound too', async () => {
    const { dataDir } = await createLedgerDataDir();
    tamper(dataDir, [
      'delete from ledger_entries where idx >= 33',
      'delete from ledger_subtrees',
      'update ledger_state set next_index = 33',
    ]);
    const result = await verify(dataDir);
    expect(result.stdout).toContain('FAILED: first bad index 33');
    expect(result.stdout).toContain('checkpoint_beyond_entries');
    expect(result.exitCode).toBe(1);
  });

  test('a checkpoint re-signed with another key is refused when the published key is pinned', async () => {
    const { dataDir, verifierKey } = await createLedgerDataDir();
    const other = await createLedgerDataDir();
    tamper(dataDir, [
      `attach database '${join(other.dataDir, 'writ.db')}' as other`,
      'delete from ledger_checkpoints',
      'insert into ledger_checkpoints select * from other.ledger_checkpoints',
    ]);
    const result = await verify(dataDir, ['--key', verifierKey]);
    expect(result.stdout).toContain('checkpoint_signature_invalid');
    expect(result.exitCode).toBe(1);
  });
});
