import type { Command } from 'commander';
import { getMigrationStatus, migrateDown, migrateToLatest } from '../../migrations/migrations.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { acquireDataDirLock } from '../install/data-dir-lock.js';
import { ensureDataDir } from '../install/data-dir.js';
import { type CliIo, loadConfig, type ServerFlags } from './cli-io.js';

type MigrateFlags = ServerFlags & { down?: boolean; all?: boolean; status?: boolean };

export function registerMigrateCommand(program: Command, io: CliIo): void {
  program
    .command('migrate')
    .description('bring the database schema up to date (or back with --down)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--status', 'list applied and pending migrations, change nothing')
    .option('--down', 'revert the most recent migration')
    .option('--all', 'with --down: revert every migration (destroys all data)')
    .action(async (flags: MigrateFlags) => {
      const { config } = loadConfig(io, flags);
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
          const { reverted } = await migrateDown(connection.db, { all: flags.all === true });
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
