/**
 * The membership jobs:
 * - `membership.reconcile` {caseIds, source}: reconciles a batch of Cases. When every Case failed
 *   in a retryable way the job throws and the runner retries it with its backoff; when only some
 *   did, those are handed to a new job (due after the first backoff step, or a rate limit's hint)
 *   and this one finishes, so a few flaky Cases never make a whole batch redo its work. Cases
 *   handed over to another reconcile's holder get a `handover` job for when its lease runs out
 *   (queueHandoverChecks), in case the holder died with them.
 * - `membership.sweep` {period}: the events are hints and can be lost; the sweep is what
 *   guarantees convergence. A full sweep (the first, then every SWEEP_FULL_INTERVAL_MS) queues a
 *   reconcile of every open chat Case, whose channels are read 100 per call, so drift made in
 *   Sendbird is repaired too. The sweeps between read only the open chat Cases saved since the
 *   newest SystemModstamp the last sweep read (less SWEEP_OVERLAP_MS), and queue only those whose
 *   owner is not the one applied last: a lost event is caught by the next sweep at the price of
 *   one query. It also purges old stored events and the applied reads of Cases untouched as long.
 *   One per period across instances (the job's dedupe key names the period).
 */
import type { SalesforceClient } from '@sbsf/salesforce';
import type { Logger } from 'pino';
import { backoffDelayMs } from '../jobs/backoff.js';
import type { Job, ReconcileJobPayload, ReconcileRequestOptions, Store } from '../store/types.js';
import { ReconcileIncompleteError } from './errors.js';
import type { CaseOutcome, Reconciler, ReconcileSource } from './reconciler.js';
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { openChatCases, type OpenChatCase } from '../case-reads.js';

export const RECONCILE_JOB = 'membership.reconcile';
export const SWEEP_JOB = 'membership.sweep';
/** Attempts of one sweep; the next period sweeps anyway. */
export const SWEEP_MAX_ATTEMPTS = 3;
/** Stored events older than this are purged by the sweep. */
export const EVENT_RETENTION_MS = 30 * 86_400_000;
/**
 * How far before the newest stamp read last a sweep of what changed reads again: a transaction
 * stamps its records when it saves them and commits later, so a save can become visible with a
 * stamp older than one already read (long transactions, bulk loads).
 */
export const SWEEP_OVERLAP_MS = 10 * 60_000;
/** The membership sweep's row in `sweep_marks`. */
export const SWEEP_MARK = 'membership';

export const sweepJobKey = (intervalMs: number, period: number) => `membership.sweep:${intervalMs}:${period}`;

export interface MembershipServiceOptions {
  store: Store;
  salesforce: SalesforceClient;
  reconciler: Reconciler;
  logger: Logger;
  batchSize: number;
  /** SWEEP_FULL_INTERVAL_MS: 0 = every sweep is full. */
  sweepFullIntervalMs: number;
  clock?: () => number;
}

export interface SweepResult {
  /** `full`: every open chat Case; `changed`: those saved since the last sweep's newest stamp. */
  mode: 'full' | 'changed';
  /** Open chat Cases read from Salesforce. */
  cases: number;
  /** Of those, left alone: a sweep of what changed found their owner already applied. */
  inStep: number;
  queued: number;
  coalesced: number;
}

/** Whether the owner applied last is the Case's owner now (both 18-character when they are Ids). */
function inStep(c: OpenChatCase, applied: ReadonlyMap<string, string | null>): boolean {
  if (!applied.has(c.id)) return false;
  const norm = (id: string | null | undefined) => (id && isSalesforceId(id) ? to18(id) : (id ?? null));
  return norm(applied.get(c.id)) === norm(c.ownerId);
}

const SOURCES: readonly ReconcileSource[] = ['event', 'sweep', 'retry', 'cli', 'handover'];

/** A moment after a holder's lease runs out: when its hand-overs are checked. */
const HANDOVER_CHECK_DELAY_MS = 250;

/**
 * Queues a `handover` reconcile of the Cases handed over to another holder, due when the last of
 * their leases runs out: a no-op for those the holder applied, the apply itself for the others.
 */
export async function queueHandoverChecks(store: Store, outcomes: readonly CaseOutcome[], batchSize: number): Promise<number> {
  const handed = outcomes.filter((o) => o.note === 'handed_over' && o.recheckAt !== undefined);
  if (handed.length === 0) return 0;
  const runAt = Math.max(...handed.map((o) => o.recheckAt!)) + HANDOVER_CHECK_DELAY_MS;
  const r = await store.requestReconcile(
    handed.map((o) => o.caseId),
    { kind: RECONCILE_JOB, batchSize, source: 'handover', runAt, unshared: true },
  );
  return r.queued;
}

export class MembershipService {
  private readonly now: () => number;

  constructor(private readonly o: MembershipServiceOptions) {
    this.now = o.clock ?? Date.now;
  }

  requestOptions(source: ReconcileSource, runAt?: number): ReconcileRequestOptions {
    return { kind: RECONCILE_JOB, batchSize: this.o.batchSize, source, ...(runAt !== undefined ? { runAt } : {}) };
  }

  async runReconcileJob(job: Job<ReconcileJobPayload>, signal?: AbortSignal): Promise<CaseOutcome[]> {
    const { caseIds, source: raw } = job.payload;
    const source = SOURCES.includes(raw as ReconcileSource) ? (raw as ReconcileSource) : 'event';
    // From now on a new event for these Cases queues a fresh reconcile: this one may already have
    // read Salesforce by the time the event's change is visible.
    await this.o.store.startReconcile(job.id);
    const outcomes = await this.o.reconciler.reconcile(caseIds, { source, readFirst: source === 'sweep', ...(signal ? { signal } : {}) });
    await queueHandoverChecks(this.o.store, outcomes, this.o.batchSize);
    const retry = outcomes.filter((o) => o.status === 'failed' && o.error?.kind === 'retryable');
    if (retry.length === 0) return outcomes;
    const err = new ReconcileIncompleteError(retry);
    if (retry.length === outcomes.length) throw err;
    const runAt = this.now() + (err.retryAfterMs ?? backoffDelayMs(1));
    await this.o.store.requestReconcile(
      retry.map((o) => o.caseId),
      this.requestOptions('retry', runAt),
    );
    this.o.logger.info({ jobId: job.id, retry: retry.length, of: outcomes.length }, 'membership: some Cases will be retried in a new job');
    return outcomes;
  }

  /** Full or only what changed, as the mark and SWEEP_FULL_INTERVAL_MS say (see the top of this file). */
  async sweep(): Promise<SweepResult> {
    const startedAt = this.now();
    const mark = await this.o.store.getSweepMark(SWEEP_MARK);
    const fullEvery = this.o.sweepFullIntervalMs;
    const since = mark?.changedSince ?? null;
    const fullAt = mark?.fullAt ?? null;
    const full = fullEvery === 0 || since === null || fullAt === null || startedAt - fullAt >= fullEvery;
    const total: SweepResult = { mode: full ? 'full' : 'changed', cases: 0, inStep: 0, queued: 0, coalesced: 0 };
    let newest: number | null = null;
    const pages = openChatCases(this.o.salesforce, full ? {} : { changedSince: since! - SWEEP_OVERLAP_MS });
    for await (const page of pages) {
      for (const c of page) if (c.version !== null && (newest === null || c.version > newest)) newest = c.version;
      total.cases += page.length;
      let due = page;
      if (!full) {
        const applied = await this.o.store.appliedMembershipOwners(page.map((c) => c.id));
        due = page.filter((c) => !inStep(c, applied));
        total.inStep += page.length - due.length;
      }
      if (due.length === 0) continue;
      const r = await this.o.store.requestReconcile(
        due.map((c) => c.id),
        this.requestOptions('sweep'),
      );
      total.queued += r.queued;
      total.coalesced += r.coalesced;
    }
    await this.o.store.advanceSweepMark(SWEEP_MARK, { changedSince: newest, ...(full ? { fullAt: startedAt } : {}) });
    const purged = await this.o.store.purgeSalesforceEvents(this.now() - EVENT_RETENTION_MS);
    // A Case untouched that long has no reconcile in flight whose read could be older.
    const forgotten = await this.o.store.purgeMembershipCases(this.now() - EVENT_RETENTION_MS);
    this.o.logger.info({ ...total, purgedEvents: purged, forgottenCases: forgotten }, 'membership sweep queued its reconciles');
    return total;
  }
}
