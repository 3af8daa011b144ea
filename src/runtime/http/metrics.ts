import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { constantTimeEqual } from '../../shared/compare/constant-time.js';
import { createError } from '../../shared/errors/errors.js';

export type HttpMetrics = { registry: Registry; requestDuration: Histogram<'method' | 'route' | 'status'> };

/** One registry per server instance; nothing is registered globally. */
export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'writ_' });
  const requestDuration = new Histogram({
    name: 'writ_http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { registry, requestDuration };
}

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}

/** Records one answered request; `route` is the route template, never the raw URL (share tokens live in paths). */
export function observeRequest(
  metrics: HttpMetrics,
  {
    method,
    route,
    status,
    milliseconds,
  }: { method: string; route: string; status: number; milliseconds: number },
): void {
  metrics.requestDuration.observe({ method, route, status: String(status) }, milliseconds / 1000);
}

/** The `/metrics` route; the server's request hook feeds the histogram through `observeRequest`. */
export function registerMetrics(
  app: FastifyInstance,
  { metrics, metricsToken }: { metrics: HttpMetrics; metricsToken: string | undefined },
): void {
  app.route({
    method: 'GET',
    url: '/metrics',
    schema: { hide: true },
    config: { rateLimit: false },
    handler: async (request, reply) => {
      const authorization = request.headers.authorization ?? '';
      const isTokenValid =
        metricsToken !== undefined && constantTimeEqual(authorization, `Bearer ${metricsToken}`);
      if (!isTokenValid && !isLoopbackAddress(request.ip)) {
        throw createError({
          code: 'http.route_not_found',
          status: 404,
          message: 'There is nothing at this address.',
        });
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  });
}
