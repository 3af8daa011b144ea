import type { FastifyInstance, InjectOptions } from 'fastify';
import { createTestDocumentsDependencies } from '../../../test/support/documents.js';
import type { DocumentsSettings } from '../../modules/documents/documents.dependencies.js';
import type { Role } from '../../modules/identity/identity.models.js';
import { createTestDatabase, type TestDatabase } from '../../../test/support/databases.js';
import { sessionCookieName } from '../../modules/identity/identity.sessions.cookies.js';
import { createSessionFixtures } from '../../modules/identity/identity.sessions.test-utils.js';
import { createTestClock } from '../../shared/clock/clock.test-utils.js';
import { createLogger } from '../../shared/logger/logger.js';
import { formatVerifierKey } from '../../modules/ledger/ledger.note-keys.js';
import { createTestNoteSigner } from '../../modules/ledger/ledger.test-utils.js';
import { buildHttpApp } from './http-app.js';
import { createHttpMetrics } from './metrics.js';

export type Caller = { cookie: string | undefined; csrf: string | undefined; bearer?: string };

/**
 * The real HTTP front door (Fastify's inject) on a fresh SQLite database, with real sign-in and TOTP
 * (codes from oathtool), for the account tests; the use-cases have their own tests on both engines.
 */
export async function createAccountsHttpHarness({
  documentsSettings = {},
  withLedgerReceipts = false,
}: {
  /** Overrides of the documents settings (a small maxUploadBytes, for instance). */
  documentsSettings?: Partial<DocumentsSettings>;
  /** Serve ledger receipts too (`GET /api/ledger/receipts/:entryId`), signed by a test log key. */
  withLedgerReceipts?: boolean;
} = {}) {
  const database: TestDatabase = await createTestDatabase('sqlite');
  const clock = createTestClock();
  const fixtures = createSessionFixtures({ db: database.db, clock });
  const logSigner = createTestNoteSigner({ name: 'writ.test/log' });
  const documents = createTestDocumentsDependencies({ db: database.db, clock, settings: documentsSettings });
  const app: FastifyInstance = await buildHttpApp({
    config: {
      jsonBodyLimitBytes: 65536,
      rateLimitPerMinute: 10_000,
      behindTlsProxy: false,
      trustedProxies: undefined,
    },
    logger: createLogger({ level: 'silent' }),
    tls: undefined,
    db: database.db,
    clock,
    identity: fixtures.deps,
    documents,
    metrics: createHttpMetrics(),
    metricsToken: undefined,
    checkReadiness: () => Promise.resolve(true),
    version: '0.0.0-test',
    ...(withLedgerReceipts
      ? {
          ledger: {
            signer: logSigner,
            verifierKey: formatVerifierKey(logSigner),
            witnesses: [],
            checkpointSeconds: 5,
          },
        }
      : {}),
  });

  async function callerFor(token: string): Promise<Caller> {
    const session = await app.inject({
      method: 'GET',
      url: '/api/session',
      cookies: { [sessionCookieName]: token },
    });
    return { cookie: token, csrf: session.json<{ csrfToken: string }>().csrfToken };
  }

  return {
    app,
    /** The database the app runs on, for tests that set up or inspect rows directly. */
    db: database.db,
    /** The app's clock: tests advance it (expiries, step-up windows). */
    clock,
    /** The documents collaborators the app runs with: its database, blob store (and `blobRoot`), settings. */
    documents,
    /** A user of the role with a fully signed-in session (TOTP enrolled for roles that need MFA). */
    async signedIn(role: Role) {
      const user = await fixtures.user({ role });
      const token =
        role === 'client'
          ? (await fixtures.signIn({ username: user.username })).token
          : (await fixtures.enrolTotp({ username: user.username })).token;
      return { user, caller: await callerFor(token) };
    },
    /** A request as `caller`: its session cookie and CSRF header, or its bearer token; nothing when undefined. */
    call(caller: Caller | undefined, options: InjectOptions) {
      const headers: Record<string, string> = {};
      if (caller?.csrf !== undefined) headers['x-csrf-token'] = caller.csrf;
      if (caller?.bearer !== undefined) headers.authorization = `Bearer ${caller.bearer}`;
      return app.inject({
        ...options,
        headers: { ...headers, ...(options.headers as Record<string, string> | undefined) },
        cookies: caller?.cookie === undefined ? {} : { [sessionCookieName]: caller.cookie },
      });
    },
    async close() {
      await app.close();
      await database.destroy();
      documents.cleanup();
    },
  };
}

export const tokenOf = (link: string) => new URL(link).hash.replace(/^#token=/, '');
