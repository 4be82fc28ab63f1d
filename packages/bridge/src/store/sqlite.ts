/**
 * The SQLite `Store` (better-sqlite3): one file under DATA_DIR, WAL journal (readers never block
 * the writer), `busy_timeout` (a second process waits for the write lock instead of failing),
 * foreign keys on. better-sqlite3 is synchronous, so each method's work is atomic within this
 * process; the multi-statement ones also run in IMMEDIATE transactions, which take the write lock
 * up front, so they stay atomic across processes sharing the file.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { truncateText } from '@sbsf/wire';
import { SQLITE_MIGRATIONS, type Migration } from './migrations/index.js';
import { latestVersion, migrateSqlite, schemaVersion, type MigrationResult } from './sqlite-migrate.js';
import { canMoveTicket, OPEN_TICKETS_SQL, openTicketsTerm, UNFINISHED_STATES_SQL } from './ticket-state.js';
import { appliedRead, type MembershipCaseRow } from './membership-rows.js';
import { rowMappers, SQLITE_JSON, type IdempotencyRow, type JobRow, type LedgerRow, type SalesforceEventRow, type TicketRow, type TranscriptChannelRow, type TranscriptRow, toTranscriptChannel } from './rows.js';
import { maskSecretFields } from '../redaction.js';
import {
  StoreNotFoundError,
  TicketStateError,
  type EnqueueOptions,
  type EnqueueResult,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type Job,
  type JobState,
  type AppliedMembershipRead,
  type LedgerEntry,
  type MembershipApplyClaim,
  type NewLedgerEntry,
  type NewSalesforceEvent,
  type NewTicket,
  type ReconcileRequestOptions,
  type ReconcileRequestResult,
  type SalesforceEventRecord,
  type Store,
  type StoreHealth,
  type Ticket,
  type TicketJob,
  type TicketPatch,
  type TicketState,
  type CatchupFinish,
  type CatchupReason,
  type TranscriptChannel,
  type TranscriptEvent,
  type TranscriptFlushRequest,
  type TranscriptRecord,
  type TranscriptResult,
  type TranscriptSent,
  type TranscriptState,
} from './types.js';

export interface SqliteStoreOptions {
  /** Path of the database file; its directory is created if missing. */
  file: string;
  /** Epoch ms; injectable so tests can move time (leases, retries, expiry). */
  clock?: () => number;
  /** `max_attempts` of jobs enqueued without one (JOB_MAX_ATTEMPTS). */
  defaultMaxAttempts?: number;
  /** How long an idempotency key is remembered (default 24 h). */
  idempotencyTtlMs?: number;
  /** Replaces every known secret value in the ledger's detail before it is written (the process's SecretScrubber). */
  scrubText?: (text: string) => string;
  /** How long a connection waits for another's write lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** For tests that build an older database; production uses them all. */
  migrations?: readonly Migration[];
  /**
   * `NORMAL` (default): with WAL, a commit survives a crash of the process, and the database
   * never corrupts; only a power loss can drop the last commits. `FULL` also fsyncs every commit
   * (survives power loss, costs a disk flush per write). https://www.sqlite.org/pragma.html#pragma_synchronous
   */
  synchronous?: 'NORMAL' | 'FULL';
  /**
   * Group commit (default true): the writes of one event-loop turn share one transaction and one
   * commit (see `write`). False: a transaction per write.
   */
  groupCommit?: boolean;
}

/** The writes of one event-loop turn, waiting for their shared COMMIT. */
class WriteGroup {
  readonly committed: Promise<void>;
  done!: () => void;
  fail!: (err: unknown) => void;

  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
    });
    // A group whose only write threw has no one waiting on it.
    this.committed.catch(() => {});
  }
}

export const DEFAULT_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_ATTEMPTS = 10;

const { toIdempotency, toJob, toLedger, toSalesforceEvent, toTicket, toTranscript } = rowMappers(SQLITE_JSON);

/**
 * Insert a message, or merge news into it: the higher `version`'s text wins, `deleted` is sticky,
 * and any change makes the row pending again with a new `rev`. News that changes nothing (a
 * redelivery) updates nothing and returns no row. Portable SQL (PostgreSQL runs it as is).
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

/** Registers a channel first seen in a webhook: open, read from its start, due at once. */
const NEW_TRANSCRIPT_CHANNEL = `
INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
VALUES (?, ?, 1, 0, ?, 'new', ?, ?)
ON CONFLICT (channel_url) DO NOTHING`;

/**
 * Due no later than `at` (params: now, at, reason, at, at, now, now); a leased channel takes the
 * reason and is due again once given back.
 */
const DUE_CATCHUP = `
UPDATE transcript_channels SET
  due_reason = CASE WHEN (lease_until IS NOT NULL AND lease_until > ?) OR next_catchup_at IS NULL OR next_catchup_at > ? THEN ? ELSE due_reason END,
  next_catchup_at = CASE WHEN next_catchup_at IS NULL OR next_catchup_at > ? THEN ? ELSE next_catchup_at END,
  due_again = CASE WHEN lease_until IS NOT NULL AND lease_until > ? THEN 1 ELSE due_again END,
  updated_at = ?`;

/**
 * Gives a channel back (params: checked id, checked at, now, now, next, now, url, worker): due at
 * once if it was made due meanwhile, at `next` if open, never again if closed.
 */
const FINISH_CATCHUP = `
UPDATE transcript_channels SET
  checked_id = COALESCE(?, checked_id), checked_at = COALESCE(?, checked_at), last_catchup_at = ?,
  next_catchup_at = CASE WHEN due_again = 1 THEN ? WHEN open = 1 THEN ? ELSE NULL END,
  due_reason = CASE WHEN due_again = 1 THEN due_reason WHEN open = 1 THEN 'schedule' ELSE NULL END,
  due_again = 0, leased_by = NULL, lease_until = NULL, updated_at = ?
WHERE channel_url = ? AND leased_by = ?`;

/** Pending messages a flusher may take now: out of backoff and not leased to a live worker. */
const READY_TRANSCRIPT = `state = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)`;

/** Rows per multi-row ledger INSERT (one prepared statement is kept per row count). */
const LEDGER_ROWS_PER_INSERT = 16;
const INSERT_LEDGER = 'INSERT INTO ledger (at, case_id, ticket_id, system, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/** Error text is stored and shown to operators; keep it bounded. */
const MAX_ERROR_LENGTH = 2_000;
/** Stored errors are cut where a character ends, so the column always holds valid UTF-8. */
const clip = (s: string) => truncateText(s, MAX_ERROR_LENGTH, '...');

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly migration: MigrationResult;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly scrubText: (text: string) => string;
  private readonly defaultMaxAttempts: number;
  private readonly idempotencyTtlMs: number;
  private readonly latest: number;
  /** Prepared statements by SQL text: preparing costs more than running on the hot path. */
  private readonly statements = new Map<string, Database.Statement>();

  /** One transaction wrapper for all: better-sqlite3 prepares BEGIN/COMMIT per wrapper it makes. */
  private runTx?: Database.Transaction<(f: () => unknown) => unknown>;
  private readonly groupCommit: boolean;
  /** The open group transaction of this event-loop turn, if any (see `write`). */
  private group?: WriteGroup;

  private get wrapper(): Database.Transaction<(f: () => unknown) => unknown> {
    return (this.runTx ??= this.db.transaction((f: () => unknown) => f()));
  }

  /**
   * Runs `fn` (statements only, nothing asynchronous) as one atomic write, and settles once it
   * is committed.
   *
   * With group commit (the default; docs/decisions.md), the writes of one event-loop turn share
   * one `BEGIN IMMEDIATE` transaction, committed when the turn's I/O callbacks have run (a
   * `setImmediate`). Each write runs in a savepoint of it, so one that throws undoes only itself
   * and rejects at once; the others resolve only after the COMMIT, so no caller ever acts on a
   * write that is not in the database yet. A COMMIT that fails rejects every write of its group,
   * and none of them is kept. Reads on this connection see the open group's writes; other
   * connections see them after the commit, as with a transaction per write.
   */
  private write<T>(fn: () => T): Promise<T> {
    if (!this.groupCommit) {
      SqliteStore.commitOpenGroups();
      return Promise.resolve(this.wrapper.immediate(fn) as T);
    }
    // SQLite rolls a whole transaction back on its own after some I/O and memory errors: then the
    // open group's writes are gone, and commitGroup says so to each of them.
    if (this.group && !this.db.inTransaction) this.commitGroup(this.group);
    const group = this.group ?? this.openGroup();
    // Inside the open transaction, better-sqlite3 runs the wrapper as a savepoint.
    const result = this.wrapper(fn) as T;
    return group.committed.then(() => result);
  }

  /**
   * Stores of this process with an open group. Another connection of this process waiting for
   * the write lock that one of them holds would wait forever: its wait blocks the event loop, so
   * the turn never ends and the group never commits. So a store commits every other store's open
   * group before it takes the lock (tests and the CLI open several stores on one file; another
   * process just waits for the end of this one's turn, `busy_timeout`).
   */
  private static readonly withOpenGroup = new Set<SqliteStore>();

  /** Commits the open group of every store in this process (before another connection writes). */
  private static commitOpenGroups(except?: SqliteStore): void {
    for (const store of SqliteStore.withOpenGroup) if (store !== except && store.group) store.commitGroup(store.group);
  }

  private openGroup(): WriteGroup {
    SqliteStore.commitOpenGroups(this);
    this.sql('BEGIN IMMEDIATE').run();
    const group = new WriteGroup();
    this.group = group;
    SqliteStore.withOpenGroup.add(this);
    setImmediate(() => this.commitGroup(group));
    return group;
  }

  /** Commits the group if it is still the open one (close() may have committed it already). */
  private commitGroup(group: WriteGroup): void {
    if (this.group !== group) return;
    this.group = undefined;
    SqliteStore.withOpenGroup.delete(this);
    if (!this.db.inTransaction) {
      group.fail(new Error('[store] SQLite rolled back the transaction these writes were in; nothing of them was kept'));
      return;
    }
    try {
      this.sql('COMMIT').run();
      group.done();
    } catch (err) {
      if (this.db.inTransaction) this.sql('ROLLBACK').run();
      group.fail(err);
    }
  }

  private sql(text: string): Database.Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  constructor(opts: SqliteStoreOptions) {
    this.now = opts.clock ?? Date.now;
    this.scrubText = opts.scrubText ?? ((text) => text);
    this.groupCommit = opts.groupCommit ?? true;
    this.defaultMaxAttempts = opts.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.idempotencyTtlMs = opts.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    const migrations = opts.migrations ?? SQLITE_MIGRATIONS;
    this.latest = latestVersion(migrations);
    mkdirSync(dirname(opts.file), { recursive: true });
    // The migrations below may write: no group of this process may hold the lock meanwhile.
    SqliteStore.commitOpenGroups();
    this.db = new Database(opts.file);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`busy_timeout = ${Math.trunc(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
      this.db.pragma('foreign_keys = ON');
      this.db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`);
      this.migration = migrateSqlite(this.db, migrations, this.now);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  // --- health -----------------------------------------------------------------------------

  async health(): Promise<StoreHealth> {
    try {
      this.sql('SELECT 1').get();
      const version = schemaVersion(this.db);
      if (version !== this.latest) {
        return { ok: false, reason: `schema version ${version}, expected ${this.latest}`, schemaVersion: version, latestVersion: this.latest };
      }
      return { ok: true, schemaVersion: version, latestVersion: this.latest };
    } catch (err) {
      return { ok: false, reason: `database unreachable: ${(err as Error).message}`, latestVersion: this.latest };
    }
  }

  async close(): Promise<void> {
    if (this.group) this.commitGroup(this.group);
    if (this.db.open) this.db.close();
  }

  // --- tickets ----------------------------------------------------------------------------

  async createTicket(t: NewTicket, opts: { job?: TicketJob } = {}): Promise<Ticket> {
    return this.write(() => this.insertTicket(t, opts.job, this.now()));
  }

  /**
   * Inside a transaction. The ticket is built from what was inserted rather than read back: on
   * the hot path, materialising the row and parsing its JSON again cost more than the INSERT.
   */
  private insertTicket(t: NewTicket, job: TicketJob | undefined, now: number): Ticket {
    const state = t.state ?? 'received';
    const nickname = t.customerNickname ?? null;
    this.sql(
      `INSERT INTO tickets (id, client_key, state, customer_user_id, customer_nickname, case_fields, attempts, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
    ).run(t.id, t.clientKey, state, t.customerUserId, nickname, JSON.stringify(t.caseFields), now, now);
    if (job) this.insertJob(job.kind, job.payload, job, now);
    return {
      id: t.id,
      clientKey: t.clientKey,
      state,
      customerUserId: t.customerUserId,
      customerNickname: nickname,
      caseFields: t.caseFields,
      caseId: null,
      caseNumber: null,
      channelUrl: null,
      lastError: null,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
    };
  }

  async getTicket(id: string): Promise<Ticket | null> {
    const row = this.sql('SELECT * FROM tickets WHERE id = ?').get(id) as TicketRow | undefined;
    return row ? toTicket(row) : null;
  }

  async updateTicket(id: string, patch: TicketPatch, ledger: readonly NewLedgerEntry[] = [], opts: { job?: TicketJob; settleJob?: string } = {}): Promise<Ticket> {
    const row = await this.write((): TicketRow => {
      const current = this.sql('SELECT * FROM tickets WHERE id = ?').get(id) as TicketRow | undefined;
      if (!current) throw new StoreNotFoundError(`ticket ${id}`);
      if (patch.state !== undefined && !canMoveTicket(current.state, patch.state)) throw new TicketStateError(current.state, patch.state);
      const columns: Record<string, unknown> = {};
      if (patch.state !== undefined) columns.state = patch.state;
      if (patch.customerNickname !== undefined) columns.customer_nickname = patch.customerNickname;
      if (patch.caseFields !== undefined) columns.case_fields = JSON.stringify(patch.caseFields);
      if (patch.caseId !== undefined) columns.case_id = patch.caseId;
      if (patch.caseNumber !== undefined) columns.case_number = patch.caseNumber;
      if (patch.channelUrl !== undefined) columns.channel_url = patch.channelUrl;
      if (patch.lastError !== undefined) columns.last_error = patch.lastError === null ? null : clip(patch.lastError);
      if (patch.attempts !== undefined) columns.attempts = patch.attempts;
      columns.updated_at = this.now();
      const names = Object.keys(columns);
      this.sql(`UPDATE tickets SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`).run(...Object.values(columns), id);
      // The columns are the row's own names: the updated row without reading it back.
      const updated = { ...current, ...columns } as TicketRow;
      this.insertLedger(ledger);
      if (opts.job) this.insertJob(opts.job.kind, opts.job.payload, opts.job, this.now());
      if (opts.settleJob) this.settleJob(opts.settleJob);
      return updated;
    });
    return toTicket(row);
  }

  async queueUnfinishedTickets(updatedBefore: number, limit: number, job: { kind: string; dedupePrefix: string; runAt: number }): Promise<string[]> {
    return this.write((): string[] => {
      const ids = (
        this.sql(
          `SELECT id FROM tickets t
           WHERE ${OPEN_TICKETS_SQL} AND state IN (${UNFINISHED_STATES_SQL}) AND updated_at <= ?
             AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = ? || t.id)
           ORDER BY updated_at, id LIMIT ?`,
        ).all(updatedBefore, job.dedupePrefix, limit) as { id: string }[]
      ).map((r) => r.id);
      const now = this.now();
      for (const id of ids) this.insertJob(job.kind, { ticketId: id }, { dedupeKey: job.dedupePrefix + id, runAt: job.runAt }, now);
      return ids;
    });
  }

  async listTickets(filter: { state?: TicketState; limit?: number } = {}): Promise<Ticket[]> {
    const limit = filter.limit ?? 100;
    const rows = (
      filter.state
        ? this.sql(`SELECT * FROM tickets WHERE ${openTicketsTerm(filter.state)}state = ? ORDER BY created_at, id LIMIT ?`).all(filter.state, limit)
        : this.sql('SELECT * FROM tickets ORDER BY created_at, id LIMIT ?').all(limit)
    ) as TicketRow[];
    return rows.map(toTicket);
  }

  // --- idempotency ------------------------------------------------------------------------

  async claimIdempotencyKey(
    scope: string,
    key: string,
    requestHash: string,
    ticketId: string | null,
    opts: { ttlMs?: number; create?: { ticket: NewTicket; job?: TicketJob } } = {},
  ): Promise<IdempotencyClaim> {
    return this.write((): IdempotencyClaim => {
      const now = this.now();
      const expiresAt = now + (opts.ttlMs ?? this.idempotencyTtlMs);
      const insert = (): IdempotencyRecord | undefined =>
        this.sql(
          `INSERT INTO idempotency_keys (scope, key, request_hash, ticket_id, created_at, expires_at)
           VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`,
        ).run(scope, key, requestHash, ticketId, now, expiresAt).changes === 1
          ? { scope, key, requestHash, ticketId, responseStatus: null, responseBody: null, createdAt: now, expiresAt }
          : undefined;
      // A fresh key (the usual case) is claimed by the insert alone.
      let won = insert();
      if (!won) {
        const existing = this.sql('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?').get(scope, key) as IdempotencyRow;
        if (existing.expires_at > now) return { claimed: false, existing: toIdempotency(existing) };
        // An expired key is forgotten, so it can be claimed afresh (in this same transaction).
        this.sql('DELETE FROM idempotency_keys WHERE scope = ? AND key = ?').run(scope, key);
        won = insert()!;
      }
      if (!opts.create) return { claimed: true, record: won };
      return { claimed: true, record: won, ticket: this.insertTicket(opts.create.ticket, opts.create.job, now) };
    });
  }

  async getIdempotencyKey(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const row = this.sql('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at > ?').get(scope, key, this.now()) as
      | IdempotencyRow
      | undefined;
    return row ? toIdempotency(row) : null;
  }

  async completeIdempotencyKey(scope: string, key: string, status: number, body: unknown): Promise<IdempotencyRecord> {
    return this.write(() => {
      this.sql('UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE scope = ? AND key = ? AND response_status IS NULL')
        .run(status, JSON.stringify(body ?? null), scope, key);
      const row = this.sql('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?').get(scope, key) as IdempotencyRow | undefined;
      if (!row) throw new StoreNotFoundError(`idempotency key ${scope}/${key}`);
      return toIdempotency(row);
    });
  }

  async releaseIdempotencyKey(scope: string, key: string): Promise<void> {
    await this.write(() => this.sql('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND response_status IS NULL').run(scope, key));
  }

  async purgeExpiredIdempotencyKeys(): Promise<number> {
    return this.write(() => this.sql('DELETE FROM idempotency_keys WHERE expires_at <= ?').run(this.now()).changes);
  }

  // --- jobs -------------------------------------------------------------------------------

  async enqueue<P>(kind: string, payload: P, opts: EnqueueOptions = {}): Promise<EnqueueResult<P>> {
    return this.write(() => this.insertJob(kind, payload, opts, this.now()));
  }

  private insertJob<P>(kind: string, payload: P, opts: EnqueueOptions, now: number): EnqueueResult<P> {
    const row = this.sql(
      `INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at)
       VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING *`,
    ).get(kind, JSON.stringify(payload ?? null), opts.dedupeKey ?? null, opts.maxAttempts ?? this.defaultMaxAttempts, opts.runAt ?? now, now, now) as JobRow | undefined;
    if (row) return { job: toJob(row) as Job<P>, created: true };
    const existing = this.sql('SELECT * FROM jobs WHERE dedupe_key = ?').get(opts.dedupeKey) as JobRow;
    return { job: toJob(existing) as Job<P>, created: false };
  }

  async getJob(id: number): Promise<Job | null> {
    const row = this.sql('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  async claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: readonly string[]): Promise<Job[]> {
    if (limit <= 0 || (kinds && kinds.length === 0)) return [];
    const kindFilter = kinds ? `AND kind IN (${kinds.map(() => '?').join(', ')})` : '';
    const kindArgs = kinds ?? [];
    const claim = this.write((): JobRow[] => {
      const now = this.now();
      // A lease that ran out means the worker died mid-job; if that was its last attempt, stop here
      // (a job that crashes the process would otherwise crash every worker that picks it up).
      this.sql(
          `UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, updated_at = ?,
             last_error = 'lease expired on attempt ' || attempts || ' of ' || max_attempts || ' (the worker stopped mid-job)'
               || COALESCE('; previous error: ' || last_error, '')
           WHERE state = 'running' AND locked_until <= ? AND attempts >= max_attempts ${kindFilter}`,
        )
        .run(now, now, ...kindArgs);
      return this.sql(
          `UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
           WHERE id IN (
             SELECT id FROM jobs
             WHERE ((state = 'queued' AND run_at <= ?) OR (state = 'running' AND locked_until <= ?)) ${kindFilter}
             ORDER BY run_at, id LIMIT ?)
           RETURNING *`,
        )
        .all(workerId, now + leaseMs, now, now, now, ...kindArgs, limit) as JobRow[];
    });
    return (await claim)
      .map(toJob)
      .sort((a, b) => a.runAt - b.runAt || a.id - b.id);
  }

  async completeJob(id: number, workerId: string): Promise<boolean> {
    const res = await this.write(() =>
      this.sql("UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND locked_by = ?").run(this.now(), id, workerId),
    );
    return res.changes === 1;
  }

  async failJob(id: number, workerId: string, error: string, next: number | 'dead'): Promise<boolean> {
    const res = await this.write(() =>
      next === 'dead'
        ? this.sql(
              "UPDATE jobs SET state = 'dead', last_error = ?, locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND locked_by = ?",
            )
            .run(clip(error), this.now(), id, workerId)
        : this.sql(
              "UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND locked_by = ?",
            )
            .run(next, clip(error), this.now(), id, workerId),
    );
    return res.changes === 1;
  }

  async releaseJob(id: number, workerId: string): Promise<boolean> {
    const res = await this.write(() =>
      this.sql(
        "UPDATE jobs SET state = 'queued', attempts = MAX(attempts - 1, 0), locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND locked_by = ?",
      )
      .run(this.now(), id, workerId),
    );
    return res.changes === 1;
  }

  async listDeadJobs(limit = 100): Promise<Job[]> {
    return (this.sql("SELECT * FROM jobs WHERE state = 'dead' ORDER BY updated_at, id LIMIT ?").all(limit) as JobRow[]).map(toJob);
  }

  async settleQueuedJob(dedupeKey: string): Promise<boolean> {
    return this.write(() => this.settleJob(dedupeKey));
  }

  private settleJob(dedupeKey: string): boolean {
    return this.sql("UPDATE jobs SET state = 'done', updated_at = ? WHERE dedupe_key = ? AND state = 'queued'").run(this.now(), dedupeKey).changes === 1;
  }

  async requeueDead(id: number): Promise<boolean> {
    const now = this.now();
    const res = await this.write(() =>
      this.sql("UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'dead'").run(now, now, id),
    );
    return res.changes === 1;
  }

  async countJobsByState(): Promise<Record<JobState, number>> {
    const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
    for (const r of this.sql('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state').all() as { state: JobState; n: number }[]) counts[r.state] = r.n;
    return counts;
  }

  // --- Salesforce events and membership reconciles ------------------------------------------

  async recordSalesforceEvents(
    events: readonly NewSalesforceEvent[],
    reconcile: ReconcileRequestOptions,
    caseIds?: readonly string[],
  ): Promise<ReconcileRequestResult & { stored: number }> {
    return this.write(() => {
      const now = this.now();
      const insert = this.sql('INSERT INTO salesforce_events (received_at, type, case_id, occurred_at, payload) VALUES (?, ?, ?, ?, ?)');
      for (const e of events) insert.run(now, e.type, e.caseId, e.occurredAt, JSON.stringify(e.payload));
      return { stored: events.length, ...this.queueReconciles(caseIds ?? events.map((e) => e.caseId), reconcile, now) };
    });
  }

  async requestReconcile(caseIds: readonly string[], opts: ReconcileRequestOptions): Promise<ReconcileRequestResult> {
    return this.write(() => this.queueReconciles(caseIds, opts, this.now()));
  }

  /**
   * Inside a transaction: a Case already waiting in a queued job stays there; the others first
   * fill the newest queued job of the same kind and source that is due and has room (so events
   * arriving one per request still get read from Salesforce in batches), then go into new jobs
   * of `batchSize` Cases.
   */
  private queueReconciles(caseIds: readonly string[], opts: ReconcileRequestOptions, now: number): ReconcileRequestResult {
    if (!(opts.batchSize >= 1)) throw new Error('[store] batchSize must be >= 1');
    const distinct = [...new Set(caseIds)];
    const pending = this.db.prepare(
      "SELECT 1 FROM membership_pending p JOIN jobs j ON j.id = p.job_id WHERE p.case_id = ? AND j.state = 'queued'",
    );
    const fresh = distinct.filter((id) => pending.get(id) === undefined);
    const mark = this.db.prepare(
      `INSERT INTO membership_pending (case_id, job_id, requested_at) VALUES (?, ?, ?)
       ON CONFLICT (case_id) DO UPDATE SET job_id = excluded.job_id, requested_at = excluded.requested_at`,
    );
    const jobIds: number[] = [];
    let rest = fresh;
    const runAt = opts.runAt ?? now;
    if (rest.length > 0 && runAt <= now) {
      const open = this.db
        .prepare(
          `SELECT id, payload FROM jobs
           WHERE kind = ? AND state = 'queued' AND run_at <= ? AND json_extract(payload, '$.source') = ?
             AND json_array_length(payload, '$.caseIds') < ?
           ORDER BY id DESC LIMIT 1`,
        )
        .get(opts.kind, now, opts.source, opts.batchSize) as { id: number; payload: string } | undefined;
      if (open) {
        const payload = JSON.parse(open.payload) as { caseIds: string[]; source: string };
        const room = opts.batchSize - payload.caseIds.length;
        const added = rest.slice(0, room);
        this.db.prepare('UPDATE jobs SET payload = ?, updated_at = ? WHERE id = ?').run(JSON.stringify({ ...payload, caseIds: [...payload.caseIds, ...added] }), now, open.id);
        for (const caseId of added) mark.run(caseId, open.id, now);
        jobIds.push(open.id);
        rest = rest.slice(room);
      }
    }
    const insertJob = this.db.prepare(
      `INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at)
       VALUES (?, ?, NULL, 'queued', 0, ?, ?, ?, ?) RETURNING id`,
    );
    for (let i = 0; i < rest.length; i += opts.batchSize) {
      const chunk = rest.slice(i, i + opts.batchSize);
      const { id } = insertJob.get(opts.kind, JSON.stringify({ caseIds: chunk, source: opts.source }), opts.maxAttempts ?? this.defaultMaxAttempts, runAt, now, now) as { id: number };
      for (const caseId of chunk) mark.run(caseId, id, now);
      jobIds.push(id);
    }
    return { requested: distinct.length, queued: fresh.length, coalesced: distinct.length - fresh.length, jobIds };
  }

  async startReconcile(jobId: number): Promise<number> {
    return this.write(() => this.sql('DELETE FROM membership_pending WHERE job_id = ?').run(jobId).changes);
  }

  async listPendingReconciles(limit = 1000): Promise<{ caseId: string; jobId: number }[]> {
    return (this.sql('SELECT case_id, job_id FROM membership_pending ORDER BY requested_at, case_id LIMIT ?').all(limit) as { case_id: string; job_id: number }[]).map((r) => ({
      caseId: r.case_id,
      jobId: r.job_id,
    }));
  }

  async listSalesforceEvents(filter: { caseId?: string; limit?: number } = {}): Promise<SalesforceEventRecord[]> {
    const limit = filter.limit ?? 100;
    const rows = (
      filter.caseId
        ? this.sql('SELECT * FROM salesforce_events WHERE case_id = ? ORDER BY id LIMIT ?').all(filter.caseId, limit)
        : this.sql('SELECT * FROM salesforce_events ORDER BY id LIMIT ?').all(limit)
    ) as SalesforceEventRow[];
    return rows.map(toSalesforceEvent);
  }

  async countSalesforceEvents(): Promise<number> {
    return (this.sql('SELECT COUNT(*) AS n FROM salesforce_events').get() as { n: number }).n;
  }

  async purgeSalesforceEvents(before: number): Promise<number> {
    return this.write(() => this.sql('DELETE FROM salesforce_events WHERE received_at < ?').run(before).changes);
  }

  // --- membership applies (one at a time per Case, never an older read) ----------------------

  async claimMembershipApply(caseId: string, holder: string, leaseMs: number): Promise<MembershipApplyClaim> {
    return this.write(() => {
      const now = this.now();
      const row = this.sql('SELECT * FROM membership_cases WHERE case_id = ?').get(caseId) as MembershipCaseRow | undefined;
      if (!row) {
        this.sql('INSERT INTO membership_cases (case_id, locked_by, locked_until, wanted, updated_at) VALUES (?, ?, ?, 0, ?)').run(caseId, holder, now + leaseMs, now);
        return { claimed: true, applied: null, wanted: false };
      }
      if (row.locked_by !== null && row.locked_by !== holder && (row.locked_until ?? 0) > now) {
        this.sql('UPDATE membership_cases SET wanted = 1 WHERE case_id = ?').run(caseId);
        return { claimed: false };
      }
      this.sql('UPDATE membership_cases SET locked_by = ?, locked_until = ?, wanted = 0, updated_at = ? WHERE case_id = ?').run(holder, now + leaseMs, now, caseId);
      return { claimed: true, applied: appliedRead(row), wanted: row.wanted === 1 };
    });
  }

  async finishMembershipApply(
    caseId: string,
    holder: string,
    applied: AppliedMembershipRead | null,
    opts: { leaseMs: number; keepIfWanted: boolean },
  ): Promise<'released' | 'again' | 'lost'> {
    return this.write(() => {
      const now = this.now();
      const row = this.sql('SELECT locked_by, wanted FROM membership_cases WHERE case_id = ?').get(caseId) as Pick<MembershipCaseRow, 'locked_by' | 'wanted'> | undefined;
      if (!row || row.locked_by !== holder) return 'lost';
      if (applied) {
        this.sql('UPDATE membership_cases SET applied_version = ?, applied_owner = ?, applied_at = ? WHERE case_id = ?').run(applied.version, applied.ownerId, now, caseId);
      }
      if (row.wanted === 1 && opts.keepIfWanted) {
        this.sql('UPDATE membership_cases SET wanted = 0, locked_until = ?, updated_at = ? WHERE case_id = ?').run(now + opts.leaseMs, now, caseId);
        return 'again';
      }
      this.sql('UPDATE membership_cases SET locked_by = NULL, locked_until = NULL, updated_at = ? WHERE case_id = ?').run(now, caseId);
      return row.wanted === 1 ? 'again' : 'released';
    });
  }

  async getMembershipApplied(caseId: string): Promise<(AppliedMembershipRead & { appliedAt: number }) | null> {
    const row = this.sql('SELECT * FROM membership_cases WHERE case_id = ?').get(caseId) as MembershipCaseRow | undefined;
    return row && row.applied_at !== null ? { ...appliedRead(row)!, appliedAt: row.applied_at } : null;
  }

  async purgeMembershipCases(before: number): Promise<number> {
    return this.write(() => this.sql('DELETE FROM membership_cases WHERE updated_at < ? AND (locked_until IS NULL OR locked_until <= ?)').run(before, this.now()).changes);
  }

  // --- transcript -------------------------------------------------------------------------

  async recordTranscriptEvent(e: TranscriptEvent, flush: TranscriptFlushRequest): Promise<{ outcome: 'stored' | 'duplicate'; flushAt: number }> {
    return this.write(() => {
      const now = this.now();
      const changed = this.sql(UPSERT_TRANSCRIPT).get(
        e.messageId,
        e.caseId,
        e.channelUrl,
        e.version,
        e.message === null ? null : JSON.stringify(e.message),
        e.deleted ? 1 : 0,
        now,
        now,
        now,
      ) as { rev: number } | undefined;
      if (!changed) return { outcome: 'duplicate' as const, flushAt: this.queuedJobRunAt(flush.kind) ?? now + flush.delayMs };
      // A channel catch-up has not seen yet: read from its start, at once.
      this.sql(NEW_TRANSCRIPT_CHANNEL).run(e.channelUrl, e.caseId, now, now, now);
      let runAt = now + flush.delayMs;
      const queued = this.queuedJobRunAt(flush.kind);
      // Only when the flush is not due yet is it worth counting: a full batch ready (not leased to
      // a flush under way, not backing off) is one full call, due now.
      if (queued === undefined || queued > now) {
        const { n } = this.sql(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM transcript_messages WHERE ${READY_TRANSCRIPT} LIMIT ?) AS t`).get(now, now, flush.batchSize) as { n: number };
        if (n >= flush.batchSize) runAt = now;
      }
      return { outcome: 'stored' as const, flushAt: this.ensureQueuedJob(flush.kind, runAt, queued, now) };
    });
  }

  /** The due time of the earliest queued job of `kind`, if one is queued. */
  private queuedJobRunAt(kind: string): number | undefined {
    const row = this.sql("SELECT run_at FROM jobs WHERE kind = ? AND state = 'queued' ORDER BY run_at LIMIT 1").get(kind) as { run_at: number } | undefined;
    return row?.run_at;
  }

  /** Inside a transaction: a queued job of `kind` due no later than `runAt`; returns its due time. */
  private ensureQueuedJob(kind: string, runAt: number, queued: number | undefined, now: number): number {
    if (queued === undefined) {
      this.insertJob(kind, {}, { runAt }, now);
      return runAt;
    }
    if (queued <= runAt) return queued;
    this.sql("UPDATE jobs SET run_at = ?, updated_at = ? WHERE kind = ? AND state = 'queued' AND run_at > ?").run(runAt, now, kind, runAt);
    return runAt;
  }

  async scheduleTranscriptFlush(kind: string, runAt: number): Promise<void> {
    await this.write(() => this.ensureQueuedJob(kind, runAt, this.queuedJobRunAt(kind), this.now()));
  }

  async claimTranscriptBatch(workerId: string, opts: { limit: number; leaseMs: number; maxWaitMs: number }): Promise<TranscriptRecord[]> {
    if (opts.limit <= 0) return [];
    const claim = this.write((): TranscriptRow[] => {
      const now = this.now();
      const ready = this.sql(
        `SELECT COUNT(*) AS n, MIN(pending_since) AS oldest FROM (
           SELECT pending_since FROM transcript_messages WHERE ${READY_TRANSCRIPT} ORDER BY pending_since LIMIT ?) AS t`,
      ).get(now, now, opts.limit) as { n: number; oldest: number | null };
      if (ready.n === 0 || (ready.n < opts.limit && (ready.oldest ?? now) > now - opts.maxWaitMs)) return [];
      return this.sql(
        `UPDATE transcript_messages SET leased_by = ?, lease_until = ?
         WHERE message_id IN (
           SELECT message_id FROM transcript_messages WHERE ${READY_TRANSCRIPT} ORDER BY pending_since, message_id LIMIT ?)
         RETURNING *`,
      ).all(workerId, now + opts.leaseMs, now, now, opts.limit) as TranscriptRow[];
    });
    return (await claim)
      .map(toTranscript)
      .sort((a, b) => a.pendingSince - b.pendingSince || a.messageId.localeCompare(b.messageId));
  }

  async settleTranscriptBatch(workerId: string, results: readonly TranscriptResult[], ledger: readonly NewLedgerEntry[] = []): Promise<void> {
    await this.write(() => {
      const now = this.now();
      for (const r of results) {
        if (r.outcome === 'synced') {
          // A row changed during the write stays pending (it is written again), but keeps the Id.
          this.sql(
            `UPDATE transcript_messages SET
               state = CASE WHEN rev = ? THEN 'synced' ELSE state END,
               synced_at = CASE WHEN rev = ? THEN ? ELSE synced_at END,
               attempts = CASE WHEN rev = ? THEN 0 ELSE attempts END,
               salesforce_id = COALESCE(?, salesforce_id), last_error = NULL,
               leased_by = NULL, lease_until = NULL, updated_at = ?
             WHERE message_id = ? AND leased_by = ?`,
          ).run(r.rev, r.rev, now, r.rev, r.salesforceId, now, r.messageId, workerId);
        } else if (r.outcome === 'retry') {
          this.sql(
            `UPDATE transcript_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?,
               leased_by = NULL, lease_until = NULL, updated_at = ?
             WHERE message_id = ? AND leased_by = ?`,
          ).run(r.retryAt, clip(r.error), now, r.messageId, workerId);
        } else {
          this.sql(
            `UPDATE transcript_messages SET state = CASE WHEN rev = ? THEN 'dead' ELSE state END,
               attempts = attempts + 1, last_error = ?, leased_by = NULL, lease_until = NULL, updated_at = ?
             WHERE message_id = ? AND leased_by = ?`,
          ).run(r.rev, clip(r.error), now, r.messageId, workerId);
        }
      }
      this.insertLedger(ledger);
    });
  }

  async nextTranscriptFlushAt(maxWaitMs: number): Promise<number | null> {
    const now = this.now();
    const row = this.sql(
      `SELECT MIN(CASE WHEN next_attempt_at > pending_since + ? THEN next_attempt_at ELSE pending_since + ? END) AS due
       FROM transcript_messages WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= ?)`,
    ).get(maxWaitMs, maxWaitMs, now) as { due: number | null };
    return row.due;
  }

  // --- transcript catch-up ----------------------------------------------------------------

  async registerTicketChannels(since: number, dueAt: number): Promise<number> {
    return this.write(() => {
      const now = this.now();
      return this.sql(
        `INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
         SELECT channel_url, COALESCE(case_id, channel_url), 1, created_at, ?, 'new', ?, ? FROM tickets
         WHERE channel_url IS NOT NULL AND updated_at >= ?
         ON CONFLICT (channel_url) DO NOTHING`,
      ).run(dueAt, now, now, since).changes;
    });
  }

  async dueTranscriptCatchup(at: number, reason: CatchupReason, channelUrls?: readonly string[]): Promise<number> {
    return this.write(() => {
      const now = this.now();
      if (!channelUrls) return this.sql(`${DUE_CATCHUP} WHERE open = 1`).run(now, at, reason, at, at, now, now).changes;
      let n = 0;
      for (const url of channelUrls) n += this.sql(`${DUE_CATCHUP} WHERE open = 1 AND channel_url = ?`).run(now, at, reason, at, at, now, now, url).changes;
      return n;
    });
  }

  async setTranscriptChannelOpen(caseId: string, open: boolean): Promise<boolean> {
    return this.write(() => {
      const now = this.now();
      return (
        this.sql(
          `UPDATE transcript_channels SET open = ?, next_catchup_at = ?, due_reason = ?,
             due_again = CASE WHEN lease_until IS NOT NULL AND lease_until > ? THEN 1 ELSE due_again END, updated_at = ?
           WHERE case_id = ? AND open = ?`,
        ).run(open ? 1 : 0, now, open ? 'reopened' : 'closing', now, now, caseId, open ? 0 : 1).changes > 0
      );
    });
  }

  async claimTranscriptCatchups(workerId: string, opts: { limit: number; leaseMs: number }): Promise<TranscriptChannel[]> {
    if (opts.limit <= 0) return [];
    const rows = await this.write(() => {
      const now = this.now();
      return this.sql(
        `UPDATE transcript_channels SET leased_by = ?, lease_until = ?, due_again = 0, updated_at = ?
         WHERE channel_url IN (
           SELECT channel_url FROM transcript_channels
           WHERE next_catchup_at IS NOT NULL AND next_catchup_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
           ORDER BY next_catchup_at, channel_url LIMIT ?)
         RETURNING *`,
      ).all(workerId, now + opts.leaseMs, now, now, now, opts.limit) as TranscriptChannelRow[];
    });
    return rows.map(toTranscriptChannel).sort((a, b) => (a.nextCatchupAt ?? 0) - (b.nextCatchupAt ?? 0) || a.channelUrl.localeCompare(b.channelUrl));
  }

  async finishTranscriptCatchup(workerId: string, channelUrl: string, f: CatchupFinish): Promise<boolean> {
    return this.write(() => {
      const now = this.now();
      const changed = this.sql(FINISH_CATCHUP).run(f.checked?.messageId ?? null, f.checked?.at ?? null, now, now, f.nextAt, now, channelUrl, workerId).changes > 0;
      if (changed) this.insertLedger(f.ledger ?? []);
      return changed;
    });
  }

  async getTranscriptChannel(channelUrl: string): Promise<TranscriptChannel | null> {
    const row = this.sql('SELECT * FROM transcript_channels WHERE channel_url = ?').get(channelUrl) as TranscriptChannelRow | undefined;
    return row ? toTranscriptChannel(row) : null;
  }

  async getTranscriptMessage(messageId: string): Promise<TranscriptRecord | null> {
    const row = this.sql('SELECT * FROM transcript_messages WHERE message_id = ?').get(messageId) as TranscriptRow | undefined;
    return row ? toTranscript(row) : null;
  }

  async listTranscriptSent(channel: { caseId: string; channelUrl: string }, from: number, to: number): Promise<TranscriptSent[]> {
    // By the Case (transcript_messages_case_idx), then the sent time inside the message JSON.
    const rows = this.sql(
      `SELECT message_id, sent_at, deleted FROM (
         SELECT message_id, json_extract(message, '$.sentAt') AS sent_at, deleted FROM transcript_messages
         WHERE case_id = ? AND channel_url = ? AND message IS NOT NULL) AS t
       WHERE sent_at >= ? AND sent_at <= ? ORDER BY sent_at, message_id`,
    ).all(channel.caseId, channel.channelUrl, from, to) as { message_id: string; sent_at: number; deleted: number }[];
    return rows.map((r) => ({ messageId: r.message_id, sentAt: r.sent_at, deleted: r.deleted === 1 }));
  }

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
    const rows = this.sql(
      `SELECT * FROM transcript_messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at, message_id LIMIT ?`,
    ).all(...args, filter.limit ?? 1000) as TranscriptRow[];
    return rows.map(toTranscript);
  }

  async countTranscriptMessages(): Promise<Record<TranscriptState, number>> {
    const counts: Record<TranscriptState, number> = { pending: 0, synced: 0, dead: 0 };
    for (const r of this.sql('SELECT state, COUNT(*) AS n FROM transcript_messages GROUP BY state').all() as { state: TranscriptState; n: number }[]) counts[r.state] = r.n;
    return counts;
  }

  async purgeTranscript(before: number): Promise<number> {
    return this.write(() => this.sql("DELETE FROM transcript_messages WHERE state = 'synced' AND synced_at < ?").run(before).changes);
  }

  // --- ledger -----------------------------------------------------------------------------

  async appendLedger(e: NewLedgerEntry): Promise<LedgerEntry> {
    return toLedger(await this.write(() => this.sql(`${INSERT_LEDGER} RETURNING *`).get(...this.ledgerValues(e)) as LedgerRow));
  }

  /**
   * Inside a transaction: appends entries, up to LEDGER_ROWS_PER_INSERT per statement (nothing
   * read back; a ticket's two or three entries are one statement).
   */
  private insertLedger(entries: readonly NewLedgerEntry[]): void {
    for (let i = 0; i < entries.length; i += LEDGER_ROWS_PER_INSERT) {
      const chunk = entries.slice(i, i + LEDGER_ROWS_PER_INSERT);
      this.sql(INSERT_LEDGER + ', (?, ?, ?, ?, ?, ?, ?, ?)'.repeat(chunk.length - 1)).run(...chunk.flatMap((e) => this.ledgerValues(e)));
    }
  }

  private ledgerValues(e: NewLedgerEntry): unknown[] {
    return [this.now(), e.caseId ?? null, e.ticketId ?? null, e.system, e.action, e.target ?? null, e.outcome, this.scrubText(JSON.stringify(maskSecretFields(e.detail ?? {})))];
  }

  async ledgerForCase(caseId: string): Promise<LedgerEntry[]> {
    return (this.sql('SELECT * FROM ledger WHERE case_id = ? ORDER BY id').all(caseId) as LedgerRow[]).map(toLedger);
  }

  async ledgerForTicket(ticketId: string): Promise<LedgerEntry[]> {
    return (this.sql('SELECT * FROM ledger WHERE ticket_id = ? ORDER BY id').all(ticketId) as LedgerRow[]).map(toLedger);
  }

  /**
   * Runs raw SQL. Only for tests and operator scripts (e.g. proving the ledger refuses UPDATE);
   * the application goes through the methods above.
   */
  unsafeExec(sql: string): void {
    this.db.exec(sql);
  }
}

export function openSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}
