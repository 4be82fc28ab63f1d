/**
 * `startBridge(config)`, the composition root: opens the store, builds the one BridgeContext, the
 * job runner and each feature once (from its factory), the server over them, listens, starts the
 * runner and the features' background work, and returns a handle whose `close()` shuts down in order:
 * stop taking requests and finish in-flight ones, stop the runner (finish in-flight jobs, give back
 * unstarted ones), close the store. main.ts calls it; so can a launcher (the sandbox) or a test.
 */
import type { FastifyInstance } from 'fastify';
import { configSecrets, redactedConfig, type BridgeConfig } from './config.js';
import { createBridgeContext, type BridgeFeature, type FeatureFactory } from './context.js';
import { FEATURES } from './features.js';
import { JobRunner } from './jobs/runner.js';
import { createLogger, SecretScrubber, type Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { buildServer } from './server.js';
import { createClients, type Clients } from './clients.js';
import { openStore } from './open-store.js';
import type { Store } from './store/types.js';

/** While shutting down, connections that finished their request are closed this often. */
const CLOSE_IDLE_POLL_MS = 50;

/** Expired idempotency keys are purged this often. */
export const IDEMPOTENCY_PURGE_INTERVAL_MS = 60 * 60_000;

export interface StartOptions {
  logger?: Logger;
  scrubber?: SecretScrubber;
  /** Feature factories; FEATURES when not given. */
  features?: readonly FeatureFactory[];
  clock?: () => number;
  /** Upstream clients; built from the config when not given. */
  clients?: Clients;
  /** Listen on this port instead of config.http.port (0 = any free port). */
  port?: number;
}

export interface BridgeHandle {
  app: FastifyInstance;
  store: Store;
  runner: JobRunner;
  logger: Logger;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  close(): Promise<void>;
}

export async function startBridge(config: BridgeConfig, opts: StartOptions = {}): Promise<BridgeHandle> {
  const scrubber = opts.scrubber ?? new SecretScrubber(configSecrets(config));
  const logger = opts.logger ?? createLogger({ level: config.logLevel, scrubber });
  const clock = opts.clock ?? Date.now;
  const factories = opts.features ?? FEATURES;
  for (const w of config.warnings) logger.warn(w);

  const store = await openStore(config.store, {
    clock,
    jobs: config.jobs,
    scrubText: (text) => scrubber.scrub(text),
    onError: (err) => logger.warn({ err }, 'a pooled database connection failed; it is replaced'),
  });
  const clients = opts.clients ?? createClients(config, logger, scrubber, store);
  const metrics = createMetrics({
    store,
    salesforceLimit: () => clients.salesforce.limitInfo,
    sendbirdPacing: clients.sendbird.pacing,
  });
  const runner = new JobRunner({
    store,
    logger,
    clock,
    metrics,
    scrubber,
    pollMs: config.jobs.pollMs,
    leaseMs: config.jobs.leaseMs,
    concurrency: config.jobs.concurrency,
    // Jobs run only once the runner starts, after every feature below is built.
    onDead: async (job, error) => {
      for (const f of features) await f.onJobDead?.(job, error);
    },
  });
  const ctx = createBridgeContext(config, { store, logger, clock, metrics, runner, scrubber, clients });
  const features: readonly BridgeFeature[] = factories.map((create) => create(ctx));
  logger.info({ config: redactedConfig(config), features: features.map((f) => f.name) }, 'starting the bridge');
  for (const f of features) {
    for (const [kind, handler] of Object.entries(f.jobs ?? {})) runner.register(kind, handler);
  }

  let app: FastifyInstance;
  try {
    app = await buildServer(config, { ctx, features });
    await app.listen({ port: opts.port ?? config.http.port, host: config.http.host });
  } catch (err) {
    await store.close();
    throw err;
  }
  runner.start();
  const stops: (() => Promise<void> | void)[] = [];
  for (const f of features) {
    const stop = f.start?.();
    if (stop) stops.push(stop);
  }
  const purge = setInterval(() => {
    store.purgeExpiredIdempotencyKeys().catch((err: unknown) => logger.warn({ err }, 'purging expired idempotency keys failed'));
  }, IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();

  const address = app.server.address();
  const url =
    typeof address === 'object' && address
      ? `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
      : String(address);
  logger.info({ url, publicUrl: config.http.publicUrl }, 'the bridge is listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(purge);
      for (const stop of stops) await stop();
      // app.close() stops listening and closes the connections idle at that moment; a keep-alive
      // connection whose request is still in flight would stay open once answered (its client may
      // keep it for minutes) and the close would never finish: close each one as it goes idle.
      const closeIdle = setInterval(() => app.server.closeIdleConnections(), CLOSE_IDLE_POLL_MS);
      try {
        await app.close();
      } finally {
        clearInterval(closeIdle);
      }
      await runner.stop();
      await clients.close?.();
      await store.close();
      logger.info('the bridge stopped');
    })());
  return { app, store, runner, logger, url, close };
}
