import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseCosignerKey } from '../../modules/ledger/ledger.cosignatures.js';
import {
  createNoteVerifier,
  type NoteVerifier,
  parseVerifierKey,
} from '../../modules/ledger/ledger.note-keys.js';
import { verifyReceipt } from '../../modules/ledger/ledger.receipts.js';
import { readSigningPublicKey } from '../../modules/vault/vault.signing-keys.js';
import { ledgerOriginOf } from '../ledger-origin.js';
import { isWritError } from '../../shared/errors/errors.js';
import { readDatabasePassword } from '../config/secrets.js';
import { openConfiguredDatabase } from '../dependencies.js';
import { type CliIo, loadInstalledConfig } from './cli-io.js';

type ProveFlags = { key?: string; dataDir?: string; witnesses: string; witnessKey: string[] };

const maxReceiptBytes = 1024 * 1024;

/**
 * `writ ledger prove <receipt.json>`: checks a receipt offline with the log's verifier key (never the key
 * the receipt itself could name): JWS, event bytes, leaf hash, inclusion proof, checkpoint signature and,
 * when asked, witness cosignatures. Prints every check; exits 1 on any failure.
 */
export function registerLedgerProveCommand(ledger: Command, io: CliIo): void {
  ledger
    .command('prove')
    .description(
      'verify a receipt (writ-receipt/v1) offline against the log verifier key; exit 1 on any failure',
    )
    .argument('<receipt>', 'the receipt JSON file')
    .option('--key <verifier key>', "the log's published verifier key (`writ ledger key`)")
    .option(
      '--data-dir <dir>',
      "read the installation's verifier key from this data directory instead of --key",
    )
    .option('--witnesses <k>', 'require at least k valid cosignatures from --witness-key witnesses', '0')
    .option(
      '--witness-key <key>',
      'a trusted witness key <name>+<key id>+<base64> (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (file: string, flags: ProveFlags) => {
      try {
        await prove(io, file, flags);
      } catch (error) {
        if (!isWritError(error)) throw error;
        io.stderr(`${error.message}\n`);
        io.setExitCode(1);
      }
    });
}

async function readVerifier(io: CliIo, flags: ProveFlags): Promise<NoteVerifier | undefined> {
  if (flags.key !== undefined) return parseVerifierKey(flags.key);
  if (flags.dataDir === undefined) return undefined;
  const { config } = loadInstalledConfig(io, { dataDir: flags.dataDir });
  const connection = await openConfiguredDatabase({ config, databasePassword: readDatabasePassword(config) });
  try {
    const origin = await ledgerOriginOf({ db: connection.db, config });
    const stored = await readSigningPublicKey({ db: connection.db, name: origin });
    return stored === undefined
      ? undefined
      : createNoteVerifier({ name: origin, publicKey: stored.publicKey });
  } finally {
    await connection.close();
  }
}

async function prove(io: CliIo, file: string, flags: ProveFlags): Promise<void> {
  const minWitnesses = /^(?:0|[1-9][0-9]{0,2})$/.test(flags.witnesses) ? Number(flags.witnesses) : Number.NaN;
  if (Number.isNaN(minWitnesses)) {
    io.stderr('--witnesses takes a whole number of witnesses.\n');
    io.setExitCode(1);
    return;
  }
  const verifier = await readVerifier(io, flags);
  if (verifier === undefined) {
    io.stderr(
      'Pass --key with the published verifier key (or --data-dir of the installation): the key named inside a receipt is not trusted.\n',
    );
    io.setExitCode(1);
    return;
  }
  let receipt: unknown;
  try {
    const text = readFileSync(file);
    if (text.length > maxReceiptBytes) throw new Error('larger than 1 MiB');
    receipt = JSON.parse(text.toString('utf8')) as unknown;
  } catch (error) {
    io.stdout(
      `FAILED receipt: cannot read ${file} as JSON (${error instanceof Error ? error.message : String(error)})\n`,
    );
    io.setExitCode(1);
    return;
  }
  const { isValid, checks } = verifyReceipt({
    receipt,
    verifier,
    witnesses: flags.witnessKey.map(parseCosignerKey),
    minWitnesses,
  });
  for (const check of checks) io.stdout(`${check.isOk ? 'ok' : 'FAILED'} ${check.message}\n`);
  io.stdout(isValid ? 'receipt verified\n' : 'receipt does NOT verify\n');
  if (!isValid) io.setExitCode(1);
}
