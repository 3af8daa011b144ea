import type { Command } from 'commander';
import { createSystemClock } from '../../shared/clock/clock.js';
import { formatFindings, runDoctor } from '../doctor/doctor.js';
import { type CliIo, loadConfig, type ServerFlags } from './cli-io.js';

export function registerDoctorCommand(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('check an installation: key files, TLS certificate, database, migrations, clock')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--json', 'print the findings as JSON')
    .action(async (flags: ServerFlags & { json?: boolean }) => {
      const { config } = loadConfig(io, flags);
      const { findings, hasErrors } = await runDoctor({ config, clock: createSystemClock() });
      io.stdout(
        flags.json === true
          ? `${JSON.stringify({ findings, hasErrors }, null, 2)}\n`
          : `${formatFindings(findings)}\n`,
      );
      if (hasErrors) io.setExitCode(1);
    });
}
