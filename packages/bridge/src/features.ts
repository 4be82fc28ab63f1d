/**
 * The bridge's features (tickets, Salesforce events, webhooks, agent sessions), each a bundle of
 * routes and job handlers. `startBridge` registers every feature in `FEATURES`; a new feature adds
 * itself to that list and touches nothing else in the core.
 */
import type { JobHandler } from './jobs/runner.js';
import type { BridgeContext, BridgeRoutes } from './server.js';
import type { Job } from './store/types.js';
import { agentsFeature } from './agents/feature.js';
import { membershipFeature } from './membership/feature.js';
import { lifecycleFeature } from './lifecycle/feature.js';
import { ticketsFeature } from './tickets/feature.js';
import { transcriptFeature } from './transcript/feature.js';

export interface BridgeFeature {
  name: string;
  routes?: BridgeRoutes;
  /** Job handlers by kind (kinds are global: prefix them with the feature, e.g. `ticket.create`). */
  jobs?: (ctx: BridgeContext) => Record<string, JobHandler>;
  /** Called for every dead-lettered job (check `job.kind`), e.g. to mark a ticket failed. */
  onJobDead?: (job: Job, error: string, ctx: BridgeContext) => Promise<void> | void;
  /**
   * Background work of the feature (e.g. a periodic sweep), started once the server listens and
   * the runner runs. Returns what stops it; `close()` calls that before stopping the runner.
   */
  start?: (ctx: BridgeContext) => (() => Promise<void> | void) | void;
}

export const FEATURES: BridgeFeature[] = [ticketsFeature, membershipFeature, agentsFeature, transcriptFeature, lifecycleFeature];
