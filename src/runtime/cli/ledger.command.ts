import type { Command } from 'commander';
import { formatLedgerGrants } from '../../modules/ledger/ledger.grants.js';
import { createNoteVerifier, parseVerifierKey } from '../../modules/ledger/ledger.note-keys.js';
import { type LedgerVerificationReport, verifyStoredLedger } from '../../modules/ledger/ledger.verify.js';
import { readSigningPublicKey } from '../../modules/vault/vault.signing-keys.js';
import { isWritError } from '../../shared/errors/errors.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { type CliIo, loadConfig } from './cli-io.js';

type LedgerFlags = { dataDir?: string; key?: string };

export function registerLedgerCommands(program: Command, io: CliIo): void {
  const ledger = program.command('ledger').description('the tamper-evident ledger of every change');
  ledger
    .command('verify')
    .description(
      'recompute the Merkle tree from the stored entries and check every stored hash and signed checkpoint; exit 1 naming the first bad index',
    )
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option(
      '--key <verifier key>',
      'the published verifier key to trust (default: the public key stored in the database)',
    )
    .action(async (flags: LedgerFlags) => {
      const { config } = loadConfig(io, { dataDir: flags.dataDir });
      const origin = config.ledger.origin;
      const connection = await openConfiguredDatabase({
        config,
        databasePassword: readDatabasePassword(config),
      });
      try {
        const stored = await readSigningPublicKey({ db: connection.db, name: origin });
        const verifier =
          flags.key !== undefined
            ? parseVerifierKey(flags.key)
            : stored === undefined
              ? undefined
              : createNoteVerifier({ name: origin, publicKey: stored.publicKey });
        if (verifier === undefined) {
          io.stderr(`No signing key named ${origin} is stored: the log has never been checkpointed.\n`);
          io.setExitCode(1);
          return;
        }
        if (flags.key === undefined) {
          io.stdout(
            `Trusting the key stored in the database; pass --key with the published key to pin it.\n`,
          );
        }
        const report = await verifyStoredLedger({ db: connection.db, origin, verifier });
        if (report.failures.length === 0) {
          io.stdout(
            `ok: ${report.entryCount} entries and ${report.checkpointsChecked} signed checkpoints of ${origin} verified\n`,
          );
          return;
        }
        io.stdout(`FAILED: ${describeFirstBadIndex(report.firstBadIndex)}\n`);
        for (const failure of report.failures) io.stdout(`  ${failure.code}: ${failure.message}\n`);
        io.setExitCode(1);
      } finally {
        await connection.close();
      }
    });

  ledger
    .command('key')
    .description("print the log's verifier key (c2sp.org/signed-note), for whoever verifies checkpoints")
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (flags: LedgerFlags) => {
      const { config } = loadConfig(io, { dataDir: flags.dataDir });
      const connection = await openConfiguredDatabase({
        config,
        databasePassword: readDatabasePassword(config),
      });
      try {
        const stored = await readSigningPublicKey({ db: connection.db, name: config.ledger.origin });
        if (stored === undefined) {
          io.stderr(
            `No signing key named ${config.ledger.origin} yet: it is created when Writ first starts.\n`,
          );
          io.setExitCode(1);
          return;
        }
        io.stdout(`${stored.verifierKey}\n`);
      } finally {
        await connection.close();
      }
    });

  ledger
    .command('grants')
    .description(
      "print the SQL a PostgreSQL owner runs so that Writ's role cannot UPDATE, DELETE or TRUNCATE ledger rows",
    )
    .requiredOption('--role <app_role>', 'the PostgreSQL role Writ connects as (not the owner of its tables)')
    .action((flags: { role: string }) => {
      try {
        io.stdout(formatLedgerGrants({ role: flags.role }));
      } catch (error) {
        if (!isWritError(error)) throw error;
        io.stderr(`${error.message}\n`);
        io.setExitCode(1);
      }
    });
}

function describeFirstBadIndex(first: LedgerVerificationReport['firstBadIndex']): string {
  if (first === undefined) return 'the stored hashes or checkpoints do not verify';
  if (first.throughIndex === undefined) return `first bad index ${first.index}`;
  return `first bad index between ${first.index} and ${first.throughIndex}`;
}
