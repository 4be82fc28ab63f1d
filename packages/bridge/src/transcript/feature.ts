/**
 * The transcript: Sendbird webhooks in (`POST /sendbird/webhooks`), the chat's messages written to
 * the Case in Salesforce in batches (`transcript.flush` jobs), and catch-up from each open Case's
 * channel history for what webhooks did not bring (catchup.ts). See docs/bridge.md ("Transcript").
 */
import { randomUUID } from 'node:crypto';
import type { BridgeContext, BridgeFeature } from '../context.js';
import type { TranscriptFlushRequest } from '../store/types.js';
import { TranscriptCatchup, isLateWebhook } from './catchup.js';
import { createTranscriptMetrics } from './metrics.js';
import { BATCH_SIZE, FLUSH_JOB, TranscriptMirror } from './mirror.js';
import { TranscriptFiles } from './files.js';
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

export function createTranscriptFeature(ctx: BridgeContext): BridgeFeature {
  const { config, store, logger, clock } = ctx;
  const t = config.transcript;
  const metrics = createTranscriptMetrics(ctx.metrics, store);
  const workerId = ctx.runner?.workerId ?? `transcript:${randomUUID()}`;
  const mirror: TranscriptMirror = new TranscriptMirror({
    store,
    salesforce: ctx.clients.salesforce,
    logger: logger.child({ feature: 'transcript' }),
    mode: t.mode,
    flushMs: t.flushMs,
    minBatchWaitMs: t.minBatchWaitMs,
    writesInFlight: t.writesInFlight,
    slowFlushMs: t.slowFlushMs,
    budgetReserve: t.budgetReserve,
    leaseMs: config.jobs.leaseMs,
    workerId,
    clock,
    metrics,
    files: new TranscriptFiles({
      salesforce: ctx.clients.salesforce,
      logger: logger.child({ feature: 'transcript-files' }),
      settings: {
        enabled: t.files.enabled,
        maxBytes: t.files.maxBytes,
        timeoutMs: t.files.timeoutMs,
        extraHosts: t.files.hosts,
        sendbirdApiUrl: config.sendbird.apiUrl,
        apiToken: config.sendbird.apiToken,
      },
    }),
  });
  // How late a new message's flush may be due is asked of the mirror for each message (flush-plan.ts).
  const flush: TranscriptFlushRequest = {
    kind: FLUSH_JOB,
    batchSize: BATCH_SIZE,
    get delayMs() {
      return mirror.newMessageWaitMs();
    },
  };
  const catchup = new TranscriptCatchup({
    store,
    sendbird: ctx.clients.sendbird,
    logger: logger.child({ feature: 'transcript-catchup' }),
    flush,
    intervalMs: t.catchupIntervalMs,
    recheck: t.catchupRecheck,
    readsPerSecond: t.catchupReadsPerSecond,
    leaseMs: config.jobs.leaseMs,
    workerId,
    clock,
    metrics: metrics.catchup,
  });
  /** Wakes this process's catch-up loop (set while it runs; see `start`). */
  let kickCatchup: (() => void) | undefined;

  /** Makes sure pending messages have a flush job due when their batch is (see SAFETY_CHECK_MS). */
  const scheduleDueFlush = async (): Promise<void> => {
    const next = await store.nextTranscriptFlushAt(t.flushMs);
    if (next === null) return;
    await store.scheduleTranscriptFlush(FLUSH_JOB, next);
  };

  return {
    name: 'transcript',
    routes: async (app) => {
      await webhookRoutes({
        store,
        apiToken: config.sendbird.apiToken,
        previousApiTokens: config.sendbird.previousApiTokens,
        bodyLimitBytes: t.webhookBodyLimitBytes,
        flush,
        count: (outcome, detail) => metrics.webhooks.inc({ outcome, detail: detail ?? '' }),
        // The message is stored either way: a failure here leaves it to its flush job, due at the latest at flushAt.
        onStored: (flushAt) =>
          mirror.recorded(flushAt).catch((err: unknown) => logger.warn({ err }, 'transcript: could not bring the flush forward')),
        // A late webhook (Sendbird retried it, or it was held up): others of its channel may be lost.
        onEvent: async (event) => {
          const now = clock();
          if (!isLateWebhook(event, now, t.catchupGapMs)) return;
          try {
            if ((await store.dueTranscriptCatchup(now, 'late_webhook', [event.channelUrl])) > 0) kickCatchup?.();
          } catch (err) {
            logger.warn(
              { err, channelUrl: event.channelUrl },
              'transcript: could not make the catch-up of a late webhook due; the schedule reads the channel',
            );
          }
        },
      })(app);
    },
    jobs: {
      // The flush schedules the next one in the store, which tells the job runner when it is due.
      [FLUSH_JOB]: async ({ signal }) => {
        await mirror.flush(signal);
      },
    },
    start: () => {
      const warn = (what: string) => (err: unknown) => logger.warn({ err }, `transcript: ${what} failed`);
      const retentionMs = t.retentionDays * 86_400_000;
      void scheduleDueFlush().catch(warn('scheduling the flush'));
      const safety = setInterval(() => void scheduleDueFlush().catch(warn('scheduling the flush')), SAFETY_CHECK_MS);
      const purge = setInterval(() => {
        store.purgeTranscript(clock() - retentionMs).catch(warn('purging written messages'));
      }, PURGE_INTERVAL_MS);
      safety.unref();
      purge.unref();
      const loop = startCatchup(ctx, catchup);
      kickCatchup = loop.kick;
      return async () => {
        clearInterval(safety);
        clearInterval(purge);
        kickCatchup = undefined;
        await loop.stop();
      };
    },
  };
}

/**
 * The catch-up loop of one process: on start every open channel is due (messages sent while no
 * instance was up), then due channels are read every tick (a quarter of the interval, at most
 * 15 s) or at once when a late webhook makes one due, and once an interval the tickets updated
 * since the last look are registered. One pass at a time; a stop aborts it between calls and
 * waits for it.
 */
function startCatchup(ctx: BridgeContext, catchup: TranscriptCatchup): { kick: () => void; stop: () => Promise<void> } {
  const t = ctx.config.transcript;
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
  return {
    kick,
    stop: async () => {
      abort.abort();
      clearInterval(timer);
      await running;
    },
  };
}
