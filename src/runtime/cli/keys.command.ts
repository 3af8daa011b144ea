import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { migrateToLatest } from '../../migrations/migrations.js';
import type { WritDatabase } from '../../modules/database.js';
import { createLedger, type Ledger } from '../../modules/ledger/ledger.usecases.js';
import type { RotationProgress } from '../../modules/vault/vault.keys.models.js';
import { shredMatter } from '../../modules/documents/documents.matters.usecases.js';
import {
  loadInstallationKey,
  rotateMatterKey,
  rotateRootKey,
} from '../../modules/vault/vault.keys.usecases.js';
import { ensureRootKeyFile, readRootKeyFile } from '../../modules/vault/vault.root-key.js';
import { createFileRootKeyring, nextRootKeyFileFor } from '../../modules/vault/vault.root-keyring.js';
import { type Clock, createSystemClock } from '../../shared/clock/clock.js';
import { createError, isErrorWithCode } from '../../shared/errors/errors.js';
import type { Config } from '../config/config.js';
import { readDatabasePassword, readRootKeyring } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { acquireDataDirLock } from '../install/data-dir-lock.js';
import { type CliIo, loadInstalledConfig } from './cli-io.js';

type KeysFlags = { dataDir?: string };

const actor = { type: 'system' } as const;

async function withKeyStore<T>(
  config: Config,
  work: (store: { db: Kysely<WritDatabase>; clock: Clock; ledger: Ledger }) => Promise<T>,
): Promise<T> {
  const connection = await openConfiguredDatabase({ config, databasePassword: readDatabasePassword(config) });
  try {
    const clock = createSystemClock();
    return await work({ db: connection.db, clock, ledger: createLedger({ clock }) });
  } finally {
    await connection.close();
  }
}

function reportProgress(io: CliIo): (progress: RotationProgress) => void {
  return ({ rewrapped, remaining }) => {
    io.stderr(`re-wrapped ${rewrapped} keys, ${remaining} left\n`);
  };
}

/** Makes a rename durable: the directory entry itself is flushed. */
function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the root key being replaced beside it (`root.key.retired-<id>`, mode 0600), so that a rotation never
 * leaves the operator without the key their earlier backups need; they are told to move it off the machine.
 * A resumed rotation finds it already kept.
 */
function retireRootKeyFile({ rootKeyFile, keyIds }: { rootKeyFile: string; keyIds: string[] }): string {
  const retiredFile = `${rootKeyFile}.retired-${keyIds.join('-') || 'unknown'}`;
  if (!existsSync(retiredFile)) {
    copyFileSync(rootKeyFile, retiredFile, constants.COPYFILE_EXCL);
    chmodSync(retiredFile, 0o600);
    fsyncDirectory(dirname(rootKeyFile));
  }
  return retiredFile;
}

export function registerKeysCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('the key hierarchy: root key rotation, matter keys');

  keys
    .command('rotate-root')
    .description(
      'replace the root key: create keys/root.key.next, re-wrap every key under it, then move it over keys/root.key; with the server stopped; resumes an interrupted rotation',
    )
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (flags: KeysFlags) => {
      const { config } = loadInstalledConfig(io, { dataDir: flags.dataDir });
      const rootKeyFile = config.rootKeyFile;
      if (!existsSync(config.dataDir) || !existsSync(rootKeyFile)) {
        throw createError({
          code: 'cli.no_installation',
          status: 400,
          message: `${rootKeyFile} does not exist: there is no root key to rotate.`,
        });
      }
      // The server holds the keyring in memory: it must not run while the root key changes.
      const lock = acquireDataDirLock({ dataDir: config.dataDir, purpose: 'writ keys rotate-root' });
      try {
        const nextFile = nextRootKeyFileFor(rootKeyFile);
        const { isNew } = ensureRootKeyFile(nextFile);
        io.stderr(
          isNew
            ? `Created the new root key ${nextFile}.\n`
            : `Resuming the rotation to the root key in ${nextFile}.\n`,
        );
        const { keyring } = readRootKeyring(config);
        const oldKeyIds = keyring.keyIds.filter((keyId) => keyId !== keyring.currentKeyId);
        const { rewrapped } = await withKeyStore(config, async ({ db, clock, ledger }) => {
          await migrateToLatest(db);
          const result = await rotateRootKey({
            db,
            keyring,
            clock,
            ledger,
            actor,
            onProgress: reportProgress(io),
          });
          // Nothing may need the old key any more: the installation key must open with the new one alone.
          const nextOnly = createFileRootKeyring({ keys: [readRootKeyFile(nextFile)] });
          await loadInstallationKey({ db, keyring: nextOnly, clock });
          return result;
        });
        const retiredFile = retireRootKeyFile({ rootKeyFile, keyIds: oldKeyIds });
        renameSync(nextFile, rootKeyFile);
        fsyncDirectory(dirname(rootKeyFile));
        io.stderr(`Re-wrapped ${rewrapped} keys.\n`);
        io.stdout(`Root key rotated. New root key id: ${keyring.currentKeyId}\n`);
        io.stdout(
          `Back up ${rootKeyFile} now. Backups taken before this rotation can only be restored with the old root key (${oldKeyIds.join(', ') || 'unknown'}), kept in ${retiredFile}: move that file to where you keep your backups' keys, off this machine, for as long as you keep those backups, then delete it here.\n`,
        );
      } finally {
        lock.release();
      }
    });

  keys
    .command('rotate-matter')
    .description(
      "move a matter's data keys under a fresh matter key and erase the old one; resumes an interrupted rotation",
    )
    .argument('<matterId>', 'the matter (mat_…)')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (matterId: string, flags: KeysFlags) => {
      const { config } = loadInstalledConfig(io, { dataDir: flags.dataDir });
      const { keyring } = readRootKeyring(config);
      await withKeyStore(config, async ({ db, clock, ledger }) => {
        try {
          const { rewrapped } = await rotateMatterKey({
            db,
            keyring,
            clock,
            ledger,
            matterId,
            actor,
            onProgress: reportProgress(io),
          });
          io.stdout(`Matter key of ${matterId} rotated: ${rewrapped} data keys re-wrapped.\n`);
        } catch (error) {
          if (!isErrorWithCode({ error, code: 'vault.key_not_found' })) throw error;
          io.stderr(`No keys are stored for matter ${matterId}.\n`);
          io.setExitCode(1);
        }
      });
    });

  keys
    .command('destroy-matter')
    .description(
      'crypto-shred a matter: erase all its keys, so that its documents and names can never be opened again (irreversible)',
    )
    .argument('<matterId>', 'the matter (mat_…)')
    .requiredOption('--confirm <matterId>', 'the same matter id again, to confirm')
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (matterId: string, flags: KeysFlags & { confirm: string }) => {
      if (flags.confirm !== matterId) {
        io.stderr(
          `Refused: --confirm must repeat the matter id (${matterId}). Destroying a matter's keys cannot be undone.\n`,
        );
        io.setExitCode(1);
        return;
      }
      const { config } = loadInstalledConfig(io, { dataDir: flags.dataDir });
      await withKeyStore(config, async ({ db, clock, ledger }) => {
        try {
          const { destroyed } = await shredMatter({ db, clock, ledger, matterId, actor });
          io.stdout(
            destroyed === 0
              ? `The keys of ${matterId} were already destroyed.\n`
              : `Destroyed ${destroyed} keys of ${matterId}: its documents can no longer be opened.\n`,
          );
        } catch (error) {
          if (isErrorWithCode({ error, code: 'documents.matter_not_found' })) {
            io.stderr(`There is no matter ${matterId}.\n`);
            io.setExitCode(1);
            return;
          }
          if (!isErrorWithCode({ error, code: 'vault.key_not_found' })) throw error;
          io.stderr(`No keys are stored for matter ${matterId}.\n`);
          io.setExitCode(1);
        }
      });
    });
}
