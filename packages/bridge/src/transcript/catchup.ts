/**
 * Transcript catch-up: reads each open Case's channel history from Sendbird's Platform API and
 * mirrors what the webhooks did not bring, through the same dedupe as webhooks
 * (`recordTranscriptEvent`, keyed on the message id), so every message is mirrored exactly once
 * whichever way it came. See docs/bridge.md ("Transcript catch-up") and docs/decisions.md.
 *
 * Sendbird sends a webhook up to 3 times and then gives up, so a bridge that is down, or a
 * network that drops webhooks, loses messages for good unless something reads the history.
 *
 * Per channel the store keeps how far catch-up has read (`checked_id`/`checked_at`: every message
 * up to it is in the transcript). A catch-up reads on from there in pages of 200 (the documented
 * maximum of `next_limit`), in order, and moves the mark to the newest message it read. The first
 * page also re-reads the TRANSCRIPT_CATCHUP_RECHECK messages before the mark (`prev_limit`), so an
 * edit (a later `updated_at`) or a removal (`is_removed`) of a recent message made while webhooks
 * were lost is mirrored too.
 *
 * When: every open channel on start, each one every TRANSCRIPT_CATCHUP_INTERVAL_MS, and at once
 * for a channel whose webhook came late (see `isLateWebhook`). Channels are leased through the
 * store (FOR UPDATE SKIP LOCKED on PostgreSQL), so several instances never read one at once.
 * Reads are paced to TRANSCRIPT_CATCHUP_READS_PER_SECOND per process, on top of the Sendbird
 * client's own 429 handling, and list messages is an endpoint ticket creation never calls.
 */
import { SendbirdNotFoundError, TokenBucket, type ListMessagesParams, type SendbirdClient, type SendbirdMessage } from '@sbsf/sendbird';
import { truncateText } from '@sbsf/wire';
import type { Logger } from 'pino';
import type { NewLedgerEntry, Store, TranscriptChannel, TranscriptEvent, TranscriptFlushRequest } from '../store/types.js';
import { historyMessageId, interpretHistoryMessage } from './history-message.js';
import type { CatchupMetrics } from './metrics.js';

/** `next_limit` takes 0 to 200 (list messages, Platform API v3): one call reads at most 200 messages on. */
export const CATCHUP_PAGE = 200;
/** Channels leased per claim. */
export const CATCHUP_CLAIM = 5;
/** A channel whose read failed is tried again this soon (or at its interval, if sooner). */
export const CATCHUP_RETRY_MS = 60_000;

export interface CatchupOptions {
  store: Store;
  sendbird: Pick<SendbirdClient, 'listMessages'>;
  logger: Logger;
  flush: TranscriptFlushRequest;
  /** Called with the flush job's due time after a message was stored. */
  wakeAt: (at: number) => void;
  intervalMs: number;
  /** Messages before the mark re-read on each catch-up for edits and removals (prev_limit, 0 to 200). */
  recheck: number;
  readsPerSecond: number;
  leaseMs: number;
  workerId: string;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  metrics?: CatchupMetrics;
}

export interface CatchupResult {
  channelUrl: string;
  caseId: string;
  reason: string;
  /** Sendbird calls made. */
  calls: number;
  /** Messages read (the re-read ones included). */
  read: number;
  /** Messages the transcript did not have, edits it had not seen, removals it had not seen. */
  added: number;
  edited: number;
  deleted: number;
  /** The mark after this catch-up. */
  checked: { messageId: string; at: number } | null;
  error?: string;
}

/** A webhook for a message sent this long before it arrived was held up: its channel may have lost others. */
export function isLateWebhook(event: TranscriptEvent, now: number, gapMs: number): boolean {
  return event.message !== null && event.version === 0 && now - event.message.sentAt > gapMs;
}

export class TranscriptCatchup {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly bucket: TokenBucket;

  constructor(private readonly o: CatchupOptions) {
    this.now = o.clock ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
    this.bucket = new TokenBucket(o.readsPerSecond, this.now);
  }

  /** Catches up every channel that is due, a few leased at a time, until none is left or `signal` aborts. */
  async runDue(signal?: AbortSignal): Promise<CatchupResult[]> {
    const out: CatchupResult[] = [];
    while (!signal?.aborted) {
      const channels = await this.o.store.claimTranscriptCatchups(this.o.workerId, { limit: CATCHUP_CLAIM, leaseMs: this.o.leaseMs });
      if (channels.length === 0) break;
      for (const ch of channels) out.push(await this.catchUp(ch, signal));
    }
    return out;
  }

  /** Reads one leased channel on from its mark, records what is missing, and gives the lease back. */
  async catchUp(ch: TranscriptChannel, signal?: AbortSignal): Promise<CatchupResult> {
    const res: CatchupResult = {
      channelUrl: ch.channelUrl,
      caseId: ch.caseId,
      reason: ch.dueReason ?? 'schedule',
      calls: 0,
      read: 0,
      added: 0,
      edited: 0,
      deleted: 0,
      checked: ch.checkedId ? { messageId: ch.checkedId, at: ch.checkedAt } : null,
    };
    let nextAt = this.now() + this.o.intervalMs;
    try {
      await this.read(ch, res, signal);
    } catch (err) {
      res.error = err instanceof Error ? err.message : String(err);
      nextAt = this.now() + Math.min(this.o.intervalMs, CATCHUP_RETRY_MS);
      this.o.logger.warn({ caseId: ch.caseId, channelUrl: ch.channelUrl, error: res.error, read: res.read }, 'transcript catch-up: reading the channel failed; it is tried again later');
    }
    const found = res.added + res.edited + res.deleted;
    const ledger: NewLedgerEntry[] = found
      ? [
          {
            caseId: ch.caseId,
            system: 'sendbird',
            action: 'transcript.catchup',
            target: ch.channelUrl,
            outcome: res.error ? 'error' : 'ok',
            detail: {
              reason: res.reason,
              added: res.added,
              edited: res.edited,
              deleted: res.deleted,
              read: res.read,
              calls: res.calls,
              from: ch.checkedId,
              to: res.checked?.messageId ?? null,
              ...(res.error ? { error: truncateText(res.error, 300, '...') } : {}),
            },
          },
        ]
      : [];
    const moved = res.checked && res.checked.messageId !== ch.checkedId ? res.checked : undefined;
    const kept = await this.o.store.finishTranscriptCatchup(this.o.workerId, ch.channelUrl, { checked: moved, nextAt, ledger });
    if (!kept) this.o.logger.warn({ channelUrl: ch.channelUrl }, 'transcript catch-up: the lease ran out before the read ended; another process reads the channel again');
    const m = this.o.metrics;
    if (m) {
      m.runs.inc({ reason: res.reason, outcome: res.error ? 'error' : found ? 'found' : 'nothing' });
      m.calls.inc(res.calls);
      for (const kind of ['added', 'edited', 'deleted'] as const) if (res[kind]) m.messages.inc({ kind }, res[kind]);
    }
    if (found) this.o.logger.info({ caseId: ch.caseId, reason: res.reason, added: res.added, edited: res.edited, deleted: res.deleted, calls: res.calls }, 'transcript catch-up mirrored what webhooks had not brought');
    return res;
  }

  private async list(url: string, params: ListMessagesParams, res: CatchupResult): Promise<SendbirdMessage[]> {
    const wait = this.bucket.reserve();
    if (wait > 0) await this.sleep(wait);
    res.calls += 1;
    return (await this.o.sendbird.listMessages(url, params)).messages;
  }

  private async read(ch: TranscriptChannel, res: CatchupResult, signal?: AbortSignal): Promise<void> {
    const url = ch.channelUrl;
    // Without a message to start from: the messages sent at or after checkedAt (the `include`d
    // anchor millisecond falls on the prev side, which prev_limit=0 leaves out).
    const fromTime: ListMessagesParams = { message_ts: Math.max(0, ch.checkedAt - 1), prev_limit: 0, next_limit: CATCHUP_PAGE, include: true };
    let page: SendbirdMessage[];
    let before: SendbirdMessage[] = [];
    let after: SendbirdMessage[];
    if (ch.checkedId) {
      try {
        page = await this.list(url, { message_id: Number(ch.checkedId), prev_limit: this.o.recheck, next_limit: CATCHUP_PAGE, include: true }, res);
      } catch (err) {
        // The marked message was deleted since: start from its time instead.
        if (!(err instanceof SendbirdNotFoundError)) throw err;
        page = await this.list(url, fromTime, res);
      }
      const at = page.findIndex((m) => historyMessageId(m) === ch.checkedId);
      before = at >= 0 ? page.slice(0, at + 1) : page.filter((m) => m.created_at < ch.checkedAt);
      after = at >= 0 ? page.slice(at + 1) : page.filter((m) => m.created_at >= ch.checkedAt);
    } else {
      page = await this.list(url, fromTime, res);
      after = page;
    }
    res.read += page.length;
    // Re-read messages: only news about them (an edit, a removal) is recorded.
    for (const m of before) await this.record(m, ch, res, true);
    for (;;) {
      for (const m of after) {
        await this.record(m, ch, res, false);
        const id = historyMessageId(m);
        if (id) res.checked = { messageId: id, at: m.created_at };
      }
      if (after.length < CATCHUP_PAGE || signal?.aborted || !res.checked) return;
      after = await this.list(url, { message_id: Number(res.checked.messageId), prev_limit: 0, next_limit: CATCHUP_PAGE, include: false }, res);
      res.read += after.length;
    }
  }

  private async record(m: SendbirdMessage, ch: TranscriptChannel, res: CatchupResult, reread: boolean): Promise<void> {
    const meaning = interpretHistoryMessage(m, ch.caseId, ch.channelUrl);
    if (meaning.kind !== 'message') return;
    const { event, edited } = meaning;
    if (reread && !edited && !event.deleted) return;
    const { outcome, flushAt } = await this.o.store.recordTranscriptEvent(event, this.o.flush);
    if (outcome !== 'stored') return;
    this.o.wakeAt(flushAt);
    if (event.deleted) res.deleted += 1;
    else if (edited && (reread || (await this.knewBefore(event.messageId)))) res.edited += 1;
    else res.added += 1;
  }

  /** Whether an edited message read on was known before (an edit) or new to the transcript (counted as added). */
  private async knewBefore(messageId: string): Promise<boolean> {
    const row = await this.o.store.getTranscriptMessage(messageId);
    return row !== null && row.rev > 1;
  }
}
