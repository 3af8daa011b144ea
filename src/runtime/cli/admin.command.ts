import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import type { WritDatabase } from '../../modules/database.js';
import { createUserBySystem, resetUserMfa } from '../../modules/identity/identity.admin.usecases.js';
import { roles } from '../../modules/identity/identity.models.js';
import { createArgon2PasswordHasher } from '../../modules/identity/identity.passwords.js';
import { issueSetupToken } from '../../modules/identity/identity.usecases.js';
import { createLedger } from '../../modules/ledger/ledger.usecases.js';
import { type Clock, createSystemClock } from '../../shared/clock/clock.js';
import { migrateToLatest } from '../../migrations/migrations.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { ensureDataDir } from '../install/data-dir.js';
import { type CliIo, loadConfig, loadInstalledConfig, type ServerFlags } from './cli-io.js';

/** A password on standard input: a few hundred bytes at most, so that a wrong pipe is refused, not read. */
const maxPasswordInputBytes = 4096;

/**
 * Opens the configured database, brought up to date, for an operator command that changes accounts; the
 * change is recorded on the ledger as the system's act. The root key is not read: these commands seal and
 * open nothing.
 */
async function withAccountStore<T>(
  io: CliIo,
  flags: ServerFlags & { mayCreate?: boolean },
  work: (store: {
    db: Kysely<WritDatabase>;
    clock: Clock;
    ledger: ReturnType<typeof createLedger>;
  }) => Promise<T>,
): Promise<T> {
  // Creating an account may be the first step of an installation; other acts need an existing one.
  const { config } = flags.mayCreate === true ? loadConfig(io, flags) : loadInstalledConfig(io, flags);
  ensureDataDir(config.dataDir);
  const connection = await openConfiguredDatabase({ config, databasePassword: readDatabasePassword(config) });
  try {
    await migrateToLatest(connection.db);
    const clock = createSystemClock();
    return await work({ db: connection.db, clock, ledger: createLedger({ clock }) });
  } finally {
    await connection.close();
  }
}

export function registerAdminCommands(program: Command, io: CliIo): void {
  const admin = program.command('admin').description('administration commands');
  admin
    .command('create-user')
    .description('create an account; its password is read from standard input (pipe it, never an argument)')
    .requiredOption('--username <name>', 'lowercase letters, digits, dots, hyphens and underscores')
    .requiredOption('--role <role>', `one of ${roles.join(', ')}`)
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (flags: ServerFlags & { username: string; role: string }) => {
      const input = await io.readStdin({ maxBytes: maxPasswordInputBytes });
      if (input === undefined) {
        io.stderr(
          'Pipe the password on standard input, for example: writ admin create-user … < password-file\n',
        );
        io.setExitCode(1);
        return;
      }
      // One trailing line ending is how a file or `echo` ends a line, not part of the password.
      const password = input.replace(/\r?\n$/, '');
      if (password === '') {
        io.stderr('No password on standard input: the account was not created.\n');
        io.setExitCode(1);
        return;
      }
      const { user } = await withAccountStore(io, { ...flags, mayCreate: true }, (store) =>
        createUserBySystem({
          ...store,
          passwordHasher: createArgon2PasswordHasher(),
          username: flags.username,
          role: flags.role,
          password,
        }),
      );
      io.stdout(`Created ${user.username} (${user.id}) with role ${user.role}.\n`);
    });

  admin
    .command('reset-mfa')
    .description(
      "clear a locked-out user's authenticator app, passkeys and recovery codes; end their sessions",
    )
    .argument('<username>', 'the account whose second factors to remove')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (username: string, flags: ServerFlags) => {
      const { removed } = await withAccountStore(io, flags, (store) => resetUserMfa({ ...store, username }));
      io.stdout(
        `Removed the second factors of ${username.trim().toLowerCase()}: ${removed.totp} authenticator app, ` +
          `${removed.passkeys} passkeys, ${removed.recoveryCodes} recovery codes; their sessions ended, ` +
          `${removed.apiTokens} API tokens and ${removed.sshKeys} SSH keys revoked.\n` +
          'They set up a second factor again at their next sign-in. This reset is recorded on the ledger.\n',
      );
    });

  admin
    .command('setup-link')
    .description('print a new one-time link that creates the first administrator (invalidates earlier links)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option('--host <host>', 'listen address of the server (WRIT_HOST), for the link')
    .option('--port <port>', 'HTTPS port of the server (WRIT_PORT), for the link')
    .action(async (flags: ServerFlags) => {
      const { config } = loadInstalledConfig(io, flags);
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
