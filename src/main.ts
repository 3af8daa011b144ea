#!/usr/bin/env node
// First, so that it runs before any other module is evaluated (the policy engine compiles on import).
import './runtime/v8-flags.js';
import { Command, CommanderError } from 'commander';
import { registerAdminCommands } from './runtime/cli/admin.command.js';
import type { CliIo } from './runtime/cli/cli-io.js';
import { registerConfigCommand } from './runtime/cli/config.command.js';
import { registerDoctorCommand } from './runtime/cli/doctor.command.js';
import { registerKeysCommands } from './runtime/cli/keys.command.js';
import { registerLedgerCommands } from './runtime/cli/ledger.command.js';
import { registerMigrateCommand } from './runtime/cli/migrate.command.js';
import { describeKnownFailure } from './runtime/cli/failures.js';
import { registerServeCommand } from './runtime/cli/serve.command.js';
import { readWritVersion } from './runtime/version.js';
import { createError, isWritError } from './shared/errors/errors.js';

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      // A second signal while stopping means "now".
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function readStdin({ maxBytes }: { maxBytes: number }): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) {
      throw createError({
        code: 'cli.input_too_long',
        status: 400,
        message: `Standard input is longer than ${maxBytes} bytes.`,
      });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// Everything Writ creates (database, WAL, keys, blobs) is private to the user running it.
process.umask(0o077);

const io: CliIo = {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  waitForStopSignal,
  onReloadSignal: (handler) => {
    process.on('SIGHUP', handler);
    return () => process.off('SIGHUP', handler);
  },
  readStdin,
};

const program = new Command('writ')
  .description('Writ: secure document exchange for law firms')
  .version(readWritVersion())
  .exitOverride()
  .showHelpAfterError();
registerServeCommand(program, io);
registerMigrateCommand(program, io);
registerConfigCommand(program, io);
registerDoctorCommand(program, io);
registerAdminCommands(program, io);
registerLedgerCommands(program, io);
registerKeysCommands(program, io);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const knownFailure = describeKnownFailure(error);
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (isWritError(error) && !error.isInternal) {
    process.stderr.write(`writ: ${error.message}\n`);
    process.exitCode = 1;
  } else if (knownFailure !== undefined) {
    process.stderr.write(`writ: ${knownFailure}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(
      `writ: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 70;
  }
}
