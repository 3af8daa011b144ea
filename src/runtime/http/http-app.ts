import { randomBytes } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Kysely } from 'kysely';
import { registerAccessRoutes } from '../../modules/access/access.routes.js';
import type { DocumentsDependencies } from '../../modules/documents/documents.dependencies.js';
import { registerDocumentsModuleRoutes } from '../../modules/documents/documents.routes.js';
import { registerIdentityRoutes } from '../../modules/identity/identity.routes.js';
import type { CosignerVerifier } from '../../modules/ledger/ledger.cosignatures.js';
import type { NoteSigner } from '../../modules/ledger/ledger.note-keys.js';
import { registerLedgerReceiptRoutes } from '../../modules/ledger/ledger.receipts.routes.js';
import { registerLedgerRoutes } from '../../modules/ledger/ledger.routes.js';
import { registerLedgerVerifierKeyRoute } from '../../modules/ledger/ledger.verifier-key.routes.js';
import type { IdentityDependencies } from '../../modules/identity/identity.dependencies.js';
import type { Clock } from '../../shared/clock/clock.js';
import { createError } from '../../shared/errors/errors.js';
import type { Logger } from '../../shared/logger/logger.js';
import { type Config, effectiveTrustedProxies } from '../config/config.js';
import type { WritDatabase } from '../../modules/database.js';
import { createHttpAuthentication } from './authentication.js';
import { registerHealthRoutes } from './health.routes.js';
import { type HttpMetrics, observeRequest, registerMetrics } from './metrics.js';
import { sendProblem } from './problem-details.js';
import { computeSecurityHeaders } from './security-headers.js';
import { createAddressMatcher } from './trusted-proxies.js';
import { registerSftpInfoRoute, type SftpInfo } from './sftp-info.routes.js';
import { registerWebApp } from './web-app.js';

export type HttpAppDependencies = {
  config: Pick<Config, 'jsonBodyLimitBytes' | 'rateLimitPerMinute' | 'behindTlsProxy' | 'trustedProxies'>;
  logger: Logger;
  tls: { key: string; cert: string } | undefined;
  db: Kysely<WritDatabase>;
  clock: Clock;
  identity: IdentityDependencies;
  documents: DocumentsDependencies;
  metrics: HttpMetrics;
  metricsToken: string | undefined;
  checkReadiness: () => Promise<boolean>;
  version: string;
  /** The SFTP front door's port and host key, once it listens (it starts after HTTPS). */
  getSftpInfo?: () => SftpInfo | undefined;
  /** The built web UI (`vite build` output); dist/web when not given. */
  webRoot?: string;
  /** The log key (receipts) and the witnesses whose cosignatures are accepted; without it, no receipts. */
  ledger?: {
    signer: NoteSigner;
    /** The signer's public key as a c2sp.org/signed-note verifier key, served to signed-in users. */
    verifierKey: string;
    witnesses: readonly CosignerVerifier[];
    checkpointSeconds: number;
  };
};

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** The TLS settings of the HTTPS listener, at start and when a reload replaces the certificate. */
export function httpsContextOptions(tls: { key: string; cert: string }) {
  return { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2', honorCipherOrder: true } as const;
}

function createServerFactory(tls: HttpAppDependencies['tls']) {
  return (handler: RequestHandler): Server =>
    tls === undefined ? createHttpServer(handler) : createHttpsServer(httpsContextOptions(tls), handler);
}

/**
 * Request ids only need to be unique and unguessable enough not to collide across nodes: a random
 * per-server prefix and a counter, cheaper than fresh randomness on every request.
 */
function createRequestIdGenerator(): () => string {
  const prefix = `req_${randomBytes(9).toString('base64url')}`;
  let counter = 0;
  return () => {
    counter += 1;
    return `${prefix}${counter.toString(36)}`;
  };
}

export async function buildHttpApp(deps: HttpAppDependencies): Promise<FastifyInstance> {
  const isTrustedProxy = createAddressMatcher(effectiveTrustedProxies(deps.config));
  const app = Fastify({
    loggerInstance: deps.logger,
    // Request logs are written below from the route template: raw URLs can carry share tokens.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: createRequestIdGenerator(),
    requestIdHeader: false,
    bodyLimit: deps.config.jsonBodyLimitBytes,
    trustProxy: deps.config.behindTlsProxy ? (address: string) => isTrustedProxy(address) : false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    serverFactory: createServerFactory(deps.tls),
    // @NOTE No type coercion: a JSON number or array where the schema says string is refused, not converted.
    ajv: { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false } },
  }) as unknown as FastifyInstance;
  // @NOTE Bodies are JSON only (415 otherwise): text/plain, like form encodings, crosses sites without a CORS preflight.
  app.removeContentTypeParser('text/plain');

  if (deps.config.behindTlsProxy) {
    // Plain HTTP is for the TLS proxy alone: anyone else is cut off before a request is read.
    app.server.on('connection', (socket: { remoteAddress?: string; destroy(): void }) => {
      if (!isTrustedProxy(socket.remoteAddress)) socket.destroy();
    });
  }

  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  // While stopping, answers in flight close their connection, so that keep-alive clients do not hold
  // the server open until their idle timeout.
  let isClosing = false;
  app.addHook('preClose', (done) => {
    isClosing = true;
    done();
  });
  // Helmet's headers and the request id, in one hook: it runs on every request.
  const securityHeaders = computeSecurityHeaders();
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(securityHeaders).header('x-request-id', request.id);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (isClosing) void reply.header('connection', 'close');
    done(null, payload);
  });
  // The operator's log line and the duration histogram, from the route template, never the raw URL: share
  // tokens live in paths and must reach neither logs nor label values.
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const milliseconds = reply.elapsedTime;
    request.log.info(
      { method: request.method, route, status, ms: Math.round(milliseconds) },
      'request completed',
    );
    observeRequest(deps.metrics, { method: request.method, route, status, milliseconds });
    done();
  });

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    max: deps.config.rateLimitPerMinute,
    timeWindow: '1 minute',
    errorResponseBuilder: (_request, context) =>
      createError({
        code: 'http.rate_limited',
        status: 429,
        message: `Too many requests. Try again in ${Math.ceil(context.ttl / 1000)} seconds.`,
      }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Writ API', version: deps.version },
    },
  });

  registerHealthRoutes(app, { checkReadiness: deps.checkReadiness });
  registerMetrics(app, { metrics: deps.metrics, metricsToken: deps.metricsToken });
  const webApp = registerWebApp(app, { root: deps.webRoot });
  // A browser opening an unknown address gets the web UI's own "Nothing here" page; the rest, JSON.
  app.setNotFoundHandler((request, reply) => {
    if (webApp.sendNotFoundPage(request, reply)) return reply;
    return sendProblem(
      request,
      reply,
      createError({
        code: 'http.route_not_found',
        status: 404,
        message: 'There is nothing at this address.',
      }),
    );
  });
  registerLedgerRoutes(app, { db: deps.db, clock: deps.clock, witnesses: deps.ledger?.witnesses ?? [] });
  const auth = createHttpAuthentication({ identity: deps.identity });
  auth.register(app);
  if (deps.ledger !== undefined) {
    registerLedgerReceiptRoutes(
      app,
      { db: deps.db, signer: deps.ledger.signer, retryAfterSeconds: deps.ledger.checkpointSeconds },
      { auth },
    );
    registerLedgerVerifierKeyRoute(app, { verifierKey: deps.ledger.verifierKey }, { auth });
  }
  registerIdentityRoutes(app, deps.identity, { auth });
  registerSftpInfoRoute(app, { getSftpInfo: deps.getSftpInfo ?? (() => undefined) }, { auth });
  await registerDocumentsModuleRoutes(app, deps.documents, { auth });
  registerAccessRoutes(
    app,
    {
      db: deps.documents.db,
      clock: deps.documents.clock,
      ledger: deps.documents.ledger,
      policy: deps.documents.access.policy,
      stepUpMinutes: deps.documents.access.stepUpMinutes,
      secretBox: deps.identity.secretBox,
    },
    { auth },
  );

  app.route({
    method: 'GET',
    url: '/api/openapi.json',
    schema: { hide: true },
    handler: (_request, reply) => reply.send(app.swagger()),
  });

  return app;
}
