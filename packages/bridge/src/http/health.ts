/**
 * Operations endpoints: `/healthz` (the process is up: for liveness probes, never touches the
 * store), `/readyz` (the store is reachable and migrated: for readiness probes and load
 * balancers; 503 with the reason otherwise) and `/metrics` (Prometheus text; see `metricsAccess`
 * for who may read it). Exempt from the rate
 * limit (probes and scrapers poll them) and logged only at warn level.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { BridgeContext } from '../context.js';
import { bearerMatches } from './shared-secret.js';

const ops = { rateLimit: false } as const;

export async function healthRoutes(app: FastifyInstance, ctx: BridgeContext): Promise<void> {
  app.get(
    '/healthz',
    {
      config: ops,
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: ops,
      logLevel: 'warn',
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the store is reachable and its schema is current',
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['ready'] }, store: { type: 'string' }, schemaVersion: { type: 'integer' } },
          },
          503: { $ref: 'ErrorResponse#' },
        },
      },
    },
    async (_request, reply) => {
      const health = await ctx.store.health();
      if (!health.ok) {
        const message = `store not ready: ${health.reason ?? 'unknown'}`;
        return reply.status(503).send({ error: { code: 'not_ready', message, store: ctx.store.kind } });
      }
      return { status: 'ready' as const, store: ctx.store.kind, schemaVersion: health.schemaVersion };
    },
  );

  app.get(
    '/metrics',
    {
      config: ops,
      logLevel: 'warn',
      onRequest: metricsAccess(ctx.config.metricsToken, ctx.config.http.trustProxy !== false),
      schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Who may read `/metrics` (internal: queue depths, routes, process figures). With METRICS_TOKEN:
 * whoever sends it as a bearer token (compared in constant time), from anywhere. Without: only a
 * peer on this machine (the TCP peer, not X-Forwarded-For), and nobody when a proxy is declared
 * (TRUST_PROXY), since every proxied request comes from the proxy's own address.
 */
export function metricsAccess(token: string | undefined, behindProxy: boolean) {
  return async function checkMetricsAccess(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (token !== undefined) {
      if (bearerMatches(req.headers.authorization, token)) return;
      void reply.header('www-authenticate', 'Bearer realm="bridge-metrics"');
      throw new AppError(401, 'unauthorized', 'a valid bearer token is required to read the metrics (METRICS_TOKEN)');
    }
    if (!behindProxy && LOOPBACK.has(req.socket.remoteAddress ?? '')) return;
    throw new AppError(403, 'forbidden', 'the metrics are served to this machine only; set METRICS_TOKEN to scrape them from elsewhere');
  };
}
