/**
 * The PostgreSQL `Store` (node-postgres), for several bridge instances sharing one database. Same
 * schema, same behaviour and the same test suite (test/store-contract.ts) as the SQLite store;
 * what differs is how atomicity is obtained across processes:
 *
 * - Jobs are claimed with `SELECT ... FOR UPDATE SKIP LOCKED` inside the claiming UPDATE, so
 *   instances claiming at once never wait on each other and never get the same job.
 * - An idempotency key is claimed with `INSERT ... ON CONFLICT DO NOTHING`, then read: the
 *   primary key makes exactly one of any number of concurrent inserts win (the others wait for
 *   the winner's commit, then read its row).
 * - Multi-statement operations run in one transaction (READ COMMITTED) with the rows they change
 *   locked (`FOR UPDATE`); queueing membership reconciles, which reads then writes a set of rows
 *   that may not exist yet, is serialised with a transaction-level advisory lock per schema.
 * - Migrations run under a session-level advisory lock (postgres-migrate.ts): 3 instances starting
 *   together migrate once.
 *
 * Times are `bigint` epoch ms from the store's clock (never the server's `now()`), so tests can
 * move time exactly as with SQLite. PostgreSQL `text` cannot hold the NUL character, which SQLite
 * can: every string parameter has NUL replaced by U+FFFD (JSON values are unaffected: NUL is
 * written as the escape `\u0000` in the `json` columns).
 */
import pg, { type PoolClient, type QueryResultRow } from 'pg';
import { truncateText } from '@sbsf/wire';
import { maskSecretFields } from '../redaction.js';
import type { Migration } from './migrations/index.js';
import { POSTGRES_MIGRATIONS } from './migrations-pg/index.js';
import { latestVersion, lockName, migratePostgres, pgSchemaVersion } from './postgres-migrate.js';
import { appliedRead, type MembershipCaseRow } from './membership-rows.js';
import { PG_JSON, rowMappers, type IdempotencyRow, type JobRow, type LedgerRow, type SalesforceEventRow, type TicketRow, type TranscriptChannelRow, type TranscriptRow, toTranscriptChannel } from './rows.js';

const { toIdempotency, toJob, toLedger, toSalesforceEvent, toTicket, toTranscript } = rowMappers(PG_JSON);
import type { MigrationResult } from './sqlite-migrate.js';
import { canMoveTicket, OPEN_TICKETS_SQL, openTicketsTerm, UNFINISHED_STATES_SQL } from './ticket-state.js';
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

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?sslmode=...` (DATABASE_URL). */
  url: string;
  /**
   * The schema holding the bridge's tables (DATABASE_SCHEMA), created if missing; every
   * connection's `search_path` is set to it. Unset: the server's default (usually `public`).
   */
  schema?: string;
  /** Connections per process (DATABASE_POOL_SIZE, default 10). */
  poolSize?: number;
  clock?: () => number;
  defaultMaxAttempts?: number;
  idempotencyTtlMs?: number;
  /** Replaces every known secret value in the ledger's detail before it is written (the process's SecretScrubber). */
  scrubText?: (text: string) => string;
  /** For tests that build an older database; production uses them all. */
  migrations?: readonly Migration[];
  /** An idle pooled connection failed (the server restarted): the pool drops it; log it. */
  onError?: (err: Error) => void;
  /** How long to wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_PG_IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_MAX_ATTEMPTS = 10;
const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
/**
 * A transaction left open by a hung client would hold its row locks (a claimed job, a ticket)
 * forever; the server ends such a session after this long. No store transaction waits on
 * anything but the database itself, so a minute is far beyond any legitimate one.
 */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;
/** Deadlock and serialization failures are retried this many times (the work is all in the transaction). */
const TX_ATTEMPTS = 3;
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
/** Schema names we create and put in `search_path`: plain lower-case identifiers. */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** `bigint` (epoch ms, ids) as JS numbers: every value the store keeps is far below 2^53. */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Error text is stored and shown to operators; keep it bounded. */
const MAX_ERROR_LENGTH = 2_000;
/** Stored errors are cut where a character ends, so the column always holds valid UTF-8. */
const clip = (s: string) => truncateText(s, MAX_ERROR_LENGTH, '...');

const noNul = (v: unknown): unknown => {
  if (typeof v === 'string') return v.includes('\0') ? v.replace(/\0/g, '\uFFFD') : v;
  if (Array.isArray(v)) return v.map(noNul);
  return v;
};

/**
 * Insert a message, or merge news into it, as the SQLite store does (migrations/004): the higher
 * `version`'s text wins, `deleted` is sticky, any change makes the row pending with a new `rev`;
 * news that changes nothing (a redelivery) updates nothing and returns no row.
 */
const UPSERT_TRANSCRIPT = `
INSERT INTO transcript_messages (message_id, case_id, channel_url, version, message, deleted, state, rev, attempts,
                                 received_at, pending_since, next_attempt_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, 'pending', 1, 0, $7, $7, 0, $7)
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

/** Registers a channel first seen in a webhook ($3 = now): open, read from its start, due at once. */
const NEW_TRANSCRIPT_CHANNEL = `
INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
VALUES ($1, $2, 1, 0, $3, 'new', $3, $3)
ON CONFLICT (channel_url) DO NOTHING`;

/** Due no later than $1 for reason $2 ($3 = now); a leased channel takes the reason and is due again once given back. */
const DUE_CATCHUP = `
UPDATE transcript_channels SET
  next_catchup_at = CASE WHEN next_catchup_at IS NULL OR next_catchup_at > $1::bigint THEN $1::bigint ELSE next_catchup_at END,
  due_reason = CASE WHEN (lease_until IS NOT NULL AND lease_until > $3::bigint) OR next_catchup_at IS NULL OR next_catchup_at > $1::bigint THEN $2::text ELSE due_reason END,
  due_again = CASE WHEN lease_until IS NOT NULL AND lease_until > $3::bigint THEN 1 ELSE due_again END,
  updated_at = $3::bigint`;

/** Gives a channel back, as in the SQLite store ($1 checked id, $2 checked at, $3 now, $4 next, $5 url, $6 worker). */
const FINISH_CATCHUP = `
UPDATE transcript_channels SET
  checked_id = COALESCE($1::text, checked_id), checked_at = COALESCE($2::bigint, checked_at), last_catchup_at = $3::bigint,
  next_catchup_at = CASE WHEN due_again = 1 THEN $3::bigint WHEN open = 1 THEN $4::bigint ELSE NULL END,
  due_reason = CASE WHEN due_again = 1 THEN due_reason WHEN open = 1 THEN 'schedule' ELSE NULL END,
  due_again = 0, leased_by = NULL, lease_until = NULL, updated_at = $3::bigint
WHERE channel_url = $5 AND leased_by = $6`;

/** Pending messages a flusher may take now ($1 = now): out of backoff and not leased to a live worker. */
const READY_TRANSCRIPT = `state = 'pending' AND next_attempt_at <= $1 AND (lease_until IS NULL OR lease_until <= $1)`;

type Queryable = Pick<PoolClient, 'query'>;

async function q<R extends QueryResultRow>(c: Queryable, sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  return c.query<R>(sql, params.map(noNul));
}

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    readonly migration: MigrationResult,
    private readonly latest: number,
    private readonly now: () => number,
    private readonly defaultMaxAttempts: number,
    private readonly idempotencyTtlMs: number,
    private readonly scrubText: (text: string) => string = (text) => text,
  ) {}

  /** Connects, creates the schema if needed and migrates it (once, across instances). */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new Error(`[store] the PostgreSQL schema name must be a lower-case identifier (letters, digits, _), got "${opts.schema}"`);
    }
    const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
    if (!(poolSize >= 1)) throw new Error('[store] poolSize must be >= 1 (set DATABASE_POOL_SIZE)');
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: poolSize,
      types: PG_TYPES,
      keepAlive: true,
      connectionTimeoutMillis: opts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
      application_name: 'sendbird-salesforce-bridge',
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // Without a listener, an idle connection's error (the server restarted) would crash the process.
    pool.on('error', (err) => opts.onError?.(err));
    const migrations = opts.migrations ?? POSTGRES_MIGRATIONS;
    const now = opts.clock ?? Date.now;
    try {
      const c = await pool.connect();
      let schema: string;
      let migration: MigrationResult;
      try {
        schema = opts.schema ?? (await c.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s ?? 'public';
        migration = await migratePostgres(c, migrations, { schema, createSchema: opts.schema !== undefined, now });
      } finally {
        c.release();
      }
      return new PostgresStore(
        pool,
        schema,
        migration,
        latestVersion(migrations),
        now,
        opts.defaultMaxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        opts.idempotencyTtlMs ?? DEFAULT_PG_IDEMPOTENCY_TTL_MS,
        opts.scrubText,
      );
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  /** Runs `fn` in a transaction; retried on deadlock or serialization failure. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.pool.connect();
      let broken = false;
      // A checked-out client whose connection dies between queries (the server shut it down,
      // 57P01; the network cut it) emits 'error', which would crash the process unheard: it is
      // noted here, and the next query fails as an outage instead.
      const onError = () => {
        broken = true;
      };
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {
          broken = true;
        });
        const code = (err as { code?: string }).code;
        if (attempt < TX_ATTEMPTS && code && RETRYABLE_SQLSTATES.has(code)) continue;
        throw err;
      } finally {
        c.off('error', onError);
        // A connection that cannot even roll back is not given to the next caller.
        c.release(broken);
      }
    }
  }

  // --- health -----------------------------------------------------------------------------

  async health(): Promise<StoreHealth> {
    try {
      if (this.closed) throw new Error('the store is closed');
      const version = await pgSchemaVersion(this.pool);
      if (version !== this.latest) {
        return { ok: false, reason: `schema version ${version}, expected ${this.latest}`, schemaVersion: version, latestVersion: this.latest };
      }
      return { ok: true, schemaVersion: version, latestVersion: this.latest };
    } catch (err) {
      return { ok: false, reason: `database unreachable: ${(err as Error).message}`, latestVersion: this.latest };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // --- tickets ----------------------------------------------------------------------------

  async createTicket(t: NewTicket, opts: { job?: TicketJob } = {}): Promise<Ticket> {
    return this.tx(async (c) => toTicket(await this.insertTicket(c, t, opts.job, this.now())));
  }

  private async insertTicket(c: Queryable, t: NewTicket, job: TicketJob | undefined, now: number): Promise<TicketRow> {
    const { rows } = await q<TicketRow>(
      c,
      `INSERT INTO tickets (id, client_key, state, customer_user_id, customer_nickname, case_fields, attempts, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7) RETURNING *`,
      [t.id, t.clientKey, t.state ?? 'received', t.customerUserId, t.customerNickname ?? null, JSON.stringify(t.caseFields), now],
    );
    if (job) await this.insertJob(c, job.kind, job.payload, job, now);
    return rows[0]!;
  }

  async getTicket(id: string): Promise<Ticket | null> {
    const { rows } = await q<TicketRow>(this.pool, 'SELECT * FROM tickets WHERE id = $1', [id]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async updateTicket(id: string, patch: TicketPatch, ledger: readonly NewLedgerEntry[] = [], opts: { job?: TicketJob; settleJob?: string } = {}): Promise<Ticket> {
    return this.tx(async (c) => {
      // Locked: two instances finishing the same ticket take turns, and the state check holds.
      const current = (await q<TicketRow>(c, 'SELECT * FROM tickets WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!current) throw new StoreNotFoundError(`ticket ${id}`);
      if (patch.state !== undefined && !canMoveTicket(current.state, patch.state)) throw new TicketStateError(current.state, patch.state);
      const columns: [string, unknown][] = [];
      if (patch.state !== undefined) columns.push(['state', patch.state]);
      if (patch.customerNickname !== undefined) columns.push(['customer_nickname', patch.customerNickname]);
      if (patch.caseFields !== undefined) columns.push(['case_fields', JSON.stringify(patch.caseFields)]);
      if (patch.caseId !== undefined) columns.push(['case_id', patch.caseId]);
      if (patch.caseNumber !== undefined) columns.push(['case_number', patch.caseNumber]);
      if (patch.channelUrl !== undefined) columns.push(['channel_url', patch.channelUrl]);
      if (patch.lastError !== undefined) columns.push(['last_error', patch.lastError === null ? null : clip(patch.lastError)]);
      if (patch.attempts !== undefined) columns.push(['attempts', patch.attempts]);
      columns.push(['updated_at', this.now()]);
      const sets = columns.map(([name], i) => `${name} = $${i + 2}`).join(', ');
      const { rows } = await q<TicketRow>(c, `UPDATE tickets SET ${sets} WHERE id = $1 RETURNING *`, [id, ...columns.map(([, v]) => v)]);
      for (const e of ledger) await this.insertLedger(c, e);
      if (opts.job) await this.insertJob(c, opts.job.kind, opts.job.payload, opts.job, this.now());
      if (opts.settleJob) await this.settleJob(c, opts.settleJob);
      return toTicket(rows[0]!);
    });
  }

  async queueUnfinishedTickets(updatedBefore: number, limit: number, job: { kind: string; dedupePrefix: string; runAt: number }): Promise<string[]> {
    return this.tx(async (c) => {
      // SKIP LOCKED: a ticket being written by another instance right now is not stale.
      const { rows } = await q<{ id: string }>(
        c,
        `SELECT id FROM tickets t
         WHERE ${OPEN_TICKETS_SQL} AND state IN (${UNFINISHED_STATES_SQL}) AND updated_at <= $1
           AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = $2::text || t.id)
         ORDER BY updated_at, id LIMIT $3
         FOR UPDATE SKIP LOCKED`,
        [updatedBefore, job.dedupePrefix, limit],
      );
      const now = this.now();
      for (const { id } of rows) await this.insertJob(c, job.kind, { ticketId: id }, { dedupeKey: job.dedupePrefix + id, runAt: job.runAt }, now);
      return rows.map((r) => r.id);
    });
  }

  async listTickets(filter: { state?: TicketState; limit?: number } = {}): Promise<Ticket[]> {
    const limit = filter.limit ?? 100;
    const { rows } = filter.state
      ? await q<TicketRow>(this.pool, `SELECT * FROM tickets WHERE ${openTicketsTerm(filter.state)}state = $1 ORDER BY created_at, id LIMIT $2`, [filter.state, limit])
      : await q<TicketRow>(this.pool, 'SELECT * FROM tickets ORDER BY created_at, id LIMIT $1', [limit]);
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
    // Each statement on its own (autocommit): the INSERT waits for a concurrent insert of the same
    // key to commit or roll back, and the SELECT after it (a fresh snapshot) sees the winner's row.
    for (let round = 0; ; round++) {
      const now = this.now();
      // With `create`, the winner's ticket and job are written in the claim's transaction.
      const won = await this.tx(async (c) => {
        const inserted = await q<IdempotencyRow>(
          c,
          `INSERT INTO idempotency_keys (scope, key, request_hash, ticket_id, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO NOTHING RETURNING *`,
          [scope, key, requestHash, ticketId, now, now + (opts.ttlMs ?? this.idempotencyTtlMs)],
        );
        const ticket = inserted.rows[0] && opts.create ? await this.insertTicket(c, opts.create.ticket, opts.create.job, now) : undefined;
        return inserted.rows[0] ? { row: inserted.rows[0], ticket } : undefined;
      });
      if (won) return { claimed: true, record: toIdempotency(won.row), ...(won.ticket ? { ticket: toTicket(won.ticket) } : {}) };
      const existing = (await q<IdempotencyRow>(this.pool, 'SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key])).rows[0];
      if (existing && existing.expires_at > now) return { claimed: false, existing: toIdempotency(existing) };
      // Expired (forget it and claim afresh), or released between the two statements: go again.
      if (round >= 5) throw new Error(`[store] the idempotency key ${scope}/${key} kept changing while being claimed; retry`);
      if (existing) await q(this.pool, 'DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at <= $3', [scope, key, now]);
    }
  }

  async getIdempotencyKey(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const { rows } = await q<IdempotencyRow>(this.pool, 'SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at > $3', [scope, key, this.now()]);
    return rows[0] ? toIdempotency(rows[0]) : null;
  }

  async completeIdempotencyKey(scope: string, key: string, status: number, body: unknown): Promise<IdempotencyRecord> {
    const updated = await q<IdempotencyRow>(
      this.pool,
      'UPDATE idempotency_keys SET response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2 AND response_status IS NULL RETURNING *',
      [scope, key, status, JSON.stringify(body ?? null)],
    );
    const row = updated.rows[0] ?? (await q<IdempotencyRow>(this.pool, 'SELECT * FROM idempotency_keys WHERE scope = $1 AND key = $2', [scope, key])).rows[0];
    if (!row) throw new StoreNotFoundError(`idempotency key ${scope}/${key}`);
    return toIdempotency(row);
  }

  async releaseIdempotencyKey(scope: string, key: string): Promise<void> {
    await q(this.pool, 'DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND response_status IS NULL', [scope, key]);
  }

  async purgeExpiredIdempotencyKeys(): Promise<number> {
    return (await q(this.pool, 'DELETE FROM idempotency_keys WHERE expires_at <= $1', [this.now()])).rowCount ?? 0;
  }

  // --- jobs -------------------------------------------------------------------------------

  async enqueue<P>(kind: string, payload: P, opts: EnqueueOptions = {}): Promise<EnqueueResult<P>> {
    return this.insertJob(this.pool, kind, payload, opts, this.now());
  }

  private async insertJob<P>(c: Queryable, kind: string, payload: P, opts: EnqueueOptions, now: number): Promise<EnqueueResult<P>> {
    const { rows } = await q<JobRow>(
      c,
      `INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at)
       VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6, $6)
       ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
       RETURNING *`,
      [kind, JSON.stringify(payload ?? null), opts.dedupeKey ?? null, opts.maxAttempts ?? this.defaultMaxAttempts, opts.runAt ?? now, now],
    );
    if (rows[0]) return { job: toJob(rows[0]) as Job<P>, created: true };
    const existing = (await q<JobRow>(c, 'SELECT * FROM jobs WHERE dedupe_key = $1', [opts.dedupeKey])).rows[0];
    if (!existing) throw new Error(`[store] the job with dedupe key ${opts.dedupeKey ?? ''} vanished while being enqueued; retry`);
    return { job: toJob(existing) as Job<P>, created: false };
  }

  async getJob(id: number): Promise<Job | null> {
    const { rows } = await q<JobRow>(this.pool, 'SELECT * FROM jobs WHERE id = $1', [id]);
    return rows[0] ? toJob(rows[0]) : null;
  }

  async claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: readonly string[]): Promise<Job[]> {
    if (limit <= 0 || (kinds && kinds.length === 0)) return [];
    const kindList = kinds ? [...kinds] : null;
    const rows = await this.tx(async (c) => {
      const now = this.now();
      // A lease that ran out on the last attempt: the worker died mid-job; dead-letter instead of
      // running it again (a job that crashes the process would otherwise crash every instance).
      await q(
        c,
        `UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, updated_at = $1,
           last_error = 'lease expired on attempt ' || attempts || ' of ' || max_attempts || ' (the worker stopped mid-job)'
             || COALESCE('; previous error: ' || last_error, '')
         WHERE id IN (
           SELECT id FROM jobs
           WHERE state = 'running' AND locked_until <= $1 AND attempts >= max_attempts
             AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
           FOR UPDATE SKIP LOCKED)`,
        [now, kindList],
      );
      // SKIP LOCKED: rows another instance is claiming right now are passed over, not waited for.
      // The redundant `state IN (...)` lets the planner use the partial index of active jobs.
      const claimed = await q<JobRow>(
        c,
        `WITH picked AS (
           SELECT id FROM jobs
           WHERE state IN ('queued', 'running')
             AND ((state = 'queued' AND run_at <= $1) OR (state = 'running' AND locked_until <= $1 AND attempts < max_attempts))
             AND ($2::text[] IS NULL OR kind = ANY($2::text[]))
           ORDER BY run_at, id
           LIMIT $3
           FOR UPDATE SKIP LOCKED)
         UPDATE jobs j SET state = 'running', locked_by = $4, locked_until = $5, attempts = j.attempts + 1, updated_at = $1
         FROM picked WHERE j.id = picked.id
         RETURNING j.*`,
        [now, kindList, limit, workerId, now + leaseMs],
      );
      return claimed.rows;
    });
    return rows.map(toJob).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
  }

  async completeJob(id: number, workerId: string): Promise<boolean> {
    const res = await q(
      this.pool,
      "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, updated_at = $1 WHERE id = $2 AND state = 'running' AND locked_by = $3",
      [this.now(), id, workerId],
    );
    return res.rowCount === 1;
  }

  async failJob(id: number, workerId: string, error: string, next: number | 'dead'): Promise<boolean> {
    const res =
      next === 'dead'
        ? await q(
            this.pool,
            "UPDATE jobs SET state = 'dead', last_error = $1, locked_by = NULL, locked_until = NULL, updated_at = $2 WHERE id = $3 AND state = 'running' AND locked_by = $4",
            [clip(error), this.now(), id, workerId],
          )
        : await q(
            this.pool,
            "UPDATE jobs SET state = 'queued', run_at = $1, last_error = $2, locked_by = NULL, locked_until = NULL, updated_at = $3 WHERE id = $4 AND state = 'running' AND locked_by = $5",
            [next, clip(error), this.now(), id, workerId],
          );
    return res.rowCount === 1;
  }

  async releaseJob(id: number, workerId: string): Promise<boolean> {
    const res = await q(
      this.pool,
      "UPDATE jobs SET state = 'queued', attempts = GREATEST(attempts - 1, 0), locked_by = NULL, locked_until = NULL, updated_at = $1 WHERE id = $2 AND state = 'running' AND locked_by = $3",
      [this.now(), id, workerId],
    );
    return res.rowCount === 1;
  }

  async listDeadJobs(limit = 100): Promise<Job[]> {
    const { rows } = await q<JobRow>(this.pool, "SELECT * FROM jobs WHERE state = 'dead' ORDER BY updated_at, id LIMIT $1", [limit]);
    return rows.map(toJob);
  }

  async settleQueuedJob(dedupeKey: string): Promise<boolean> {
    return this.settleJob(this.pool, dedupeKey);
  }

  private async settleJob(c: Queryable, dedupeKey: string): Promise<boolean> {
    const res = await q(c, "UPDATE jobs SET state = 'done', updated_at = $1 WHERE dedupe_key = $2 AND state = 'queued'", [this.now(), dedupeKey]);
    return res.rowCount === 1;
  }

  async requeueDead(id: number): Promise<boolean> {
    const now = this.now();
    const res = await q(
      this.pool,
      "UPDATE jobs SET state = 'queued', attempts = 0, run_at = $1, locked_by = NULL, locked_until = NULL, updated_at = $1 WHERE id = $2 AND state = 'dead'",
      [now, id],
    );
    return res.rowCount === 1;
  }

  async countJobsByState(): Promise<Record<JobState, number>> {
    const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
    const { rows } = await q<{ state: JobState; n: number }>(this.pool, 'SELECT state, COUNT(*)::int AS n FROM jobs GROUP BY state');
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  // --- Salesforce events and membership reconciles ------------------------------------------

  async recordSalesforceEvents(
    events: readonly NewSalesforceEvent[],
    reconcile: ReconcileRequestOptions,
    caseIds?: readonly string[],
  ): Promise<ReconcileRequestResult & { stored: number }> {
    return this.tx(async (c) => {
      const now = this.now();
      if (events.length > 0) {
        await q(
          c,
          `INSERT INTO salesforce_events (received_at, type, case_id, occurred_at, payload)
           SELECT $1, e.type, e.case_id, e.occurred_at, e.payload
           FROM unnest($2::text[], $3::text[], $4::text[], $5::json[]) AS e (type, case_id, occurred_at, payload)`,
          [now, events.map((e) => e.type), events.map((e) => e.caseId), events.map((e) => e.occurredAt), events.map((e) => JSON.stringify(e.payload))],
        );
      }
      return { stored: events.length, ...(await this.queueReconciles(c, caseIds ?? events.map((e) => e.caseId), reconcile, now)) };
    });
  }

  async requestReconcile(caseIds: readonly string[], opts: ReconcileRequestOptions): Promise<ReconcileRequestResult> {
    return this.tx((c) => this.queueReconciles(c, caseIds, opts, this.now()));
  }

  /**
   * Inside a transaction, as the SQLite store's: a Case already waiting in a queued job stays
   * there; the others first fill the newest due, queued job of the same kind and source that has
   * room, then new jobs of `batchSize`. The advisory lock makes two instances queueing at once
   * take turns (otherwise both could miss each other's pending rows and queue a Case twice); the
   * open job is locked so that a claim cannot start it while Cases are being added.
   */
  private async queueReconciles(c: PoolClient, caseIds: readonly string[], opts: ReconcileRequestOptions, now: number): Promise<ReconcileRequestResult> {
    if (!(opts.batchSize >= 1)) throw new Error('[store] batchSize must be >= 1');
    const distinct = [...new Set(caseIds)];
    if (distinct.length === 0) return { requested: 0, queued: 0, coalesced: 0, jobIds: [] };
    await q(c, 'SELECT pg_advisory_xact_lock(hashtext($1))', [lockName(this.schema, 'reconcile')]);
    const pendingRows = await q<{ case_id: string }>(
      c,
      "SELECT p.case_id FROM membership_pending p JOIN jobs j ON j.id = p.job_id WHERE p.case_id = ANY($1::text[]) AND j.state = 'queued'",
      [distinct],
    );
    const pending = new Set(pendingRows.rows.map((r) => r.case_id));
    const fresh = distinct.filter((id) => !pending.has(id));
    const mark = (ids: string[], jobId: number) =>
      q(
        c,
        `INSERT INTO membership_pending (case_id, job_id, requested_at) SELECT unnest($1::text[]), $2, $3
         ON CONFLICT (case_id) DO UPDATE SET job_id = excluded.job_id, requested_at = excluded.requested_at`,
        [ids, jobId, now],
      );
    const jobIds: number[] = [];
    let rest = fresh;
    const runAt = opts.runAt ?? now;
    if (rest.length > 0 && runAt <= now) {
      const open = (
        await q<{ id: number; payload: { caseIds: string[]; source: string } }>(
          c,
          `SELECT id, payload FROM jobs
           WHERE kind = $1 AND state = 'queued' AND run_at <= $2 AND payload->>'source' = $3
             AND (CASE WHEN json_typeof(payload->'caseIds') = 'array' THEN json_array_length(payload->'caseIds') END) < $4
           ORDER BY id DESC LIMIT 1
           FOR UPDATE`,
          [opts.kind, now, opts.source, opts.batchSize],
        )
      ).rows[0];
      if (open) {
        const room = opts.batchSize - open.payload.caseIds.length;
        const added = rest.slice(0, room);
        await q(c, 'UPDATE jobs SET payload = $1, updated_at = $2 WHERE id = $3', [JSON.stringify({ ...open.payload, caseIds: [...open.payload.caseIds, ...added] }), now, open.id]);
        await mark(added, open.id);
        jobIds.push(open.id);
        rest = rest.slice(room);
      }
    }
    for (let i = 0; i < rest.length; i += opts.batchSize) {
      const chunk = rest.slice(i, i + opts.batchSize);
      const { rows } = await q<{ id: number }>(
        c,
        `INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at)
         VALUES ($1, $2, NULL, 'queued', 0, $3, $4, $5, $5) RETURNING id`,
        [opts.kind, JSON.stringify({ caseIds: chunk, source: opts.source }), opts.maxAttempts ?? this.defaultMaxAttempts, runAt, now],
      );
      const id = rows[0]!.id;
      await mark(chunk, id);
      jobIds.push(id);
    }
    return { requested: distinct.length, queued: fresh.length, coalesced: distinct.length - fresh.length, jobIds };
  }

  async startReconcile(jobId: number): Promise<number> {
    return (await q(this.pool, 'DELETE FROM membership_pending WHERE job_id = $1', [jobId])).rowCount ?? 0;
  }

  async listPendingReconciles(limit = 1000): Promise<{ caseId: string; jobId: number }[]> {
    const { rows } = await q<{ case_id: string; job_id: number }>(this.pool, 'SELECT case_id, job_id FROM membership_pending ORDER BY requested_at, case_id LIMIT $1', [limit]);
    return rows.map((r) => ({ caseId: r.case_id, jobId: r.job_id }));
  }

  async listSalesforceEvents(filter: { caseId?: string; limit?: number } = {}): Promise<SalesforceEventRecord[]> {
    const limit = filter.limit ?? 100;
    const { rows } = filter.caseId
      ? await q<SalesforceEventRow>(this.pool, 'SELECT * FROM salesforce_events WHERE case_id = $1 ORDER BY id LIMIT $2', [filter.caseId, limit])
      : await q<SalesforceEventRow>(this.pool, 'SELECT * FROM salesforce_events ORDER BY id LIMIT $1', [limit]);
    return rows.map(toSalesforceEvent);
  }

  async countSalesforceEvents(): Promise<number> {
    return (await q<{ n: number }>(this.pool, 'SELECT COUNT(*)::int AS n FROM salesforce_events')).rows[0]?.n ?? 0;
  }

  async purgeSalesforceEvents(before: number): Promise<number> {
    return (await q(this.pool, 'DELETE FROM salesforce_events WHERE received_at < $1', [before])).rowCount ?? 0;
  }

  // --- membership applies (one at a time per Case, never an older read) ----------------------

  async claimMembershipApply(caseId: string, holder: string, leaseMs: number): Promise<MembershipApplyClaim> {
    return this.tx(async (c) => {
      const now = this.now();
      // The row exists afterwards whoever inserted it; then it is locked for the decision.
      const inserted = await q(
        c,
        'INSERT INTO membership_cases (case_id, locked_by, locked_until, wanted, updated_at) VALUES ($1, $2, $3, false, $4) ON CONFLICT (case_id) DO NOTHING',
        [caseId, holder, now + leaseMs, now],
      );
      if (inserted.rowCount === 1) return { claimed: true, applied: null, wanted: false };
      const row = (await q<MembershipCaseRow>(c, 'SELECT * FROM membership_cases WHERE case_id = $1 FOR UPDATE', [caseId])).rows[0]!;
      if (row.locked_by !== null && row.locked_by !== holder && (row.locked_until ?? 0) > now) {
        await q(c, 'UPDATE membership_cases SET wanted = true WHERE case_id = $1', [caseId]);
        return { claimed: false };
      }
      await q(c, 'UPDATE membership_cases SET locked_by = $2, locked_until = $3, wanted = false, updated_at = $4 WHERE case_id = $1', [caseId, holder, now + leaseMs, now]);
      return { claimed: true, applied: appliedRead(row), wanted: row.wanted === true };
    });
  }

  async finishMembershipApply(
    caseId: string,
    holder: string,
    applied: AppliedMembershipRead | null,
    opts: { leaseMs: number; keepIfWanted: boolean },
  ): Promise<'released' | 'again' | 'lost'> {
    return this.tx(async (c) => {
      const now = this.now();
      const row = (await q<MembershipCaseRow>(c, 'SELECT locked_by, wanted FROM membership_cases WHERE case_id = $1 FOR UPDATE', [caseId])).rows[0];
      if (!row || row.locked_by !== holder) return 'lost';
      if (applied) {
        await q(c, 'UPDATE membership_cases SET applied_version = $2, applied_owner = $3, applied_at = $4 WHERE case_id = $1', [caseId, applied.version, applied.ownerId, now]);
      }
      if (row.wanted === true && opts.keepIfWanted) {
        await q(c, 'UPDATE membership_cases SET wanted = false, locked_until = $2, updated_at = $3 WHERE case_id = $1', [caseId, now + opts.leaseMs, now]);
        return 'again';
      }
      await q(c, 'UPDATE membership_cases SET locked_by = NULL, locked_until = NULL, updated_at = $2 WHERE case_id = $1', [caseId, now]);
      return row.wanted === true ? 'again' : 'released';
    });
  }

  async getMembershipApplied(caseId: string): Promise<(AppliedMembershipRead & { appliedAt: number }) | null> {
    const row = (await q<MembershipCaseRow>(this.pool, 'SELECT * FROM membership_cases WHERE case_id = $1', [caseId])).rows[0];
    return row && row.applied_at !== null ? { ...appliedRead(row)!, appliedAt: row.applied_at } : null;
  }

  async purgeMembershipCases(before: number): Promise<number> {
    const res = await q(this.pool, 'DELETE FROM membership_cases WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until <= $2)', [before, this.now()]);
    return res.rowCount ?? 0;
  }

  // --- transcript -------------------------------------------------------------------------

  async recordTranscriptEvent(e: TranscriptEvent, flush: TranscriptFlushRequest): Promise<{ outcome: 'stored' | 'duplicate'; flushAt: number }> {
    return this.tx(async (c) => {
      const now = this.now();
      const changed = await q<{ rev: number }>(c, UPSERT_TRANSCRIPT, [
        e.messageId,
        e.caseId,
        e.channelUrl,
        e.version,
        e.message === null ? null : JSON.stringify(e.message),
        e.deleted ? 1 : 0,
        now,
      ]);
      // Instances recording at once take turns on the flush job, so there stays one queued.
      await this.lockFlush(c, flush.kind);
      const queued = await this.queuedJobRunAt(c, flush.kind);
      if (changed.rows.length === 0) return { outcome: 'duplicate' as const, flushAt: queued ?? now + flush.delayMs };
      // A channel catch-up has not seen yet: read from its start, at once.
      await q(c, NEW_TRANSCRIPT_CHANNEL, [e.channelUrl, e.caseId, now]);
      let runAt = now + flush.delayMs;
      // Only when the flush is not due yet is it worth counting: a full batch waiting = one call now.
      if (queued === undefined || queued > now) {
        // Ready ones only (not leased to a flush under way, not backing off), as claimTranscriptBatch counts.
        const { rows } = await q<{ n: number }>(c, `SELECT COUNT(*)::int AS n FROM (SELECT 1 FROM transcript_messages WHERE ${READY_TRANSCRIPT} LIMIT $2) AS t`, [now, flush.batchSize]);
        if ((rows[0]?.n ?? 0) >= flush.batchSize) runAt = now;
      }
      return { outcome: 'stored' as const, flushAt: await this.ensureQueuedJob(c, flush.kind, runAt, queued, now) };
    });
  }

  private async lockFlush(c: Queryable, kind: string): Promise<void> {
    await q(c, 'SELECT pg_advisory_xact_lock(hashtext($1))', [lockName(this.schema, `queued:${kind}`)]);
  }

  /** The due time of the earliest queued job of `kind`, if one is queued. */
  private async queuedJobRunAt(c: Queryable, kind: string): Promise<number | undefined> {
    const { rows } = await q<{ run_at: number }>(c, "SELECT run_at FROM jobs WHERE kind = $1 AND state = 'queued' ORDER BY run_at LIMIT 1", [kind]);
    return rows[0]?.run_at;
  }

  /** Inside a transaction holding `lockFlush`: a queued job of `kind` due no later than `runAt`; returns its due time. */
  private async ensureQueuedJob(c: Queryable, kind: string, runAt: number, queued: number | undefined, now: number): Promise<number> {
    if (queued === undefined) {
      await this.insertJob(c, kind, {}, { runAt }, now);
      return runAt;
    }
    if (queued <= runAt) return queued;
    await q(c, "UPDATE jobs SET run_at = $1, updated_at = $2 WHERE kind = $3 AND state = 'queued' AND run_at > $1", [runAt, now, kind]);
    return runAt;
  }

  async scheduleTranscriptFlush(kind: string, runAt: number): Promise<void> {
    await this.tx(async (c) => {
      await this.lockFlush(c, kind);
      await this.ensureQueuedJob(c, kind, runAt, await this.queuedJobRunAt(c, kind), this.now());
    });
  }

  async claimTranscriptBatch(workerId: string, opts: { limit: number; leaseMs: number; maxWaitMs: number }): Promise<TranscriptRecord[]> {
    if (opts.limit <= 0) return [];
    const rows = await this.tx(async (c) => {
      const now = this.now();
      const ready = (
        await q<{ n: number; oldest: number | null }>(
          c,
          `SELECT COUNT(*)::int AS n, MIN(pending_since) AS oldest FROM (
             SELECT pending_since FROM transcript_messages WHERE ${READY_TRANSCRIPT} ORDER BY pending_since LIMIT $2) AS t`,
          [now, opts.limit],
        )
      ).rows[0] ?? { n: 0, oldest: null };
      if (ready.n === 0 || (ready.n < opts.limit && (ready.oldest ?? now) > now - opts.maxWaitMs)) return [];
      // SKIP LOCKED: two flushers never lease the same message, and never wait on each other.
      const leased = await q<TranscriptRow>(
        c,
        `WITH picked AS (
           SELECT message_id FROM transcript_messages WHERE ${READY_TRANSCRIPT}
           ORDER BY pending_since, message_id LIMIT $2 FOR UPDATE SKIP LOCKED)
         UPDATE transcript_messages m SET leased_by = $3, lease_until = $4
         FROM picked WHERE m.message_id = picked.message_id
         RETURNING m.*`,
        [now, opts.limit, workerId, now + opts.leaseMs],
      );
      return leased.rows;
    });
    return rows.map(toTranscript).sort((a, b) => a.pendingSince - b.pendingSince || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0));
  }

  async settleTranscriptBatch(workerId: string, results: readonly TranscriptResult[], ledger: readonly NewLedgerEntry[] = []): Promise<void> {
    await this.tx(async (c) => {
      const now = this.now();
      for (const r of results) {
        if (r.outcome === 'synced') {
          // A row changed during the write stays pending (it is written again), but keeps the Id.
          await q(
            c,
            `UPDATE transcript_messages SET
               state = CASE WHEN rev = $1 THEN 'synced' ELSE state END,
               synced_at = CASE WHEN rev = $1 THEN $2 ELSE synced_at END,
               attempts = CASE WHEN rev = $1 THEN 0 ELSE attempts END,
               salesforce_id = COALESCE($3, salesforce_id), last_error = NULL,
               leased_by = NULL, lease_until = NULL, updated_at = $2
             WHERE message_id = $4 AND leased_by = $5`,
            [r.rev, now, r.salesforceId, r.messageId, workerId],
          );
        } else if (r.outcome === 'retry') {
          await q(
            c,
            `UPDATE transcript_messages SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2,
               leased_by = NULL, lease_until = NULL, updated_at = $3
             WHERE message_id = $4 AND leased_by = $5`,
            [r.retryAt, clip(r.error), now, r.messageId, workerId],
          );
        } else {
          await q(
            c,
            `UPDATE transcript_messages SET state = CASE WHEN rev = $1 THEN 'dead' ELSE state END,
               attempts = attempts + 1, last_error = $2, leased_by = NULL, lease_until = NULL, updated_at = $3
             WHERE message_id = $4 AND leased_by = $5`,
            [r.rev, clip(r.error), now, r.messageId, workerId],
          );
        }
      }
      for (const e of ledger) await this.insertLedger(c, e);
    });
  }

  async nextTranscriptFlushAt(maxWaitMs: number): Promise<number | null> {
    const { rows } = await q<{ due: number | null }>(
      this.pool,
      `SELECT MIN(CASE WHEN next_attempt_at > pending_since + $1 THEN next_attempt_at ELSE pending_since + $1 END) AS due
       FROM transcript_messages WHERE state = 'pending' AND (lease_until IS NULL OR lease_until <= $2)`,
      [maxWaitMs, this.now()],
    );
    return rows[0]?.due ?? null;
  }

  // --- transcript catch-up ----------------------------------------------------------------

  async registerTicketChannels(since: number, dueAt: number): Promise<number> {
    const res = await q(
      this.pool,
      `INSERT INTO transcript_channels (channel_url, case_id, open, checked_at, next_catchup_at, due_reason, created_at, updated_at)
       SELECT channel_url, COALESCE(case_id, channel_url), 1, created_at, $1, 'new', $2, $2 FROM tickets
       WHERE channel_url IS NOT NULL AND updated_at >= $3
       ON CONFLICT (channel_url) DO NOTHING`,
      [dueAt, this.now(), since],
    );
    return res.rowCount ?? 0;
  }

  async dueTranscriptCatchup(at: number, reason: CatchupReason, channelUrls?: readonly string[]): Promise<number> {
    const res = await q(this.pool, `${DUE_CATCHUP} WHERE open = 1 AND ($4::text[] IS NULL OR channel_url = ANY($4::text[]))`, [at, reason, this.now(), channelUrls ? [...channelUrls] : null]);
    return res.rowCount ?? 0;
  }

  async setTranscriptChannelOpen(caseId: string, open: boolean): Promise<boolean> {
    const now = this.now();
    const res = await q(
      this.pool,
      `UPDATE transcript_channels SET open = $1::integer, next_catchup_at = $2::bigint, due_reason = $3::text,
         due_again = CASE WHEN lease_until IS NOT NULL AND lease_until > $2::bigint THEN 1 ELSE due_again END, updated_at = $2::bigint
       WHERE case_id = $4 AND open = $5::integer`,
      [open ? 1 : 0, now, open ? 'reopened' : 'closing', caseId, open ? 0 : 1],
    );
    return (res.rowCount ?? 0) > 0;
  }

  async claimTranscriptCatchups(workerId: string, opts: { limit: number; leaseMs: number }): Promise<TranscriptChannel[]> {
    if (opts.limit <= 0) return [];
    const now = this.now();
    // SKIP LOCKED: instances claiming at once share the due channels out, never read one twice.
    const { rows } = await q<TranscriptChannelRow>(
      this.pool,
      `UPDATE transcript_channels SET leased_by = $1, lease_until = $2, due_again = 0, updated_at = $3
       WHERE channel_url IN (
         SELECT channel_url FROM transcript_channels
         WHERE next_catchup_at IS NOT NULL AND next_catchup_at <= $3 AND (lease_until IS NULL OR lease_until <= $3)
         ORDER BY next_catchup_at, channel_url LIMIT $4
         FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [workerId, now + opts.leaseMs, now, opts.limit],
    );
    return rows.map(toTranscriptChannel).sort((a, b) => (a.nextCatchupAt ?? 0) - (b.nextCatchupAt ?? 0) || a.channelUrl.localeCompare(b.channelUrl));
  }

  async finishTranscriptCatchup(workerId: string, channelUrl: string, f: CatchupFinish): Promise<boolean> {
    return this.tx(async (c) => {
      const now = this.now();
      const res = await q(c, FINISH_CATCHUP, [f.checked?.messageId ?? null, f.checked?.at ?? null, now, f.nextAt, channelUrl, workerId]);
      const changed = (res.rowCount ?? 0) > 0;
      if (changed) for (const e of f.ledger ?? []) await this.insertLedger(c, e);
      return changed;
    });
  }

  async getTranscriptChannel(channelUrl: string): Promise<TranscriptChannel | null> {
    const { rows } = await q<TranscriptChannelRow>(this.pool, 'SELECT * FROM transcript_channels WHERE channel_url = $1', [channelUrl]);
    return rows[0] ? toTranscriptChannel(rows[0]) : null;
  }

  async getTranscriptMessage(messageId: string): Promise<TranscriptRecord | null> {
    const { rows } = await q<TranscriptRow>(this.pool, 'SELECT * FROM transcript_messages WHERE message_id = $1', [messageId]);
    return rows[0] ? toTranscript(rows[0]) : null;
  }

  async listTranscriptSent(channel: { caseId: string; channelUrl: string }, from: number, to: number): Promise<TranscriptSent[]> {
    // By the Case (transcript_messages_case_idx), then the sent time inside the message JSON.
    const { rows } = await q<{ message_id: string; sent_at: number; deleted: number }>(
      this.pool,
      `SELECT message_id, sent_at, deleted FROM (
         SELECT message_id, (message->>'sentAt')::double precision AS sent_at, deleted FROM transcript_messages
         WHERE case_id = $1 AND channel_url = $2 AND message IS NOT NULL) AS t
       WHERE sent_at >= $3 AND sent_at <= $4 ORDER BY sent_at, message_id`,
      [channel.caseId, channel.channelUrl, from, to],
    );
    return rows.map((r) => ({ messageId: r.message_id, sentAt: r.sent_at, deleted: r.deleted === 1 }));
  }

  async listTranscriptMessages(filter: { caseId?: string; state?: TranscriptState; limit?: number } = {}): Promise<TranscriptRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.caseId !== undefined) {
      args.push(filter.caseId);
      where.push(`case_id = $${args.length}`);
    }
    if (filter.state !== undefined) {
      args.push(filter.state);
      where.push(`state = $${args.length}`);
    }
    args.push(filter.limit ?? 1000);
    const { rows } = await q<TranscriptRow>(
      this.pool,
      `SELECT * FROM transcript_messages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at, message_id LIMIT $${args.length}`,
      args,
    );
    return rows.map(toTranscript);
  }

  async countTranscriptMessages(): Promise<Record<TranscriptState, number>> {
    const counts: Record<TranscriptState, number> = { pending: 0, synced: 0, dead: 0 };
    const { rows } = await q<{ state: TranscriptState; n: number }>(this.pool, 'SELECT state, COUNT(*)::int AS n FROM transcript_messages GROUP BY state');
    for (const r of rows) counts[r.state] = r.n;
    return counts;
  }

  async purgeTranscript(before: number): Promise<number> {
    return (await q(this.pool, "DELETE FROM transcript_messages WHERE state = 'synced' AND synced_at < $1", [before])).rowCount ?? 0;
  }

  // --- ledger -----------------------------------------------------------------------------

  async appendLedger(e: NewLedgerEntry): Promise<LedgerEntry> {
    return this.insertLedger(this.pool, e);
  }

  private async insertLedger(c: Queryable, e: NewLedgerEntry): Promise<LedgerEntry> {
    const { rows } = await q<LedgerRow>(
      c,
      `INSERT INTO ledger (at, case_id, ticket_id, system, action, target, outcome, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [this.now(), e.caseId ?? null, e.ticketId ?? null, e.system, e.action, e.target ?? null, e.outcome, this.scrubText(JSON.stringify(maskSecretFields(e.detail ?? {})))],
    );
    return toLedger(rows[0]!);
  }

  async ledgerForCase(caseId: string): Promise<LedgerEntry[]> {
    return (await q<LedgerRow>(this.pool, 'SELECT * FROM ledger WHERE case_id = $1 ORDER BY id', [caseId])).rows.map(toLedger);
  }

  async ledgerForTicket(ticketId: string): Promise<LedgerEntry[]> {
    return (await q<LedgerRow>(this.pool, 'SELECT * FROM ledger WHERE ticket_id = $1 ORDER BY id', [ticketId])).rows.map(toLedger);
  }

  /**
   * Runs raw SQL. Only for tests and operator scripts (e.g. proving the ledger refuses UPDATE, or
   * counting what a test run wrote); the application goes through the methods above.
   */
  async unsafeQuery<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }
}

export function openPostgresStore(opts: PostgresStoreOptions): Promise<PostgresStore> {
  return PostgresStore.open(opts);
}
