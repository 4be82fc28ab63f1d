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
import { webhookRoutes } from './webhook-route.js';

/** Written messages are purged this often (those older than TRANSCRIPT_RETENTION_DAYS). */
export const PURGE_INTERVAL_MS = 60 * 60_000;
/**
 * How often a process checks that pending messages have a flush scheduled: a flush job that died
 * (the store was down ten times in a row) must not strand them until the next webhook.
 */
export const SAFETY_CHECK_MS = 60_000;

const perStore = new WeakMap<Store, TranscriptMirror>();

export function transcriptMirror(ctx: BridgeContext): TranscriptMirror {
  let m = perStore.get(ctx.store);
  if (!m) {
    const t = ctx.config.transcript;
    m = new TranscriptMirror({
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
    perStore.set(ctx.store, m);
  }
  return m;
}

/** Makes sure pending messages have a flush job due when their batch is (see SAFETY_CHECK_MS). */
async function scheduleDueFlush(ctx: BridgeContext): Promise<void> {
  const next = await ctx.store.nextTranscriptFlushAt(ctx.config.transcript.flushMs);
  if (next === null) return;
  await ctx.store.scheduleTranscriptFlush(FLUSH_JOB, next);
  if (next <= ctx.clock()) ctx.runner?.kick();
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
      clock: ctx.clock,
      kick: () => ctx.runner?.kick(),
      count: (outcome, detail) => metrics.webhooks.inc({ outcome, detail: detail ?? '' }),
    })(app);
  },
  jobs: (ctx) => ({
    [FLUSH_JOB]: async ({ signal }) => {
      await transcriptMirror(ctx).flush(signal);
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
    };
  },
};
