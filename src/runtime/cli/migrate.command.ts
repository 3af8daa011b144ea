import type { Command } from 'commander';
import { getMigrationStatus, migrateDown, migrateToLatest } from '../../migrations/migrations.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { acquireDataDirLock } from '../install/data-dir-lock.js';
import { ensureDataDir } from '../install/data-dir.js';
import { type CliIo, loadConfig, loadInstalledConfig, type ServerFlags } from './cli-io.js';

type MigrateFlags = ServerFlags & { down?: boolean; all?: boolean; status?: boolean; confirm?: string };

/** Flags that make no sense together: refused before anything is opened. */
function conflictOf(flags: MigrateFlags): string | undefined {
  if (flags.all === true && flags.down !== true) return '--all only goes with --down.';
  if (flags.status === true && (flags.down === true || flags.confirm !== undefined)) {
    return '--status changes nothing: it cannot be combined with --down or --confirm.';
  }
  if (flags.confirm !== undefined && flags.down !== true) return '--confirm only goes with --down.';
  return undefined;
}

/**
 * What `--confirm` must repeat before a revert: the migration it undoes, or `all`. Reverting drops tables
 * and columns with their data, so it is never the default of a mistyped command.
 */
function confirmationOf({ all, latest }: { all: boolean; latest: string }): string {
  return all ? 'all' : latest;
}

export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (or back with --down)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--status', 'list applied and pending migrations, change nothing')
    .option('--down', 'revert the most recent migration')
    .option('--all', 'with --down: revert every migration (destroys all data)')
    .option('--confirm <name>', 'with --down: the migration being reverted (or `all` with --all)')
    .action(async (flags: MigrateFlags) => {
      const conflict = conflictOf(flags);
      if (conflict !== undefined) {
        io.stderr(`writ: ${conflict}\n`);
        io.setExitCode(1);
        return;
      }
      // Reading or reverting needs an installation; applying migrations may prepare a new one.
      const { config } =
        flags.status === true || flags.down === true ? loadInstalledConfig(io, flags) : loadConfig(io, flags);
      // Changing the schema under a running server would break it: take the data directory first.
      const isReadOnly = flags.status === true;
      if (!isReadOnly) ensureDataDir(config.dataDir);
      const lock = isReadOnly
        ? undefined
        : acquireDataDirLock({ dataDir: config.dataDir, purpose: 'writ migrate' });
      const connection = await openConfiguredDatabase({
        config,
        databasePassword: readDatabasePassword(config),
      }).catch((error: unknown) => {
        lock?.release();
        throw error;
      });
      try {
        if (flags.status === true) {
          const status = await getMigrationStatus(connection.db);
          io.stdout(
            [
              ...status.applied.map((name) => `applied  ${name}`),
              ...status.pending.map((name) => `pending  ${name}`),
              ...status.unknown.map((name) => `unknown  ${name} (applied by a newer Writ)`),
            ].join('\n') + '\n',
          );
        } else if (flags.down === true) {
          const latest = (await getMigrationStatus(connection.db)).applied.at(-1);
          const all = flags.all === true;
          if (latest !== undefined && flags.confirm !== confirmationOf({ all, latest })) {
            const expected = confirmationOf({ all, latest });
            io.stderr(
              all
                ? `writ: --down --all reverts every migration: it deletes every account, matter, document record and ledger entry in ${connection.description}. Back up first, then repeat with --confirm all.\n`
                : `writ: --down reverts ${latest}, dropping what it added, data included. Back up first, then repeat with --confirm ${expected}.\n`,
            );
            io.setExitCode(1);
            return;
          }
          const { reverted } = await migrateDown(connection.db, { all });
          io.stdout(reverted.length === 0 ? 'Nothing to revert.\n' : `Reverted: ${reverted.join(', ')}\n`);
        } else {
          const { applied } = await migrateToLatest(connection.db);
          io.stdout(
            applied.length === 0 ? 'The database is up to date.\n' : `Applied: ${applied.join(', ')}\n`,
          );
        }
      } finally {
        await connection.close();
        lock?.release();
      }
    });
}
