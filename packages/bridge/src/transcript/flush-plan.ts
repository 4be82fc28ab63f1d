/**
 * When the transcript writes: a pure function of what one process knows, asked before each claim
 * of a batch (mirror.ts) and for each new message (how late its flush job may be due).
 *
 * Adaptive batching: a write takes every message that is ready, up to 200 (one sObject
 * Collections call). When nothing is being written, a new message is ready at once (or after
 * TRANSCRIPT_MIN_BATCH_WAIT_MS), so an idle Case's message costs no wait. While a write is in
 * flight, the messages that arrive meanwhile wait for it, and the writer takes them all as soon as
 * it returns: the batch size follows the load (a few messages at 50/s, full batches of 200 at
 * 2,000/s once a call takes 100 ms). Other writes may run beside it, up to
 * TRANSCRIPT_WRITES_IN_FLIGHT, but only with a full batch (or one whose oldest message waited
 * TRANSCRIPT_FLUSH_MS, the longest wait): a second partial batch would only split the first.
 *
 * The rules, in order:
 *   1. the API budget is low: one write per TRANSCRIPT_SLOW_FLUSH_MS, and a partial batch waits
 *      that long (the old slow, batching behaviour);
 *   2. TRANSCRIPT_WRITES_IN_FLIGHT writes are in flight: no write (they take what comes next);
 *   3. some write is in flight: a full batch only, or one that waited TRANSCRIPT_FLUSH_MS;
 *   4. the last call failed as a whole (Salesforce down, limit spent): the same, so an outage is
 *      tried once per batch, not once per message, until a call succeeds;
 *   5. otherwise: whatever is ready, once it waited TRANSCRIPT_MIN_BATCH_WAIT_MS.
 */

export interface FlushState {
  now: number;
  /** From the last `Sforce-Limit-Info` seen (budget.ts). */
  budget: 'normal' | 'low';
  /** Writes this process has in flight (claiming, calling Salesforce, settling). */
  inFlight: number;
  /** TRANSCRIPT_WRITES_IN_FLIGHT (1 in CaseComment mode: comments are listed in the order they are created). */
  maxInFlight: number;
  /** TRANSCRIPT_MIN_BATCH_WAIT_MS. */
  minWaitMs: number;
  /** TRANSCRIPT_FLUSH_MS. */
  maxWaitMs: number;
  /** TRANSCRIPT_SLOW_FLUSH_MS. */
  slowWaitMs: number;
  /** When this process last wrote while the budget was low (-Infinity: never). */
  lastLowCallAt: number;
  /** The last write call of this process failed as a whole. */
  lastCallFailed: boolean;
}

export type FlushReason = 'budget_low' | 'budget_low_interval' | 'slots_full' | 'beside_a_write' | 'after_a_failure' | 'idle';

export type FlushPlan =
  /**
   * Claim a batch: up to 200 ready messages, handed out only when the batch is full or its oldest
   * message has waited `waitMs` (Store.claimTranscriptBatch).
   */
  | { write: true; waitMs: number; reason: FlushReason }
  /** No write now; `notBefore` is when one may be made again, null when another write's loop takes over. */
  | { write: false; notBefore: number | null; waitMs: number; reason: FlushReason };

export function planFlush(s: FlushState): FlushPlan {
  if (s.budget === 'low') {
    const notBefore = s.lastLowCallAt + s.slowWaitMs;
    if (s.inFlight > 0 || s.now < notBefore) {
      return { write: false, notBefore: Math.max(notBefore, s.now), waitMs: s.slowWaitMs, reason: 'budget_low_interval' };
    }
    return { write: true, waitMs: s.slowWaitMs, reason: 'budget_low' };
  }
  if (s.inFlight >= s.maxInFlight) return { write: false, notBefore: null, waitMs: s.maxWaitMs, reason: 'slots_full' };
  if (s.inFlight > 0) return { write: true, waitMs: s.maxWaitMs, reason: 'beside_a_write' };
  if (s.lastCallFailed) return { write: true, waitMs: s.maxWaitMs, reason: 'after_a_failure' };
  return { write: true, waitMs: s.minWaitMs, reason: 'idle' };
}

/**
 * How long a message arriving now may wait for its flush job (TranscriptFlushRequest.delayMs):
 * the wait the plan would claim it with. A full batch still makes the job due at once (the store
 * counts ready messages), and a write in flight takes the message when it returns, whatever this says.
 */
export function newMessageWaitMs(s: FlushState): number {
  return planFlush(s).waitMs;
}
