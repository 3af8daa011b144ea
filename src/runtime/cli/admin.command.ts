import type { Command } from 'commander';
import { issueSetupToken } from '../../modules/identity/identity.usecases.js';
import { createSystemClock } from '../../shared/clock/clock.js';
import { migrateToLatest } from '../../migrations/migrations.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { type CliIo, loadConfig, type ServerFlags } from './cli-io.js';

export function registerAdminCommands(program: Command, io: CliIo): void {
  const admin = program.command('admin').description('administration commands');
  admin
    .command('setup-link')
    .description('print a new one-time link that creates the first administrator (invalidates earlier links)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--host <host>', 'listen address of the server (WRIT_HOST), for the link')
    .option('--port <port>', 'HTTPS port of the server (WRIT_PORT), for the link')
    .action(async (flags: ServerFlags) => {
      const { config } = loadConfig(io, flags);
      const connection = await openConfiguredDatabase({
        config,
        databasePassword: readDatabasePassword(config),
      });
      try {
        await migrateToLatest(connection.db);
        const clock = createSystemClock();
        const { setupToken } = await issueSetupToken({
          db: connection.db,
          clock,
          ttlMinutes: config.setupLinkTtlMinutes,
        });
        if (setupToken === undefined) {
          io.stderr('An administrator already exists; setup links are only for the first one.\n');
          io.setExitCode(1);
          return;
        }
        io.stdout(
          `One-time setup link (valid until ${setupToken.expiresAt.toISOString()}):\n  ${config.publicUrl}/setup#token=${setupToken.token}\n`,
        );
      } finally {
        await connection.close();
      }
    });
}
