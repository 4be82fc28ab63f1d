/**
 * The durable job queue's part of the store (table `jobs`), over the query layer (store/sql.ts).
 * A job is claimed with a lease: a worker that dies mid-job loses it when the lease runs out, and
 * the job runs again; one whose lease ran out on its last attempt is dead-lettered instead (a job
 * that crashes the process would otherwise crash every worker that picks it up). Claims by
 * several instances at once pass over each other's rows (`FOR UPDATE SKIP LOCKED`).
 *
 * `insertJob` and `settleJob` are bodies the other parts run inside their own transactions (a
 * ticket's next step is queued in the transaction that records the step before it).
 */
import { all, clipError, decodeJson, get, notify, placeholders, run, type Body, type Db } from '../store/sql.js';
import type { EnqueueOptions, EnqueueResult, Job, JobState, Store, StoreSettings } from '../store/types.js';

export interface JobRow {
  id: number;
  kind: string;
  payload: unknown;
  dedupe_key: string | null;
  state: JobState;
  attempts: number;
  max_attempts: number;
  run_at: number;
  locked_by: string | null;
  locked_until: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

export const toJob = (r: JobRow): Job => ({
  id: r.id,
  kind: r.kind,
  payload: decodeJson(r.payload),
  dedupeKey: r.dedupe_key,
  state: r.state,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAt: r.run_at,
  lockedBy: r.locked_by,
  lockedUntil: r.locked_until,
  lastError: r.last_error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The notice (store/sql.ts) of a job that becomes runnable at the time it carries. */
export const JOB_DUE = 'job-due';

/** Tells this process's job runner, once committed, that a job is runnable at `runAt`. */
export function* jobDue(runAt: number): Body<void> {
  yield* notify(JOB_DUE, runAt);
}

/** Enqueues a job, or returns the one already holding its dedupe key. */
export function* insertJob<P>(
  kind: string,
  payload: P,
  opts: EnqueueOptions & { maxAttempts: number },
  now: number,
): Body<EnqueueResult<P>> {
  const row = yield* get<JobRow>(
    `INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at)
     VALUES (?, ?, ?, 'queued', 0, ?, ?, ?, ?)
     ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
     RETURNING *`,
    kind,
    JSON.stringify(payload ?? null),
    opts.dedupeKey ?? null,
    opts.maxAttempts,
    opts.runAt ?? now,
    now,
    now,
  );
  if (row) {
    yield* jobDue(row.run_at);
    return { job: toJob(row) as Job<P>, created: true };
  }
  const existing = yield* get<JobRow>('SELECT * FROM jobs WHERE dedupe_key = ?', opts.dedupeKey);
  if (!existing) throw new Error(`[store] the job with dedupe key ${opts.dedupeKey ?? ''} vanished while being enqueued; retry`);
  return { job: toJob(existing) as Job<P>, created: false };
}

/** Marks the queued job holding `dedupeKey` done without running it; true when there was one. */
export function* settleJob(dedupeKey: string, now: number): Body<boolean> {
  return (yield* run("UPDATE jobs SET state = 'done', updated_at = ? WHERE dedupe_key = ? AND state = 'queued'", now, dedupeKey)) === 1;
}

const LEASE_EXPIRED_ON_LAST_ATTEMPT = `UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, updated_at = ?,
  last_error = 'lease expired on attempt ' || attempts || ' of ' || max_attempts || ' (the worker stopped mid-job)'
    || COALESCE('; previous error: ' || last_error, '')
WHERE id IN (
  SELECT id FROM jobs
  WHERE state = 'running' AND locked_until <= ? AND attempts >= max_attempts KINDS
  FOR UPDATE SKIP LOCKED)`;

/**
 * The redundant `state IN (...)` lets PostgreSQL's planner use the partial index of active jobs;
 * the CTE picks the rows once (SKIP LOCKED: rows another instance is claiming right now are
 * passed over, not waited for).
 */
const CLAIM = `WITH picked AS (
  SELECT id FROM jobs
  WHERE state IN ('queued', 'running')
    AND ((state = 'queued' AND run_at <= ?) OR (state = 'running' AND locked_until <= ? AND attempts < max_attempts)) KINDS
  ORDER BY run_at, id
  LIMIT ?
  FOR UPDATE SKIP LOCKED)
UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1, updated_at = ?
WHERE id IN (SELECT id FROM picked)
RETURNING *`;

const withKinds = (text: string, kinds: readonly string[] | undefined) =>
  text.replace(' KINDS', kinds ? ` AND kind IN (${placeholders(kinds.length)})` : '');

export function jobStore(db: Db, s: StoreSettings) {
  const part = {
    enqueue<P>(kind: string, payload: P, opts: EnqueueOptions = {}): Promise<EnqueueResult<P>> {
      return db.write(() => insertJob(kind, payload, { ...opts, maxAttempts: opts.maxAttempts ?? s.defaultMaxAttempts }, s.now()));
    },

    async getJob(id: number): Promise<Job | null> {
      const row = await db.read(() => get<JobRow>('SELECT * FROM jobs WHERE id = ?', id));
      return row ? toJob(row) : null;
    },

    async claimJobs(workerId: string, limit: number, leaseMs: number, kinds?: readonly string[]): Promise<Job[]> {
      if (limit <= 0 || (kinds && kinds.length === 0)) return [];
      const kindArgs = kinds ?? [];
      const rows = await db.write(function* () {
        const now = s.now();
        yield* run(withKinds(LEASE_EXPIRED_ON_LAST_ATTEMPT, kinds), now, now, ...kindArgs);
        return yield* all<JobRow>(withKinds(CLAIM, kinds), now, now, ...kindArgs, limit, workerId, now + leaseMs, now);
      });
      return rows.map(toJob).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
    },

    async completeJob(id: number, workerId: string): Promise<boolean> {
      const sql = `UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, updated_at = ?
        WHERE id = ? AND state = 'running' AND locked_by = ?`;
      return (await db.write(() => run(sql, s.now(), id, workerId))) === 1;
    },

    failJob(id: number, workerId: string, error: string, next: number | 'dead'): Promise<boolean> {
      const free = "locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND locked_by = ?";
      return db.write(function* () {
        if (next === 'dead')
          return (yield* run(`UPDATE jobs SET state = 'dead', last_error = ?, ${free}`, clipError(error), s.now(), id, workerId)) === 1;
        const retried =
          (yield* run(
            `UPDATE jobs SET state = 'queued', run_at = ?, last_error = ?, ${free}`,
            next,
            clipError(error),
            s.now(),
            id,
            workerId,
          )) === 1;
        if (retried) yield* jobDue(next);
        return retried;
      });
    },

    /** Gives a claimed job back unrun (shutting down): its attempt does not count. */
    async releaseJob(id: number, workerId: string): Promise<boolean> {
      const sql = `UPDATE jobs SET state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
        locked_by = NULL, locked_until = NULL, updated_at = ? WHERE id = ? AND state = 'running' AND locked_by = ?`;
      return (await db.write(() => run(sql, s.now(), id, workerId))) === 1;
    },

    async listDeadJobs(limit = 100): Promise<Job[]> {
      const rows = await db.read(() => all<JobRow>("SELECT * FROM jobs WHERE state = 'dead' ORDER BY updated_at, id LIMIT ?", limit));
      return rows.map(toJob);
    },

    settleQueuedJob(dedupeKey: string): Promise<boolean> {
      return db.write(() => settleJob(dedupeKey, s.now()));
    },

    requeueDead(id: number): Promise<boolean> {
      const now = s.now();
      const sql = `UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, locked_by = NULL, locked_until = NULL, updated_at = ?
        WHERE id = ? AND state = 'dead'`;
      return db.write(function* () {
        const requeued = (yield* run(sql, now, now, id)) === 1;
        if (requeued) yield* jobDue(now);
        return requeued;
      });
    },

    /** When the next queued job of these kinds is due (null: none is queued). */
    async nextJobDueAt(kinds: readonly string[]): Promise<number | null> {
      if (kinds.length === 0) return null;
      const row = await db.read(() =>
        get<{ at: number | null }>(
          `SELECT MIN(run_at) AS at FROM jobs WHERE state = 'queued' AND kind IN (${placeholders(kinds.length)})`,
          ...kinds,
        ),
      );
      return row?.at === null || row?.at === undefined ? null : Number(row.at);
    },

    /** Calls `listener` with the due time of each job this process queues or retries, once committed. */
    onJobDue(listener: (runAt: number) => void): () => void {
      return db.listen(JOB_DUE, (runAt) => listener(runAt as number));
    },

    async countJobsByState(): Promise<Record<JobState, number>> {
      const counts: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
      const rows = await db.read(() => all<{ state: JobState; n: number }>('SELECT state, COUNT(*) AS n FROM jobs GROUP BY state'));
      for (const r of rows) counts[r.state] = Number(r.n);
      return counts;
    },
  } satisfies Partial<Store>;
  return part;
}
