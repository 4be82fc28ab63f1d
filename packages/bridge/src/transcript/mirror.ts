/**
 * The flush: writes pending messages to Salesforce in batches of up to 200 records per sObject
 * Collections call (the API's maximum), as the job `transcript.flush`.
 *
 * When to write is flush-plan.ts's decision (adaptive batching): with nothing being written, a
 * message is written at once; while a write is in flight, the messages that arrive meanwhile are
 * collected and written together as soon as it returns, so a burst still costs one call per 200
 * messages. A flush loops, claim -> write -> settle, while the plan allows a write and the store
 * hands out a batch (the store hands out a partial batch only once its oldest message has waited
 * the plan's wait), then schedules the next flush for when the rest is due.
 *
 * Failures: a call that fails as a whole (Salesforce down, 503 after the client's own retries,
 * REQUEST_LIMIT_EXCEEDED, a timeout) leaves its messages pending with a capped, jittered backoff;
 * they are never dropped for it. A record refused on its own is retried when the code says a retry
 * can help (a locked row), otherwise dead-lettered and logged in the ledger (a Case deleted since).
 *
 * Budget: while the share of the daily API allowance left is under SALESFORCE_BUDGET_RESERVE,
 * partial batches wait TRANSCRIPT_SLOW_FLUSH_MS instead (so batches fill up), and one process
 * makes at most one call per that interval; ticket creation and membership sync go on as usual.
 */
import type { CollectionResult, SalesforceClient } from '@sbsf/salesforce';
import { SalesforceError } from '@sbsf/salesforce';
import { truncateText } from '@sbsf/wire';
import type { Logger } from 'pino';
import type { TranscriptMode } from '../config.js';
import { backoffDelayMs } from '../jobs/backoff.js';
import type { NewLedgerEntry, Store, TranscriptRecord, TranscriptResult } from '../store/types.js';
import { budgetOf } from './budget.js';
import { newMessageWaitMs, planFlush, type FlushState } from './flush-plan.js';
import type { TranscriptMetrics } from './metrics.js';
import { commentUpdate, messageRecord, MESSAGE_EXTERNAL_ID, MESSAGE_OBJECT, newComment } from './records.js';
import { recordFailure } from './write-errors.js';
import type { FileOutcome, TranscriptFiles } from './files.js';

export const FLUSH_JOB = 'transcript.flush';
/** sObject Collections take at most 200 records per call (REST API Developer Guide). */
export const BATCH_SIZE = 200;
/** A record refused in a way that may pass later is tried this many times, then dead-lettered. */
export const MAX_RECORD_ATTEMPTS = 10;

export interface TranscriptMirrorOptions {
  store: Store;
  salesforce: SalesforceClient;
  logger: Logger;
  mode: TranscriptMode;
  /** The longest wait of a message (TRANSCRIPT_FLUSH_MS). */
  flushMs: number;
  /** The shortest wait of a message while nothing is being written (TRANSCRIPT_MIN_BATCH_WAIT_MS, default 0). */
  minBatchWaitMs?: number;
  /** Write calls this process makes at once at most (TRANSCRIPT_WRITES_IN_FLIGHT); 1 in CaseComment mode. */
  writesInFlight?: number;
  slowFlushMs: number;
  budgetReserve: number;
  /** How long a claimed batch belongs to this process (JOB_LEASE_MS). */
  leaseMs: number;
  workerId: string;
  clock?: () => number;
  random?: () => number;
  metrics?: TranscriptMetrics;
  /** Stores FILE messages' files as Salesforce Files before their records are written (files.ts). */
  files?: TranscriptFiles;
}

export interface FlushResult {
  calls: number;
  synced: number;
  retry: number;
  dead: number;
  /** When the next flush was scheduled, or null when nothing is pending. */
  next: number | null;
  budget: 'normal' | 'low';
}

interface Written {
  results: TranscriptResult[];
  ledger: NewLedgerEntry[];
  calls: number;
  /** The call itself failed: stop this flush, the messages back off. */
  failed: boolean;
  /** `pendingSince` of each message written as it is now (for the delay histogram). */
  delays: number[];
}

export class TranscriptMirror {
  private readonly now: () => number;
  private readonly random: () => number;
  /** When this process last wrote while the budget was low (one call per slow interval). */
  private lastLowCall = Number.NEGATIVE_INFINITY;
  /** Writes of this process under way, from the claim of their batch to its settling. */
  private inFlight = 0;
  /** The last write call failed as a whole: partial batches wait the longest wait until one succeeds. */
  private lastCallFailed = false;

  constructor(private readonly o: TranscriptMirrorOptions) {
    this.now = o.clock ?? Date.now;
    this.random = o.random ?? Math.random;
  }

  /** What the plan knows now (flush-plan.ts). */
  private state(): FlushState {
    return {
      now: this.now(),
      budget: budgetOf(this.o.salesforce.limitInfo, this.o.budgetReserve).mode,
      inFlight: this.inFlight,
      // CaseComment records are listed by creation: one write at a time keeps a process's in order.
      maxInFlight: this.o.mode === 'case_comment' ? 1 : Math.max(1, this.o.writesInFlight ?? 1),
      minWaitMs: this.o.minBatchWaitMs ?? 0,
      maxWaitMs: this.o.flushMs,
      slowWaitMs: this.o.slowFlushMs,
      lastLowCallAt: this.lastLowCall,
      lastCallFailed: this.lastCallFailed,
    };
  }

  /** How long a message arriving now may wait for its flush (the `delayMs` of its flush request). */
  newMessageWaitMs(): number {
    return newMessageWaitMs(this.state());
  }

  /**
   * After a message was recorded (committed) with its flush job due at `flushAt`: when this process
   * is not writing and the job is due later than the plan's wait, brings the job forward. That is
   * the message recorded while the last write's final claim was reading: the write gave it the
   * longest wait, then found nothing and ended.
   */
  async recorded(flushAt: number, kind = FLUSH_JOB): Promise<void> {
    if (this.inFlight > 0) return;
    const plan = planFlush(this.state());
    if (!plan.write) return;
    const at = this.now() + plan.waitMs;
    if (flushAt > at) await this.o.store.scheduleTranscriptFlush(kind, at);
  }

  async flush(signal?: AbortSignal): Promise<FlushResult> {
    const { store } = this.o;
    const budget = budgetOf(this.o.salesforce.limitInfo, this.o.budgetReserve);
    const out: FlushResult = { calls: 0, synced: 0, retry: 0, dead: 0, next: null, budget: budget.mode };
    while (!signal?.aborted) {
      const plan = planFlush(this.state());
      // Each plan reads the last Sforce-Limit-Info: the write just made may have changed the mode.
      this.o.metrics?.budgetLow.set(plan.reason === 'budget_low' || plan.reason === 'budget_low_interval' ? 1 : 0);
      if (!plan.write) break;
      const low = plan.reason === 'budget_low';
      // The slot is held from the claim on, so a flush planning meanwhile sees this write.
      this.inFlight += 1;
      let written: Written | undefined;
      try {
        const batch = await store.claimTranscriptBatch(this.o.workerId, {
          limit: BATCH_SIZE,
          leaseMs: this.o.leaseMs,
          maxWaitMs: plan.waitMs,
        });
        if (batch.length === 0) break;
        written = await this.write(batch, signal);
        await store.settleTranscriptBatch(this.o.workerId, written.results, written.ledger);
      } finally {
        this.inFlight -= 1;
      }
      this.count(written, out);
      if (written.calls > 0) this.lastCallFailed = written.failed;
      if (low) this.lastLowCall = this.now();
      if (written.failed) break;
    }
    // The next flush, for the messages this one left: planned as a new message would be.
    const after = planFlush(this.state());
    let next = await store.nextTranscriptFlushAt(after.waitMs);
    if (next !== null) {
      if (!after.write && after.notBefore !== null) next = Math.max(next, after.notBefore);
      await store.scheduleTranscriptFlush(FLUSH_JOB, next);
    }
    out.next = next;
    if (out.calls > 0 || budget.mode === 'low') this.o.logger.debug({ ...out, remaining: budget.remaining }, 'transcript flushed');
    return out;
  }

  private count(w: Written, out: FlushResult): void {
    out.calls += w.calls;
    const now = this.now();
    for (const r of w.results) {
      out[r.outcome] += 1;
      this.o.metrics?.written.inc({ outcome: r.outcome });
    }
    // Delay from the webhook to the record, for the messages written as they are now.
    if (this.o.metrics) for (const d of w.delays) this.o.metrics.delay.observe(Math.max(0, now - d) / 1000);
  }

  private async write(all: TranscriptRecord[], signal?: AbortSignal): Promise<Written> {
    const files = await this.storeFiles(all, signal);
    const batch = all.filter((r) => !files.wait.has(r.messageId));
    const w =
      batch.length === 0
        ? { results: [], ledger: [], calls: 0, failed: false, delays: [] }
        : this.o.mode === 'case_comment'
          ? await this.writeComments(batch, files.ids)
          : await this.writeObjects(batch, files.ids);
    return { ...w, results: [...files.waiting, ...w.results], ledger: [...files.ledger, ...w.ledger] };
  }

  /**
   * The batch's files (files.ts). A message whose file failed in a way a retry can fix waits
   * (backs off) while it has attempts left; after that, and for a file that cannot be stored, its
   * record is written with the link only and the ledger says why.
   */
  private async storeFiles(
    batch: TranscriptRecord[],
    signal?: AbortSignal,
  ): Promise<{ ids: Map<string, string>; wait: Set<string>; waiting: TranscriptResult[]; ledger: NewLedgerEntry[] }> {
    const out = {
      ids: new Map<string, string>(),
      wait: new Set<string>(),
      waiting: [] as TranscriptResult[],
      ledger: [] as NewLedgerEntry[],
    };
    if (!this.o.files) return out;
    const outcomes: Map<string, FileOutcome> = await this.o.files.storeAll(batch, signal);
    for (const r of batch) {
      const f = outcomes.get(r.messageId);
      if (!f) continue;
      const entry = (outcome: 'ok' | 'error', detail: Record<string, unknown>): NewLedgerEntry => ({
        caseId: r.caseId,
        system: 'salesforce',
        action: 'transcript.file',
        target: r.messageId,
        outcome,
        detail: { name: r.message?.file?.name ?? null, ...detail },
      });
      if (f.kind === 'stored') {
        out.ids.set(r.messageId, f.contentDocumentId);
        if (f.uploaded) out.ledger.push(entry('ok', { contentDocumentId: f.contentDocumentId, contentVersionId: f.contentVersionId }));
        continue;
      }
      if (f.kind === 'retry' && r.attempts + 1 < MAX_RECORD_ATTEMPTS) {
        out.wait.add(r.messageId);
        out.waiting.push({
          messageId: r.messageId,
          rev: r.rev,
          outcome: 'retry',
          retryAt: this.now() + backoffDelayMs(r.attempts + 1, this.random),
          error: `file: ${f.error}`,
        });
        this.o.logger.warn(
          { caseId: r.caseId, messageId: r.messageId, error: f.error },
          'transcript: a file could not be stored yet; the message waits',
        );
        continue;
      }
      const code = f.kind === 'refused' ? f.code : 'gave_up';
      out.ledger.push(entry('error', { code, message: truncateText(f.error, 500, '...'), attempts: r.attempts + 1 }));
      this.o.logger.warn(
        { caseId: r.caseId, messageId: r.messageId, code },
        'transcript: a file was not stored in Salesforce; its record keeps the link (see the ledger)',
      );
    }
    return out;
  }

  /** Object mode: one upsert on the External Id; the same message twice is the same record. */
  private async writeObjects(batch: TranscriptRecord[], fileIds: Map<string, string>): Promise<Written> {
    const w = { results: [] as TranscriptResult[], ledger: [] as NewLedgerEntry[], calls: 1, failed: false, delays: [] as number[] };
    let res: CollectionResult[];
    try {
      res = await this.o.salesforce.collections.upsert(
        MESSAGE_OBJECT,
        MESSAGE_EXTERNAL_ID,
        batch.map((r) => messageRecord(r, fileIds.get(r.messageId))),
        { allOrNone: false },
      );
      this.o.metrics?.salesforceCalls.inc({ operation: 'upsert', outcome: 'ok' });
    } catch (err) {
      this.o.metrics?.salesforceCalls.inc({ operation: 'upsert', outcome: 'error' });
      return this.retryAll(batch, err, 'upsert');
    }
    this.settleEach(batch, res, w);
    return w;
  }

  /**
   * CaseComment mode: new messages are created (at least once: CaseComment has no External Id),
   * changed ones updated by the Id recorded at their creation. At most two calls per batch.
   */
  private async writeComments(batch: TranscriptRecord[], fileIds: Map<string, string>): Promise<Written> {
    const w = { results: [] as TranscriptResult[], ledger: [] as NewLedgerEntry[], calls: 0, failed: false, delays: [] as number[] };
    const creates = batch.filter((r) => !r.salesforceId);
    const updates = batch.filter((r) => r.salesforceId);
    for (const [operation, rows] of [
      ['create', creates],
      ['update', updates],
    ] as const) {
      if (rows.length === 0) continue;
      w.calls += 1;
      let res: CollectionResult[];
      try {
        res =
          operation === 'create'
            ? await this.o.salesforce.collections.create(
                rows.map((r) => newComment(r, fileIds.get(r.messageId))),
                { allOrNone: false },
              )
            : await this.o.salesforce.request<CollectionResult[]>(
                'PATCH',
                '/composite/sobjects',
                { allOrNone: false, records: rows.map((r) => commentUpdate(r, fileIds.get(r.messageId))) },
                { retrySafe: true },
              );
        this.o.metrics?.salesforceCalls.inc({ operation, outcome: 'ok' });
      } catch (err) {
        this.o.metrics?.salesforceCalls.inc({ operation, outcome: 'error' });
        const failed = this.retryAll(rows, err, operation);
        w.results.push(...failed.results);
        w.failed = true;
        continue;
      }
      this.settleEach(rows, res, w);
    }
    return w;
  }

  /** One result per record of a collections answer, in order. */
  private settleEach(rows: TranscriptRecord[], res: CollectionResult[], w: Written): void {
    rows.forEach((r, i) => {
      const one = res[i];
      if (one?.success) {
        w.results.push({ messageId: r.messageId, rev: r.rev, outcome: 'synced', salesforceId: one.id ?? r.salesforceId });
        w.delays.push(r.pendingSince);
        return;
      }
      const failure = recordFailure(one?.errors);
      if (failure.retryable && r.attempts + 1 < MAX_RECORD_ATTEMPTS) {
        const retryAt = this.now() + backoffDelayMs(r.attempts + 1, this.random);
        w.results.push({ messageId: r.messageId, rev: r.rev, outcome: 'retry', retryAt, error: failure.message });
        return;
      }
      w.results.push({ messageId: r.messageId, rev: r.rev, outcome: 'dead', error: failure.message });
      w.ledger.push({
        caseId: r.caseId,
        system: 'salesforce',
        action: 'transcript.write',
        target: r.messageId,
        outcome: 'error',
        detail: { code: failure.code, message: truncateText(failure.message, 500, '...'), mode: this.o.mode, attempts: r.attempts + 1 },
      });
      this.o.logger.warn(
        { caseId: r.caseId, messageId: r.messageId, code: failure.code },
        'transcript: Salesforce refused a message; it is dead-lettered (see the ledger)',
      );
    });
  }

  /** The whole call failed: every message backs off (never dead for it) and this flush stops. */
  private retryAll(rows: TranscriptRecord[], err: unknown, operation: string): Written {
    const code = err instanceof SalesforceError ? `${err.status} ${err.errorCode}` : err instanceof Error ? err.message : String(err);
    const now = this.now();
    this.o.logger.warn(
      { operation, messages: rows.length, error: code },
      'transcript: the Salesforce call failed; the messages will be written later',
    );
    return {
      results: rows.map((r) => ({
        messageId: r.messageId,
        rev: r.rev,
        outcome: 'retry' as const,
        retryAt: now + backoffDelayMs(r.attempts + 1, this.random),
        error: `${operation} failed: ${code}`,
      })),
      ledger: [],
      calls: 1,
      failed: true,
      delays: [],
    };
  }
}
