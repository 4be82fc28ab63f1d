/**
 * Membership sync's part of the store, over the query layer (store/sql.ts):
 *
 * - `salesforce_events`: every event Salesforce posted, stored before the 202 answer (the audit
 *   trail of what arrived; purged after a retention period).
 * - `membership_pending`: Cases waiting for a reconcile, each pointing at the queued job that will
 *   do it, so many events for one Case make one reconcile. Queueing reads then writes rows that
 *   may not exist yet, so it is serialised across instances with the `reconcile` lock.
 * - `membership_cases`: per Case, the Salesforce read applied last, the apply lease (one
 *   reconcile applies a Case at a time) and the hand-over flag `wanted`.
 */
import { insertJob } from '../jobs/store.js';
import { all, decodeJson, get, lock, placeholders, run, type Body, type Db } from '../store/sql.js';
import type {
  AppliedMembershipRead,
  MembershipApplyClaim,
  NewSalesforceEvent,
  ReconcileJobPayload,
  ReconcileRequestOptions,
  ReconcileRequestResult,
  SalesforceEventRecord,
  Store,
  StoreSettings,
  SweepMark,
} from '../store/types.js';

export interface SalesforceEventRow {
  id: number;
  received_at: number;
  type: string;
  case_id: string;
  occurred_at: string | null;
  payload: unknown;
}

export const toSalesforceEvent = (r: SalesforceEventRow): SalesforceEventRecord => ({
  id: r.id,
  receivedAt: r.received_at,
  type: r.type,
  caseId: r.case_id,
  occurredAt: r.occurred_at,
  payload: decodeJson(r.payload) as Record<string, unknown>,
});

/** The `membership_cases` row (migration 8). */
export interface MembershipCaseRow {
  case_id: string;
  applied_version: number | null;
  applied_owner: string | null;
  applied_at: number | null;
  locked_by: string | null;
  locked_until: number | null;
  /** 0/1 in SQLite, boolean in PostgreSQL: read it with `isWanted`. */
  wanted: number | boolean;
  updated_at: number;
}

interface SweepMarkRow {
  name: string;
  /** bigint: PostgreSQL returns it as a string. */
  changed_since: number | string | null;
  full_at: number | string | null;
  updated_at: number | string;
}

const toSweepMark = (r: SweepMarkRow): SweepMark => ({
  changedSince: r.changed_since === null ? null : Number(r.changed_since),
  fullAt: r.full_at === null ? null : Number(r.full_at),
});

/** The hand-over flag as either database returns it. */
const isWanted = (row: Pick<MembershipCaseRow, 'wanted'>): boolean => row.wanted === true || row.wanted === 1;

/** The read applied last, or null when none was. */
export function appliedRead(row: MembershipCaseRow): AppliedMembershipRead | null {
  return row.applied_at === null ? null : { version: row.applied_version, ownerId: row.applied_owner };
}

/** Rows per multi-row INSERT, and values per `IN (...)` list (one prepared statement is kept per count). */
const ROWS_PER_STATEMENT = 200;

export function chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function* insertEvents(events: readonly NewSalesforceEvent[], now: number): Body<void> {
  for (const chunk of chunks(events)) {
    yield* run(
      `INSERT INTO salesforce_events (received_at, type, case_id, occurred_at, payload)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      ...chunk.flatMap((e) => [now, e.type, e.caseId, e.occurredAt, JSON.stringify(e.payload)]),
    );
  }
}

/** Points these Cases at `jobId` (a Case whose mark is stale, its job no longer queued, is moved). */
function* markPending(caseIds: readonly string[], jobId: number, now: number): Body<void> {
  for (const chunk of chunks(caseIds)) {
    yield* run(
      `INSERT INTO membership_pending (case_id, job_id, requested_at) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}
       ON CONFLICT (case_id) DO UPDATE SET job_id = excluded.job_id, requested_at = excluded.requested_at`,
      ...chunk.flatMap((caseId) => [caseId, jobId, now]),
    );
  }
}

/**
 * The newest due, queued job of this kind and source with room for more Cases. The length is
 * only taken of a `caseIds` that is an array (PostgreSQL's json_array_length throws on anything
 * else; SQLite's says 0), so a job of this kind with some other payload is never picked. It is
 * locked so that a claim cannot start it while Cases are being added.
 */
const OPEN_RECONCILE_JOB = `SELECT id, payload FROM jobs
  WHERE kind = ? AND state = 'queued' AND run_at <= ? AND payload->>'source' = ?
    AND (CASE WHEN substr(CAST(payload->'caseIds' AS TEXT), 1, 1) = '[' THEN json_array_length(payload->'caseIds') END) < ?
  ORDER BY id DESC LIMIT 1
  FOR UPDATE`;

/**
 * Inside a transaction: a Case already waiting in a queued job stays there; the others first fill
 * the newest queued job of the same kind and source that is due and has room (so events arriving
 * one per request still get read from Salesforce in batches), then go into new jobs of
 * `batchSize` Cases. The `reconcile` lock makes two instances queueing at once take turns
 * (otherwise both could miss each other's pending rows and queue a Case twice).
 */
export function* queueReconciles(
  caseIds: readonly string[],
  opts: ReconcileRequestOptions,
  now: number,
  s: StoreSettings,
): Body<ReconcileRequestResult> {
  if (!(opts.batchSize >= 1)) throw new Error('[store] batchSize must be >= 1');
  const distinct = [...new Set(caseIds)];
  if (distinct.length === 0) return { requested: 0, queued: 0, coalesced: 0, jobIds: [] };
  yield* lock('reconcile');
  const pending = new Set<string>();
  for (const chunk of chunks(distinct)) {
    const rows = yield* all<{ case_id: string }>(
      `SELECT p.case_id FROM membership_pending p JOIN jobs j ON j.id = p.job_id
       WHERE p.case_id IN (${placeholders(chunk.length)}) AND j.state = 'queued'`,
      ...chunk,
    );
    for (const r of rows) pending.add(r.case_id);
  }
  const fresh = distinct.filter((id) => !pending.has(id));
  const jobIds: number[] = [];
  let rest = fresh;
  const runAt = opts.runAt ?? now;
  if (rest.length > 0 && runAt <= now) {
    const open = yield* get<{ id: number; payload: unknown }>(OPEN_RECONCILE_JOB, opts.kind, now, opts.source, opts.batchSize);
    if (open) {
      const payload = decodeJson(open.payload) as ReconcileJobPayload;
      const room = opts.batchSize - payload.caseIds.length;
      const added = rest.slice(0, room);
      const grown: ReconcileJobPayload = { ...payload, caseIds: [...payload.caseIds, ...added] };
      yield* run('UPDATE jobs SET payload = ?, updated_at = ? WHERE id = ?', JSON.stringify(grown), now, open.id);
      yield* markPending(added, open.id, now);
      jobIds.push(open.id);
      rest = rest.slice(room);
    }
  }
  const maxAttempts = opts.maxAttempts ?? s.defaultMaxAttempts;
  for (const chunk of chunks(rest, opts.batchSize)) {
    const payload: ReconcileJobPayload = { caseIds: chunk, source: opts.source };
    const { job } = yield* insertJob(opts.kind, payload, { runAt, maxAttempts }, now);
    if (!opts.unshared) yield* markPending(chunk, job.id, now);
    jobIds.push(job.id);
  }
  return { requested: distinct.length, queued: fresh.length, coalesced: distinct.length - fresh.length, jobIds };
}

export function membershipStore(db: Db, s: StoreSettings) {
  const part = {
    recordSalesforceEvents(
      events: readonly NewSalesforceEvent[],
      reconcile: ReconcileRequestOptions,
      caseIds?: readonly string[],
    ): Promise<ReconcileRequestResult & { stored: number }> {
      return db.write(function* () {
        const now = s.now();
        yield* insertEvents(events, now);
        const queued = yield* queueReconciles(caseIds ?? events.map((e) => e.caseId), reconcile, now, s);
        return { stored: events.length, ...queued };
      });
    },

    requestReconcile(caseIds: readonly string[], opts: ReconcileRequestOptions): Promise<ReconcileRequestResult> {
      return db.write(() => queueReconciles(caseIds, opts, s.now(), s));
    },

    startReconcile(jobId: number): Promise<number> {
      return db.write(() => run('DELETE FROM membership_pending WHERE job_id = ?', jobId));
    },

    async listPendingReconciles(limit = 1000): Promise<{ caseId: string; jobId: number }[]> {
      const rows = await db.read(() =>
        all<{ case_id: string; job_id: number }>(
          'SELECT case_id, job_id FROM membership_pending ORDER BY requested_at, case_id LIMIT ?',
          limit,
        ),
      );
      return rows.map((r) => ({ caseId: r.case_id, jobId: r.job_id }));
    },

    async listSalesforceEvents(filter: { caseId?: string; limit?: number } = {}): Promise<SalesforceEventRecord[]> {
      const limit = filter.limit ?? 100;
      const caseId = filter.caseId;
      const rows = await db.read(() =>
        caseId
          ? all<SalesforceEventRow>('SELECT * FROM salesforce_events WHERE case_id = ? ORDER BY id LIMIT ?', caseId, limit)
          : all<SalesforceEventRow>('SELECT * FROM salesforce_events ORDER BY id LIMIT ?', limit),
      );
      return rows.map(toSalesforceEvent);
    },

    async countSalesforceEvents(): Promise<number> {
      const row = await db.read(() => get<{ n: number | string }>('SELECT COUNT(*) AS n FROM salesforce_events'));
      return Number(row?.n ?? 0);
    },

    purgeSalesforceEvents(before: number): Promise<number> {
      return db.write(() => run('DELETE FROM salesforce_events WHERE received_at < ?', before));
    },

    // --- membership applies (one at a time per Case, never an older read) ----------------------

    claimMembershipApply(caseId: string, holder: string, leaseMs: number): Promise<MembershipApplyClaim> {
      return db.write(function* (): Body<MembershipApplyClaim> {
        const now = s.now();
        // The row exists afterwards whoever inserted it; then it is locked for the decision.
        const inserted = yield* run(
          `INSERT INTO membership_cases (case_id, locked_by, locked_until, wanted, updated_at) VALUES (?, ?, ?, FALSE, ?)
           ON CONFLICT (case_id) DO NOTHING`,
          caseId,
          holder,
          now + leaseMs,
          now,
        );
        if (inserted === 1) return { claimed: true, applied: null, wanted: false, first: true };
        const row = (yield* get<MembershipCaseRow>('SELECT * FROM membership_cases WHERE case_id = ? FOR UPDATE', caseId))!;
        if (row.locked_by !== null && row.locked_by !== holder && (row.locked_until ?? 0) > now) {
          yield* run('UPDATE membership_cases SET wanted = TRUE WHERE case_id = ?', caseId);
          return { claimed: false, lockedUntil: Number(row.locked_until) };
        }
        yield* run(
          'UPDATE membership_cases SET locked_by = ?, locked_until = ?, wanted = FALSE, updated_at = ? WHERE case_id = ?',
          holder,
          now + leaseMs,
          now,
          caseId,
        );
        return { claimed: true, applied: appliedRead(row), wanted: isWanted(row), first: false };
      });
    },

    finishMembershipApply(
      caseId: string,
      holder: string,
      applied: AppliedMembershipRead | null,
      opts: { leaseMs: number; keepIfWanted: boolean },
    ): Promise<'released' | 'again' | 'lost'> {
      return db.write(function* (): Body<'released' | 'again' | 'lost'> {
        const now = s.now();
        const row = yield* get<Pick<MembershipCaseRow, 'locked_by' | 'wanted'>>(
          'SELECT locked_by, wanted FROM membership_cases WHERE case_id = ? FOR UPDATE',
          caseId,
        );
        if (!row || row.locked_by !== holder) return 'lost';
        if (applied) {
          yield* run(
            'UPDATE membership_cases SET applied_version = ?, applied_owner = ?, applied_at = ? WHERE case_id = ?',
            applied.version,
            applied.ownerId,
            now,
            caseId,
          );
        }
        const wanted = isWanted(row);
        if (wanted && opts.keepIfWanted) {
          const renew = 'UPDATE membership_cases SET wanted = FALSE, locked_until = ?, updated_at = ? WHERE case_id = ?';
          yield* run(renew, now + opts.leaseMs, now, caseId);
          return 'again';
        }
        yield* run('UPDATE membership_cases SET locked_by = NULL, locked_until = NULL, updated_at = ? WHERE case_id = ?', now, caseId);
        return wanted ? 'again' : 'released';
      });
    },

    async wantedMembershipCases(caseIds: readonly string[]): Promise<string[]> {
      const distinct = [...new Set(caseIds)];
      if (distinct.length === 0) return [];
      return db.read(function* (): Body<string[]> {
        const out: string[] = [];
        for (const chunk of chunks(distinct)) {
          const rows = yield* all<Pick<MembershipCaseRow, 'case_id' | 'wanted'>>(
            `SELECT case_id, wanted FROM membership_cases WHERE case_id IN (${placeholders(chunk.length)})`,
            ...chunk,
          );
          for (const r of rows) if (isWanted(r)) out.push(r.case_id);
        }
        return out;
      });
    },

    async appliedMembershipOwners(caseIds: readonly string[]): Promise<Map<string, string | null>> {
      const distinct = [...new Set(caseIds)];
      const out = new Map<string, string | null>();
      if (distinct.length === 0) return out;
      return db.read(function* (): Body<Map<string, string | null>> {
        for (const chunk of chunks(distinct)) {
          const rows = yield* all<Pick<MembershipCaseRow, 'case_id' | 'applied_owner' | 'applied_at'>>(
            `SELECT case_id, applied_owner, applied_at FROM membership_cases WHERE case_id IN (${placeholders(chunk.length)})`,
            ...chunk,
          );
          for (const r of rows) if (r.applied_at !== null) out.set(r.case_id, r.applied_owner);
        }
        return out;
      });
    },

    async getSweepMark(name: string): Promise<SweepMark | null> {
      const row = await db.read(() => get<SweepMarkRow>('SELECT * FROM sweep_marks WHERE name = ?', name));
      return row ? toSweepMark(row) : null;
    },

    advanceSweepMark(name: string, mark: { changedSince?: number | null; fullAt?: number }): Promise<SweepMark> {
      return db.write(function* (): Body<SweepMark> {
        const now = s.now();
        yield* run('INSERT INTO sweep_marks (name, updated_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', name, now);
        const old = toSweepMark((yield* get<SweepMarkRow>('SELECT * FROM sweep_marks WHERE name = ? FOR UPDATE', name))!);
        const given = mark.changedSince ?? null;
        const next: SweepMark = {
          changedSince: given !== null && (old.changedSince === null || given > old.changedSince) ? given : old.changedSince,
          fullAt: mark.fullAt ?? old.fullAt,
        };
        yield* run(
          'UPDATE sweep_marks SET changed_since = ?, full_at = ?, updated_at = ? WHERE name = ?',
          next.changedSince,
          next.fullAt,
          now,
          name,
        );
        return next;
      });
    },

    async getMembershipApplied(caseId: string): Promise<(AppliedMembershipRead & { appliedAt: number }) | null> {
      const row = await db.read(() => get<MembershipCaseRow>('SELECT * FROM membership_cases WHERE case_id = ?', caseId));
      return row && row.applied_at !== null ? { ...appliedRead(row)!, appliedAt: row.applied_at } : null;
    },

    purgeMembershipCases(before: number): Promise<number> {
      const sql = 'DELETE FROM membership_cases WHERE updated_at < ? AND (locked_until IS NULL OR locked_until <= ?)';
      return db.write(() => run(sql, before, s.now()));
    },
  } satisfies Partial<Store>;
  return part;
}
