/**
 * The contracts between the composition root (app.ts) and the features: the context every feature
 * is built from (`createBridgeContext`), and what a built feature hands back. Features and the
 * core HTTP routes import them from here; nothing here imports a feature.
 */
import type { FastifyInstance } from 'fastify';
import { AgentDirectory } from './agent-directory.js';
import { createClients, type Clients } from './clients.js';
import type { BridgeConfig } from './config.js';
import type { JobHandler, JobRunner } from './jobs/runner.js';
import type { Logger, SecretScrubber } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import type { Job, Store } from './store/types.js';

/** What features are built from: everything they need, injected (no globals, no env). Built once per process. */
export interface BridgeContext {
  config: BridgeConfig;
  /** The Salesforce and Sendbird clients, one of each per process (shared token cache, limiter). */
  clients: Clients;
  store: Store;
  logger: Logger;
  clock: () => number;
  metrics: Metrics;
  /** Present when jobs run in this process (its worker id names this process's leases). */
  runner: JobRunner | undefined;
  /** The log scrubber, to `add()` secrets learned at run time. */
  scrubber: SecretScrubber | undefined;
  /** The Sendbird users known to be agents, one per process (agent sessions and membership share it). */
  agents: AgentDirectory;
}

/** Routes registered in their own encapsulated Fastify context after the core plugins. */
export type BridgeRoutes = (app: FastifyInstance) => Promise<void> | void;

/**
 * A feature as its factory built it: its routes, job handlers, what a dead job means to it, and
 * its background work. It holds its own state (services, caches, timers); the root builds each
 * feature once, so routes and jobs share that state.
 */
export interface BridgeFeature {
  name: string;
  routes?: BridgeRoutes;
  /** Job handlers by kind (kinds are global: prefix them with the feature, e.g. `ticket.create`). */
  jobs?: Record<string, JobHandler>;
  /** Called for every dead-lettered job (check `job.kind`), e.g. to mark a ticket failed. */
  onJobDead?: (job: Job, error: string) => Promise<void> | void;
  /**
   * Background work (e.g. a periodic sweep), started once the server listens and the runner runs.
   * Returns what stops it; `close()` calls that before stopping the runner.
   */
  start?: () => (() => Promise<void> | void) | void;
}

/** Builds a feature from the context; `startBridge` calls each factory once. */
export type FeatureFactory = (ctx: BridgeContext) => BridgeFeature;

export interface ContextParts {
  store: Store;
  logger: Logger;
  clock?: () => number;
  metrics?: Metrics;
  runner?: JobRunner;
  scrubber?: SecretScrubber;
  /** Built from the config when not given. */
  clients?: Clients;
}

/** The process's context: what is not given is built from the config. Call it once per process. */
export function createBridgeContext(config: BridgeConfig, parts: ContextParts): BridgeContext {
  const store = parts.store;
  const clients = parts.clients ?? createClients(config, parts.logger, parts.scrubber, store);
  return {
    config,
    clients,
    store,
    logger: parts.logger,
    clock: parts.clock ?? Date.now,
    metrics: parts.metrics ?? createMetrics({ store }),
    runner: parts.runner,
    scrubber: parts.scrubber,
    agents: new AgentDirectory(clients.sendbird, store),
  };
}
