/**
 * Membership sync: Salesforce events in, reconcile jobs, and the periodic sweep. See
 * docs/bridge.md ("Membership sync").
 */
import type { BridgeContext, BridgeFeature } from '../context.js';
import type { Job, ReconcileJobPayload } from '../store/types.js';
import { CdcSubscriber, cdcHolderName } from './cdc-subscriber.js';
import { PubSubConnection } from './pubsub-connection.js';
import { APPLY_LEASE_MS, Reconciler } from './reconciler.js';
import { eventRoutes } from './routes.js';
import { MembershipService, RECONCILE_JOB, SWEEP_JOB, SWEEP_MAX_ATTEMPTS, sweepJobKey } from './service.js';

/** Queues a sweep now, whatever the period (the change-event stream started where it cannot see back). */
export async function sweepNow(ctx: BridgeContext, reason: string): Promise<void> {
  await ctx.store.enqueue(SWEEP_JOB, { reason }, { maxAttempts: SWEEP_MAX_ATTEMPTS });
}

/** The Change Data Capture subscriber (CASE_EVENTS=cdc), built when the feature starts. */
function cdcSubscriber(ctx: BridgeContext, service: MembershipService): CdcSubscriber {
  const c = ctx.config.membership.caseEvents;
  return new CdcSubscriber({
    store: ctx.store,
    connection: new PubSubConnection({ endpoint: c.pubsubEndpoint, caPem: c.pubsubCaPem, salesforce: ctx.clients.salesforce }),
    topic: c.topic,
    fetchSize: c.fetchSize,
    leaseMs: c.leaseMs,
    holder: ctx.runner?.workerId ?? cdcHolderName(),
    reconcile: service.requestOptions('event'),
    sweepNow: (reason) => sweepNow(ctx, reason),
    logger: ctx.logger.child({ feature: 'membership' }),
    registry: ctx.metrics.registry,
  });
}

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
    sweepFullIntervalMs: config.membership.sweepFullIntervalMs,
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
      const cdc = config.membership.caseEvents.mode === 'cdc' ? cdcSubscriber(ctx, service) : undefined;
      cdc?.start();
      const interval = config.membership.sweepIntervalMs;
      // The first sweep comes one interval after start: a restart storm must not sweep each time.
      const timer =
        interval > 0
          ? setInterval(() => {
              queueSweep(ctx).catch((err: unknown) => logger.warn({ err }, 'membership: could not queue the sweep'));
            }, interval)
          : undefined;
      timer?.unref();
      return async () => {
        clearInterval(timer);
        await cdc?.stop();
      };
    },
  };
}
