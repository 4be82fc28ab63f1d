/**
 * Operations endpoints: `/healthz` (the process is up: for liveness probes, never touches the
 * store), `/readyz` (the store is reachable and migrated: for readiness probes and load
 * balancers; 503 with the reason otherwise) and `/metrics` (Prometheus text). Exempt from the rate
 * limit (probes and scrapers poll them) and logged only at warn level.
 */
import type { FastifyInstance } from 'fastify';
import type { BridgeContext } from '../server.js';

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
        return reply.status(503).send({ error: { code: 'not_ready', message: `store not ready: ${health.reason ?? 'unknown'}`, store: ctx.store.kind } });
      }
      return { status: 'ready' as const, store: ctx.store.kind, schemaVersion: health.schemaVersion };
    },
  );

  app.get(
    '/metrics',
    {
      config: ops,
      logLevel: 'warn',
      schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
    },
    async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  );
}
