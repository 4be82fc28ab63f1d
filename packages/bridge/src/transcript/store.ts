/**
 * The transcript's part of the store, over the query layer (store/sql.ts):
 *
 * - `transcript_messages` (migration 4): one row per Sendbird message, the latest news about it
 *   and whether it still has to be written to Salesforce. Webhooks merge into it; flushers lease
 *   batches of pending rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL) and settle the revision they
 *   wrote. One queued job of the flush kind (table `jobs`, jobs/store.ts) is kept due no later
 *   than the oldest pending message's deadline.
 * - `transcript_channels` (migration 7): one row per support channel, how far catch-up has read
 *   its history, whether its Case is open, when it is next due and who holds its lease.
 *
 * Booleans (`deleted`, `open`, `due_again`) are integer 0/1 in both databases.
 */
import { insertJob, jobDue } from '../jobs/store.js';
import { insertLedger } from '../store/ledger.js';
import { all, clipError, decodeJson, get, lock, placeholders, run, type Body, type Db } from '../store/sql.js';
import type {
  CatchupFinish,
  CatchupReason,
  NewLedgerEntry,
  Store,
  StoreSettings,
  TranscriptChannel,
  TranscriptEvent,
  TranscriptFlushRequest,
  TranscriptRecord,
  TranscriptResult,
  TranscriptSent,
  TranscriptState,
} from '../store/types.js';

export interface TranscriptRow {
  message_id: string;
  case_id: string;
  channel_url: string;
  version: number;
  message: unknown;
  deleted: number;
  state: TranscriptState;
  rev: number;
  attempts: number;
  received_at: number;
  pending_since: number;
  next_attempt_at: number;
  leased_by: string | null;
  lease_until: number | null;
  salesforce_id: string | null;
  last_error: string | null;
  synced_at: number | null;
  updated_at: number;
}

export interface TranscriptChannelRow {
  channel_url: string;
  case_id: string;
  open: number;
  checked_id: string | null;
  checked_at: number;
  next_catchup_at: number | null;
  due_reason: string | null;
  last_catchup_at: number | null;
}

export const toTranscript = (r: TranscriptRow): TranscriptRecord => ({
  messageId: r.message_id,
  caseId: r.case_id,
  channelUrl: r.channel_url,
  version: r.version,
  message: r.message === null ? null : (decodeJson(r.message) as TranscriptRecord['message']),
  deleted: r.deleted === 1,
  state: r.state,
  rev: r.rev,
  attempts: r.attempts,
  receivedAt: r.received_at,
  pendingSince: r.pending_since,
  nextAttemptAt: r.next_attempt_at,
  salesforceId: r.salesforce_id,
  lastError: r.last_error,
  syncedAt: r.synced_at,
});

export const toTranscriptChannel = (r: TranscriptChannelRow): TranscriptChannel => ({
  channelUrl: r.channel_url,
  caseId: r.case_id,
  open: r.open === 1,
  checkedId: r.checked_id,
  checkedAt: Number(r.checked_at),
  nextCatchupAt: r.next_catchup_at === null ? null : Number(r.next_catchup_at),
  dueReason: (r.due_reason as CatchupReason | null) ?? null,
  lastCatchupAt: r.last_catchup_at === null ? null : Number(r.last_catchup_at),
});

/**
 * Insert a message, or merge news into it (params: id, case, channel, version, message, deleted,
 * now, now, now): the higher `version`'s text wins, `deleted` is sticky, and any change makes the
 * row pending again with a new `rev`. News that changes nothing (a redelivery) updates nothing and
 * returns no row.
 */
const UPSERT_TRANSCRIPT = `
INSERT INTO transcript_messages (message_id, case_id, channel_url, version, message, deleted, state, rev, attempts,
                                 received_at, pending_since, next_attempt_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 'pending', 1, 0, ?, ?, 0, ?)
ON CONFLICT (message_id) DO UPDATE SET
  version = CASE WHEN excluded.version > transcript_messages.version THEN excluded.version ELSE transcript_messages.version END,
  message = CASE WHEN excluded.version > transcript_messages.version THEN excluded.message ELSE transcript_messages.message END,
  deleted = CASE WHEN excluded.deleted > transcript_messages.deleted THEN excluded.deleted ELSE transcript_messages.deleted END,
  rev = transcript_messages.rev + 1,
  pending_since = CASE WHEN transcript_messages.state = 'pending' THEN transcript_messages.pending_since ELSE excluded.pending_since END,
  attempts = CASE WHEN transcript_messages.state = 'pending' THEN transcript_messages.attempts ELSE 0 END,
  next_attempt_at = CASE WHEN transcript_messages.state = 'pending' THEN transcript_messages.next_attempt_at ELSE 0 END,
  state = 'pending',
  updated_at = excluded.updated_at
WHERE excluded.version > transcript_messages.version OR excluded.deleted > transcript_messages.deleted
RETURNING rev`;

/** Registers a channel first seen in a webhook (params: url, case, now, now, now): open, read from its start, due at once. */
const NEW_TRANSCRIPT_CHANNEL = `
INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
VALUES (?, ?, 1, 0, ?, 'new', ?, ?)
ON CONFLICT (channel_url) DO NOTHING`;

/**
 * Due no later than `at` (params: now, at, reason, at, at, now, now); a leased channel takes the
 * reason and is due again once given back. The CASTs state the types PostgreSQL cannot infer
 * from a CASE branch.
 */
const DUE_CATCHUP = `
UPDATE transcript_channels SET
  due_reason = CASE WHEN (lease_until IS NOT NULL AND lease_until > ?) OR next_catchup_at IS NULL OR next_catchup_at > ?
    THEN CAST(? AS TEXT) ELSE due_reason END,
  next_catchup_at = CASE WHEN next_catchup_at IS NULL OR next_catchup_at > ? THEN CAST(? AS BIGINT) ELSE next_catchup_at END,
  due_again = CASE WHEN lease_until IS NOT NULL AND lease_until > ? THEN 1 ELSE due_again END,
  updated_at = ?
WHERE open = 1`;

/**
 * Gives a channel back (params: checked id, checked at, now, now, next, now, url, worker): due at
 * once if it was made due meanwhile, at `next` if open, never again if closed.
 */
const FINISH_CATCHUP = `
UPDATE transcript_channels SET
  checked_id = COALESCE(CAST(? AS TEXT), checked_id), checked_at = COALESCE(CAST(? AS BIGINT), checked_at), last_catchup_at = ?,
  next_catchup_at = CASE WHEN due_again = 1 THEN CAST(? AS BIGINT) WHEN open = 1 THEN CAST(? AS BIGINT) ELSE NULL END,
  due_reason = CASE WHEN due_again = 1 THEN due_reason WHEN open = 1 THEN 'schedule' ELSE NULL END,
  due_again = 0, leased_by = NULL, lease_until = NULL, updated_at = ?
WHERE channel_url = ? AND leased_by = ?`;

/** Pending messages a flusher may take now (params: now, now): out of backoff and not leased to a live worker. */
const READY_TRANSCRIPT = `state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`;

/** Channel URLs per `IN (...)` list. */
const URLS_PER_STATEMENT = 200;

/** The due time of the earliest queued job of `kind`, if one is queued. */
function* queuedJobRunAt(kind: string): Body<number | undefined> {
  const row = yield* get<{ run_at: number }>("SELECT run_at FROM jobs WHERE kind = ? AND state = 'queued' ORDER BY run_at LIMIT 1", kind);
  return row === undefined ? undefined : Number(row.run_at);
}

/**
 * Inside a transaction holding `lockFlush(kind)`: a queued job of `kind` due no later than `runAt`;
 * returns its due time.
 */
function* ensureQueuedJob(kind: string, runAt: number, queued: number | undefined, now: number, s: StoreSettings): Body<number> {
  if (queued === undefined) {
    yield* insertJob(kind, {}, { runAt, maxAttempts: s.defaultMaxAttempts }, now);
    return runAt;
  }
  if (queued <= runAt) return queued;
  yield* run("UPDATE jobs SET run_at = ?, updated_at = ? WHERE kind = ? AND state = 'queued' AND run_at > ?", runAt, now, kind, runAt);
  // Brought forward: the job runner is told the new time, as for a new job (insertJob).
  yield* jobDue(runAt);
  return runAt;
}

/**
 * Instances recording at once take turns on the flush job of `kind`, so there stays one queued
 * (no row to lock while none is queued: an advisory lock on PostgreSQL; SQLite's write
 * transaction already excludes every other writer).
 */
const lockFlush = (kind: string): Body<void> => lock(`queued:${kind}`);

type RecordOutcome = { outcome: 'stored' | 'duplicate'; flushAt: number };

export function transcriptStore(db: Db, s: StoreSettings) {
  const part = {
    recordTranscriptEvent(e: TranscriptEvent, flush: TranscriptFlushRequest): Promise<RecordOutcome> {
      return db.write(function* () {
        const now = s.now();
        const changed = yield* get<{ rev: number }>(
          UPSERT_TRANSCRIPT,
          e.messageId,
          e.caseId,
          e.channelUrl,
          e.version,
          e.message === null ? null : JSON.stringify(e.message),
          e.deleted ? 1 : 0,
          now,
          now,
          now,
        );
        yield* lockFlush(flush.kind);
        const queued = yield* queuedJobRunAt(flush.kind);
        if (!changed) return { outcome: 'duplicate' as const, flushAt: queued ?? now + flush.delayMs };
        // A channel catch-up has not seen yet: read from its start, at once.
        yield* run(NEW_TRANSCRIPT_CHANNEL, e.channelUrl, e.caseId, now, now, now);
        let runAt = now + flush.delayMs;
        // Only when neither the message nor the flush is due yet is it worth counting: a full batch
        // ready (not leased to a flush under way, not backing off, as claimTranscriptBatch counts) is
        // one full call, due now.
        if (runAt > now && (queued === undefined || queued > now)) {
          const ready = yield* get<{ n: number | string }>(
            `SELECT COUNT(*) AS n FROM (SELECT 1 FROM transcript_messages WHERE ${READY_TRANSCRIPT} LIMIT ?) AS t`,
            now,
            now,
            flush.batchSize,
          );
          if (Number(ready?.n ?? 0) >= flush.batchSize) runAt = now;
        }
        return { outcome: 'stored' as const, flushAt: yield* ensureQueuedJob(flush.kind, runAt, queued, now, s) };
      });
    },

    async scheduleTranscriptFlush(kind: string, runAt: number): Promise<void> {
      await db.write(function* () {
        yield* lockFlush(kind);
        yield* ensureQueuedJob(kind, runAt, yield* queuedJobRunAt(kind), s.now(), s);
      });
    },

    async claimTranscriptBatch(workerId: string, opts: { limit: number; leaseMs: number; maxWaitMs: number }): Promise<TranscriptRecord[]> {
      if (opts.limit <= 0) return [];
      const rows = await db.write(function* () {
        const now = s.now();
        const ready = yield* get<{ n: number | string; oldest: number | null }>(
          `SELECT COUNT(*) AS n, MIN(pending_since) AS oldest FROM (
             SELECT pending_since FROM transcript_messages WHERE ${READY_TRANSCRIPT} ORDER BY pending_since LIMIT ?) AS t`,
          now,
          now,
          opts.limit,
        );
        const n = Number(ready?.n ?? 0);
        const oldest = ready?.oldest ?? null;
        if (n === 0 || (n < opts.limit && (oldest ?? now) > now - opts.maxWaitMs)) return [];
        // SKIP LOCKED: two flushers never lease the same message, and never wait on each other.
        return yield* all<TranscriptRow>(
          `WITH picked AS (
             SELECT message_id FROM transcript_messages WHERE ${READY_TRANSCRIPT}
             ORDER BY pending_since, message_id LIMIT ?
             FOR UPDATE SKIP LOCKED)
           UPDATE transcript_messages SET leased_by = ?, lease_until = ?
           WHERE message_id IN (SELECT message_id FROM picked)
           RETURNING *`,
          now,
          now,
          opts.limit,
          workerId,
          now + opts.leaseMs,
        );
      });
      // Ordered here (RETURNING has no order); by code unit, as the databases' C/binary collation would.
      return rows
        .map(toTranscript)
        .sort((a, b) => a.pendingSince - b.pendingSince || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
    },

    async settleTranscriptBatch(
      workerId: string,
      results: readonly TranscriptResult[],
      ledger: readonly NewLedgerEntry[] = [],
    ): Promise<void> {
      await db.write(function* () {
        const now = s.now();
        for (const r of results) {
          if (r.outcome === 'synced') {
            // A row changed during the write stays pending (it is written again), but keeps the Id.
            yield* run(
              `UPDATE transcript_messages SET
                 state = CASE WHEN rev = ? THEN 'synced' ELSE state END,
                 synced_at = CASE WHEN rev = ? THEN CAST(? AS BIGINT) ELSE synced_at END,
                 attempts = CASE WHEN rev = ? THEN 0 ELSE attempts END,
                 salesforce_id = COALESCE(CAST(? AS TEXT), salesforce_id), last_error = NULL,
                 leased_by = NULL, lease_until = NULL, updated_at = ?
               WHERE message_id = ? AND leased_by = ?`,
              r.rev,
              r.rev,
              now,
              r.rev,
              r.salesforceId,
              now,
              r.messageId,
              workerId,
            );
          } else if (r.outcome === 'retry') {
            yield* run(
              `UPDATE transcript_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
                 leased_by = NULL, lease_until = NULL, updated_at = ?
               WHERE message_id = ? AND leased_by = ?`,
              r.retryAt,
              clipError(r.error),
              now,
              r.messageId,
              workerId,
            );
          } else {
            yield* run(
              `UPDATE transcript_messages SET state = CASE WHEN rev = ? THEN 'dead' ELSE state END,
                 attempts = attempts + 1, last_error = ?, leased_by = NULL, lease_until = NULL, updated_at = ?
               WHERE message_id = ? AND leased_by = ?`,
              r.rev,
              clipError(r.error),
              now,
              r.messageId,
              workerId,
            );
          }
        }
        yield* insertLedger(ledger, s);
      });
    },

    async nextTranscriptFlushAt(maxWaitMs: number): Promise<number | null> {
      const now = s.now();
      const row = await db.read(() =>
        get<{ due: number | null }>(
          `SELECT MIN(CASE WHEN next_attempt_at > pending_since + CAST(? AS BIGINT) THEN next_attempt_at
                           ELSE pending_since + CAST(? AS BIGINT) END) AS due
           FROM transcript_messages WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)`,
          maxWaitMs,
          maxWaitMs,
          now,
        ),
      );
      return row?.due ?? null;
    },

    // --- catch-up ------------------------------------------------------------------------------

    registerTicketChannels(since: number, dueAt: number): Promise<number> {
      return db.write(() => {
        const now = s.now();
        // The CASTs: PostgreSQL types a parameter in a SELECT list as text unless told.
        return run(
          `INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
           SELECT channel_url, COALESCE(case_id, channel_url), 1, created_at, CAST(? AS BIGINT), 'new', CAST(? AS BIGINT), CAST(? AS BIGINT)
           FROM tickets
           WHERE channel_url IS NOT NULL AND updated_at >= ?
           ON CONFLICT (channel_url) DO NOTHING`,
          dueAt,
          now,
          now,
          since,
        );
      });
    },

    dueTranscriptCatchup(at: number, reason: CatchupReason, channelUrls?: readonly string[]): Promise<number> {
      // Each channel counted once, however often it is named.
      const urls = channelUrls ? [...new Set(channelUrls)] : undefined;
      if (urls && urls.length === 0) return Promise.resolve(0);
      return db.write(function* () {
        const now = s.now();
        const params = [now, at, reason, at, at, now, now];
        if (!urls) return yield* run(DUE_CATCHUP, ...params);
        let n = 0;
        for (let i = 0; i < urls.length; i += URLS_PER_STATEMENT) {
          const chunk = urls.slice(i, i + URLS_PER_STATEMENT);
          n += yield* run(`${DUE_CATCHUP} AND channel_url IN (${placeholders(chunk.length)})`, ...params, ...chunk);
        }
        return n;
      });
    },

    async setTranscriptChannelOpen(caseId: string, open: boolean): Promise<boolean> {
      const changed = await db.write(() => {
        const now = s.now();
        return run(
          `UPDATE transcript_channels SET open = ?, next_catchup_at = ?, due_reason = ?,
             due_again = CASE WHEN lease_until IS NOT NULL AND lease_until > ? THEN 1 ELSE due_again END, updated_at = ?
           WHERE case_id = ? AND open = ?`,
          open ? 1 : 0,
          now,
          open ? 'reopened' : 'closing',
          now,
          now,
          caseId,
          open ? 0 : 1,
        );
      });
      return changed > 0;
    },

    async claimTranscriptCatchups(workerId: string, opts: { limit: number; leaseMs: number }): Promise<TranscriptChannel[]> {
      if (opts.limit <= 0) return [];
      const rows = await db.write(() => {
        const now = s.now();
        // SKIP LOCKED: instances claiming at once share the due channels out, never read one twice.
        return all<TranscriptChannelRow>(
          `WITH picked AS (
             SELECT channel_url FROM transcript_channels
             WHERE next_catchup_at IS NOT NULL AND next_catchup_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
             ORDER BY next_catchup_at, channel_url LIMIT ?
             FOR UPDATE SKIP LOCKED)
           UPDATE transcript_channels SET leased_by = ?, lease_until = ?, due_again = 0, updated_at = ?
           WHERE channel_url IN (SELECT channel_url FROM picked)
           RETURNING *`,
          now,
          now,
          opts.limit,
          workerId,
          now + opts.leaseMs,
          now,
        );
      });
      return rows
        .map(toTranscriptChannel)
        .sort((a, b) => (a.nextCatchupAt ?? 0) - (b.nextCatchupAt ?? 0) || a.channelUrl.localeCompare(b.channelUrl));
    },

    finishTranscriptCatchup(workerId: string, channelUrl: string, f: CatchupFinish): Promise<boolean> {
      return db.write(function* () {
        const now = s.now();
        const checked = [f.checked?.messageId ?? null, f.checked?.at ?? null];
        const changed = (yield* run(FINISH_CATCHUP, ...checked, now, now, f.nextAt, now, channelUrl, workerId)) > 0;
        if (changed) yield* insertLedger(f.ledger ?? [], s);
        return changed;
      });
    },

    async getTranscriptChannel(channelUrl: string): Promise<TranscriptChannel | null> {
      const row = await db.read(() => get<TranscriptChannelRow>('SELECT * FROM transcript_channels WHERE channel_url = ?', channelUrl));
      return row ? toTranscriptChannel(row) : null;
    },

    async getTranscriptMessage(messageId: string): Promise<TranscriptRecord | null> {
      const row = await db.read(() => get<TranscriptRow>('SELECT * FROM transcript_messages WHERE message_id = ?', messageId));
      return row ? toTranscript(row) : null;
    },

    async listTranscriptSent(channel: { caseId: string; channelUrl: string }, from: number, to: number): Promise<TranscriptSent[]> {
      // By the Case (transcript_messages_case_idx); the sent time is read from the message JSON here,
      // not by the database: PostgreSQL's `->>` decodes every string of the document and fails on one
      // holding NUL (`\u0000`, which `text` cannot hold), which would fail the channel's every catch-up.
      const rows = await db.read(() =>
        all<{ message_id: string; message: unknown; deleted: number }>(
          `SELECT message_id, message, deleted FROM transcript_messages
           WHERE case_id = ? AND channel_url = ? AND message IS NOT NULL`,
          channel.caseId,
          channel.channelUrl,
        ),
      );
      const held: TranscriptSent[] = [];
      for (const r of rows) {
        const sentAt = (decodeJson(r.message) as { sentAt?: unknown } | null)?.sentAt;
        if (typeof sentAt !== 'number' || sentAt < from || sentAt > to) continue;
        held.push({ messageId: r.message_id, sentAt, deleted: r.deleted === 1 });
      }
      return held.sort((a, b) => a.sentAt - b.sentAt || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
    },

    async listTranscriptMessages(filter: { caseId?: string; state?: TranscriptState; limit?: number } = {}): Promise<TranscriptRecord[]> {
      const where: string[] = [];
      const args: unknown[] = [];
      if (filter.caseId !== undefined) {
        where.push('case_id = ?');
        args.push(filter.caseId);
      }
      if (filter.state !== undefined) {
        where.push('state = ?');
        args.push(filter.state);
      }
      const filtered = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const sql = `SELECT * FROM transcript_messages ${filtered} ORDER BY received_at, message_id LIMIT ?`;
      const rows = await db.read(() => all<TranscriptRow>(sql, ...args, filter.limit ?? 1000));
      return rows.map(toTranscript);
    },

    async countTranscriptMessages(): Promise<Record<TranscriptState, number>> {
      const counts: Record<TranscriptState, number> = { pending: 0, synced: 0, dead: 0 };
      const sql = 'SELECT state, COUNT(*) AS n FROM transcript_messages GROUP BY state';
      const rows = await db.read(() => all<{ state: TranscriptState; n: number | string }>(sql));
      for (const r of rows) counts[r.state] = Number(r.n);
      return counts;
    },

    purgeTranscript(before: number): Promise<number> {
      return db.write(() => run("DELETE FROM transcript_messages WHERE state = 'synced' AND synced_at < ?", before));
    },
  } satisfies Partial<Store>;
  return part;
}
