import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, test } from 'vitest';
import { migrateToLatest } from '../../src/migrations/migrations.js';
import type { WritDatabase } from '../../src/modules/database.js';
import { createCheckpoint } from '../../src/modules/ledger/ledger.checkpoints.usecases.js';
import { parseCosignerKey } from '../../src/modules/ledger/ledger.cosignatures.js';
import { createTestCosigner } from '../../src/modules/ledger/ledger.cosignatures.test-utils.js';
import {
  addCosignatures,
  readLatestCosignedCheckpoint,
} from '../../src/modules/ledger/ledger.cosignatures.usecases.js';
import type { Receipt } from '../../src/modules/ledger/ledger.receipts.js';
import { buildReceipt } from '../../src/modules/ledger/ledger.receipts.usecases.js';
import { registerLedgerRoutes } from '../../src/modules/ledger/ledger.routes.js';
import { sequencePendingEntries } from '../../src/modules/ledger/ledger.sequencer.js';
import { appendTestEvents } from '../../src/modules/ledger/ledger.storage.test-utils.js';
import { formatVerifierKey } from '../../src/modules/ledger/ledger.note-keys.js';
import { createTestNoteSigner } from '../../src/modules/ledger/ledger.test-utils.js';
import { loadInstallationKey } from '../../src/modules/vault/vault.keys.usecases.js';
import { ensureRootKeyFile } from '../../src/modules/vault/vault.root-key.js';
import { loadRootKeyring } from '../../src/modules/vault/vault.root-keyring.js';
import { createSecretBox } from '../../src/modules/vault/vault.secret-box.js';
import { loadOrCreateSigningKey } from '../../src/modules/vault/vault.signing-keys.js';
import { createTestClock } from '../../src/shared/clock/clock.test-utils.js';
import { openDatabase } from '../../src/shared/db/database.js';
import {
  cleanupCli,
  createCliWorkspace,
  readServerCertificate,
  requestHttps,
  runWrit,
  startWritServer,
} from '../support/cli.js';

// The origin `writ` derives from its defaults (WRIT_HOST 127.0.0.1, WRIT_PORT 8443).
const origin = 'localhost:8443/ledger';

afterAll(cleanupCli);

const witness = createTestCosigner({ name: 'witness.example/w1' });
const otherWitness = createTestCosigner({ name: 'witness.example/w2' });

/** A data directory with 40 sequenced entries, a checkpoint, one witness cosignature and a receipt for entry 23. */
async function createLedgerDataDir(): Promise<{
  root: string;
  dataDir: string;
  verifierKey: string;
  receipt: Receipt;
}> {
  const { root, dataDir } = createCliWorkspace();
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const rootKeyFile = join(dataDir, 'keys', 'root.key');
  ensureRootKeyFile(rootKeyFile);
  const connection = await openDatabase<WritDatabase>({ dialect: 'sqlite', path: join(dataDir, 'writ.db') });
  try {
    const db = connection.db;
    await migrateToLatest(db);
    const clock = createTestClock();
    const { keyring } = loadRootKeyring({ rootKeyFile });
    const signer = await loadOrCreateSigningKey({
      db,
      secretBox: createSecretBox({ key: await loadInstallationKey({ db, keyring, clock }) }),
      clock,
      name: origin,
    });
    for (const [batch, count] of [17, 13, 10].entries()) {
      await appendTestEvents({ db, clock, count, label: `batch ${batch}` });
      await sequencePendingEntries({ db, clock });
    }
    await createCheckpoint({ db, clock, signer, origin });
    const latest = await readLatestCosignedCheckpoint({ db });
    if (latest === undefined) throw new Error('a checkpoint exists');
    await addCosignatures({
      db,
      clock,
      witnesses: [parseCosignerKey(witness.verifierKey)],
      note: latest.note + witness.cosign(latest.note),
    });
    const entry = await db
      .selectFrom('ledger_entries')
      .select('entry_id')
      .where('idx', '=', 23)
      .executeTakeFirstOrThrow();
    const result = await buildReceipt({ db, signer, entryId: entry.entry_id });
    if (result.status !== 'ready') throw new Error('the receipt should be ready');
    return { root, dataDir, verifierKey: signer.verifierKey, receipt: result.receipt };
  } finally {
    await connection.close();
  }
}

const prepared = createLedgerDataDir();

async function prove(receipt: unknown, args: string[]) {
  const { root } = await prepared;
  const file = join(root, `receipt-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof receipt === 'string' ? receipt : JSON.stringify(receipt));
  return runWrit(['ledger', 'prove', file, ...args]);
}

describe('writ ledger prove', () => {
  test('a real receipt verifies with the published key, or with the installation key from --data-dir', async () => {
    const { receipt, verifierKey, dataDir } = await prepared;
    const result = await prove(receipt, ['--key', verifierKey]);
    expect(result.stdout).toContain('ok jws: Ed25519 signature verifies with the log key');
    expect(result.stdout).toContain('ok inclusion: entry 23 is in the tree of 40 entries');
    expect(result.stdout).toContain('receipt verified');
    expect(result.exitCode).toBe(0);
    const fromDataDir = await prove(receipt, ['--data-dir', dataDir]);
    expect(fromDataDir.exitCode).toBe(0);
    const witnessed = await prove(receipt, [
      '--key',
      verifierKey,
      '--witnesses',
      '1',
      '--witness-key',
      witness.verifierKey,
    ]);
    expect(witnessed.exitCode).toBe(0);
  });

  test('without a trusted key, nothing is verified', async () => {
    const { receipt } = await prepared;
    const result = await prove(receipt, []);
    expect(result.stderr).toContain('the key named inside a receipt is not trusted');
    expect(result.exitCode).toBe(1);
  });

  test('tampering with the event, the JWS, a proof hash or the checkpoint, or the wrong key, fails with a clear message', async () => {
    const { receipt, verifierKey } = await prepared;
    const [header, payload, signature = ''] = receipt.jws.split('.');
    const firstHash = receipt.proof.split('\n')[2] ?? '';
    const cases: [unknown, string, string?][] = [
      [
        { ...receipt, event: receipt.event.replace('batch 1', 'batch 7') },
        'FAILED jws: payload is the event',
      ],
      [
        {
          ...receipt,
          jws: `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`,
        },
        'FAILED jws: Ed25519 signature verifies',
      ],
      [
        { ...receipt, proof: receipt.proof.replace(firstHash, Buffer.alloc(32, 1).toString('base64')) },
        'FAILED inclusion: entry 23',
      ],
      [
        { ...receipt, proof: receipt.proof.replace(`${origin}\n40\n`, `${origin}\n41\n`) },
        'FAILED checkpoint',
      ],
      [
        receipt,
        'FAILED jws: signed by key',
        createTestNoteSigner({ name: origin }).publicKey.toString('base64'),
      ],
      ['{not json', 'FAILED receipt: cannot read'],
    ];
    for (const [changed, message, otherKey] of cases) {
      const key =
        otherKey === undefined
          ? verifierKey
          : (await import('../../src/modules/ledger/ledger.note-keys.js')).formatVerifierKey({
              name: origin,
              publicKey: Buffer.from(otherKey, 'base64'),
            });
      const result = await prove(changed, ['--key', key]);
      expect(result.stdout).toContain(message);
      expect(result.exitCode).toBe(1);
    }
  }, 120_000);
});

describe('writ ledger verify --witnesses', () => {
  test('K=1 passes with the cosigning witness trusted; K=2 fails and says why', async () => {
    const { dataDir, verifierKey } = await prepared;
    const keys = ['--witness-key', witness.verifierKey, '--witness-key', otherWitness.verifierKey];
    const one = await runWrit([
      'ledger',
      'verify',
      '--data-dir',
      dataDir,
      '--key',
      verifierKey,
      '--witnesses',
      '1',
      ...keys,
    ]);
    expect(one.stdout).toContain('ok: 40 entries');
    expect(one.exitCode).toBe(0);
    const two = await runWrit([
      'ledger',
      'verify',
      '--data-dir',
      dataDir,
      '--key',
      verifierKey,
      '--witnesses',
      '2',
      ...keys,
    ]);
    expect(two.stdout).toContain(
      'FAILED: 1 valid witness cosignature(s) on the latest checkpoint (size 40), 2 required',
    );
    expect(two.exitCode).toBe(1);
  });
});

describe('writ ledger verify --url', () => {
  test('a running server verifies through its checkpoint and tiles, pinning its self-signed certificate', async () => {
    const { root, dataDir } = createCliWorkspace();
    const server = await startWritServer({
      dataDir,
      env: { WRIT_LEDGER_CHECKPOINT_SECONDS: '1', WRIT_LEDGER_ORIGIN: 'writ.test/ledger' },
    });
    try {
      const ca = readServerCertificate(dataDir);
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const response = await requestHttps({ url: `${server.url}/ledger/checkpoint`, ca });
        if (response.status === 200) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const key = (
        await runWrit(['ledger', 'key', '--data-dir', dataDir], {
          env: { WRIT_LEDGER_ORIGIN: 'writ.test/ledger' },
        })
      ).stdout.trim();
      const caFile = join(root, 'ca.pem');
      writeFileSync(caFile, ca);
      const result = await runWrit([
        'ledger',
        'verify',
        '--url',
        `${server.url}/ledger`,
        '--key',
        key,
        '--ca-file',
        caFile,
      ]);
      expect(result.stdout).toMatch(/ok: \d+ entries of .* verified against the signed checkpoint/);
      expect(result.exitCode).toBe(0);
    } finally {
      await server.stop();
    }
  }, 90_000);

  test('a tampered entry bundle is named by its first bad index', async () => {
    const { dataDir, verifierKey } = await prepared;
    const connection = await openDatabase<WritDatabase>({
      dialect: 'sqlite',
      path: join(dataDir, 'writ.db'),
    });
    const app = Fastify();
    registerLedgerRoutes(app, { db: connection.db });
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.url.startsWith('/ledger/tile/entries/') && Buffer.isBuffer(payload)) {
        done(null, Buffer.from(payload.toString('latin1').replace('"batch 1"', '"Batch 1"'), 'latin1'));
        return;
      }
      done(null, payload);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/ledger`;
      const result = await runWrit(['ledger', 'verify', '--url', url, '--key', verifierKey]);
      expect(result.stdout).toContain('FAILED: first bad index 17');
      expect(result.stdout).toContain('checkpoint_root_mismatch');
      expect(result.exitCode).toBe(1);
      const untouched = await runWrit([
        'ledger',
        'verify',
        '--url',
        url,
        '--key',
        verifierKey,
        '--witnesses',
        '1',
        '--witness-key',
        otherWitness.verifierKey,
      ]);
      expect(untouched.stdout).toContain('cosignatures_missing');
      expect(untouched.exitCode).toBe(1);
    } finally {
      await app.close();
      await connection.close();
    }
  });

  test('an altered hash tile above level 0, or an altered partial tile, is named by its path and first entry', async () => {
    const { root } = createCliWorkspace();
    mkdirSync(root, { recursive: true });
    const connection = await openDatabase<WritDatabase>({ dialect: 'sqlite', path: join(root, 'tiles.db') });
    // 300 entries: full level-0 tile 000, partial level-0 tile 001.p/44, and level-1 tile 000.p/1.
    const clock = createTestClock();
    const signer = createTestNoteSigner({ name: origin });
    const key = formatVerifierKey({ name: origin, publicKey: signer.publicKey });
    await migrateToLatest(connection.db);
    await appendTestEvents({ db: connection.db, clock, count: 300, label: 'tiles' });
    await sequencePendingEntries({ db: connection.db, clock });
    await createCheckpoint({ db: connection.db, clock, signer, origin });
    let alteredPath = '';
    let truncatedPath = '';
    const app = Fastify();
    registerLedgerRoutes(app, { db: connection.db });
    app.addHook('onSend', (request, _reply, payload, done) => {
      if (request.url === `/ledger/${truncatedPath}` && Buffer.isBuffer(payload)) {
        done(null, payload.subarray(0, payload.length - 1));
        return;
      }
      if (request.url === `/ledger/${alteredPath}` && Buffer.isBuffer(payload)) {
        // Hash 5 of the tile, or hash 0 of a narrower one.
        const altered = Buffer.from(payload);
        const at = altered.length > 5 * 32 ? 5 * 32 : 0;
        altered[at] = (altered[at] ?? 0) ^ 1;
        done(null, altered);
        return;
      }
      done(null, payload);
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/ledger`;
      const untouched = await runWrit(['ledger', 'verify', '--url', url, '--key', key]);
      expect(untouched.stdout).toContain('ok: 300 entries');
      expect(untouched.exitCode).toBe(0);

      alteredPath = 'tile/1/000.p/1';
      const levelOne = await runWrit(['ledger', 'verify', '--url', url, '--key', key]);
      expect(levelOne.stdout).toContain('FAILED: first bad index 0');
      expect(levelOne.stdout).toContain('tile_altered: The hash tile tile/1/000.p/1 differs');
      expect(levelOne.stdout).not.toContain('checkpoint_root_mismatch');
      expect(levelOne.exitCode).toBe(1);

      alteredPath = 'tile/0/001.p/44';
      const partial = await runWrit(['ledger', 'verify', '--url', url, '--key', key]);
      expect(partial.stdout).toContain('FAILED: first bad index 261');
      expect(partial.stdout).toContain('tile_altered: The hash tile tile/0/001.p/44 differs');
      expect(partial.exitCode).toBe(1);

      alteredPath = '';
      truncatedPath = 'tile/1/000.p/1';
      const truncated = await runWrit(['ledger', 'verify', '--url', url, '--key', key]);
      expect(truncated.stdout).toContain(
        'tile_invalid: The hash tile tile/1/000.p/1 is missing or not the expected length.',
      );
      expect(truncated.exitCode).toBe(1);
    } finally {
      await app.close();
      await connection.close();
    }
  }, 60_000);
});
