/**
 * Membership sync: Salesforce events in, reconcile jobs, and the periodic sweep. See
 * docs/bridge.md ("Membership sync").
 */
import { agentDirectoryFor } from '../agents/directory.js';
import type { BridgeFeature } from '../features.js';
import type { BridgeContext } from '../server.js';
import type { Job, ReconcileJobPayload, Store } from '../store/types.js';
import { APPLY_LEASE_MS, Reconciler } from './reconciler.js';
import { eventRoutes } from './routes.js';
import { MembershipService, RECONCILE_JOB, SWEEP_JOB, SWEEP_MAX_ATTEMPTS, sweepJobKey } from './service.js';

// One service per store, as in the tickets feature: routes and jobs get different contexts.
const perStore = new WeakMap<Store, MembershipService>();

export function membershipService(ctx: BridgeContext): MembershipService {
  let s = perStore.get(ctx.store);
  if (!s) {
    const { config, clients, store, logger, clock } = ctx;
    const log = logger.child({ feature: 'membership' });
    const reconciler = new Reconciler({
      salesforce: clients.salesforce,
      sendbird: clients.sendbird,
      store,
      agents: agentDirectoryFor(clients.sendbird, store),
      logger: log,
      removePreviousAgent: config.membership.removePreviousAgent,
      nonAgentUserIds: config.membership.nonAgentUserIds,
      // A Case's apply lease never outlasts the job's: past it the job is aborted and reclaimed.
      applyLeaseMs: Math.min(APPLY_LEASE_MS, config.jobs.leaseMs),
    });
    s = new MembershipService({ store, salesforce: clients.salesforce, reconciler, logger: log, batchSize: config.membership.batchSize, clock, kick: () => ctx.runner?.kick() });
    perStore.set(ctx.store, s);
  }
  return s;
}

/** Queues this period's sweep (once across instances: the dedupe key names the period). */
export async function queueSweep(ctx: BridgeContext): Promise<boolean> {
  const interval = ctx.config.membership.sweepIntervalMs;
  const period = Math.floor(ctx.clock() / interval);
  const { created } = await ctx.store.enqueue(SWEEP_JOB, { period }, { dedupeKey: sweepJobKey(interval, period), maxAttempts: SWEEP_MAX_ATTEMPTS });
  if (created) ctx.runner?.kick();
  return created;
}

export const membershipFeature: BridgeFeature = {
  name: 'membership',
  routes: async (app, ctx) => {
    await eventRoutes({
      store: ctx.store,
      service: membershipService(ctx),
      sharedSecret: ctx.config.sharedSecret,
      bodyLimitBytes: ctx.config.http.bodyLimitBytes,
      runner: ctx.runner,
    })(app);
  },
  jobs: (ctx) => ({
    [RECONCILE_JOB]: async ({ job, signal }) => {
      await membershipService(ctx).runReconcileJob(job as Job<ReconcileJobPayload>, signal);
    },
    [SWEEP_JOB]: async () => {
      await membershipService(ctx).sweep();
    },
  }),
  start: (ctx) => {
    const interval = ctx.config.membership.sweepIntervalMs;
    if (interval <= 0) return;
    // The first sweep comes one interval after start: a restart storm must not sweep each time.
    const timer = setInterval(() => {
      queueSweep(ctx).catch((err: unknown) => ctx.logger.warn({ err }, 'membership: could not queue the sweep'));
    }, interval);
    timer.unref();
    return () => clearInterval(timer);
  },
};
