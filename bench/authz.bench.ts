import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrateToLatest } from '../src/migrations/migrations.js';
import type { PolicyEngine, PolicyRequest } from '../src/modules/access/access.models.js';
import { authorizeMatterAction } from '../src/modules/access/access.usecases.js';
import type { WritDatabase } from '../src/modules/database.js';
import { listFolder } from '../src/modules/documents/documents.folders.usecases.js';
import { createMatter } from '../src/modules/documents/documents.matters.usecases.js';
import {
  generateDocumentId,
  generateVersionId,
  sealContext,
} from '../src/modules/documents/documents.models.js';
import { sealName } from '../src/modules/documents/documents.naming.js';
import type { DocumentsTable, DocumentVersionsTable } from '../src/modules/documents/documents.tables.js';
import { uploadDocument } from '../src/modules/documents/documents.uploads.usecases.js';
import { openMatterVault } from '../src/modules/vault/vault.keys.usecases.js';
import { createTestClock } from '../src/shared/clock/clock.test-utils.js';
import { openDatabase } from '../src/shared/db/database.js';
import {
  createTestDocumentsDependencies,
  createTestPrincipal,
  readableOf,
  testPolicyEngine,
} from '../test/support/documents.js';
import type { BenchmarkReport } from './run.js';

/*
 * Authorization cost: (a) one document-read decision through `authorizeMatterAction` (wall and compliance
 * look-ups in a real, migrated SQLite database, then the Cedar engine) and through the bare engine; (b) listing a
 * folder of 10,000 documents as a member with the real policies beside the same listing with an allow-all engine,
 * same data, same run, alternating rounds.
 */

const targets = { decisionP99Ms: 1, listingOverheadMax: 0.2 };

function readPositiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

function log(line: string): void {
  process.stderr.write(`[bench:authz] ${line}\n`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const round = (value: number, digits = 4) => Number(value.toFixed(digits));

async function timeEach(count: number, run: () => unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b);
}

export async function runBenchmark(): Promise<BenchmarkReport> {
  const decisions = readPositiveInteger('WRIT_BENCH_AUTHZ_DECISIONS', 20_000);
  const documentCount = readPositiveInteger('WRIT_BENCH_AUTHZ_DOCUMENTS', 10_000);
  const rounds = readPositiveInteger('WRIT_BENCH_AUTHZ_ROUNDS', 11);

  const dir = mkdtempSync(join(tmpdir(), 'writ-bench-authz-'));
  const connection = await openDatabase<WritDatabase>({ dialect: 'sqlite', path: join(dir, 'writ.db') });
  const clock = createTestClock();
  const deps = createTestDocumentsDependencies({ db: connection.db, clock });
  try {
    await migrateToLatest(connection.db);
    const db = connection.db;
    const policy = testPolicyEngine();
    const principal = await createTestPrincipal({ db, clock, role: 'lawyer' });
    const matter = await createMatter({ ...deps, principal, name: 'Bench v Authz' });

    // ---- Seed: one real upload, then its version cloned under 10,000 sealed document names. ----
    log(`seeding ${documentCount} documents`);
    const seedStart = performance.now();
    const first = await uploadDocument({
      ...deps,
      principal,
      target: { matterId: matter.id, name: 'document-00000.txt' },
      content: readableOf(Buffer.from('x')),
    });
    const template = await db
      .selectFrom('document_versions')
      .selectAll()
      .where('id', '=', first.version.id)
      .executeTakeFirstOrThrow();
    const vault = await openMatterVault({ db, keyring: deps.keyring, matterId: matter.id });
    const now = clock.now().getTime();
    const batch = 500;
    for (let offset = 1; offset < documentCount; offset += batch) {
      const documents: DocumentsTable[] = [];
      const versions: DocumentVersionsTable[] = [];
      for (let index = offset; index < Math.min(documentCount, offset + batch); index++) {
        const id = generateDocumentId();
        const { name_sealed, name_lookup } = sealName({
          vault,
          rawName: `document-${String(index).padStart(5, '0')}.txt`,
          context: sealContext.documentName(id),
        });
        documents.push({
          id,
          matter_id: matter.id,
          folder_id: matter.rootFolderId,
          name_sealed,
          name_lookup,
          current_version: 1,
          created_by: principal.userId,
          created_at: now,
          updated_at: now,
          trashed_at: null,
          classification: null,
        });
        versions.push({ ...template, id: generateVersionId(), document_id: id, version: 1 });
      }
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('documents').values(documents).execute();
        await trx.insertInto('document_versions').values(versions).execute();
      });
    }
    log(`seeded in ${Math.round(performance.now() - seedStart)} ms`);

    // ---- (b) A folder of 10,000 documents as a member, real policies vs allow-all. ----
    const allowAll: PolicyEngine = {
      decide: () => ({ isAllowed: true, reasons: [] }),
      policyIds: policy.policyIds,
    };
    const listWith = async (engine: PolicyEngine) => {
      const start = performance.now();
      const listing = await listFolder({
        ...deps,
        access: { policy: engine, stepUpMinutes: 10 },
        principal,
        matterId: matter.id,
      });
      const elapsed = performance.now() - start;
      if (listing.documents.length !== documentCount) {
        throw new Error(`listed ${listing.documents.length} documents, expected ${documentCount}`);
      }
      return elapsed;
    };
    // How many decisions one listing takes (one per distinct classification, not one per row).
    let decisionsPerListing = 0;
    await listWith({
      decide: (request) => {
        decisionsPerListing += 1;
        return policy.decide(request);
      },
      policyIds: policy.policyIds,
    });
    await listWith(allowAll);
    const withPolicy: number[] = [];
    const withAllowAll: number[] = [];
    for (let index = 0; index < rounds; index++) {
      // Alternate which goes first so that drift in the machine's state does not favour one side.
      if (index % 2 === 0) {
        withPolicy.push(await listWith(policy));
        withAllowAll.push(await listWith(allowAll));
      } else {
        withAllowAll.push(await listWith(allowAll));
        withPolicy.push(await listWith(policy));
      }
      log(
        `round ${index + 1}: policy ${(withPolicy.at(-1) ?? 0).toFixed(1)} ms, allow-all ${(withAllowAll.at(-1) ?? 0).toFixed(1)} ms`,
      );
    }
    // ---- (a) One document-read decision. ----
    const facts = {
      matter: { id: matter.id, classification: 'internal' as const, status: 'open' },
      item: { id: first.document.id, classification: 'internal' as const },
      membership: { role: 'owner' as const, isNamedForHighlySensitive: false },
    };
    const authorize = () =>
      authorizeMatterAction({
        db,
        clock,
        policy,
        stepUpMinutes: 10,
        principal,
        action: 'document.read',
        facts,
      });
    const check = await authorize();
    if (!check.isAllowed) throw new Error(`the owner may not read: ${JSON.stringify(check)}`);
    const request: PolicyRequest = {
      principal: { id: principal.userId, role: 'lawyer', isComplianceOfficer: false },
      action: 'document.read',
      resource: {
        type: 'Document',
        id: first.document.id,
        classification: 'internal',
        matter: { id: matter.id, classification: 'internal' },
      },
      context: {
        membership: 'owner',
        isNamedForHighlySensitive: false,
        isScreened: false,
        hasRecentSecondFactor: true,
        matterStatus: 'open',
      },
    };
    const warmup = Math.min(2_000, decisions);
    await timeEach(warmup, authorize);
    await timeEach(warmup, () => policy.decide(request));
    log(`timing ${decisions} decisions`);
    const authorizeSamples = await timeEach(decisions, authorize);
    const engineSamples = await timeEach(decisions, () => policy.decide(request));

    // Listings again after the decisions, as a server does all day: before access.policy.ts turned off V8's
    // inlining of JS-to-Wasm calls, this sequence aborted Node 20 (Deoptimizer::DoComputeBuiltinContinuation).
    for (let index = 0; index < 5; index++) await listWith(policy);
    const listingMs = median(withPolicy);
    const allowAllMs = median(withAllowAll);
    const overhead = listingMs / allowAllMs - 1;

    const metrics = {
      decisions,
      authorizeP50Ms: round(percentile(authorizeSamples, 50)),
      authorizeP99Ms: round(percentile(authorizeSamples, 99)),
      authorizeMaxMs: round(authorizeSamples.at(-1) ?? Number.NaN),
      engineP50Ms: round(percentile(engineSamples, 50)),
      engineP99Ms: round(percentile(engineSamples, 99)),
      listedDocuments: documentCount,
      listingRounds: rounds,
      listingMedianMs: round(listingMs, 2),
      listingMinMs: round(Math.min(...withPolicy), 2),
      decisionsPerListing,
    };
    return {
      bench: 'authz',
      metrics,
      baseline: {
        listingAllowAllMedianMs: round(allowAllMs, 2),
        listingAllowAllMinMs: round(Math.min(...withAllowAll), 2),
      },
      ratios: {
        listingPolicyOverAllowAll: round(listingMs / allowAllMs, 3),
        listingOverhead: round(overhead, 3),
        // The fastest round of each: least disturbed by other work on the machine.
        listingMinPolicyOverAllowAll: round(Math.min(...withPolicy) / Math.min(...withAllowAll), 3),
        isDecisionP99UnderTarget: metrics.authorizeP99Ms < targets.decisionP99Ms,
        isListingOverheadWithinTarget: overhead <= targets.listingOverheadMax,
      },
      targets,
    };
  } finally {
    await connection.close();
    deps.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}
