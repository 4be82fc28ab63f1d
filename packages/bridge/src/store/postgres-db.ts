/**
 * The PostgreSQL driver of the query layer (sql.ts), over node-postgres, for several bridge
 * instances sharing one database:
 *
 * - A write body runs on one pooled connection inside BEGIN/COMMIT (READ COMMITTED); the rows it
 *   changes are locked by its `FOR UPDATE` reads, and `FOR UPDATE SKIP LOCKED` lets instances
 *   claiming at once pass over each other's rows instead of waiting. A deadlock or serialization
 *   failure rolls back and runs the body again from the start (it did nothing but queries).
 * - `lock(name)` takes a transaction-level advisory lock keyed on the schema and the name.
 * - `?` placeholders are numbered `$1, $2...` once per SQL text.
 *
 * Times are `bigint` epoch ms from the store's clock (never the server's `now()`), so tests can
 * move time exactly as with SQLite; `bigint` columns come back as JS numbers (every value the
 * store keeps is far below 2^53) and `json` columns as their text, as from SQLite. PostgreSQL
 * `text` cannot hold the NUL character, which SQLite can: every string parameter has NUL replaced
 * by U+FFFD (JSON values are unaffected: NUL is written as the escape `\u0000` in the `json`
 * columns).
 */
import pg, { type PoolClient } from 'pg';
import { classified, Notices, runBody, type Body, type Db, type Notice, type Step } from './sql.js';

export interface PostgresDbOptions {
  /** `postgres://user:password@host:port/database?sslmode=...` (DATABASE_URL). */
  url: string;
  /**
   * The schema holding the bridge's tables (DATABASE_SCHEMA); every connection's `search_path` is
   * set to it. Unset: the server's default (usually `public`).
   */
  schema?: string;
  /** Connections per process (DATABASE_POOL_SIZE, default 10). */
  poolSize?: number;
  /** An idle pooled connection failed (the server restarted): the pool drops it; log it. */
  onError?: (err: Error) => void;
  /** How long to wait for a connection (default 10 s). */
  connectionTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 10;
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

/** `bigint` (epoch ms, ids) as JS numbers; `json` as its text (decoded by the store's row mappers). */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.JSON) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

const noNul = (v: unknown): unknown => (typeof v === 'string' && v.includes('\0') ? v.replace(/\0/g, '\uFFFD') : v);

/** The advisory lock key for one schema and purpose; hashed to an int by the server. */
export const lockName = (schema: string, purpose: string) => `sbsf:${purpose}:${schema}`;

/** `?` -> `$1, $2...` (the store's SQL has no `?` inside string literals). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

type Queryable = Pick<PoolClient, 'query'>;

export class PostgresDb implements Db {
  readonly dialect = 'postgres';
  readonly pool: pg.Pool;
  /** The schema the tables are in (resolved by `connect`). */
  schema = 'public';
  private closed = false;
  private readonly texts = new Map<string, string>();

  constructor(opts: PostgresDbOptions) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new Error(`[store] the PostgreSQL schema name must be a lower-case identifier (letters, digits, _), got "${opts.schema}"`);
    }
    const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
    if (!(poolSize >= 1)) throw new Error('[store] poolSize must be >= 1 (set DATABASE_POOL_SIZE)');
    if (opts.schema) this.schema = opts.schema;
    this.pool = new pg.Pool({
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
    this.pool.on('error', (err) => opts.onError?.(err));
  }

  private readonly notices = new Notices();

  read<T>(body: () => Body<T>): Promise<T> {
    return classified(async () => {
      if (this.closed) throw new Error('the store is closed');
      const notices: Notice[] = [];
      const result = await runBody(body(), (step) => this.exec(this.pool, step, notices));
      this.notices.deliver(notices);
      return result;
    });
  }

  write<T>(body: () => Body<T>): Promise<T> {
    return classified(async () => {
      let notices: Notice[] = [];
      const result = await this.tx((c) => {
        // A body run again after a deadlock notifies only what its last, committed run did.
        notices = [];
        return runBody(body(), (step) => this.exec(c, step, notices));
      });
      this.notices.deliver(notices);
      return result;
    });
  }

  listen(topic: string, listener: (value: unknown) => void): () => void {
    return this.notices.listen(topic, listener);
  }

  /** Runs `fn` on one connection (for migrations, which manage their own transactions). */
  async withConnection<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private async exec(c: Queryable, step: Step, notices: Notice[]): Promise<unknown> {
    if (step.op === 'notify') {
      notices.push(step);
      return undefined;
    }
    if (step.op === 'lock') {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName(this.schema, step.name)]);
      return undefined;
    }
    let text = this.texts.get(step.text);
    if (text === undefined) {
      text = numbered(step.text);
      this.texts.set(step.text, text);
    }
    const res = await c.query(text, step.params.map(noNul));
    switch (step.op) {
      case 'get':
        return res.rows[0];
      case 'all':
        return res.rows;
      case 'run':
        return res.rowCount ?? 0;
    }
  }

  /** Runs `fn` in a transaction; retried on deadlock or serialization failure. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('the store is closed');
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
        // A connection that cannot even roll back is not given to the next caller; it keeps the
        // listener, since the server's own notice of the end (57P01) may still arrive while it closes.
        if (!broken) c.off('error', onError);
        c.release(broken);
      }
    }
  }
}
