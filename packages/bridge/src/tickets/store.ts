/**
 * The tickets' part of the store (tables `tickets` and `idempotency_keys`), over the query layer
 * (store/sql.ts). A ticket moves through its steps by `updateTicket`, which writes the step's
 * result, its ledger entries (store/ledger.ts) and the job that carries on (jobs/store.ts) in one
 * transaction; state rules are in store/ticket-state.ts.
 *
 * An idempotency key is claimed with `INSERT ... ON CONFLICT DO NOTHING`: the primary key makes
 * exactly one of any number of concurrent claims win. On PostgreSQL a losing INSERT waits for the
 * winner's transaction to end, and the SELECT after it (READ COMMITTED: a fresh snapshot per
 * statement) sees the winner's row; on SQLite the write transaction holds the whole database.
 * With `create`, the winner's ticket (and its job) is written in the claim's transaction, so
 * whoever sees the key also finds its ticket.
 */
import { insertJob, settleJob } from '../jobs/store.js';
import { insertLedger } from '../store/ledger.js';
import { all, clipError, decodeJson, get, run, type Body, type Db } from '../store/sql.js';
import { canMoveTicket, OPEN_TICKETS_SQL, openTicketsTerm, UNFINISHED_STATES_SQL } from '../store/ticket-state.js';
import {
  StoreNotFoundError,
  TicketStateError,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type NewLedgerEntry,
  type NewTicket,
  type Store,
  type StoreSettings,
  type CustomerVerification,
  type Ticket,
  type TicketJob,
  type TicketPatch,
  type TicketState,
} from '../store/types.js';

export interface TicketRow {
  id: string;
  client_key: string;
  state: TicketState;
  customer_user_id: string;
  customer_nickname: string | null;
  customer_verified?: unknown;
  case_fields: unknown;
  case_id: string | null;
  case_number: string | null;
  channel_url: string | null;
  last_error: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyRow {
  scope: string;
  key: string;
  request_hash: string;
  ticket_id: string | null;
  response_status: number | null;
  response_body: unknown;
  created_at: number;
  expires_at: number;
}

export const toTicket = (r: TicketRow): Ticket => ({
  id: r.id,
  clientKey: r.client_key,
  state: r.state,
  customerUserId: r.customer_user_id,
  customerNickname: r.customer_nickname,
  customerVerified:
    r.customer_verified === null || r.customer_verified === undefined ? null : (decodeJson(r.customer_verified) as CustomerVerification),
  caseFields: decodeJson(r.case_fields) as Record<string, unknown>,
  caseId: r.case_id,
  caseNumber: r.case_number,
  channelUrl: r.channel_url,
  lastError: r.last_error,
  attempts: r.attempts,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const toIdempotency = (r: IdempotencyRow): IdempotencyRecord => ({
  scope: r.scope,
  key: r.key,
  requestHash: r.request_hash,
  ticketId: r.ticket_id,
  responseStatus: r.response_status,
  responseBody: r.response_body === null ? null : decodeJson(r.response_body),
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** A value as it is kept by PostgreSQL, whose driver writes NUL in a string as U+FFFD (postgres-db.ts). */
const nulAsKept = <T>(v: T): T => (typeof v === 'string' && v.includes('\0') ? (v.replace(/\0/g, '\uFFFD') as T) : v);
/** SQLite keeps strings as given. */
const asGiven = <T>(v: T): T => v;

/** How often a claim goes round when the key it lost to vanishes before it can be read (released, expired). */
const CLAIM_ROUNDS = 5;

const INSERT_TICKET = `INSERT INTO tickets
  (id, client_key, state, customer_user_id, customer_nickname, case_fields, attempts, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`;

/** With what the customer's authentication proved (migration 13); a ticket without it is written as before. */
const INSERT_VERIFIED_TICKET = `INSERT INTO tickets
  (id, client_key, state, customer_user_id, customer_nickname, case_fields, attempts, created_at, updated_at, customer_verified)
VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`;

const INSERT_KEY = `INSERT INTO idempotency_keys (scope, key, request_hash, ticket_id, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`;

/**
 * Unfinished tickets last written at or before `?` with no job under their dedupe key yet. The
 * prefix is cast so that PostgreSQL knows the type of `? || t.id`. SKIP LOCKED: a ticket being
 * written by another instance right now is not stale.
 */
const STALE_TICKETS = `SELECT id FROM tickets t
WHERE ${OPEN_TICKETS_SQL} AND state IN (${UNFINISHED_STATES_SQL}) AND updated_at <= ?
  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.dedupe_key = CAST(? AS TEXT) || t.id)
ORDER BY updated_at, id LIMIT ?
FOR UPDATE SKIP LOCKED`;

export function ticketStore(db: Db, s: StoreSettings) {
  const kept = db.dialect === 'postgres' ? nulAsKept : asGiven;
  /** A ticket's job: due at `runAt`, at most one per dedupe key, with the store's default attempts. */
  const jobOptions = (job: { dedupeKey: string; runAt: number }) => ({
    dedupeKey: job.dedupeKey,
    runAt: job.runAt,
    maxAttempts: s.defaultMaxAttempts,
  });

  /**
   * Inside a transaction. The ticket is built from what was inserted rather than read back: on
   * the hot path, materialising the row and parsing its JSON again cost more than the INSERT.
   */
  function* insertTicket(t: NewTicket, job: TicketJob | undefined, now: number): Body<Ticket> {
    const state = t.state ?? 'received';
    const nickname = t.customerNickname ?? null;
    const verified = t.customerVerified ?? null;
    const values = [t.id, t.clientKey, state, t.customerUserId, nickname, JSON.stringify(t.caseFields), now, now];
    if (verified === null) yield* run(INSERT_TICKET, ...values);
    else yield* run(INSERT_VERIFIED_TICKET, ...values, JSON.stringify(verified));
    if (job) yield* insertJob(job.kind, job.payload, jobOptions(job), now);
    return {
      id: kept(t.id),
      clientKey: kept(t.clientKey),
      state,
      customerUserId: kept(t.customerUserId),
      customerNickname: kept(nickname),
      customerVerified: verified === null ? null : { ...verified, ...(verified.email ? { email: kept(verified.email) } : {}) },
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

  const part = {
    createTicket(ticket: NewTicket, opts: { job?: TicketJob } = {}): Promise<Ticket> {
      return db.write(() => insertTicket(ticket, opts.job, s.now()));
    },

    async getTicket(id: string): Promise<Ticket | null> {
      const row = await db.read(() => get<TicketRow>('SELECT * FROM tickets WHERE id = ?', id));
      return row ? toTicket(row) : null;
    },

    async getTicketByCase(caseId: string): Promise<Ticket | null> {
      const row = await db.read(() => get<TicketRow>('SELECT * FROM tickets WHERE case_id = ?', caseId));
      return row ? toTicket(row) : null;
    },

    async updateTicket(
      id: string,
      patch: TicketPatch,
      ledger: readonly NewLedgerEntry[] = [],
      opts: { job?: TicketJob; jobs?: readonly TicketJob[]; settleJob?: string } = {},
    ): Promise<Ticket> {
      const row = await db.write(function* (): Body<TicketRow> {
        // Locked: two instances finishing the same ticket take turns, and the state check holds.
        const current = yield* get<TicketRow>('SELECT * FROM tickets WHERE id = ? FOR UPDATE', id);
        if (!current) throw new StoreNotFoundError(`ticket ${id}`);
        if (patch.state !== undefined && !canMoveTicket(current.state, patch.state)) throw new TicketStateError(current.state, patch.state);
        const now = s.now();
        const columns: Record<string, unknown> = {};
        if (patch.state !== undefined) columns.state = patch.state;
        if (patch.customerNickname !== undefined) columns.customer_nickname = patch.customerNickname;
        if (patch.caseFields !== undefined) columns.case_fields = JSON.stringify(patch.caseFields);
        if (patch.caseId !== undefined) columns.case_id = patch.caseId;
        if (patch.caseNumber !== undefined) columns.case_number = patch.caseNumber;
        if (patch.channelUrl !== undefined) columns.channel_url = patch.channelUrl;
        if (patch.lastError !== undefined) columns.last_error = patch.lastError === null ? null : clipError(patch.lastError);
        if (patch.attempts !== undefined) columns.attempts = patch.attempts;
        columns.updated_at = now;
        const names = Object.keys(columns);
        yield* run(`UPDATE tickets SET ${names.map((n) => `${n} = ?`).join(', ')} WHERE id = ?`, ...Object.values(columns), id);
        yield* insertLedger(ledger, s);
        for (const job of [...(opts.job ? [opts.job] : []), ...(opts.jobs ?? [])]) {
          yield* insertJob(job.kind, job.payload, jobOptions(job), now);
        }
        if (opts.settleJob) yield* settleJob(opts.settleJob, now);
        // The columns are the row's own names: the updated row without reading it back.
        const updated: Record<string, unknown> = { ...current };
        for (const name of names) updated[name] = kept(columns[name]);
        return updated as unknown as TicketRow;
      });
      return toTicket(row);
    },

    queueUnfinishedTickets(
      updatedBefore: number,
      limit: number,
      job: { kind: string; dedupePrefix: string; runAt: number },
    ): Promise<string[]> {
      return db.write(function* (): Body<string[]> {
        const ids = (yield* all<{ id: string }>(STALE_TICKETS, updatedBefore, job.dedupePrefix, limit)).map((r) => r.id);
        const now = s.now();
        for (const id of ids) {
          yield* insertJob(job.kind, { ticketId: id }, jobOptions({ dedupeKey: job.dedupePrefix + id, runAt: job.runAt }), now);
        }
        return ids;
      });
    },

    async listTickets(filter: { state?: TicketState; limit?: number } = {}): Promise<Ticket[]> {
      const limit = filter.limit ?? 100;
      const { state } = filter;
      const rows = await db.read(() =>
        state
          ? all<TicketRow>(`SELECT * FROM tickets WHERE ${openTicketsTerm(state)}state = ? ORDER BY created_at, id LIMIT ?`, state, limit)
          : all<TicketRow>('SELECT * FROM tickets ORDER BY created_at, id LIMIT ?', limit),
      );
      return rows.map(toTicket);
    },

    claimIdempotencyKey(
      scope: string,
      key: string,
      requestHash: string,
      ticketId: string | null,
      opts: { ttlMs?: number; create?: { ticket: NewTicket; job?: TicketJob } } = {},
    ): Promise<IdempotencyClaim> {
      return db.write(function* (): Body<IdempotencyClaim> {
        const now = s.now();
        const expiresAt = now + (opts.ttlMs ?? s.idempotencyTtlMs);
        for (let round = 1; ; round++) {
          // A fresh key (the usual case) is claimed by the insert alone.
          if ((yield* run(INSERT_KEY, scope, key, requestHash, ticketId, now, expiresAt)) === 1) break;
          // Locked, so that of the claimers finding the key expired, one replaces it and the
          // others wait, then find the row gone and go round to lose to the new one.
          const existing = yield* get<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? FOR UPDATE', scope, key);
          if (existing && existing.expires_at > now) return { claimed: false, existing: toIdempotency(existing) };
          // Expired (forgotten here, so it is claimed afresh in this same transaction), or gone
          // between the two statements (released, or replaced by another claimer): go again.
          if (round >= CLAIM_ROUNDS) {
            throw new Error(`[store] the idempotency key ${scope}/${key} kept changing while being claimed; retry`);
          }
          if (existing) yield* run('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at <= ?', scope, key, now);
        }
        // Built from what was inserted, as the ticket is (see insertTicket).
        const record: IdempotencyRecord = {
          scope: kept(scope),
          key: kept(key),
          requestHash: kept(requestHash),
          ticketId: kept(ticketId),
          responseStatus: null,
          responseBody: null,
          createdAt: now,
          expiresAt,
        };
        if (!opts.create) return { claimed: true, record };
        return { claimed: true, record, ticket: yield* insertTicket(opts.create.ticket, opts.create.job, now) };
      });
    },

    async getIdempotencyKey(scope: string, key: string): Promise<IdempotencyRecord | null> {
      const sql = 'SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at > ?';
      const row = await db.read(() => get<IdempotencyRow>(sql, scope, key, s.now()));
      return row ? toIdempotency(row) : null;
    },

    async completeIdempotencyKey(scope: string, key: string, status: number, body: unknown): Promise<IdempotencyRecord> {
      const row = await db.write(function* (): Body<IdempotencyRow> {
        // `response_status IS NULL`: the first final answer stays; a later one reads it back instead.
        const updated = yield* get<IdempotencyRow>(
          `UPDATE idempotency_keys SET response_status = ?, response_body = ?
           WHERE scope = ? AND key = ? AND response_status IS NULL RETURNING *`,
          status,
          JSON.stringify(body ?? null),
          scope,
          key,
        );
        const row = updated ?? (yield* get<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ?', scope, key));
        if (!row) throw new StoreNotFoundError(`idempotency key ${scope}/${key}`);
        return row;
      });
      return toIdempotency(row);
    },

    async releaseIdempotencyKey(scope: string, key: string): Promise<void> {
      await db.write(() => run('DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND response_status IS NULL', scope, key));
    },

    purgeExpiredIdempotencyKeys(): Promise<number> {
      return db.write(() => run('DELETE FROM idempotency_keys WHERE expires_at <= ?', s.now()));
    },
  } satisfies Partial<Store>;
  return part;
}
