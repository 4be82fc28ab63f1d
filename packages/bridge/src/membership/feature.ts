/**
 * Membership sync: Salesforce events in, reconcile jobs, and the periodic sweep. See
 * docs/bridge.md ("Membership sync").
 */
import type { BridgeContext, BridgeFeature } from '../context.js';
import type { Job, ReconcileJobPayload } from '../store/types.js';
import { APPLY_LEASE_MS, Reconciler } from './reconciler.js';
import { eventRoutes } from './routes.js';
import { MembershipService, RECONCILE_JOB, SWEEP_JOB, SWEEP_MAX_ATTEMPTS, sweepJobKey } from './service.js';

/** Queues this period's sweep (once across instances: the dedupe key names the period). */
export async function queueSweep(ctx: BridgeContext): Promise<boolean> {
  const interval = ctx.config.membership.sweepIntervalMs;
  const period = Math.floor(ctx.clock() / interval);
  const { created } = await ctx.store.enqueue(
    SWEEP_JOB,
    { period },
    { dedupeKey: sweepJobKey(interval, period), maxAttempts: SWEEP_MAX_ATTEMPTS },
  );
  return created;
}

export function createMembershipFeature(ctx: BridgeContext): BridgeFeature {
  const { config, clients, store, logger, clock } = ctx;
  const log = logger.child({ feature: 'membership' });
  const reconciler = new Reconciler({
    salesforce: clients.salesforce,
    sendbird: clients.sendbird,
    store,
    agents: ctx.agents,
    logger: log,
    removePreviousAgent: config.membership.removePreviousAgent,
    nonAgentUserIds: config.membership.nonAgentUserIds,
    // A Case's apply lease never outlasts the job's: past it the job is aborted and reclaimed.
    applyLeaseMs: Math.min(APPLY_LEASE_MS, config.jobs.leaseMs),
  });
  const service = new MembershipService({
    store,
    salesforce: clients.salesforce,
    reconciler,
    logger: log,
    batchSize: config.membership.batchSize,
    clock,
  });
  return {
    name: 'membership',
    routes: async (app) => {
      await eventRoutes({
        store,
        service,
        sharedSecret: config.sharedSecret,
        bodyLimitBytes: config.http.bodyLimitBytes,
      })(app);
    },
    jobs: {
      [RECONCILE_JOB]: async ({ job, signal }) => {
        await service.runReconcileJob(job as Job<ReconcileJobPayload>, signal);
      },
      [SWEEP_JOB]: async () => {
        await service.sweep();
      },
    },
    start: () => {
      const interval = config.membership.sweepIntervalMs;
      if (interval <= 0) return;
      // The first sweep comes one interval after start: a restart storm must not sweep each time.
      const timer = setInterval(() => {
        queueSweep(ctx).catch((err: unknown) => logger.warn({ err }, 'membership: could not queue the sweep'));
      }, interval);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
