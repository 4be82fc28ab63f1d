/**
 * The store's contract. Every method is async so that a PostgreSQL implementation (several bridge
 * instances, jobs claimed with `FOR UPDATE SKIP LOCKED`) can be added with this same interface and
 * run through the same test suite (test/store-contract.ts). Times are epoch milliseconds from the
 * store's injectable clock; JSON columns are parsed values here.
 */

export type TicketState = 'received' | 'user_ready' | 'case_ready' | 'channel_ready' | 'completed' | 'failed';

/**
 * What a customer's authentication proved, kept with the ticket: contact matching relies on it
 * (tickets/contacts.ts), also in a run a job resumes on another instance.
 */
export interface CustomerVerification {
  /** How the customer was authenticated; the user id is proven unless `guest`. */
  via: 'jwt' | 'sendbird_token' | 'guest';
  /**
   * The email address the identity provider vouches for: a JWT's `email` claim unless
   * `email_verified` is false. Never an address a form or request body gave.
   */
  email?: string;
}

/** How a customer was matched to their Contact (customer_contacts.matched_by). */
export type ContactMatchedBy = 'email' | 'external_id' | 'created_contact' | 'created_person_account' | 'duplicate_rule';

/** A customer's Contact as the bridge remembers it (table customer_contacts). */
export interface CustomerContact {
  userId: string;
  contactId: string;
  /** The Contact's Account (a Person Account's own Id for a person contact); null when it has none. */
  accountId: string | null;
  matchedBy: ContactMatchedBy;
  matchedAt: number;
}

/** The outcome of claiming the creation of a customer's Contact (`claimContactCreation`). */
export type ContactClaim =
  /** `fresh`: nobody held it before (no earlier creation can have been cut short). */
  | { claimed: true; fresh: boolean }
  /** Another ticket holds the claim until `until`, or (`contact`) the customer has a Contact already. */
  | { claimed: false; contact?: CustomerContact; until?: number };

export interface Ticket {
  /** Ticket id (UUID); also the Case's External Id, so the Case upsert is exactly-once. */
  id: string;
  /** Who asked (the customer id), so one customer cannot read another's ticket. */
  clientKey: string;
  state: TicketState;
  customerUserId: string;
  customerNickname: string | null;
  /** What the customer's authentication proved; null for tickets recorded before it was kept. */
  customerVerified: CustomerVerification | null;
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
  customerVerified?: CustomerVerification | null;
  caseFields: Record<string, unknown>;
  /** Defaults to `received`. */
  state?: TicketState;
}

/** Fields a step may change. `state` may only move forward (see ticket-state.ts). */
export type TicketPatch = Partial<
  Pick<Ticket, 'state' | 'customerNickname' | 'caseFields' | 'caseId' | 'caseNumber' | 'channelUrl' | 'lastError' | 'attempts'>
>;

/** A job enqueued together with a ticket write (see `createTicket`, `updateTicket`). */
export interface TicketJob {
  kind: string;
  payload: unknown;
  dedupeKey: string;
  runAt: number;
}

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

/** `ticket`: the ticket the winning claim recorded (when `create` was given). */
export type IdempotencyClaim =
  { claimed: true; record: IdempotencyRecord; ticket?: Ticket } | { claimed: false; existing: IdempotencyRecord };

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
  /**
   * The erasure that wrote this entry (its receipt) or made it a tombstone (ticket id, target and
   * detail cleared); null for every other entry.
   */
  erasedBy: string | null;
}

/** One event as received on `/salesforce/events` (see @sbsf/wire events.ts). */
export interface NewSalesforceEvent {
  type: string;
  caseId: string;
  occurredAt: string | null;
  /** The whole event as sent. */
  payload: Record<string, unknown>;
}

export interface SalesforceEventRecord extends NewSalesforceEvent {
  id: number;
  receivedAt: number;
}

/** How Cases waiting for a membership reconcile are turned into jobs. */
export interface ReconcileRequestOptions {
  /** The job kind that reconciles (`membership.reconcile`). */
  kind: string;
  /** Case Ids per job (RECONCILE_BATCH_SIZE). */
  batchSize: number;
  /** Why (`event`, `sweep`, `retry`); carried in the job payload and then in the ledger. */
  source: string;
  /** Not before this time (default now). */
  runAt?: number;
  maxAttempts?: number;
  /**
   * Later requests for these Cases are not folded into this job (a hand-over check acts only on
   * a waiting mark; a change folded into it would be dropped).
   */
  unshared?: boolean;
}

export interface ReconcileRequestResult {
  /** Distinct Case Ids asked for. */
  requested: number;
  /** Of those, how many were queued (into a job with room, or a new one). */
  queued: number;
  /** Of those, how many were already waiting in a queued job. */
  coalesced: number;
  /** The jobs the queued Cases went into. */
  jobIds: number[];
}

/** The payload of a `membership.reconcile` job. */
export interface ReconcileJobPayload {
  caseIds: string[];
  source: string;
}

/** A Salesforce read of a Case that a membership reconcile applied. */
/** How far a sweep has read (sweep_marks). */
export interface SweepMark {
  /** The newest `SystemModstamp` read (epoch ms); null before a sweep has read one. */
  changedSince: number | null;
  /** When the last full sweep finished (epoch ms); null before one has. */
  fullAt: number | null;
}

export interface AppliedMembershipRead {
  /** The Case's `SystemModstamp` in that read (epoch ms); null when the read had none. */
  version: number | null;
  /** The owner that read found. */
  ownerId: string | null;
}

/**
 * Granted: the read applied last, whether a hand-over waits, and `first` when this claim made the
 * Case's row (no reconcile of it was started before, or it was forgotten). Refused: another
 * holder's lease runs until `lockedUntil` (epoch ms); the Case is marked wanted.
 */
export type MembershipApplyClaim =
  { claimed: true; applied: AppliedMembershipRead | null; wanted: boolean; first: boolean } | { claimed: false; lockedUntil: number };

// --- transcript -----------------------------------------------------------------------------

/** A chat message as the transcript keeps it, whatever Salesforce object it is written to. */
export interface TranscriptMessage {
  /** ADMM: one of the bridge's notices (an agent joined, took over, left; the Case closed), a system entry. */
  type: 'MESG' | 'FILE' | 'ADMM';
  /** The text (MESG), or the file's caption if any (FILE). */
  body: string;
  /** The Sendbird user id; for agents, their 18-character Salesforce User Id. */
  senderId: string;
  senderName: string;
  /** `System` for the bridge's notices (no sender). */
  senderRole: 'Customer' | 'Agent' | 'System';
  /** Epoch ms. */
  sentAt: number;
  /** Epoch ms of the last edit, or null. */
  editedAt: number | null;
  /** `size`: bytes as Sendbird reported them (absent in rows stored before it was kept). */
  file: { url: string; name: string | null; type: string | null; size?: number | null } | null;
}

/** One webhook's news about a message (`group_channel:message_send/update/delete`). */
export interface TranscriptEvent {
  /** Sendbird's `message_id`, as a decimal string. */
  messageId: string;
  /** The Case (= the channel URL, 18 characters). */
  caseId: string;
  channelUrl: string;
  /**
   * Which text this event carries: 0 = as sent, the edit's `updated_at` for an edit, -1 = none (a
   * delete). The highest version's text wins, whatever order the webhooks arrive in.
   */
  version: number;
  /** The message at that version; null for a delete. */
  message: TranscriptMessage | null;
  /** Deleted in the chat (sticky: once deleted, always deleted). */
  deleted: boolean;
}

/** `pending`: to be written; `synced`: written as it is now; `dead`: Salesforce refused it for good. */
export type TranscriptState = 'pending' | 'synced' | 'dead';

export interface TranscriptRecord {
  messageId: string;
  caseId: string;
  channelUrl: string;
  version: number;
  message: TranscriptMessage | null;
  deleted: boolean;
  state: TranscriptState;
  /** Bumped by every event that changed the row: a write only settles the revision it sent. */
  rev: number;
  /** Failed writes since the row last became pending. */
  attempts: number;
  /** First webhook for this message (epoch ms). */
  receivedAt: number;
  /** When the row last became pending (epoch ms): what the flush interval counts from. */
  pendingSince: number;
  /** Not written again before this time (a failed write's backoff). */
  nextAttemptAt: number;
  /** The Salesforce record (Sendbird_Message__c or CaseComment) once written. */
  salesforceId: string | null;
  lastError: string | null;
  syncedAt: number | null;
}

/** A message the transcript holds, by its sent time (`listTranscriptSent`). */
export interface TranscriptSent {
  messageId: string;
  /** The message's `created_at` in Sendbird (epoch ms). */
  sentAt: number;
  deleted: boolean;
}

/** How `recordTranscriptEvent` makes sure a flush job will write the message. */
export interface TranscriptFlushRequest {
  /** The job kind that writes pending messages (`transcript.flush`). */
  kind: string;
  /**
   * A message waits at most this long for the flush (read once per message: the transcript's plan,
   * flush-plan.ts, makes it 0 while nothing is being written and TRANSCRIPT_FLUSH_MS beside a write)...
   */
  readonly delayMs: number;
  /** ...unless this many are pending: then the flush is due at once (200, one collections call). */
  batchSize: number;
}

export type TranscriptResult =
  | { messageId: string; rev: number; outcome: 'synced'; salesforceId: string | null }
  | { messageId: string; rev: number; outcome: 'retry'; retryAt: number; error: string }
  | { messageId: string; rev: number; outcome: 'dead'; error: string };

/** Why a channel's catch-up is due (carried into its ledger entry). */
export type CatchupReason = 'start' | 'schedule' | 'late_webhook' | 'new' | 'closing' | 'reopened';

/** A support channel as transcript catch-up tracks it (one per Case; transcript/catchup.ts). */
export interface TranscriptChannel {
  channelUrl: string;
  caseId: string;
  /** The Case is open; a closed Case's channel is read once more, then no longer. */
  open: boolean;
  /** The newest message catch-up has read in order: every message up to it is in the transcript. */
  checkedId: string | null;
  /** Its `created_at` (epoch ms); without `checkedId`, where the next read starts. */
  checkedAt: number;
  /** When catch-up is next due, or null (a closed Case already read). */
  nextCatchupAt: number | null;
  dueReason: CatchupReason | null;
  lastCatchupAt: number | null;
}

/** How a catch-up ends: how far it read, and when the channel is next due if open. */
export interface CatchupFinish {
  /** The newest message read, if the read got further. */
  checked?: { messageId: string; at: number };
  /** Next due time for an open Case (a closed one is not due again). */
  nextAt: number;
  ledger?: readonly NewLedgerEntry[];
}

/** What each part of the store is built with (open-store.ts fills it from the configuration). */
export interface StoreSettings {
  /** Epoch ms; injectable so tests can move time (leases, retries, expiry). */
  now: () => number;
  /** Replaces every known secret value in the ledger's detail before it is written. */
  scrubText: (text: string) => string;
  /** `max_attempts` of jobs enqueued without one (JOB_MAX_ATTEMPTS). */
  defaultMaxAttempts: number;
  /** How long an idempotency key is remembered. */
  idempotencyTtlMs: number;
}

export interface StoreHealth {
  ok: boolean;
  /** Why not, when `ok` is false (safe to show: no secrets, no paths). */
  reason?: string;
  schemaVersion?: number;
  latestVersion?: number;
}

/** The Change Data Capture subscription of one channel (membership/cdc-store.ts). */
export interface CaseChangeSubscription {
  topic: string;
  /** Lowercase hex; null before the first batch, or after Salesforce no longer had it. */
  replayId: string | null;
  replayAt: number | null;
  holder: string | null;
  leaseUntil: number | null;
}

export type CaseChangeClaim =
  { held: true; replayId: string | null; tookOverFrom?: string } | { held: false; holder: string; leaseUntil: number };

/** What one batch of change events asks for, recorded atomically with its replay id. */
export interface CaseChangeBatch {
  topic: string;
  holder: string;
  /** The batch's last replay id (hex); null forgets the stored one; undefined leaves it. */
  replayId?: string | null;
  membershipCaseIds: readonly string[];
  reconcile: ReconcileRequestOptions;
  statusCaseIds: readonly string[];
  ledger?: readonly NewLedgerEntry[];
}

/** The shared slots of one of Sendbird's rate-capped endpoints (pacing/store.ts). */
export interface SendbirdPacing {
  /** `METHOD route`, the route as the client writes it. */
  endpoint: string;
  /** The earliest time (epoch ms) the next slot may go. */
  nextAt: number;
  /** Slots booked so far, by every instance. */
  booked: number;
  /** The end of the latest 429 pause reported, if any. */
  pausedUntil: number | null;
}

export type CaseChangeRecordResult = { held: false } | { held: true; reconciles: ReconcileRequestResult; statusJobId: number | null };

// --- privacy erasure -------------------------------------------------------------------------

/** What an erasure does to the customer's Cases: clear their personal data, or delete them. */
export type ErasureCaseAction = 'redact' | 'delete';

/** What an erasure found to erase (ids only: no names, addresses or texts). */
export interface ErasurePlan {
  ticketIds: string[];
  caseIds: string[];
  /** The support channels (each named after its Case). */
  channelUrls: string[];
  /** How many Sendbird users (the customer's ids; not kept here once the erasure is done). */
  users: number;
}

/** One step of an erasure as its journal keeps it: when it was done and what it removed. */
export interface ErasureStepRecord {
  at: number;
  /** How many records the step removed or redacted (0 when they were already gone). */
  count: number;
  /** The ids acted on, where they are not personal data (Salesforce record Ids, channel URLs). */
  ids?: string[];
}

export interface Erasure {
  id: string;
  /** SHA-256 of the identifier as asked for (`user:<id>` or `email:<address>`). */
  subjectHash: string;
  /** The identifier, while the erasure runs; null once done. */
  subject: string | null;
  caseAction: ErasureCaseAction;
  /** Who asked (`cli`, `admin`), for the receipt. */
  requestedBy: string;
  state: 'running' | 'done';
  plan: ErasurePlan | null;
  /** The steps done so far, by name. */
  steps: Record<string, ErasureStepRecord>;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

export interface NewErasure {
  id: string;
  subjectHash: string;
  subject: string;
  caseAction: ErasureCaseAction;
  requestedBy: string;
}

/** How a customer is named in an erasure request. */
export type ErasureSubject = { kind: 'user'; userId: string } | { kind: 'email'; email: string };

// --- satisfaction surveys and chat ends (csat/store.ts) ---------------------------------------

/** `open`: asked, waiting for the answer; then `answered` or `expired`, once, never back. */
export type CsatSurveyState = 'open' | 'answered' | 'expired';

export interface CsatSurvey {
  /** The survey id the chat's notices carry. */
  id: string;
  caseId: string;
  /** The customer asked (the Case's Sendbird_User_Id__c), when known. */
  customerUserId: string | null;
  state: CsatSurveyState;
  /** The survey's message is in the channel. */
  requestPosted: boolean;
  askedAt: number;
  expiresAt: number;
  rating: number | null;
  comment: string | null;
  answeredAt: number | null;
  expiredAt: number | null;
  updatedAt: number;
}

export interface NewCsatSurvey {
  id: string;
  caseId: string;
  customerUserId: string | null;
  expiresAt: number;
}

export interface CsatAnswer {
  rating: number;
  /** Null when the customer left no comment. */
  comment: string | null;
}

/**
 * What an answer did: `answered` (recorded now), `same` (this very answer was recorded before),
 * `conflict` (another answer was), `expired` (too late), `missing` (no survey for the Case).
 */
export type CsatAnswerOutcome = 'answered' | 'same' | 'conflict' | 'expired' | 'missing';

export interface ChatEnd {
  caseId: string;
  customerUserId: string;
  action: 'close' | 'mark';
  requestedAt: number;
}

export interface Store {
  /** Which implementation (`sqlite`), for logs and /readyz. */
  readonly kind: string;

  // --- health -----------------------------------------------------------------------------
  /** Reachable and migrated to the latest version? Never throws. */
  health(): Promise<StoreHealth>;
  close(): Promise<void>;

  // --- tickets ----------------------------------------------------------------------------
  /** Records a ticket, and (`job`) the job that finishes it, in one transaction. */
  createTicket(ticket: NewTicket, opts?: { job?: TicketJob }): Promise<Ticket>;
  getTicket(id: string): Promise<Ticket | null>;
  /** The ticket whose Case this is (tickets.case_id is unique: one indexed read), or null. */
  getTicketByCase(caseId: string): Promise<Ticket | null>;
  /**
   * Applies the patch and appends the ledger entries in the same transaction (a step's result
   * and its audit trail are kept together or not at all). Throws `TicketStateError` for a
   * backward move, `StoreNotFoundError` if absent. In the same transaction, `job` enqueues a job
   * (nothing if one with its dedupe key exists) and `settleJob` settles the queued job with that
   * dedupe key (see `settleQueuedJob`).
   */
  updateTicket(
    id: string,
    patch: TicketPatch,
    ledger?: readonly NewLedgerEntry[],
    opts?: { job?: TicketJob; jobs?: readonly TicketJob[]; settleJob?: string },
  ): Promise<Ticket>;
  /**
   * The safety net for tickets whose process died mid-way: enqueues a job (`kind`, payload
   * `{ ticketId }`, dedupe key `dedupePrefix + ticketId`, due `runAt`) for each unfinished ticket
   * (not `completed` or `failed`) last updated at or before `updatedBefore` that has no job with
   * that dedupe key yet, oldest first, at most `limit`. Returns the ticket ids it queued.
   */
  queueUnfinishedTickets(
    updatedBefore: number,
    limit: number,
    job: { kind: string; dedupePrefix: string; runAt: number },
  ): Promise<string[]>;
  listTickets(filter?: { state?: TicketState; limit?: number }): Promise<Ticket[]>;

  // --- idempotency ------------------------------------------------------------------------
  /**
   * Atomically claims `(scope, key)`: exactly one of any number of concurrent callers gets
   * `{claimed:true}`; the others get the existing record. An expired record is replaced. With
   * `create`, the winner's ticket (and its job) is recorded in the same transaction, so whoever
   * sees the key also finds its ticket.
   */
  claimIdempotencyKey(
    scope: string,
    key: string,
    requestHash: string,
    ticketId: string | null,
    opts?: { ttlMs?: number; create?: { ticket: NewTicket; job?: TicketJob } },
  ): Promise<IdempotencyClaim>;
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
  /**
   * Calls `listener` with the due time of every job this process queues, retries or requeues,
   * once its write has committed (the job runner wakes then instead of at its next poll); returns
   * the unsubscribe. Jobs queued by other processes are found by the runner's poll.
   */
  onJobDue(listener: (runAt: number) => void): () => void;
  /** When the next queued job of these kinds is due, or null when none is queued. */
  nextJobDueAt(kinds: readonly string[]): Promise<number | null>;

  // --- Change Data Capture subscription --------------------------------------------------------
  /** Takes the channel's lease unless another holder's is live; a granted claim carries the replay id to resume from. */
  claimCaseChanges(topic: string, holder: string, leaseMs: number): Promise<CaseChangeClaim>;
  /** Extends `holder`'s live lease; false when it was lost. */
  renewCaseChanges(topic: string, holder: string, leaseMs: number): Promise<boolean>;
  releaseCaseChanges(topic: string, holder: string): Promise<boolean>;
  /** Queues what a batch asks for and stores its replay id, atomically, only while `holder` holds the lease. */
  recordCaseChanges(batch: CaseChangeBatch): Promise<CaseChangeRecordResult>;
  getCaseChanges(topic: string): Promise<CaseChangeSubscription | null>;
  /** Of these Case Ids, those the bridge opened a ticket for. */
  knownChatCases(caseIds: readonly string[]): Promise<string[]>;

  // --- Sendbird pacing shared by the instances ------------------------------------------------
  /**
   * Books the next slot of a rate-capped Sendbird endpoint: at `notBefore`, or `intervalMs` after
   * the slot booked last (by any instance) if that is later, or at the end of a pause. Resolves
   * with the slot's time (epoch ms); the slot after it is then at least `intervalMs` later.
   */
  bookSendbirdSlot(endpoint: string, notBefore: number, intervalMs: number): Promise<number>;
  /** After a 429: no slot of the endpoint is booked before `untilMs` (a pause never shortens). */
  pauseSendbirdEndpoint(endpoint: string, untilMs: number): Promise<void>;
  listSendbirdPacing(): Promise<SendbirdPacing[]>;

  // --- Salesforce events and membership reconciles ------------------------------------------
  /**
   * Stores the events and requests a reconcile of their Cases (or of `caseIds`, when only some
   * events concern membership), atomically: either all of it is recorded (and the caller may
   * answer 202) or none of it.
   */
  recordSalesforceEvents(
    events: readonly NewSalesforceEvent[],
    reconcile: ReconcileRequestOptions,
    caseIds?: readonly string[],
  ): Promise<ReconcileRequestResult & { stored: number }>;
  /**
   * Queues reconciles of these Cases in jobs of `batchSize` Case Ids (payload
   * `ReconcileJobPayload`). A Case already waiting in a queued job stays there; new Cases first
   * fill the newest due, queued job of the same source that has room, then new jobs.
   */
  requestReconcile(caseIds: readonly string[], opts: ReconcileRequestOptions): Promise<ReconcileRequestResult>;
  /** A reconcile job starts: its Cases stop being pending, so later events queue a new job. */
  startReconcile(jobId: number): Promise<number>;
  /** Cases waiting for a reconcile, and the job each waits in. */
  listPendingReconciles(limit?: number): Promise<{ caseId: string; jobId: number }[]>;
  listSalesforceEvents(filter?: { caseId?: string; limit?: number }): Promise<SalesforceEventRecord[]>;
  countSalesforceEvents(): Promise<number>;
  /** Deletes events received before `before` (epoch ms); returns how many. */
  purgeSalesforceEvents(before: number): Promise<number>;
  /**
   * Claims the right to apply a membership reconcile of one Case (compare-and-set): granted when
   * no other holder's lease is live; otherwise the Case is marked `wanted` (the holder reads the
   * Case again and applies that before it lets go) and `claimed: false` comes back. A granted
   * claim carries the read applied last and whether a hand-over was waiting; a refused one, when
   * the holder's lease runs out.
   */
  claimMembershipApply(caseId: string, holder: string, leaseMs: number): Promise<MembershipApplyClaim>;
  /** Of these Case Ids, those with a hand-over still waiting (marked wanted, not yet applied). */
  wantedMembershipCases(caseIds: readonly string[]): Promise<string[]>;
  /**
   * Ends `holder`'s apply. `applied` (a successful apply) becomes the Case's read applied last.
   * `again` when a hand-over is waiting: with `keepIfWanted` the lease is renewed for `leaseMs` and
   * the flag cleared (the holder reads and applies again), without it the lease is let go and the
   * flag kept (the next claim reads again). `lost`: the lease is no longer this holder's; nothing
   * is recorded.
   */
  finishMembershipApply(
    caseId: string,
    holder: string,
    applied: AppliedMembershipRead | null,
    opts: { leaseMs: number; keepIfWanted: boolean },
  ): Promise<'released' | 'again' | 'lost'>;
  /** The read applied last to a Case, or null. */
  getMembershipApplied(caseId: string): Promise<(AppliedMembershipRead & { appliedAt: number }) | null>;
  /** Of these Case Ids, the owner of the read applied last, for those that have one. */
  appliedMembershipOwners(caseIds: readonly string[]): Promise<Map<string, string | null>>;
  /** How far the named sweep has read; null before its first. */
  getSweepMark(name: string): Promise<SweepMark | null>;
  /**
   * Records a sweep's progress: `changedSince` moves forward only (an older stamp is ignored);
   * `fullAt` is set when given.
   */
  advanceSweepMark(name: string, mark: { changedSince?: number | null; fullAt?: number }): Promise<SweepMark>;
  /** Forgets Cases not reconciled since `before` (epoch ms) and not leased; returns how many. */
  purgeMembershipCases(before: number): Promise<number>;

  // --- transcript (Sendbird webhooks -> Salesforce) -------------------------------------------
  /**
   * Records one webhook's news about a message, in one transaction, and makes sure a queued flush
   * job (`flush.kind`) is due within `flush.delayMs`, or at once when `flush.batchSize` messages
   * are ready (pending, not leased to a flush under way, not backing off: the same test as
   * `claimTranscriptBatch`). `duplicate` when it changed nothing (a redelivery, or older news than
   * stored). `flushAt` is the flush job's due time.
   */
  recordTranscriptEvent(
    event: TranscriptEvent,
    flush: TranscriptFlushRequest,
  ): Promise<{ outcome: 'stored' | 'duplicate'; flushAt: number }>;
  /**
   * Leases up to `limit` pending messages (oldest first) to `workerId` for `leaseMs`, but only
   * when there are `limit` of them ready, or the oldest has waited `maxWaitMs`: a partial batch
   * is written only once it is due. Messages in a failed write's backoff, or leased to a live
   * worker, are not ready. [] when nothing is due.
   */
  claimTranscriptBatch(workerId: string, opts: { limit: number; leaseMs: number; maxWaitMs: number }): Promise<TranscriptRecord[]>;
  /**
   * Records the outcome of a write, one transaction. A result only settles the revision it names:
   * a message changed while it was being written stays pending (its `salesforceId` is kept).
   * `ledger` entries (e.g. refused messages) are appended in the same transaction.
   */
  settleTranscriptBatch(workerId: string, results: readonly TranscriptResult[], ledger?: readonly NewLedgerEntry[]): Promise<void>;
  /** When a batch could next be claimed with `maxWaitMs` (see claimTranscriptBatch), or null when nothing is pending. */
  nextTranscriptFlushAt(maxWaitMs: number): Promise<number | null>;
  /** Makes sure a queued job of `kind` is due no later than `runAt` (one queued flush job is enough). */
  scheduleTranscriptFlush(kind: string, runAt: number): Promise<void>;
  /**
   * Transcript catch-up. `recordTranscriptEvent` also registers a channel it has not seen (open,
   * read from its start, due at once). `registerTicketChannels` registers the channels of tickets
   * updated at or after `since` (read from the ticket's creation, due at `dueAt`); returns how
   * many were new.
   */
  registerTicketChannels(since: number, dueAt: number): Promise<number>;
  /** Makes open channels (all, or these) due no later than `at`; a leased one is due again when given back. */
  dueTranscriptCatchup(at: number, reason: CatchupReason, channelUrls?: readonly string[]): Promise<number>;
  /** A Case closed (read once more, then never) or reopened (due at once). */
  setTranscriptChannelOpen(caseId: string, open: boolean): Promise<boolean>;
  /** Leases up to `limit` due channels to `workerId` (FOR UPDATE SKIP LOCKED on PostgreSQL), oldest due first. */
  claimTranscriptCatchups(workerId: string, opts: { limit: number; leaseMs: number }): Promise<TranscriptChannel[]>;
  /** Gives a leased channel back with how far it was read; false when the lease was lost. */
  finishTranscriptCatchup(workerId: string, channelUrl: string, finish: CatchupFinish): Promise<boolean>;
  getTranscriptChannel(channelUrl: string): Promise<TranscriptChannel | null>;
  getTranscriptMessage(messageId: string): Promise<TranscriptRecord | null>;
  /**
   * The messages the transcript holds for one channel (of `caseId`) sent between `from` and `to`
   * (epoch ms, both inclusive), oldest first, deleted ones included. A row without a message (news
   * of a deletion only) has no sent time and is left out. Catch-up compares them with a stretch of
   * the channel's history to find the messages deleted in Sendbird.
   */
  listTranscriptSent(channel: { caseId: string; channelUrl: string }, from: number, to: number): Promise<TranscriptSent[]>;
  listTranscriptMessages(filter?: { caseId?: string; state?: TranscriptState; limit?: number }): Promise<TranscriptRecord[]>;
  countTranscriptMessages(): Promise<Record<TranscriptState, number>>;
  /** Forgets messages written before `before` (epoch ms); returns how many. Pending and dead ones are kept. */
  purgeTranscript(before: number): Promise<number>;

  // --- privacy erasure (erasure/store.ts) ------------------------------------------------------
  /**
   * Records a new erasure (and, with `job`, the job that runs it) in one transaction, or returns
   * the erasure already recorded for the same subject hash (`created: false`).
   */
  startErasure(erasure: NewErasure, opts?: { job?: TicketJob }): Promise<{ erasure: Erasure; created: boolean }>;
  getErasure(id: string): Promise<Erasure | null>;
  getErasureBySubject(subjectHash: string): Promise<Erasure | null>;
  /** The customer's tickets: by Sendbird user id, or every ticket of the users whose tickets gave that email. */
  findCustomerTickets(subject: ErasureSubject): Promise<Ticket[]>;
  setErasurePlan(id: string, plan: ErasurePlan): Promise<void>;
  /**
   * Journals a step as done (a step already journaled is left as it was: false), with its receipt
   * entries (written with `erasedBy` = the erasure, so they can never be changed), atomically.
   */
  recordErasureStep(id: string, step: string, record: ErasureStepRecord, receipt?: readonly NewLedgerEntry[]): Promise<boolean>;
  recordErasureError(id: string, error: string): Promise<void>;
  /**
   * The last step, one transaction: the ledger entries of these tickets, Cases and users become
   * tombstones; the transcript rows of the Cases, the tickets' idempotency keys and the tickets
   * are deleted; the step is journaled, the erasure marked done and its subject forgotten.
   * Returns how many rows of each kind.
   */
  finishErasure(
    id: string,
    scope: { ticketIds: readonly string[]; caseIds: readonly string[]; userIds: readonly string[] },
    step: string,
  ): Promise<{
    tombstones: number;
    tickets: number;
    idempotencyKeys: number;
    transcriptMessages: number;
    transcriptChannels: number;
    customerContacts: number;
  }>;
  /** An erasure's receipt: the ledger entries it wrote, oldest first. */
  erasureReceipt(id: string): Promise<LedgerEntry[]>;

  // --- satisfaction surveys and chat ends (csat/store.ts) -------------------------------------
  /**
   * Records the Case's survey, with `job` (the one that writes its state to the Case), in one
   * transaction; a Case that has a survey keeps it (`created: false`, the survey as it is).
   */
  openCsatSurvey(survey: NewCsatSurvey, job: TicketJob): Promise<{ survey: CsatSurvey; created: boolean }>;
  getCsatSurvey(caseId: string): Promise<CsatSurvey | null>;
  /** The survey's message is in the channel. */
  markCsatRequestPosted(caseId: string): Promise<void>;
  /**
   * Records an answer, atomically: only an open survey whose expiry has not come takes one (then
   * `job` is queued in the same transaction); an open one past its expiry is marked expired then
   * (with `expiredJob`) and answers `expired`.
   */
  answerCsatSurvey(
    caseId: string,
    answer: CsatAnswer,
    jobs: { answered: TicketJob; expired: TicketJob },
  ): Promise<{ outcome: CsatAnswerOutcome; survey: CsatSurvey | null }>;
  /**
   * Marks up to `limit` open surveys whose expiry has come expired, each with its job (`jobFor`),
   * one transaction; returns their Case Ids. Instances may run it side by side: a survey moves once.
   */
  expireCsatSurveys(limit: number, jobFor: (caseId: string) => TicketJob): Promise<string[]>;
  /** Records the customer's end of the chat with its job, or returns the end recorded first (`created: false`). */
  recordChatEnd(end: ChatEnd, job: TicketJob): Promise<{ end: ChatEnd; created: boolean }>;
  getChatEnd(caseId: string): Promise<ChatEnd | null>;
  // --- contact matching (tickets/contact-store.ts) ---------------------------------------------
  /** The customer's remembered Contact; null when none (or only a creation claim) is recorded. */
  getCustomerContact(userId: string): Promise<CustomerContact | null>;
  /**
   * Remembers the customer's Contact (replacing any earlier one and any creation claim), with the
   * ledger entries of the step that found or made it, in one transaction.
   */
  rememberCustomerContact(contact: Omit<CustomerContact, 'matchedAt'>, ledger?: readonly NewLedgerEntry[]): Promise<CustomerContact>;
  /**
   * Forgets the customer's Contact if it is still `contactId` (a newer match stays), with the
   * ledger entries saying why, in one transaction. True when a row was removed.
   */
  forgetCustomerContact(userId: string, contactId: string, ledger?: readonly NewLedgerEntry[]): Promise<boolean>;
  /**
   * Claims the creation of the customer's Contact for `owner` (a ticket id) until `now + leaseMs`:
   * granted when nobody holds it, when its holder's claim ran out, or when `owner` holds it
   * already. Not granted when the customer has a Contact (`contact`) or another owner's claim
   * holds (`until`).
   */
  claimContactCreation(userId: string, owner: string, leaseMs: number): Promise<ContactClaim>;
  /** Gives up `owner`'s creation claim (nothing was remembered), with ledger entries, in one transaction. */
  releaseContactClaim(userId: string, owner: string, ledger?: readonly NewLedgerEntry[]): Promise<void>;

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
