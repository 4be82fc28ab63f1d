/**
 * Store outages: the database cannot be reached or cannot take the write now, and a retry in a
 * moment may succeed. Every such failure becomes one error, `StoreUnavailableError` (HTTP 503
 * `store_unavailable` with Retry-After), whatever the store and wherever it surfaces, so a client
 * that retries on 503 as documented retries, and none of them is answered 500 `internal`.
 *
 * What counts as an outage:
 * - SQLite (better-sqlite3 `SqliteError.code`, https://www.sqlite.org/rescode.html): the file is
 *   locked past `busy_timeout` (SQLITE_BUSY*, SQLITE_LOCKED*), the disk failed or is full
 *   (SQLITE_IOERR*, SQLITE_FULL), the file cannot be opened (SQLITE_CANTOPEN*), or it became
 *   read-only under the process (SQLITE_READONLY*); and the connection closed (shutting down).
 * - PostgreSQL (node-postgres): the network (ECONNREFUSED, ECONNRESET, ETIMEDOUT, ...), the pool's
 *   connection timeout, a connection that ended under a query, and the SQLSTATEs of a server that
 *   is going away or full (https://www.postgresql.org/docs/current/errcodes-appendix.html): class
 *   08 (connection exception), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect
 *   now, class 53 (too many connections, out of memory or disk), 57014 a statement cancelled
 *   (statement timeout), and 40001 / 40P01 still failing after the store's own retries.
 * Anything else (a constraint, a bug) is not an outage and stays what it is.
 */
import { AppError } from '../errors.js';

/** What a 503 for a store outage tells the client to wait, in seconds. */
export const STORE_RETRY_AFTER_SECONDS = 5;

export class StoreUnavailableError extends AppError {
  constructor(cause: unknown) {
    super(
      503,
      'store_unavailable',
      'the bridge cannot reach its database right now; retry in a few seconds',
      { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
      { cause },
    );
    this.name = 'StoreUnavailableError';
  }
}

const SQLITE_OUTAGE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY)(_|$)/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
]);
const PG_OUTAGE_STATES = new Set(['57P01', '57P02', '57P03', '57014', '40001', '40P01']);
/** node-postgres says these in words, without a code. */
const PG_OUTAGE_MESSAGES = [
  /^Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error and is not queryable/i,
  /Cannot use a pool after calling end on the pool/i,
  /Client was closed and is not queryable/i,
];
const CLOSED_MESSAGES = [/The database connection is not open/i, /the store is closed/i];

/** True when `err` says the database is unreachable or busy, so a retry later may succeed. */
export function isStoreOutage(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_OUTAGE.test(code) || NETWORK_CODES.has(code) || PG_OUTAGE_STATES.has(code)) return true;
    // Class 08: connection exception; class 53: insufficient resources (53300 too many connections).
    if (/^(08|53)[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (PG_OUTAGE_MESSAGES.some((re) => re.test(err.message)) || CLOSED_MESSAGES.some((re) => re.test(err.message))) return true;
  // A pool error may wrap the socket's error.
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isStoreOutage(cause);
}

/** `err` as a StoreUnavailableError when it is an outage, else unchanged. */
export function asStoreError(err: unknown): unknown {
  return err instanceof StoreUnavailableError || !isStoreOutage(err) ? err : new StoreUnavailableError(err);
}
