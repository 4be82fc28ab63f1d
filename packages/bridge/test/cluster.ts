/**
 * Helpers for the tests that run bridges as processes under load (multi-instance, chaos): a
 * round-robin balancer in front of several instances (what a real deployment has), a ticket
 * client that retries with the same Idempotency-Key until it gets its ticket, and a report of
 * what the database recorded (ledger errors, job attempts) read with plain SQL.
 */
import { request as httpRequest, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pgEnv, pgExec, pgTestSchema } from './pg.js';

export interface Balancer {
  url: string;
  /** Requests forwarded to each instance URL. */
  served: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Forwards each request to the next instance in `targets()` (round robin). A request whose
 * instance fails before answering gets a 502 JSON error, as from a real load balancer: the
 * client (or the org's retrying callout) tries again and lands on another instance.
 */
export async function startBalancer(targets: () => string[]): Promise<Balancer> {
  let next = 0;
  const served = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const list = targets();
    const target = list[next++ % Math.max(list.length, 1)];
    const fail = (why: string) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'bad_gateway', message: why } }));
    };
    if (!target) return fail('no instance is up');
    served.set(target, (served.get(target) ?? 0) + 1);
    const u = new URL(req.url ?? '/', target);
    const up = httpRequest(u, { method: req.method, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
      upRes.on('error', () => res.destroy());
    });
    up.on('error', (err) => fail(`the instance failed: ${err.message}`));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TicketResult {
  status: number;
  body: any;
  /** Requests made, the first one included. */
  tries: number;
  /** Why each earlier try did not get the ticket (status or network error). */
  failures: string[];
}

/**
 * POSTs /tickets with one Idempotency-Key until the answer is 201 (a 503 `ticket_pending`, a
 * 502 from the balancer or a dead process are retried; anything else is returned at once).
 */
export async function openTicketUntilDone(
  base: () => string,
  token: string,
  key: string,
  body: unknown,
  opts: { deadlineMs?: number; pauseMs?: number } = {},
): Promise<TicketResult> {
  const deadline = Date.now() + (opts.deadlineMs ?? 45_000);
  const failures: string[] = [];
  for (let tries = 1; ; tries++) {
    let status = 0;
    let parsed: any;
    try {
      const res = await fetch(`${base()}/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(20_000),
      });
      status = res.status;
      const text = await res.text();
      parsed = text ? JSON.parse(text) : undefined;
    } catch (err) {
      failures.push(`network: ${(err as Error).message}`);
    }
    if (status === 201) return { status, body: parsed, tries, failures };
    if (status !== 0) {
      if (![502, 503].includes(status)) return { status, body: parsed, tries, failures };
      failures.push(`${status} ${parsed?.error?.code ?? ''}`);
    }
    if (Date.now() > deadline) return { status, body: parsed, tries, failures };
    await new Promise((r) => setTimeout(r, opts.pauseMs ?? 150));
  }
}

/** Runs `fn` over `items`, `concurrency` at a time. */
export async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (i < items.length) {
        const n = i++;
        out[n] = await fn(items[n] as T, n);
      }
    }),
  );
  return out;
}

export type DbRef = { kind: 'sqlite'; file: string } | { kind: 'postgres'; schema: string };

/**
 * The database bridge processes of one test share: a SQLite file in `dataDir`, or a fresh
 * PostgreSQL schema (dropped when the test ends); `env` points a bridge at it.
 */
export async function processDatabase(
  t: TestContext,
  store: 'sqlite' | 'postgres',
  dataDir: string,
  poolSize = 4,
): Promise<{ db: DbRef; env: Record<string, string> }> {
  if (store === 'sqlite') return { db: { kind: 'sqlite', file: join(dataDir, 'bridge.sqlite') }, env: {} };
  const schema = await pgTestSchema(t);
  return { db: { kind: 'postgres', schema }, env: pgEnv(schema, poolSize) };
}

/** Runs a read-only query on the bridge's database, whichever store it is. */
export async function dbQuery(db: DbRef, sql: string): Promise<Record<string, any>[]> {
  if (db.kind === 'postgres') return pgExec(sql, { schema: db.schema });
  const conn = new Database(db.file, { readonly: true });
  try {
    return conn.prepare(sql).all() as Record<string, any>[];
  } finally {
    conn.close();
  }
}

export interface RunReport {
  ledgerErrors: { system: string; action: string; n: number }[];
  jobs: { kind: string; state: string; jobs: number; attempts: number; retried: number }[];
}

/** What was retried, as the database recorded it: failed upstream calls and job attempts. */
export async function runReport(db: DbRef): Promise<RunReport> {
  const ledgerErrors = await dbQuery(
    db,
    "SELECT system, action, COUNT(*) AS n FROM ledger WHERE outcome = 'error' GROUP BY system, action ORDER BY system, action",
  );
  const jobs = await dbQuery(
    db,
    'SELECT kind, state, COUNT(*) AS jobs, SUM(attempts) AS attempts, SUM(CASE WHEN attempts > 1 THEN 1 ELSE 0 END) AS retried FROM jobs GROUP BY kind, state ORDER BY kind, state',
  );
  return {
    ledgerErrors: ledgerErrors.map((r) => ({ system: String(r.system), action: String(r.action), n: Number(r.n) })),
    jobs: jobs.map((r) => ({
      kind: String(r.kind),
      state: String(r.state),
      jobs: Number(r.jobs),
      attempts: Number(r.attempts),
      retried: Number(r.retried),
    })),
  };
}
