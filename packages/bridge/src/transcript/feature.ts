/**
 * The transcript: Sendbird webhooks in (`POST /sendbird/webhooks`), the chat's messages written to
 * the Case in Salesforce in batches (`transcript.flush` jobs), and catch-up from each open Case's
 * channel history for what webhooks did not bring (catchup.ts). See docs/bridge.md ("Transcript").
 */
import { randomUUID } from 'node:crypto';
import type { BridgeFeature } from '../features.js';
import type { BridgeContext } from '../server.js';
import type { Store } from '../store/types.js';
import { TranscriptCatchup, isLateWebhook } from './catchup.js';
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

/** Tickets updated this long before the last look are looked at again for new channels (commits still under way). */
export const REGISTER_MARGIN_MS = 60_000;

interface Parts {
  mirror: TranscriptMirror;
  waker: FlushWaker;
  catchup: TranscriptCatchup;
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
    const waker = new FlushWaker(() => ctx.runner?.kick(), ctx.clock);
    const catchup = new TranscriptCatchup({
      store: ctx.store,
      sendbird: ctx.clients.sendbird,
      logger: ctx.logger.child({ feature: 'transcript-catchup' }),
      flush: flushRequest(ctx),
      wakeAt: (at) => waker.wakeAt(at),
      intervalMs: t.catchupIntervalMs,
      recheck: t.catchupRecheck,
      readsPerSecond: t.catchupReadsPerSecond,
      leaseMs: ctx.config.jobs.leaseMs,
      workerId: ctx.runner?.workerId ?? `transcript:${randomUUID()}`,
      clock: ctx.clock,
      metrics: transcriptMetrics(ctx.metrics, ctx.store).catchup,
    });
    p = { mirror, waker, catchup };
    perStore.set(ctx.store, p);
  }
  return p;
}

export const transcriptMirror = (ctx: BridgeContext): TranscriptMirror => parts(ctx).mirror;
export const transcriptCatchup = (ctx: BridgeContext): TranscriptCatchup => parts(ctx).catchup;

const flushRequest = (ctx: BridgeContext) => ({ kind: FLUSH_JOB, delayMs: ctx.config.transcript.flushMs, batchSize: BATCH_SIZE });

/** Wakes this process's catch-up loop (set while it runs; see `start`). */
const catchupKicks = new WeakMap<Store, () => void>();

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
      flush: flushRequest(ctx),
      wakeAt: (at) => parts(ctx).waker.wakeAt(at),
      count: (outcome, detail) => metrics.webhooks.inc({ outcome, detail: detail ?? '' }),
      // A late webhook (Sendbird retried it, or it was held up): others of its channel may be lost.
      onEvent: async (event) => {
        const now = ctx.clock();
        if (!isLateWebhook(event, now, config.transcript.catchupGapMs)) return;
        try {
          if ((await ctx.store.dueTranscriptCatchup(now, 'late_webhook', [event.channelUrl])) > 0) catchupKicks.get(ctx.store)?.();
        } catch (err) {
          ctx.logger.warn({ err, channelUrl: event.channelUrl }, 'transcript: could not make the catch-up of a late webhook due; the schedule reads the channel');
        }
      },
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
    const stopCatchup = startCatchup(ctx);
    return async () => {
      clearInterval(safety);
      clearInterval(purge);
      parts(ctx).waker.stop();
      await stopCatchup();
    };
  },
};

/**
 * The catch-up loop of one process: on start every open channel is due (messages sent while no
 * instance was up), then due channels are read every tick (a quarter of the interval, at most
 * 15 s) or at once when a late webhook makes one due, and once an interval the tickets updated
 * since the last look are registered. One pass at a time; a stop aborts it between calls and
 * waits for it.
 */
function startCatchup(ctx: BridgeContext): () => Promise<void> {
  const t = ctx.config.transcript;
  const { catchup } = parts(ctx);
  const abort = new AbortController();
  const tickMs = Math.max(50, Math.min(Math.floor(t.catchupIntervalMs / 4), 15_000));
  let since = 0;
  let registered = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  let again = false;
  const pass = async () => {
    const started = ctx.clock();
    // New tickets' channels are first due an interval later, so looking once an interval is enough
    // (the look reads the tickets updated since the last one).
    if (started - registered >= t.catchupIntervalMs) {
      await ctx.store.registerTicketChannels(since, started + t.catchupIntervalMs);
      since = started - REGISTER_MARGIN_MS;
      registered = started;
    }
    await catchup.runDue(abort.signal);
  };
  const kick = () => {
    if (abort.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await pass().catch((err: unknown) => ctx.logger.warn({ err }, 'transcript catch-up: a pass failed; the next tick tries again'));
      } while (again && !abort.signal.aborted);
    })().finally(() => {
      running = undefined;
    });
  };
  catchupKicks.set(ctx.store, kick);
  void (async () => {
    try {
      await ctx.store.registerTicketChannels(0, ctx.clock());
      await ctx.store.dueTranscriptCatchup(ctx.clock(), 'start');
    } catch (err) {
      ctx.logger.warn({ err }, 'transcript catch-up: could not make the open channels due on start; the schedule reads them');
    }
    kick();
  })();
  const timer = setInterval(kick, tickMs);
  timer.unref();
  return async () => {
    abort.abort();
    clearInterval(timer);
    if (catchupKicks.get(ctx.store) === kick) catchupKicks.delete(ctx.store);
    await running;
  };
}
