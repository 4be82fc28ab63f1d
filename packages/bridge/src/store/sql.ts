/**
 * The store's one query layer. Every query is written once, in SQL that SQLite and PostgreSQL
 * both run, and every multi-statement operation is written once as a *body*: a generator that
 * yields its queries and receives their results.
 *
 *     function* markDone(id: number, now: number): Body<boolean> {
 *       return (yield* run("UPDATE jobs SET state = 'done', updated_at = ? WHERE id = ?", now, id)) === 1;
 *     }
 *     await db.write(() => markDone(7, now));
 *
 * A body is a generator, not an async function, so that one body can run both ways: the SQLite
 * driver (better-sqlite3, synchronous) runs it to the end without ever leaving the event loop's
 * turn, inside a savepoint of the turn's group transaction (sqlite-db.ts); the PostgreSQL driver
 * (node-postgres) awaits each query on one connection inside BEGIN/COMMIT and runs the body again
 * from the start after a deadlock (postgres-db.ts). So a body must do nothing but compute and
 * yield queries: no I/O of its own, no awaiting.
 *
 * The SQL dialect both accept: `?` placeholders (numbered `$1, $2...` for PostgreSQL by the
 * driver), `ON CONFLICT ... DO NOTHING/UPDATE`, `RETURNING`, multi-row `VALUES`, `CAST(? AS
 * BIGINT)` where a parameter's type must be stated. Row locks are written for PostgreSQL
 * (`FOR UPDATE`, `FOR UPDATE SKIP LOCKED`) and dropped by the SQLite driver, whose write
 * transaction holds the whole database. JSON columns come back as text from both (`decodeJson`).
 */
import { truncateText } from '@sbsf/wire';
import { asStoreError } from './outage.js';

export type Dialect = 'sqlite' | 'postgres';

/** One statement to run: `get` the first row, `all` rows, `run` for the count of changed rows. */
export interface Query {
  readonly op: 'get' | 'all' | 'run';
  readonly text: string;
  readonly params: readonly unknown[];
}

/** A transaction-scoped lock on a name (PostgreSQL advisory lock; nothing for SQLite). */
export interface Lock {
  readonly op: 'lock';
  readonly name: string;
}

/** News for this process's listeners once the transaction has committed (nothing if it rolls back). */
export interface Notice {
  readonly op: 'notify';
  readonly topic: string;
  readonly value: unknown;
}

export type Step = Query | Lock | Notice;

/** A unit of store work: yields its steps, returns its result. */
export type Body<T> = Generator<Step, T, unknown>;

/** The first row, or undefined. */
export function* get<R>(text: string, ...params: unknown[]): Body<R | undefined> {
  return (yield { op: 'get', text, params }) as R | undefined;
}

/** Every row. */
export function* all<R>(text: string, ...params: unknown[]): Body<R[]> {
  return (yield { op: 'all', text, params }) as R[];
}

/** Runs a statement; returns how many rows it changed. */
export function* run(text: string, ...params: unknown[]): Body<number> {
  return (yield { op: 'run', text, params }) as number;
}

/**
 * Serialises the bodies that take the same lock until their transactions end. PostgreSQL needs it
 * where a body reads then writes rows that may not exist yet (no row to lock); SQLite's write
 * transaction already excludes every other writer.
 */
export function* lock(name: string): Body<void> {
  yield { op: 'lock', name };
}

/**
 * Tells this process's listeners of `topic` (Db.listen) about `value` once the write commits:
 * a job queued for a time wakes the job runner then (jobs/store.ts). Never before the commit, so
 * a listener that reads finds what the body wrote; never for a body that rolled back.
 */
export function* notify(topic: string, value: unknown): Body<void> {
  yield { op: 'notify', topic, value };
}

/** `?, ?, ?` for an `IN (...)` list of `n` values (n >= 1). */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** A JSON column as the drivers return it (text) -> its value. */
export const decodeJson = (raw: unknown): unknown => (raw === null || raw === undefined ? raw : JSON.parse(raw as string));

/** A database the store's parts run their bodies on. */
export interface Db {
  readonly dialect: Dialect;
  /** Runs a body outside any transaction (each query sees the latest committed data). */
  read<T>(body: () => Body<T>): Promise<T>;
  /** Runs a body as one atomic transaction; resolves once it is committed. */
  write<T>(body: () => Body<T>): Promise<T>;
  /** Calls `listener` with the value of every `notify(topic, ...)` of a committed body; returns the unsubscribe. */
  listen(topic: string, listener: (value: unknown) => void): () => void;
  close(): Promise<void>;
}

/** The listeners of one database's notices; each driver holds one. */
export class Notices {
  private readonly listeners = new Map<string, Set<(value: unknown) => void>>();

  listen(topic: string, listener: (value: unknown) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Delivers committed notices; a listener that throws does not stop the others, nor fail the write. */
  deliver(notices: readonly Notice[]): void {
    for (const n of notices) {
      for (const listener of this.listeners.get(n.topic) ?? []) {
        try {
          listener(n.value);
        } catch {
          // A listener's own failure is its own to report; the write has committed.
        }
      }
    }
  }
}

/** Runs a body to its end, each step through `exec`; a step that throws is thrown into the body. */
export function runBodySync<T>(body: Body<T>, exec: (step: Step) => unknown): T {
  let next = body.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = exec(next.value);
    } catch (err) {
      next = body.throw(err);
      continue;
    }
    next = body.next(result);
  }
  return next.value;
}

/** As runBodySync, with steps that complete asynchronously. */
export async function runBody<T>(body: Body<T>, exec: (step: Step) => Promise<unknown>): Promise<T> {
  let next = body.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await exec(next.value);
    } catch (err) {
      next = body.throw(err);
      continue;
    }
    next = body.next(result);
  }
  return next.value;
}

/** Outage failures of a database call as StoreUnavailableError (outage.ts); other errors as they are. */
export async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asStoreError(err);
  }
}

/** Error text is stored and shown to operators; keep it bounded. */
const MAX_ERROR_LENGTH = 2_000;

/** A stored error, cut where a character ends, so the column always holds valid UTF-8. */
export const clipError = (s: string): string => truncateText(s, MAX_ERROR_LENGTH, '...');
