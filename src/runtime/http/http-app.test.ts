import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createTestDocumentsDependencies } from '../../../test/support/documents.js';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { createTestIdentityDependencies } from '../../../test/support/identity.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { buildHttpApp, type HttpAppDependencies } from './http-app.js';
import { createHttpMetrics } from './metrics.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('sqlite');
});
afterAll(async () => {
  await database.destroy();
});

function appWith(overrides: Partial<HttpAppDependencies> = {}): Promise<FastifyInstance> {
  return buildHttpApp({
    config: {
      jsonBodyLimitBytes: 4096,
      rateLimitPerMinute: 1000,
      behindTlsProxy: false,
      trustedProxies: undefined,
    },
    logger: createLogger({ level: 'silent' }),
    tls: undefined,
    db: database.db,
    clock: createTestClock(),
    identity: createTestIdentityDependencies({ db: database.db, clock: createTestClock() }),
    documents: createTestDocumentsDependencies({ db: database.db, clock: createTestClock() }),
    metrics: createHttpMetrics(),
    metricsToken: undefined,
    checkReadiness: () => Promise.resolve(true),
    version: '0.0.0-test',
    ...overrides,
  });
}

describe('HTTP front door', () => {
  test('every response carries the security headers: strict CSP without unsafe-inline, HSTS, no referrer', async () => {
    const app = await appWith();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    await app.close();
  });

  test('an unexpected failure answers a generic problem with the request id and no stack trace', async () => {
    const app = await appWith();
    app.get('/boom', () => {
      throw new Error('secret internal detail at /srv/writ-data/keys');
    });
    const response = await app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const body = response.json<Record<string, unknown>>();
    expect(body).toMatchObject({
      status: 500,
      code: 'http.internal_error',
      requestId: response.headers['x-request-id'],
    });
    expect(response.body).not.toContain('secret internal detail');
    expect(response.body).not.toContain('at ');
    await app.close();
  });

  test('the rate limit answers 429 as a problem with a stable code', async () => {
    const app = await appWith({
      config: {
        jsonBodyLimitBytes: 4096,
        rateLimitPerMinute: 2,
        behindTlsProxy: false,
        trustedProxies: undefined,
      },
    });
    const statuses = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await app.inject({ method: 'GET', url: '/api/setup' })).statusCode);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await app.inject({ method: 'GET', url: '/api/setup' });
    expect(limited.json()).toMatchObject({ code: 'http.rate_limited', status: 429 });
    await app.close();
  });

  test('readiness fails with 503 when the database does not answer', async () => {
    const app = await appWith({ checkReadiness: () => Promise.resolve(false) });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'http.not_ready' });
    await app.close();
  });

  test('the OpenAPI document describes the API routes and hides operational pages', async () => {
    const app = await appWith();
    const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/api/setup', '/healthz', '/readyz']),
    );
    expect(Object.keys(document.paths)).not.toContain('/metrics');
    await app.close();
  });

  test('metrics answer loopback clients, and remote ones only with the bearer token', async () => {
    const app = await appWith({ metricsToken: 'scrape-token-123' });
    const local = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain('writ_http_request_duration_seconds');
    const remote = await app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
    expect(remote.statusCode).toBe(404);
    const wrongToken = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: 'Bearer scrape-token-124' },
    });
    expect(wrongToken.statusCode).toBe(404);
    const withToken = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '203.0.113.9',
      headers: { authorization: 'Bearer scrape-token-123' },
    });
    expect(withToken.statusCode).toBe(200);
    await app.close();
  });

  test('the web UI: index.html on app paths (never cached), hashed assets cached for good and gzipped, JSON 404 elsewhere', async () => {
    const root = mkdtempSync(join(tmpdir(), 'writ-web-'));
    mkdirSync(join(root, 'static'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><script type="module" src="/static/app-1.js"></script>',
    );
    writeFileSync(join(root, 'static', 'app-1.js'), `console.log(${JSON.stringify('x'.repeat(4000))});`);
    const app = await appWith({ webRoot: root });
    try {
      for (const url of ['/', '/setup', '/matters/m_1', '/admin/users']) {
        const page = await app.inject({ method: 'GET', url });
        expect(page.statusCode, url).toBe(200);
        expect(page.headers['cache-control']).toBe('no-store');
        expect(page.body).toContain('/static/app-1.js');
        expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      }
      const asset = await app.inject({
        method: 'GET',
        url: '/static/app-1.js',
        headers: { 'accept-encoding': 'gzip, br' },
      });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(asset.rawPayload).toString()).toContain('xxxx');
      const revalidated = await app.inject({
        method: 'GET',
        url: '/static/app-1.js',
        headers: { 'if-none-match': String(asset.headers.etag) },
      });
      expect(revalidated.statusCode).toBe(304);
      for (const url of ['/static/missing.js', '/static/../index.html', '/api/nothing-here']) {
        const missing = await app.inject({ method: 'GET', url });
        expect(missing.statusCode, url).toBe(404);
        expect(missing.headers['content-type']).toContain('application/problem+json');
      }
    } finally {
      await app.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('without a web build, app paths say how to build it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'writ-web-'));
    const app = await appWith({ webRoot: root });
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('npm run build');
    await app.close();
    rmSync(root, { recursive: true, force: true });
  });
});

describe('graceful shutdown', () => {
  test('a request in flight when the server closes still completes, and new requests are refused', async () => {
    const app = await appWith();
    let releaseSlow: () => void = () => undefined;
    let markStarted: () => void = () => undefined;
    const slowStarted = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    app.get('/slow', async () => {
      markStarted();
      await new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      return { finished: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;

    const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/slow' }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, body });
        });
      });
      request.on('error', reject);
      request.end();
    });
    // Closed only once the request is in its handler: on a loaded machine a fixed wait was not always enough.
    await slowStarted;
    const closing = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    releaseSlow();
    const completed = await inFlight;
    await closing;
    expect(completed).toEqual({ status: 200, body: '{"finished":true}' });

    const refused = await new Promise<string>((resolve) => {
      const request = httpRequest({ host: '127.0.0.1', port, path: '/healthz' }, () => {
        resolve('answered');
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        resolve(error.code ?? 'error');
      });
      request.end();
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
