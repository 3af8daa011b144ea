import fastifyRateLimit from '@fastify/rate-limit';
import { createTestDocumentsDependencies } from '../support/documents.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, describeOnDatabases } from '../support/databases.js';
import { createTestIdentityDependencies } from '../support/identity.js';
import { buildHttpApp } from '../../src/runtime/http/http-app.js';
import { createHttpMetrics } from '../../src/runtime/http/metrics.js';
import { createLogger } from '../../src/shared/logger/logger.js';
import { sendProblem } from '../../src/runtime/http/problem-details.js';
import { createTestClock } from '../../src/shared/clock/clock.test-utils.js';
import { openCheckpoint } from '../../src/modules/ledger/ledger.checkpoint.js';
import { createCheckpoint } from '../../src/modules/ledger/ledger.checkpoints.usecases.js';
import { verifyConsistency, verifyInclusion } from '../../src/modules/ledger/ledger.merkle-verify.js';
import { createMemoryMerkleTree } from '../../src/modules/ledger/ledger.merkle-memory.js';
import { computeTreeRoot, hashLeaf } from '../../src/modules/ledger/ledger.merkle.js';
import { createNoteVerifier } from '../../src/modules/ledger/ledger.note-keys.js';
import { registerLedgerRoutes } from '../../src/modules/ledger/ledger.routes.js';
import { sequencePendingEntries } from '../../src/modules/ledger/ledger.sequencer.js';
import { appendTestEvents } from '../../src/modules/ledger/ledger.storage.test-utils.js';
import { createTestNoteSigner } from '../../src/modules/ledger/ledger.test-utils.js';
import { readTreeRoot } from '../../src/modules/ledger/ledger.tree-store.js';

const origin = 'writ.example.com/ledger';
const entryCount = 300;

describeOnDatabases('ledger HTTP', ({ getDb }) => {
  const signer = createTestNoteSigner({ name: origin });
  const verifier = createNoteVerifier({ name: origin, publicKey: signer.publicKey });
  let app: FastifyInstance;
  let entries: Buffer[] = [];

  beforeAll(async () => {
    const db = getDb();
    // The same parsing, error mapping and rate limiting as the real front door (http-app.ts).
    app = Fastify({ ajv: { customOptions: { removeAdditional: false, coerceTypes: false } } });
    app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
    await app.register(fastifyRateLimit, { max: 10_000, timeWindow: '1 minute' });
    registerLedgerRoutes(app, { db });
    return async () => {
      await app.close();
    };
  });

  test('before any checkpoint, the checkpoint answers a not-found problem', async () => {
    const response = await app.inject({ method: 'GET', url: '/ledger/checkpoint' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ledger.checkpoint_not_found' });
  });

  test('the checkpoint is a signed note that verifies with the log key, and proofs from the API verify against it', async () => {
    const db = getDb();
    const clock = createTestClock();
    await appendTestEvents({ db, clock, count: entryCount });
    await sequencePendingEntries({ db, clock, maxBatch: 1000 });
    await createCheckpoint({ db, clock, signer, origin });
    const rows = await db.selectFrom('ledger_entries').select('entry').orderBy('idx').execute();
    entries = rows.map((row) => Buffer.from(row.entry, 'utf8'));

    const response = await app.inject({ method: 'GET', url: '/ledger/checkpoint' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const { checkpoint } = openCheckpoint({ note: response.body, origin, verifiers: [verifier] });
    expect(checkpoint.size).toBe(entryCount);

    const inclusion = await app.inject({
      method: 'GET',
      url: `/api/ledger/proofs/inclusion?index=123&size=${entryCount}`,
    });
    expect(inclusion.statusCode).toBe(200);
    const { proof } = inclusion.json<{ proof: string[] }>();
    expect(
      verifyInclusion({
        leafHash: hashLeaf(entries[123] ?? Buffer.alloc(0)),
        leafIndex: 123,
        treeSize: entryCount,
        proof: proof.map((hash) => Buffer.from(hash, 'base64')),
        rootHash: checkpoint.rootHash,
      }),
    ).toBe(true);

    const consistency = await app.inject({
      method: 'GET',
      url: `/api/ledger/proofs/consistency?from=77&to=${entryCount}`,
    });
    expect(consistency.statusCode).toBe(200);
    expect(
      verifyConsistency({
        oldSize: 77,
        newSize: entryCount,
        oldRoot: await readTreeRoot({ db, treeSize: 77 }),
        newRoot: checkpoint.rootHash,
        proof: consistency.json<{ proof: string[] }>().proof.map((hash) => Buffer.from(hash, 'base64')),
      }),
    ).toBe(true);
  });

  test('full tiles are immutable and hold the leaf hashes; partial tiles and entry bundles follow tlog-tiles', async () => {
    const leafHashes = entries.map((entry) => hashLeaf(entry));
    const full = await app.inject({ method: 'GET', url: '/ledger/tile/0/000' });
    expect(full.statusCode).toBe(200);
    expect(full.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(full.rawPayload.equals(Buffer.concat(leafHashes.slice(0, 256)))).toBe(true);

    const partial = await app.inject({ method: 'GET', url: '/ledger/tile/0/001.p/44' });
    expect(partial.statusCode).toBe(200);
    expect(partial.rawPayload.equals(Buffer.concat(leafHashes.slice(256, 300)))).toBe(true);

    const levelOne = await app.inject({ method: 'GET', url: '/ledger/tile/1/000.p/1' });
    const first256 = createMemoryMerkleTree({ leafHashes: leafHashes.slice(0, 256) });
    const expected = computeTreeRoot({ treeSize: 256, readSubtreeHash: first256.readSubtreeHash });
    expect(levelOne.rawPayload.equals(expected)).toBe(true);

    const bundle = await app.inject({ method: 'GET', url: '/ledger/tile/entries/001.p/44' });
    expect(bundle.statusCode).toBe(200);
    const decoded: Buffer[] = [];
    for (let offset = 0; offset < bundle.rawPayload.length;) {
      const length = bundle.rawPayload.readUInt16BE(offset);
      decoded.push(bundle.rawPayload.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    expect(decoded).toEqual(entries.slice(256, 300));
  });

  test('tiles beyond the tree are not found, and malformed tile paths are bad requests', async () => {
    for (const path of ['0/001', '0/001.p/45', 'entries/001', 'entries/002.p/1', '1/000']) {
      const response = await app.inject({ method: 'GET', url: `/ledger/tile/${path}` });
      expect([path, response.statusCode, response.json<{ code: string }>().code]).toEqual([
        path,
        404,
        'ledger.tile_not_found',
      ]);
    }
    for (const path of [
      '0/1',
      '0/000.p/0',
      '0/000.p/256',
      '0/000.p/044',
      '7/000',
      '0/x000/001',
      '-1/000',
      'x/000',
    ]) {
      const response = await app.inject({ method: 'GET', url: `/ledger/tile/${path}` });
      expect([path, response.statusCode, response.json<{ code: string }>().code]).toEqual([
        path,
        400,
        'ledger.tile_path_invalid',
      ]);
    }
  });

  test('hostile proof queries (negative, fractional, exponent, huge, beyond the tree) answer 400 with a stable code', async () => {
    const urls = [
      'inclusion?index=-1&size=10',
      'inclusion?index=1.5&size=10',
      'inclusion?index=1e2&size=300',
      'inclusion?index=10&size=10',
      `inclusion?index=0&size=${entryCount + 1}`,
      'inclusion?index=0&size=99999999999999999999',
      'inclusion?index=0&size=9007199254740993',
      'inclusion?index=%200&size=10',
      'consistency?from=10&to=9',
      `consistency?from=0&to=${entryCount + 1}`,
      'consistency?from=-0&to=1',
    ];
    for (const url of urls) {
      const response = await app.inject({ method: 'GET', url: `/api/ledger/proofs/${url}` });
      expect([url, response.statusCode, response.json<{ code: string }>().code]).toEqual([
        url,
        400,
        'ledger.proof_request_invalid',
      ]);
    }
    for (const url of ['inclusion?index=1', 'inclusion?index=1&size=2&size=3', 'consistency?to=2']) {
      const response = await app.inject({ method: 'GET', url: `/api/ledger/proofs/${url}` });
      expect([url, response.statusCode, response.json<{ code: string }>().code]).toEqual([
        url,
        400,
        'http.invalid_request',
      ]);
    }
  });
});

describe('ledger HTTP behind the real front door', () => {
  test('the ledger answers without authentication, under its own rate limit, with the security headers', async () => {
    const database = await createTestDatabase('sqlite');
    const clock = createTestClock();
    const app = await buildHttpApp({
      config: {
        jsonBodyLimitBytes: 4096,
        rateLimitPerMinute: 1000,
        behindTlsProxy: false,
        trustedProxies: undefined,
      },
      logger: createLogger({ level: 'silent' }),
      tls: undefined,
      db: database.db,
      clock,
      identity: createTestIdentityDependencies({ db: database.db, clock }),
      documents: createTestDocumentsDependencies({ db: database.db, clock }),
      metrics: createHttpMetrics(),
      metricsToken: undefined,
      checkReadiness: () => Promise.resolve(true),
      version: '0.0.0-test',
    });
    try {
      const signer = createTestNoteSigner({ name: origin });
      await createCheckpoint({ db: database.db, clock, signer, origin });
      const response = await app.inject({ method: 'GET', url: '/ledger/checkpoint' });
      expect(response.statusCode).toBe(200);
      expect(response.body.startsWith(`${origin}\n0\n`)).toBe(true);
      expect(response.headers['x-ratelimit-limit']).toBe('600');
      expect(String(response.headers['content-security-policy'])).toContain("default-src 'self'");
    } finally {
      await app.close();
      await database.destroy();
    }
  });
});
