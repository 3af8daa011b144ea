import { createHash, hash as hashOnce, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../src/migrations/migrations.js';
import type { WritDatabase } from '../src/modules/database.js';
import { canonicalJson } from '../src/modules/ledger/ledger.canonical-json.js';
import { verifyInclusion } from '../src/modules/ledger/ledger.merkle-verify.js';
import { hashLeaf } from '../src/modules/ledger/ledger.merkle.js';
import { sequencePendingEntries } from '../src/modules/ledger/ledger.sequencer.js';
import { readInclusionProof, readTreeRoot } from '../src/modules/ledger/ledger.tree-store.js';
import { createLedger } from '../src/modules/ledger/ledger.usecases.js';
import { createStandaloneLedger } from '../src/modules/ledger/ledger.group-commit.js';
import { verifyStoredLedger } from '../src/modules/ledger/ledger.verify.js';
import { createTestNoteSigner } from '../src/modules/ledger/ledger.test-utils.js';
import { createCheckpoint } from '../src/modules/ledger/ledger.checkpoints.usecases.js';
import { createNoteVerifier } from '../src/modules/ledger/ledger.note-keys.js';
import { createSystemClock } from '../src/shared/clock/clock.js';
import { type DatabaseConnection, openDatabase } from '../src/shared/db/database.js';
import type { BenchmarkReport } from './run.js';

/*
 * The ledger's write path and its proofs: sustained appends/s (each append its own transaction, as a use-case
 * makes it, while a sequencer drains pending entries) with 1 and 16 concurrent writers on SQLite and
 * PostgreSQL; then, on SQLite at a large size, inclusion-proof time and full `verifyStoredLedger` time.
 * Baseline: SHA-256 of the same entries with node:crypto in the same run, the floor any Merkle log pays.
 * Settings: BENCH_SECONDS (per append run), BENCH_LEDGER_SIZE, BENCH_POSTGRES_URL (a server; a database is
 * created and dropped).
 */

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench:ledger] ${line}\n`);
}

type BenchDatabase = { connection: DatabaseConnection<WritDatabase>; destroy(): Promise<void> };

async function createBenchDatabase(
  dialect: 'sqlite' | 'postgres',
  serverUrl: string,
): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'writ-bench-ledger-'));
    const connection = await openDatabase<WritDatabase>({ dialect: 'sqlite', path: join(dir, 'writ.db') });
    await migrateToLatest(connection.db);
    return {
      connection,
      destroy: async () => {
        await connection.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = `writ_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const connection = await openDatabase<WritDatabase>({
    dialect: 'postgres',
    connectionString: url.toString(),
  });
  await migrateToLatest(connection.db);
  return {
    connection,
    destroy: async () => {
      await connection.close();
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

function sampleEvent(writer: number, i: number) {
  return {
    kind: 'bench.appended' as const,
    actor: { type: 'system' as const },
    data: { writer, i, commitment: createHash('sha256').update(`${writer}:${i}`).digest('base64') },
  };
}

/**
 * Appends/s while one sequencer loop drains pending entries, counted as entries sequenced (pending drained
 * at the end) over the whole time. `transaction`: each append is its own transaction and commit, as a
 * use-case makes it. `standalone`: each writer awaits `appendStandalone`, and concurrent calls share one
 * commit (group commit; only for events that record no other change).
 */
async function measureAppends({
  db,
  writers,
  seconds,
  mode,
}: {
  db: Kysely<WritDatabase>;
  writers: number;
  seconds: number;
  mode: 'transaction' | 'standalone';
}) {
  const clock = createSystemClock();
  const ledger = createLedger({ clock });
  const standalone = createStandaloneLedger({ db, clock });
  const appendOne =
    mode === 'transaction'
      ? (writer: number, i: number) =>
          db.transaction().execute((trx) => ledger.append({ db: trx, event: sampleEvent(writer, i) }))
      : (writer: number, i: number) => standalone.appendStandalone(sampleEvent(writer, i));
  const deadline = performance.now() + seconds * 1000;
  let appended = 0;
  let isWriting = true;
  const start = performance.now();
  const writerLoops = Array.from({ length: writers }, async (_, writer) => {
    for (let i = 0; performance.now() < deadline; i += 1) {
      await appendOne(writer, i);
      appended += 1;
    }
  });
  const sequencer = (async () => {
    let sequenced = 0;
    for (;;) {
      // As the job runs it: batches of 1,000, at once again after a full batch, else every 200 ms.
      const result = await sequencePendingEntries({ db, clock, maxBatch: 1000 });
      sequenced += result.sequenced;
      if (!isWriting && result.sequenced === 0) return sequenced;
      if (isWriting && result.sequenced < 1000) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  await Promise.all(writerLoops);
  isWriting = false;
  const sequenced = await sequencer;
  const elapsed = (performance.now() - start) / 1000;
  return { appended, sequenced, appendsPerSecond: Math.round(sequenced / elapsed) };
}

/** Pending → sequenced entries/s of `sequencePendingEntries` at the job's batch size, from a backlog. */
async function measureSequencer({
  db,
  count,
  maxBatch,
}: {
  db: Kysely<WritDatabase>;
  count: number;
  maxBatch: number;
}): Promise<number> {
  const clock = createSystemClock();
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < count; start += 500) {
      const rows = [];
      for (let i = start; i < Math.min(count, start + 500); i += 1) {
        const entry = canonicalJson({
          kind: 'bench.appended',
          at: now.toISOString(),
          actor: { type: 'system' },
          data: sampleEvent(1, i).data,
        });
        rows.push({
          id: `evt_${String(i).padStart(10, '0')}`,
          kind: 'bench.appended',
          entry,
          recorded_at: 0,
        });
      }
      await trx.insertInto('ledger_pending_entries').values(rows).execute();
    }
  });
  const start = performance.now();
  let sequenced = 0;
  for (;;) {
    const result = await sequencePendingEntries({ db, clock, maxBatch });
    if (result.sequenced === 0) break;
    sequenced += result.sequenced;
  }
  if (sequenced !== count) throw new Error(`sequenced ${sequenced} of ${count}`);
  return Math.round(count / ((performance.now() - start) / 1000));
}

/** Fills the log with `size` entries quickly: bulk pending inserts, then sequencing in large batches. */
async function fillLedger({ db, size }: { db: Kysely<WritDatabase>; size: number }): Promise<string[]> {
  const clock = createSystemClock();
  const entries: string[] = [];
  const chunk = 5000;
  for (let start = 0; start < size; start += chunk) {
    const rows: { id: string; kind: string; entry: string; recorded_at: number }[] = [];
    for (let i = start; i < Math.min(size, start + chunk); i += 1) {
      const entry = canonicalJson({
        kind: 'bench.appended',
        at: '2026-01-01T00:00:00.000Z',
        actor: { type: 'system' },
        data: sampleEvent(0, i).data,
      });
      entries.push(entry);
      rows.push({ id: `evt_${String(i).padStart(10, '0')}`, kind: 'bench.appended', entry, recorded_at: 0 });
    }
    await db.transaction().execute(async (trx) => {
      for (let offset = 0; offset < rows.length; offset += 500) {
        await trx
          .insertInto('ledger_pending_entries')
          .values(rows.slice(offset, offset + 500))
          .execute();
      }
    });
    for (;;) {
      const { sequenced } = await sequencePendingEntries({ db, clock, maxBatch: 10_000 });
      if (sequenced === 0) break;
    }
    if ((start / chunk) % 40 === 0) log(`filled ${Math.min(size, start + chunk)} / ${size}`);
  }
  return entries;
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const seconds = readPositiveInteger('BENCH_SECONDS', 3);
  const size = readPositiveInteger('BENCH_LEDGER_SIZE', 1_000_000);
  const sequencerBacklog = readPositiveInteger('BENCH_SEQUENCER_BACKLOG', 50_000);
  const serverUrl =
    process.env.BENCH_POSTGRES_URL ??
    process.env.WRIT_TEST_POSTGRES_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  const metrics: Record<string, number> = {};
  const baseline: Record<string, number> = {};
  const ratios: Record<string, number> = {};

  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const mode of ['transaction', 'standalone'] as const) {
      // 64 standalone writers show what bounds 16: each commit carries at most one append per writer.
      for (const writers of mode === 'transaction' ? [1, 16] : [1, 16, 64]) {
        const database = await createBenchDatabase(dialect, serverUrl);
        try {
          const result = await measureAppends({ db: database.connection.db, writers, seconds, mode });
          const key =
            mode === 'transaction'
              ? `${dialect}_appends_per_s_${writers}w`
              : `${dialect}_standalone_appends_per_s_${writers}w`;
          metrics[key] = result.appendsPerSecond;
          log(
            `${dialect}, ${mode}, ${writers} writers: ${result.appendsPerSecond} appends/s (${result.sequenced} sequenced)`,
          );
        } finally {
          await database.destroy();
        }
      }
    }
    const database = await createBenchDatabase(dialect, serverUrl);
    try {
      const perSecond = await measureSequencer({
        db: database.connection.db,
        count: sequencerBacklog,
        maxBatch: 1000,
      });
      metrics[`${dialect}_sequencer_entries_per_s`] = perSecond;
      log(`${dialect}, sequencer: ${perSecond} entries/s (backlog ${sequencerBacklog}, batches of 1000)`);
    } finally {
      await database.destroy();
    }
  }

  const database = await createBenchDatabase('sqlite', serverUrl);
  try {
    const db = database.connection.db;
    const fillStart = performance.now();
    const entries = await fillLedger({ db, size });
    metrics.sqlite_fill_seconds = Math.round((performance.now() - fillStart) / 100) / 10;
    log(`filled ${size} entries in ${metrics.sqlite_fill_seconds} s`);

    const hashStart = performance.now();
    for (const entry of entries) createHash('sha256').update(Buffer.from(entry, 'utf8')).digest();
    const hashSeconds = (performance.now() - hashStart) / 1000;
    baseline.sha256_entries_per_s = Math.round(size / hashSeconds);
    baseline.sha256_all_entries_ms = Math.round(hashSeconds * 1000);
    // The cheapest node:crypto call (one-shot, no Hash object), as the leaf hashes in the log are computed.
    const oneShotStart = performance.now();
    for (const entry of entries) hashOnce('sha256', Buffer.from(`\0${entry}`, 'utf8'), 'buffer');
    const oneShotSeconds = (performance.now() - oneShotStart) / 1000;
    baseline.sha256_oneshot_entries_per_s = Math.round(size / oneShotSeconds);
    baseline.sha256_oneshot_all_entries_ms = Math.round(oneShotSeconds * 1000);

    const root = await readTreeRoot({ db, treeSize: size });
    const proofs = 1000;
    const proofStart = performance.now();
    for (let n = 0; n < proofs; n += 1) {
      const leafIndex = Math.floor(Math.random() * size);
      const proof = await readInclusionProof({ db, leafIndex, treeSize: size });
      if (n === 0) {
        const leafHash = hashLeaf(Buffer.from(entries[leafIndex] ?? '', 'utf8'));
        if (!verifyInclusion({ leafHash, leafIndex, treeSize: size, proof, rootHash: root }))
          throw new Error('bad proof');
      }
    }
    metrics.inclusion_proof_ms = Math.round(((performance.now() - proofStart) / proofs) * 1000) / 1000;

    const signer = createTestNoteSigner({ name: 'bench.example/ledger' });
    await createCheckpoint({ db, clock: createSystemClock(), signer, origin: 'bench.example/ledger' });
    const verifyStart = performance.now();
    const report = await verifyStoredLedger({
      db,
      origin: 'bench.example/ledger',
      verifier: createNoteVerifier({ name: 'bench.example/ledger', publicKey: signer.publicKey }),
    });
    metrics.verify_seconds = Math.round((performance.now() - verifyStart) / 100) / 10;
    if (report.failures.length > 0)
      throw new Error(`verification failed: ${JSON.stringify(report.failures[0])}`);
    log(`inclusion proof ${metrics.inclusion_proof_ms} ms, verify ${metrics.verify_seconds} s at ${size}`);

    for (const key of Object.keys(metrics).filter((name) => name.includes('_per_s'))) {
      ratios[`${key}_over_sha256`] =
        Math.round(((metrics[key] ?? 0) / baseline.sha256_entries_per_s) * 10000) / 10000;
    }
    ratios.verify_over_sha256 =
      Math.round(((metrics.verify_seconds * 1000) / baseline.sha256_all_entries_ms) * 10) / 10;
    ratios.verify_over_sha256_oneshot =
      Math.round(((metrics.verify_seconds * 1000) / baseline.sha256_oneshot_all_entries_ms) * 10) / 10;
  } finally {
    await database.destroy();
  }

  return {
    bench: 'ledger',
    settings: { append_seconds: seconds, large_size: size, sequencer_backlog: sequencerBacklog },
    descriptions: {
      '<engine>_appends_per_s_<n>w':
        'n writers, each append its own transaction (what a use-case pays), resolved once durably committed; on SQLite, transactions that queue for the connection share one commit (group commit in the driver); entries sequenced per second of the run, backlog drained',
      '<engine>_standalone_appends_per_s_<n>w':
        'n writers awaiting appendStandalone: concurrent events that record no other change share one commit (group commit); same count',
      '<engine>_sequencer_entries_per_s':
        'sequencePendingEntries from a backlog in batches of 1000 (the job default): pending → indexed, with subtree hashes',
      inclusion_proof_ms: 'readInclusionProof at large_size, mean of 1000 random leaves',
      verify_seconds: 'verifyStoredLedger at large_size (SQLite), every entry and stored subtree hash',
    },
    metrics,
    baseline,
    ratios,
  };
}
