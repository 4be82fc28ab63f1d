/**
 * The transcript: Sendbird webhooks in (`POST /sendbird/webhooks`), the chat's messages written to
 * the Case in Salesforce in batches (`transcript.flush` jobs). See docs/bridge.md ("Transcript").
 */
import { randomUUID } from 'node:crypto';
import type { BridgeFeature } from '../features.js';
import type { BridgeContext } from '../server.js';
import type { Store } from '../store/types.js';
import { transcriptMetrics } from './metrics.js';
import { BATCH_SIZE, FLUSH_JOB, TranscriptMirror } from './mirror.js';
import { FlushWaker } from './wake.js';
import { webhookRoutes } from './webhook-route.js';

/** Written messages are purged this often (those older than TRANSCRIPT_RETENTION_DAYS). */
export const PURGE_INTERVAL_MS = 60 * 60_000;
/**
 * How often a process checks that pending messages have a flush scheduled: a flush job that died
 * (the store was down ten times in a row) must not strand them until the next webhook.
 */
export const SAFETY_CHECK_MS = 60_000;

interface Parts {
  mirror: TranscriptMirror;
  waker: FlushWaker;
}

// One mirror and one waker per store, as in the other features: routes and jobs get different contexts.
const perStore = new WeakMap<Store, Parts>();

function parts(ctx: BridgeContext): Parts {
  let p = perStore.get(ctx.store);
  if (!p) {
    const t = ctx.config.transcript;
    const mirror = new TranscriptMirror({
      store: ctx.store,
      salesforce: ctx.clients.salesforce,
      logger: ctx.logger.child({ feature: 'transcript' }),
      mode: t.mode,
      flushMs: t.flushMs,
      slowFlushMs: t.slowFlushMs,
      budgetReserve: t.budgetReserve,
      leaseMs: ctx.config.jobs.leaseMs,
      workerId: ctx.runner?.workerId ?? `transcript:${randomUUID()}`,
      clock: ctx.clock,
      metrics: transcriptMetrics(ctx.metrics, ctx.store),
    });
    p = { mirror, waker: new FlushWaker(() => ctx.runner?.kick(), ctx.clock) };
    perStore.set(ctx.store, p);
  }
  return p;
}

export const transcriptMirror = (ctx: BridgeContext): TranscriptMirror => parts(ctx).mirror;

/** Makes sure pending messages have a flush job due when their batch is (see SAFETY_CHECK_MS). */
async function scheduleDueFlush(ctx: BridgeContext): Promise<void> {
  const next = await ctx.store.nextTranscriptFlushAt(ctx.config.transcript.flushMs);
  if (next === null) return;
  await ctx.store.scheduleTranscriptFlush(FLUSH_JOB, next);
  parts(ctx).waker.wakeAt(next);
}

export const transcriptFeature: BridgeFeature = {
  name: 'transcript',
  routes: async (app, ctx) => {
    const { config } = ctx;
    const metrics = transcriptMetrics(ctx.metrics, ctx.store);
    await webhookRoutes({
      store: ctx.store,
      apiToken: config.sendbird.apiToken,
      previousApiTokens: config.sendbird.previousApiTokens,
      bodyLimitBytes: config.transcript.webhookBodyLimitBytes,
      flush: { kind: FLUSH_JOB, delayMs: config.transcript.flushMs, batchSize: BATCH_SIZE },
      wakeAt: (at) => parts(ctx).waker.wakeAt(at),
      count: (outcome, detail) => metrics.webhooks.inc({ outcome, detail: detail ?? '' }),
    })(app);
  },
  jobs: (ctx) => ({
    [FLUSH_JOB]: async ({ signal }) => {
      const { mirror, waker } = parts(ctx);
      waker.wakeAt((await mirror.flush(signal)).next);
    },
  }),
  start: (ctx) => {
    const warn = (what: string) => (err: unknown) => ctx.logger.warn({ err }, `transcript: ${what} failed`);
    const retentionMs = ctx.config.transcript.retentionDays * 86_400_000;
    void scheduleDueFlush(ctx).catch(warn('scheduling the flush'));
    const safety = setInterval(() => void scheduleDueFlush(ctx).catch(warn('scheduling the flush')), SAFETY_CHECK_MS);
    const purge = setInterval(() => {
      ctx.store.purgeTranscript(ctx.clock() - retentionMs).catch(warn('purging written messages'));
    }, PURGE_INTERVAL_MS);
    safety.unref();
    purge.unref();
    return () => {
      clearInterval(safety);
      clearInterval(purge);
      parts(ctx).waker.stop();
    };
  },
};
