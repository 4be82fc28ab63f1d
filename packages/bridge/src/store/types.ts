/**
 * The store's contract. Every method is async so that a PostgreSQL implementation (several bridge
 * instances, jobs claimed with `FOR UPDATE SKIP LOCKED`) can be added with this same interface and
 * run through the same test suite (test/store-contract.ts). Times are epoch milliseconds from the
 * store's injectable clock; JSON columns are parsed values here.
 */

export type TicketState = 'received' | 'user_ready' | 'case_ready' | 'channel_ready' | 'completed' | 'failed';

export interface Ticket {
  /** Ticket id (UUID); also the Case's External Id, so the Case upsert is exactly-once. */
  id: string;
  /** Who asked (the customer id), so one customer cannot read another's ticket. */
  clientKey: string;
  state: TicketState;
  customerUserId: string;
  customerNickname: string | null;
  caseFields: Record<string, unknown>;
  caseId: string | null;
  caseNumber: string | null;
  channelUrl: string | null;
  lastError: string | null;
  attempts: number;
  createdAt: number;
  updatedAt: number;
}

export interface NewTicket {
  id: string;
  clientKey: string;
  customerUserId: string;
  customerNickname?: string | null;
  caseFields: Record<string, unknown>;
  /** Defaults to `received`. */
  state?: TicketState;
}

/** Fields a step may change. `state` may only move forward (see ticket-state.ts). */
export type TicketPatch = Partial<Pick<Ticket, 'state' | 'customerNickname' | 'caseFields' | 'caseId' | 'caseNumber' | 'channelUrl' | 'lastError' | 'attempts'>>;

export interface IdempotencyRecord {
  scope: string;
  key: string;
  /** Hash of the request body, so the same key with a different body is refused (422). */
  requestHash: string;
  ticketId: string | null;
  /** Set once the answer is final; null while the first request is still working. */
  responseStatus: number | null;
  responseBody: unknown;
  createdAt: number;
  expiresAt: number;
}

export type IdempotencyClaim = { claimed: true; record: IdempotencyRecord } | { claimed: false; existing: IdempotencyRecord };

export type JobState = 'queued' | 'running' | 'done' | 'dead';

export interface Job<P = unknown> {
  id: number;
  kind: string;
  payload: P;
  dedupeKey: string | null;
  state: JobState;
  /** Attempts started so far (a claim counts as an attempt, so a job that crashes the process ends). */
  attempts: number;
  maxAttempts: number;
  runAt: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface EnqueueOptions {
  /** Not before this time (default now). */
  runAt?: number;
  /** A job with the same key is not enqueued twice, whatever state the first one is in. */
  dedupeKey?: string;
  /** Default from the store options (JOB_MAX_ATTEMPTS). */
  maxAttempts?: number;
}

export interface EnqueueResult<P = unknown> {
  job: Job<P>;
  /** False when a job with the same dedupe key already existed (`job` is that one). */
  created: boolean;
}

export type LedgerSystem = 'salesforce' | 'sendbird';
export type LedgerOutcome = 'ok' | 'exists' | 'error';

export interface NewLedgerEntry {
  caseId?: string | null;
  ticketId?: string | null;
  system: LedgerSystem;
  /** e.g. `case.upsert`, `channel.create`, `user.create`, `member.invite`, `member.leave`. */
  action: string;
  /** What was acted on (a user id, a channel URL, a Case Id). */
  target?: string | null;
  outcome: LedgerOutcome;
  /** Extra facts (ids, error codes). Never secrets: this table is kept forever. */
  detail?: Record<string, unknown>;
}

export interface LedgerEntry {
  id: number;
  at: number;
  caseId: string | null;
  ticketId: string | null;
  system: LedgerSystem;
  action: string;
  target: string | null;
  outcome: LedgerOutcome;
  detail: Record<string, unknown>;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not, when `ok` is false (safe to show: no secrets, no paths). */
  reason?: string;
  schemaVersion?: number;
  latestVersion?: number;
}

export interface Store {
  /** Which implementation (`sqlite`), for logs and /readyz. */
  readonly kind: string;

  // --- health -----------------------------------------------------------------------------
  /** Reachable and migrated to the latest version? Never throws. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;

  // --- tickets ----------------------------------------------------------------------------
  createTicket(ticket: NewTicket): Promise<Ticket>;
  getTicket(id: string): Promise<Ticket | null>;
  /** Applies the patch; throws `TicketStateError` for a backward move, `StoreNotFoundError` if absent. */
  updateTicket(id: string, patch: TicketPatch): Promise<Ticket>;
  listTickets(filter?: { state?: TicketState; limit?: number }): Promise<Ticket[]>;

  // --- idempotency ------------------------------------------------------------------------
  /**
   * Atomically claims `(scope, key)`: exactly one of any number of concurrent callers gets
   * `{claimed:true}`; the others get the existing record. An expired record is replaced.
   */
  claimIdempotencyKey(scope: string, key: string, requestHash: string, ticketId: string | null, opts?: { ttlMs?: number }): Promise<IdempotencyClaim>;
  getIdempotencyKey(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /** Records the final answer (once; a second call does not overwrite it). */
  completeIdempotencyKey(scope: string, key: string, status: number, body: unknown): Promise<IdempotencyRecord>;
  /** Forgets a claim whose request failed in a way worth retrying with the same key. */
  releaseIdempotencyKey(scope: string, key: string): Promise<void>;
  /** Deletes expired records; returns how many. */
  purgeExpiredIdempotencyKeys(): Promise<number>;

  // --- jobs -------------------------------------------------------------------------------
  enqueue<P>(kind: string, payload: P, opts?: EnqueueOptions): Promise<EnqueueResult<P>>;
  getJob(id: number): Promise<Job | null>;
  /**
   * Atomically leases up to `limit` runnable jobs to `workerId` for `leaseMs`: queued jobs whose
   * `run_at` has come, and running jobs whose lease has expired (their worker died). Increments
   * `attempts`. A reclaimed job already at `max_attempts` is dead-lettered instead of returned.
   */
  claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: readonly string[]): Promise<Job[]>;
  /** Marks done; false when this worker no longer holds the lease. */
  completeJob(id: number, workerId: string): Promise<boolean>;
  /** Records the error and either queues a retry at `next` (epoch ms) or dead-letters (`'dead'`). */
  failJob(id: number, workerId: string, error: string, next: number | 'dead'): Promise<boolean>;
  /** Gives back a claimed job that was never started (graceful stop); the attempt is not counted. */
  releaseJob(id: number, workerId: string): Promise<boolean>;
  listDeadJobs(limit?: number): Promise<Job[]>;
  /**
   * Marks a still-queued job done without running it, because the work it guards was finished
   * elsewhere (a ticket the request itself completed). False when no queued job has that key.
   */
  settleQueuedJob(dedupeKey: string): Promise<boolean>;
  /** Puts a dead job back in the queue with a fresh attempt budget. */
  requeueDead(id: number): Promise<boolean>;
  countJobsByState(): Promise<Record<JobState, number>>;

  // --- ledger -----------------------------------------------------------------------------
  appendLedger(entry: NewLedgerEntry): Promise<LedgerEntry>;
  ledgerForCase(caseId: string): Promise<LedgerEntry[]>;
  ledgerForTicket(ticketId: string): Promise<LedgerEntry[]>;
}

/** The store could not find the row an update named. */
export class StoreNotFoundError extends Error {
  constructor(what: string) {
    super(`[store] ${what} not found`);
    this.name = 'StoreNotFoundError';
  }
}

/** A ticket update tried to move its state backward. */
export class TicketStateError extends Error {
  constructor(
    readonly from: TicketState,
    readonly to: TicketState,
  ) {
    super(`[store] ticket state cannot move from ${from} to ${to}`);
    this.name = 'TicketStateError';
  }
}
