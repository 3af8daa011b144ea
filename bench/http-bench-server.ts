/**
 * The server under test for http.bench.ts, forked so that it has an event loop (and a core) of its own.
 * Usage: http-bench-server.ts writ|baseline|fastify|fastify-logged. Reports `{ port }` over IPC once listening;
 * stops when IPC disconnects.
 * Writ writes its operator log to standard output, as `writ serve` does; http.bench.ts points it at a file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import SqliteDatabase from 'better-sqlite3';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { Type } from 'typebox';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest } from '../src/migrations/migrations.js';
import { createTestDocumentsDependencies } from '../test/support/documents.js';
import { createTestIdentityDependencies } from '../test/support/identity.js';
import type { WritDatabase } from '../src/modules/database.js';
import { buildHttpApp } from '../src/runtime/http/http-app.js';
import { createHttpMetrics } from '../src/runtime/http/metrics.js';
import { envToConfig } from '../src/runtime/config/config.js';
import { readWritVersion } from '../src/runtime/version.js';
import { createSystemClock } from '../src/shared/clock/clock.js';
import { openDatabase } from '../src/shared/db/database.js';
import { createLogger, subsystemLogger } from '../src/shared/logger/logger.js';

const host = '127.0.0.1';

async function startWritServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'writ-bench-'));
  const database = await openDatabase<WritDatabase>({
    dialect: 'sqlite',
    path: join(dataDir, 'writ.sqlite'),
  });
  await migrateToLatest(database.db);
  // The product's defaults, as `writ serve` resolves them with no flag and no WRIT_* variable set.
  const defaults = envToConfig({ values: {}, sources: {} }, { cwd: dataDir });
  const app = await buildHttpApp({
    config: {
      jsonBodyLimitBytes: defaults.jsonBodyLimitBytes,
      // A limit no run reaches, so the limiter does its bookkeeping on every request but never refuses.
      rateLimitPerMinute: 10_000_000,
      behindTlsProxy: defaults.behindTlsProxy,
      trustedProxies: defaults.trustedProxies,
    },
    // Operator logs at the default level to standard output, as `writ serve` writes them: one line per request.
    logger: subsystemLogger(createLogger({ level: defaults.logLevel }), 'writ:http'),
    tls: undefined,
    db: database.db,
    clock: createSystemClock(),
    identity: createTestIdentityDependencies({ db: database.db, clock: createSystemClock() }),
    documents: createTestDocumentsDependencies({ db: database.db, clock: createSystemClock() }),
    metrics: createHttpMetrics(),
    metricsToken: undefined,
    checkReadiness: () => Promise.resolve(true),
    version: readWritVersion(),
  });
  await app.listen({ host, port: 0 });
  return {
    port: (app.server.address() as AddressInfo).port,
    stop: async () => {
      await app.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/*
 * The same bodies Writ sends, with no framework, hooks or plugins. `/api/setup` reads the same SQLite database
 * with one raw prepared statement, as Writ does through Kysely, so its ratio measures the stack and the query
 * builder rather than the cost of asking the database at all.
 */
async function startBaselineServer(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'writ-bench-baseline-'));
  const database = await openDatabase<WritDatabase>({
    dialect: 'sqlite',
    path: join(dataDir, 'writ.sqlite'),
  });
  await migrateToLatest(database.db);
  await database.close();
  const raw = new SqliteDatabase(join(dataDir, 'writ.sqlite'));
  const countAdmins = raw.prepare<[], { count: number }>(
    "select count(*) as count from users where role = 'admin'",
  );
  const bodies: Record<string, () => string> = {
    '/healthz': () => JSON.stringify({ status: 'ok' }),
    '/api/setup': () => JSON.stringify({ isSetupRequired: (countAdmins.get()?.count ?? 0) === 0 }),
  };
  const server = createServer((request, response) => {
    const body = bodies[request.url ?? '']?.();
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      raw.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/*
 * Fastify itself, with the `/healthz` route and response schema Writ has and no plugin or hook; with `isLogged`,
 * also Writ's logger and its one line per request (the same fields, from an onResponse hook), written to standard
 * output as Writ's. They show how much of Writ's cost the framework and the request log alone take.
 */
async function startFastifyServer({ isLogged }: { isLogged: boolean }): Promise<{
  port: number;
  stop: () => Promise<void>;
}> {
  const logger = isLogged ? subsystemLogger(createLogger({ level: 'info' }), 'writ:http') : undefined;
  let requestCount = 0;
  const app = Fastify({
    ...(logger === undefined ? {} : { loggerInstance: logger }),
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => `req_${(requestCount += 1).toString(36)}`,
  }) as unknown as FastifyInstance;
  if (logger !== undefined) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request completed',
      );
      done();
    });
  }
  app.route({
    method: 'GET',
    url: '/healthz',
    schema: { response: { 200: Type.Object({ status: Type.String() }) } },
    handler: (_request, reply) => reply.send({ status: 'ok' }),
  });
  await app.listen({ host, port: 0 });
  return { port: (app.server.address() as AddressInfo).port, stop: () => app.close() };
}

const starters = {
  writ: startWritServer,
  baseline: startBaselineServer,
  fastify: () => startFastifyServer({ isLogged: false }),
  'fastify-logged': () => startFastifyServer({ isLogged: true }),
} as const;

const kind = process.argv[2] ?? '';
if (!Object.hasOwn(starters, kind))
  throw new Error(`Expected one of ${Object.keys(starters).join(', ')}, got "${kind}".`);
if (process.send === undefined)
  throw new Error('Run me with child_process.fork: the port is reported over IPC.');

const server = await starters[kind as keyof typeof starters]();
process.once('disconnect', () => void server.stop());
process.send({ port: server.port });
