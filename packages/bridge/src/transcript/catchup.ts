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
 * edit (a later `updated_at`) or a deletion of a recent message made while webhooks were lost is
 * mirrored too. A deletion shows either way: listed with `is_removed: true`, or left out of the
 * list (`deletedByAbsence`: a message the transcript holds within the stretch of history the page
 * lists completely, but that is not on the page). Every read lists thread replies too
 * (`include_reply_type=ALL`; Sendbird leaves them out by default), so a reply is caught up like
 * any message and never taken for a deleted one.
 *
 * When: every open channel on start, each one every TRANSCRIPT_CATCHUP_INTERVAL_MS, and at once
 * for a channel whose webhook came late (see `isLateWebhook`). Channels are leased through the
 * store (FOR UPDATE SKIP LOCKED on PostgreSQL), so several instances never read one at once.
 * Reads are paced to TRANSCRIPT_CATCHUP_READS_PER_SECOND per process, on top of the Sendbird
 * client's own 429 handling, and list messages is an endpoint ticket creation never calls.
 */
import {
  SendbirdNotFoundError,
  TokenBucket,
  withSendbirdPriority,
  type ListMessagesParams,
  type SendbirdClient,
  type SendbirdMessage,
} from '@sbsf/sendbird';
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
/**
 * Every catch-up read lists thread replies with the other messages, in order (the default, NONE,
 * leaves them out): https://sendbird.com/docs/chat/v3/platform-api/message/message-threading/list-threaded-replies-of-a-parent-message
 */
export const CATCHUP_REPLY_TYPE = 'ALL';

export interface CatchupOptions {
  store: Store;
  sendbird: Pick<SendbirdClient, 'listMessages'>;
  logger: Logger;
  flush: TranscriptFlushRequest;
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

/** How the first page of a catch-up was asked for: around the marked message, or (the mark is gone) from its time. */
export interface FirstPage {
  /** The page as listed, oldest first. */
  page: readonly SendbirdMessage[];
  markId: string;
  markAt: number;
  /** `message_id` (around the marked message) or `message_ts` (from the mark's time, `include`d millisecond on the prev side). */
  anchor: 'message_id' | 'message_ts';
  /** The `prev_limit` asked for. */
  recheck: number;
}

/**
 * The stretch of sent times (epoch ms, both inclusive) in which the first page lists every message
 * of the channel, up to the mark; null when there is none. The page is contiguous history: the up
 * to `recheck` messages before the anchor, then the ones after it.
 *
 * - Its start: the channel's beginning (0) when fewer than `recheck` messages were listed before
 *   the anchor (there are no more); otherwise the millisecond after the oldest one listed (older
 *   messages sent in that same millisecond may be left out of the page). A listed marked message
 *   counts as one of them: `include=true` may take one of `prev_limit`'s places for it (the
 *   emulator's reading; Sendbird does not say), and counting it is right either way.
 *
 * - Its end: the mark's time. The messages sent in that millisecond after the mark are on the
 *   page's next side, unless a full next side ends before it (then the millisecond before its last).
 *
 * Which messages count as listed before the anchor: around the marked message, the ones before it
 * (by position, or by id when the mark is no longer listed); from the mark's time, every listed
 * message sent before it, which counts at least the prev side, so the start is never too early.
 */
export function listedStretch(f: FirstPage): { from: number; to: number } | null {
  if (f.recheck <= 0) return null;
  const at = f.page.findIndex((m) => historyMessageId(m) === f.markId);
  const mark = Number(f.markId);
  const prev =
    at >= 0
      ? f.page.slice(0, at)
      : f.anchor === 'message_id'
        ? f.page.filter((m) => Number(historyMessageId(m) ?? Number.NaN) < mark)
        : f.page.filter((m) => m.created_at < f.markAt);
  const next = at >= 0 ? f.page.slice(at + 1) : f.page.slice(prev.length);
  const oldest = f.page[0];
  const listedBefore = at >= 0 ? at + 1 : prev.length;
  const from = listedBefore < f.recheck ? 0 : (oldest?.created_at ?? f.markAt) + 1;
  const last = next.at(-1);
  const to = next.length >= CATCHUP_PAGE && last && last.created_at <= f.markAt ? last.created_at - 1 : f.markAt;
  return from <= to ? { from, to } : null;
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
      for (const ch of channels) {
        // Catch-up reads no capped endpoint today; any capped call it makes is paced as `catchup`.
        out.push(await withSendbirdPriority({ class: 'catchup', key: ch.channelUrl }, () => this.catchUp(ch, signal)));
      }
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
      this.o.logger.warn(
        { caseId: ch.caseId, channelUrl: ch.channelUrl, error: res.error, read: res.read },
        'transcript catch-up: reading the channel failed; it is tried again later',
      );
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
    if (!kept) {
      this.o.logger.warn(
        { channelUrl: ch.channelUrl },
        'transcript catch-up: the lease ran out before the read ended; another process reads the channel again',
      );
    }
    const m = this.o.metrics;
    if (m) {
      m.runs.inc({ reason: res.reason, outcome: res.error ? 'error' : found ? 'found' : 'nothing' });
      m.calls.inc(res.calls);
      for (const kind of ['added', 'edited', 'deleted'] as const) if (res[kind]) m.messages.inc({ kind }, res[kind]);
    }
    if (found) {
      this.o.logger.info(
        { caseId: ch.caseId, reason: res.reason, added: res.added, edited: res.edited, deleted: res.deleted, calls: res.calls },
        'transcript catch-up mirrored what webhooks had not brought',
      );
    }
    return res;
  }

  private async list(url: string, params: ListMessagesParams, res: CatchupResult): Promise<SendbirdMessage[]> {
    const wait = this.bucket.reserve();
    if (wait > 0) await this.sleep(wait);
    res.calls += 1;
    return (await this.o.sendbird.listMessages(url, { ...params, include_reply_type: CATCHUP_REPLY_TYPE })).messages;
  }

  private async read(ch: TranscriptChannel, res: CatchupResult, signal?: AbortSignal): Promise<void> {
    const url = ch.channelUrl;
    // Without a message to start from: the messages sent at or after checkedAt (the `include`d
    // anchor millisecond falls on the prev side, which prev_limit=0 leaves out).
    const fromTime: ListMessagesParams = {
      message_ts: Math.max(0, ch.checkedAt - 1),
      prev_limit: 0,
      next_limit: CATCHUP_PAGE,
      include: true,
    };
    let page: SendbirdMessage[];
    let before: SendbirdMessage[] = [];
    let after: SendbirdMessage[];
    let first: FirstPage | null = null;
    if (ch.checkedId) {
      let anchor: FirstPage['anchor'] = 'message_id';
      try {
        const around = { message_id: Number(ch.checkedId), prev_limit: this.o.recheck, next_limit: CATCHUP_PAGE, include: true };
        page = await this.list(url, around, res);
      } catch (err) {
        // The marked message was deleted since: start from its time instead (and re-read as many before it).
        if (!(err instanceof SendbirdNotFoundError)) throw err;
        anchor = 'message_ts';
        page = await this.list(url, { ...fromTime, prev_limit: this.o.recheck }, res);
      }
      const at = page.findIndex((m) => historyMessageId(m) === ch.checkedId);
      before = at >= 0 ? page.slice(0, at + 1) : page.filter((m) => m.created_at < ch.checkedAt);
      after = at >= 0 ? page.slice(at + 1) : page.filter((m) => m.created_at >= ch.checkedAt);
      first = { page, markId: ch.checkedId, markAt: ch.checkedAt, anchor, recheck: this.o.recheck };
    } else {
      page = await this.list(url, fromTime, res);
      after = page;
    }
    res.read += page.length;
    // Re-read messages: only news about them (an edit, a removal) is recorded.
    for (const m of before) await this.record(m, ch, res, true);
    if (first) await this.deletedByAbsence(first, ch, res);
    for (;;) {
      for (const m of after) {
        await this.record(m, ch, res, false);
        const id = historyMessageId(m);
        if (id) res.checked = { messageId: id, at: m.created_at };
      }
      if (after.length < CATCHUP_PAGE || signal?.aborted || !res.checked) return;
      const next = { message_id: Number(res.checked.messageId), prev_limit: 0, next_limit: CATCHUP_PAGE, include: false };
      after = await this.list(url, next, res);
      res.read += after.length;
    }
  }

  /**
   * Records the deletion of every message the transcript holds (not deleted yet) within the stretch
   * the first page lists completely, but that is not on the page: it was deleted in Sendbird. The
   * same event as a `message_delete` webhook, so a second catch-up, or the webhook arriving late,
   * changes nothing. The bridge's own messages are never in the transcript, so never in question.
   */
  private async deletedByAbsence(first: FirstPage, ch: TranscriptChannel, res: CatchupResult): Promise<void> {
    const stretch = listedStretch(first);
    if (!stretch) return;
    const listed = new Set(first.page.map((m) => historyMessageId(m)));
    const held = await this.o.store.listTranscriptSent({ caseId: ch.caseId, channelUrl: ch.channelUrl }, stretch.from, stretch.to);
    for (const row of held) {
      if (row.deleted || listed.has(row.messageId)) continue;
      const event: TranscriptEvent = {
        messageId: row.messageId,
        caseId: ch.caseId,
        channelUrl: ch.channelUrl,
        version: -1,
        message: null,
        deleted: true,
      };
      const { outcome } = await this.o.store.recordTranscriptEvent(event, this.o.flush);
      if (outcome !== 'stored') continue;
      res.deleted += 1;
    }
  }

  private async record(m: SendbirdMessage, ch: TranscriptChannel, res: CatchupResult, reread: boolean): Promise<void> {
    const meaning = interpretHistoryMessage(m, ch.caseId, ch.channelUrl);
    if (meaning.kind !== 'message') return;
    const { event, edited } = meaning;
    if (reread && !edited && !event.deleted) return;
    const { outcome } = await this.o.store.recordTranscriptEvent(event, this.o.flush);
    if (outcome !== 'stored') return;
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
