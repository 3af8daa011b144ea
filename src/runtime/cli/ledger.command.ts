import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  checkCosignatures,
  type CosignerVerifier,
  parseCosignerKey,
} from '../../modules/ledger/ledger.cosignatures.js';
import { readLatestCosignedCheckpoint } from '../../modules/ledger/ledger.cosignatures.usecases.js';
import { createCosignerKeyInvalidError } from '../../modules/ledger/ledger.errors.js';
import { verifyRemoteLedger } from '../../modules/ledger/ledger.verify-remote.js';
import { formatLedgerGrants } from '../../modules/ledger/ledger.grants.js';
import { createNoteVerifier, parseVerifierKey } from '../../modules/ledger/ledger.note-keys.js';
import { type LedgerVerificationReport, verifyStoredLedger } from '../../modules/ledger/ledger.verify.js';
import { readSigningPublicKey } from '../../modules/vault/vault.signing-keys.js';
import { ledgerOriginOf } from '../ledger-origin.js';
import { isWritError } from '../../shared/errors/errors.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { type CliIo, loadInstalledConfig } from './cli-io.js';
import { registerLedgerProveCommand } from './ledger.prove.command.js';
import { createLedgerFetcher } from './ledger.remote.js';

type LedgerFlags = { dataDir?: string; key?: string };
type VerifyFlags = LedgerFlags & { url?: string; caFile?: string; witnesses: string; witnessKey: string[] };

export function registerLedgerCommands(program: Command, io: CliIo): void {
  const ledger = program.command('ledger').description('the tamper-evident ledger of every change');
  ledger
    .command('verify')
    .description(
      'recompute the Merkle tree from the stored entries (--data-dir) or the published tiles (--url) and check every hash and signed checkpoint; exit 1 naming the first bad index',
    )
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .option(
      '--url <url>',
      'verify a published log instead, e.g. https://writ.example.com/ledger (needs --key)',
    )
    .option(
      '--ca-file <file>',
      'with --url: the only certificate authority to trust (a self-signed certificate)',
    )
    .option(
      '--key <verifier key>',
      'the published verifier key to trust (default with --data-dir: the public key stored in the database)',
    )
    .option('--witnesses <k>', 'require at least k valid witness cosignatures on the latest checkpoint', '0')
    .option(
      '--witness-key <key>',
      'a trusted witness key <name>+<key id>+<base64> (repeatable; default: WRIT_LEDGER_WITNESSES)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (flags: VerifyFlags) => {
      try {
        await runVerify(io, flags);
      } catch (error) {
        if (!isWritError(error)) throw error;
        io.stderr(`${error.message}\n`);
        io.setExitCode(1);
      }
    });

  ledger
    .command('key')
    .description("print the log's verifier key (c2sp.org/signed-note), for whoever verifies checkpoints")
    .option('--data-dir <dir>', 'data directory (WRIT_DATA_DIR)')
    .action(async (flags: LedgerFlags) => {
      const { config } = loadInstalledConfig(io, { dataDir: flags.dataDir });
      const connection = await openConfiguredDatabase({
        config,
        databasePassword: readDatabasePassword(config),
      });
      try {
        const origin = await ledgerOriginOf({ db: connection.db, config });
        const stored = await readSigningPublicKey({ db: connection.db, name: origin });
        if (stored === undefined) {
          io.stderr(`No signing key named ${origin} yet: it is created when Writ first starts.\n`);
          io.setExitCode(1);
          return;
        }
        io.stdout(`${stored.verifierKey}\n`);
      } finally {
        await connection.close();
      }
    });

  registerLedgerProveCommand(ledger, io);

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

function parseWitnessCount(text: string): number {
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(text)) {
    throw createCosignerKeyInvalidError({ message: '--witnesses takes a whole number of witnesses.' });
  }
  return Number(text);
}

async function runVerify(io: CliIo, flags: VerifyFlags): Promise<void> {
  const minWitnesses = parseWitnessCount(flags.witnesses);
  if (flags.url !== undefined) {
    await runRemoteVerify(io, flags, minWitnesses);
    return;
  }
  const { config } = loadInstalledConfig(io, { dataDir: flags.dataDir });
  const witnesses = (flags.witnessKey.length > 0 ? flags.witnessKey : config.ledger.witnesses).map(
    parseCosignerKey,
  );
  const connection = await openConfiguredDatabase({
    config,
    databasePassword: readDatabasePassword(config),
  });
  try {
    const origin = await ledgerOriginOf({ db: connection.db, config });
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
      io.stdout(`Trusting the key stored in the database; pass --key with the published key to pin it.\n`);
    }
    const report = await verifyStoredLedger({ db: connection.db, origin, verifier });
    const witnessFailure =
      minWitnesses > 0 || witnesses.length > 0
        ? await checkStoredCosignatures({ db: connection.db, witnesses, minWitnesses, io })
        : undefined;
    if (report.failures.length === 0 && witnessFailure === undefined) {
      io.stdout(
        `ok: ${report.entryCount} entries and ${report.checkpointsChecked} signed checkpoints of ${origin} verified\n`,
      );
      return;
    }
    if (report.failures.length > 0) {
      io.stdout(`FAILED: ${describeFirstBadIndex(report.firstBadIndex)}\n`);
      for (const failure of report.failures) io.stdout(`  ${failure.code}: ${failure.message}\n`);
    }
    if (witnessFailure !== undefined) io.stdout(`FAILED: ${witnessFailure}\n`);
    io.setExitCode(1);
  } finally {
    await connection.close();
  }
}

/** The failure to report when the latest checkpoint lacks `minWitnesses` valid cosignatures, else undefined. */
async function checkStoredCosignatures({
  db,
  witnesses,
  minWitnesses,
  io,
}: {
  db: Parameters<typeof readLatestCosignedCheckpoint>[0]['db'];
  witnesses: readonly CosignerVerifier[];
  minWitnesses: number;
  io: CliIo;
}): Promise<string | undefined> {
  const latest = await readLatestCosignedCheckpoint({ db });
  if (latest === undefined) return minWitnesses > 0 ? 'the log has no checkpoint to be cosigned' : undefined;
  const { valid, invalid } = checkCosignatures({ note: latest.note, witnesses });
  io.stdout(
    `witnesses: ${valid.length} valid cosignature(s) on checkpoint ${latest.checkpoint.size} from ${witnesses.length} trusted witness key(s)${valid.length > 0 ? ` (${valid.map((c) => c.name).join(', ')})` : ''}\n`,
  );
  if (invalid.length > 0)
    return `the stored cosignature by ${invalid.map((bad) => bad.name).join(', ')} does not verify`;
  if (valid.length < minWitnesses) {
    return `${valid.length} valid witness cosignature(s) on the latest checkpoint (size ${latest.checkpoint.size}), ${minWitnesses} required`;
  }
  return undefined;
}

async function runRemoteVerify(io: CliIo, flags: VerifyFlags, minWitnesses: number): Promise<void> {
  if (flags.key === undefined) {
    io.stderr('--url needs --key: the published verifier key of the log.\n');
    io.setExitCode(1);
    return;
  }
  const verifier = parseVerifierKey(flags.key);
  const witnesses = flags.witnessKey.map(parseCosignerKey);
  const ca = flags.caFile === undefined ? undefined : readFileSync(flags.caFile, 'utf8');
  const url = flags.url ?? '';
  let report;
  try {
    report = await verifyRemoteLedger({
      fetch: createLedgerFetcher({ url, ca }),
      verifier,
      witnesses,
      minWitnesses,
    });
  } catch (error) {
    io.stderr(`Cannot read the log at ${url}: ${error instanceof Error ? error.message : String(error)}\n`);
    io.setExitCode(1);
    return;
  }
  if (minWitnesses > 0 || witnesses.length > 0) {
    io.stdout(`witnesses: ${report.cosignatures.valid} valid cosignature(s), ${minWitnesses} required\n`);
  }
  if (report.failures.length === 0) {
    io.stdout(
      `ok: ${report.size ?? 0} entries of ${verifier.name} at ${url} verified against the signed checkpoint\n`,
    );
    return;
  }
  const first = report.failures
    .map((failure) => failure.index)
    .filter((index) => index !== undefined)
    .toSorted((a, b) => a - b)[0];
  io.stdout(
    `FAILED: ${first === undefined ? 'the checkpoint or its cosignatures do not verify' : `first bad index ${first}`}\n`,
  );
  for (const failure of report.failures) io.stdout(`  ${failure.code}: ${failure.message}\n`);
  io.setExitCode(1);
}

function describeFirstBadIndex(first: LedgerVerificationReport['firstBadIndex']): string {
  if (first === undefined) return 'the stored hashes or checkpoints do not verify';
  if (first.throughIndex === undefined) return `first bad index ${first.index}`;
  return `first bad index between ${first.index} and ${first.throughIndex}`;
}
