import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createTestDocumentsDependencies } from '../../../test/support/documents.js';
import type { Kysely } from 'kysely';
import { createTestIdentityDependencies } from '../../../test/support/identity.js';
import type { WritDatabase } from '../../modules/database.js';
import { createUserBySystem } from '../../modules/identity/identity.admin.usecases.js';
import type { IdentitySettings } from '../../modules/identity/identity.dependencies.js';
import type { Role } from '../../modules/identity/identity.models.js';
import type { TestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { buildHttpApp } from './http-app.js';
import { createHttpMetrics } from './metrics.js';

export const goodPassword = 'correct horse battery staple';

/** The whole HTTP app on a test database and clock, with real identity collaborators. */
export async function buildTestHttpApp({
  db,
  clock,
  settings = {},
}: {
  db: Kysely<WritDatabase>;
  clock: TestClock;
  settings?: Partial<IdentitySettings>;
}): Promise<{ app: FastifyInstance; identity: ReturnType<typeof createTestIdentityDependencies> }> {
  const identity = createTestIdentityDependencies({ db, clock, settings });
  const app = await buildHttpApp({
    config: {
      jsonBodyLimitBytes: 65536,
      rateLimitPerMinute: 100_000,
      behindTlsProxy: false,
      trustedProxies: undefined,
    },
    logger: createLogger({ level: 'silent' }),
    tls: undefined,
    db,
    clock,
    identity,
    documents: createTestDocumentsDependencies({ db, clock }),
    metrics: createHttpMetrics(),
    metricsToken: undefined,
    checkReadiness: () => Promise.resolve(true),
    version: '0.0.0-test',
  });
  return { app, identity };
}

export async function seedUser({
  identity,
  username,
  role,
}: {
  identity: ReturnType<typeof createTestIdentityDependencies>;
  username: string;
  role: Role;
}) {
  return (await createUserBySystem({ ...identity, username, role, password: goodPassword })).user;
}

/** Every `Set-Cookie` of a response, by name: the value and the attributes as written. */
export function setCookiesOf(
  response: LightMyRequestResponse,
): Map<string, { value: string; header: string }> {
  const raw = response.headers['set-cookie'];
  const headers = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return new Map(
    headers.map((header) => {
      const [pair = ''] = header.split(';');
      const separator = pair.indexOf('=');
      return [pair.slice(0, separator), { value: pair.slice(separator + 1), header }];
    }),
  );
}

/**
 * A browser against the in-process app: keeps its cookies as a browser would (a cookie set empty is
 * removed), remembers the CSRF token from session answers, and sends it on state-changing requests unless
 * told otherwise.
 */
export function createTestBrowser(app: FastifyInstance, { remoteAddress = '203.0.113.7' } = {}) {
  const cookies = new Map<string, string>();
  let csrfToken: string | undefined;
  return {
    cookies,
    get csrfToken() {
      return csrfToken;
    },
    async request({
      method,
      url,
      body,
      csrf = csrfToken,
      headers = {},
    }: {
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      url: string;
      body?: unknown;
      /** The `x-csrf-token` to send; null sends none. */
      csrf?: string | null | undefined;
      headers?: Record<string, string>;
    }): Promise<LightMyRequestResponse> {
      const cookieHeader = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await app.inject({
        method,
        url,
        remoteAddress,
        headers: {
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
          ...(cookieHeader === '' ? {} : { cookie: cookieHeader }),
          ...(method !== 'GET' && typeof csrf === 'string' ? { 'x-csrf-token': csrf } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
      });
      for (const [name, { value }] of setCookiesOf(response)) {
        if (value === '') cookies.delete(name);
        else cookies.set(name, value);
      }
      const json = response.headers['content-type']?.toString().startsWith('application/json')
        ? response.json<Record<string, unknown>>()
        : undefined;
      const answered = json?.csrfToken ?? (json?.session as Record<string, unknown> | undefined)?.csrfToken;
      if (typeof answered === 'string') csrfToken = answered;
      return response;
    },
  };
}
