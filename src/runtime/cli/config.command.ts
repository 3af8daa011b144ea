import type { Command } from 'commander';
import { formatConfig } from '../config/config.js';
import { type CliIo, loadConfig, type ServerFlags } from './cli-io.js';

export function registerConfigCommand(program: Command, io: CliIo): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('print')
    .description('print the effective configuration (secret files are named, never read)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--host <host>', 'listen address (WRIT_HOST)')
    .option('--port <port>', 'HTTPS port (WRIT_PORT)')
    .option('--sftp-port <port>', 'SFTP port (WRIT_SFTP_PORT)')
    .action((flags: ServerFlags) => {
      const { config: effective, raw } = loadConfig(io, flags);
      io.stdout(`${formatConfig(effective, raw)}\n`);
    });
}
