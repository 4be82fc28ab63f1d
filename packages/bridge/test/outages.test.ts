/**
 * Outages are answered 503 with Retry-After on every endpoint, never 500:
 * - the database unreachable: PostgreSQL behind a TCP proxy the test stops (connections cut,
 *   new ones refused), and its backends ended with pg_terminate_backend (57P01); SQLite with its
 *   connection gone;
 * - Salesforce and Sendbird down (every call answered 503/500) or unreachable (connections dropped).
 * And the classification itself, on errors the real drivers raise (SQLITE_BUSY, SQLITE_CANTOPEN,
 * ECONNREFUSED, 57P01) and on ones that are not outages (constraints).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { signWebhook } from '@sbsf/sendbird';
import { requireAvailable } from '@sbsf/testkit';
import Database from 'better-sqlite3';
import pg from 'pg';
import { isStoreOutage, StoreUnavailableError } from '../src/store/outage.js';
import { SECRETS } from './fixtures.js';
import { pgExec, pgTestSchema, pgUnavailable, TEST_DATABASE_URL } from './pg.js';
import { messageWebhook } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

const CASE = { Subject: 'Outage', Description: 'Testing outages', SuppliedName: 'Olu', SuppliedEmail: 'olu@example.com' };
const unavailable = await pgUnavailable();

type Answer = { status: number; headers: Headers; body: any };

/** One request to every endpoint of the bridge, as its clients make them. */
async function everyEndpoint(w: World, ticket: { id: string; customer: string; caseId: string }): Promise<Map<string, Answer>> {
  const auth = { authorization: `Bearer ${w.customerToken(ticket.customer)}` };
  const secret = { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}` };
  const raw = JSON.stringify(
    messageWebhook({ caseId: ticket.caseId, messageId: Math.floor(Math.random() * 1e9), userId: ticket.customer }),
  );
  const out = new Map<string, Answer>();
  out.set(
    'POST /tickets',
    await w.call('POST', '/tickets', { headers: { ...auth, 'idempotency-key': randomUUID() }, body: { case: CASE } }),
  );
  out.set('GET /tickets/:id', await w.call('GET', `/tickets/${ticket.id}`, { headers: auth }));
  out.set('POST /session', await w.call('POST', '/session', { headers: auth, body: {} }));
  out.set('POST /createticket', await w.call('POST', '/createticket', { headers: auth, body: { token_type: 0, case: CASE } }));
  out.set(
    'POST /salesforce/events',
    await w.call('POST', '/salesforce/events', {
      headers: secret,
      body: {
        events: [
          {
            type: 'case.owner_changed',
            caseId: ticket.caseId,
            previousOwnerId: null,
            ownerId: w.sf.seed.agents.ava,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    }),
  );
  out.set(
    'POST /agents/session',
    await w.call('POST', '/agents/session', { headers: secret, body: { userId: w.sf.seed.agents.ben, nickname: 'Ben Agent' } }),
  );
  const hook = await fetch(`${w.url}/sendbird/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-sendbird-signature': signWebhook(raw, w.sb.apiToken) },
    body: raw,
  });
  out.set('POST /sendbird/webhooks', { status: hook.status, headers: hook.headers, body: JSON.parse(await hook.text()) });
  out.set('GET /readyz', await w.call('GET', '/readyz'));
  out.set('GET /healthz', await w.call('GET', '/healthz'));
  out.set('GET /metrics', await w.call('GET', '/metrics'));
  return out;
}

/** A ticket opened while everything is up (its id is read during the outage). */
async function openTicket(w: World): Promise<{ id: string; customer: string; caseId: string }> {
  const customer = `olu-${randomUUID().slice(0, 8)}`;
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(customer)}`, 'idempotency-key': randomUUID() },
    body: { case: CASE },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { id: res.body.ticket.id, customer, caseId: res.body.case.id };
}

/** The code of either error shape (the API's, or /createticket's tutorial shape). */
const codeOf = (a: Answer) => (typeof a.body?.error === 'object' ? a.body.error.code : a.body?.reason);

function assertNo500AndRetryAfter(answers: Map<string, Answer>, why: string): void {
  for (const [route, a] of answers) {
    assert.ok(a.status < 500 || a.status === 503, `${why}: ${route} answered ${a.status} ${JSON.stringify(a.body)}`);
    if (a.status === 503) {
      assert.match(a.headers.get('retry-after') ?? '', /^[1-9]\d*$/, `${why}: ${route} 503 carries Retry-After`);
      assert.equal(typeof codeOf(a), 'string', `${why}: ${route} 503 has a JSON error with a code`);
    }
  }
}

function expect503(answers: Map<string, Answer>, routes: readonly string[], code: string | RegExp, why: string): void {
  for (const route of routes) {
    const a = answers.get(route)!;
    assert.equal(a.status, 503, `${why}: ${route} answered ${a.status} ${JSON.stringify(a.body)}`);
    if (typeof code === 'string') assert.equal(codeOf(a), code, `${why}: ${route} code`);
    else assert.match(String(codeOf(a)), code, `${why}: ${route} code`);
  }
}

/** Routes that need the database. */
const STORE_ROUTES = ['POST /tickets', 'GET /tickets/:id', 'POST /createticket', 'POST /salesforce/events', 'POST /sendbird/webhooks'];

/** A TCP proxy to PostgreSQL that the test can stop: connections cut, new ones refused. */
async function pgProxy(): Promise<{ url: string; port: number; upstreamPorts(): number[]; stop(): Promise<void> }> {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  const upstream = new Set<Socket>();
  const server: Server = createServer((client) => {
    const up = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client);
    upstream.add(up);
    client.pipe(up).pipe(client);
    const end = () => {
      client.destroy();
      up.destroy();
      sockets.delete(client);
      upstream.delete(up);
    };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    port,
    upstreamPorts: () => [...upstream].map((s) => s.localPort).filter((p): p is number => typeof p === 'number'),
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of [...sockets, ...upstream]) s.destroy();
      });
    },
  };
}

test(
  'PostgreSQL unreachable (backends terminated, then connections refused): every endpoint that needs it answers 503 store_unavailable with Retry-After, none 500',
  { timeout: 60_000 },
  async (t) => {
    if (!requireAvailable(t, unavailable === null, unavailable ?? '')) return;
    const schema = await pgTestSchema(t);
    const proxy = await pgProxy();
    t.after(() => proxy.stop());
    const w = await startWorld(t, { DATABASE_URL: proxy.url, DATABASE_SCHEMA: schema, DATABASE_POOL_SIZE: '2', LOG_LEVEL: 'silent' });
    const ticket = await openTicket(w);
    const up = await everyEndpoint(w, ticket);
    assertNo500AndRetryAfter(up, 'database up');
    assert.equal(up.get('GET /readyz')!.status, 200);

    // The server ends the bridge's sessions (57P01 admin shutdown, as in a restart or failover)...
    const ended = await pgExec('SELECT COUNT(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE client_port = ANY($1::int[])', {
      params: [proxy.upstreamPorts()],
    });
    assert.ok(Number(ended[0]?.n) >= 1, 'the bridge had connections to end');
    // ...and stays away: no new connection gets through.
    await proxy.stop();
    const down = await everyEndpoint(w, ticket);
    assertNo500AndRetryAfter(down, 'database down');
    expect503(down, STORE_ROUTES, 'store_unavailable', 'database down');
    expect503(down, ['GET /readyz'], 'not_ready', 'database down');
    assert.equal(down.get('GET /healthz')!.status, 200, 'liveness does not depend on the database');
    assert.equal(down.get('GET /metrics')!.status, 200, 'a scrape still succeeds');
    assert.match(down.get('POST /tickets')!.body.error.message, /cannot reach its database/);
    assert.equal(down.get('POST /tickets')!.headers.get('retry-after'), '5');
  },
);

test('SQLite unreachable: every endpoint that needs it answers 503 store_unavailable with Retry-After, none 500', async (t) => {
  const w = await startWorld(t, { LOG_LEVEL: 'silent' });
  const ticket = await openTicket(w);
  assertNo500AndRetryAfter(await everyEndpoint(w, ticket), 'database up');
  // The bridge's connection to its file is gone (what any call then meets is the driver's error).
  await w.bridge.store.close();
  const down = await everyEndpoint(w, ticket);
  assertNo500AndRetryAfter(down, 'database down');
  expect503(down, STORE_ROUTES, 'store_unavailable', 'database down');
  expect503(down, ['GET /readyz'], 'not_ready', 'database down');
});

test(
  'Salesforce and Sendbird down or unreachable: every endpoint answers 503 with Retry-After where it needs them, none 500',
  { timeout: 120_000 },
  async (t) => {
    const w = await startWorld(t, { LOG_LEVEL: 'silent' });
    const ticket = await openTicket(w);
    for (const [why, sfFault, sbFault] of [
      ['answering 5xx', { action: 'error' as const, status: 503 }, { action: 'error' as const, status: 500 }],
      ['unreachable (connections dropped)', { action: 'drop' as const }, { action: 'drop' as const }],
    ] as const) {
      w.sf.faults.set({ rules: [{ ...sfFault, path: '^/(services|v)' }] });
      w.sb.faults.set({ rules: [{ ...sbFault, path: '^/v3/' }] });
      const down = await everyEndpoint(w, ticket);
      w.sf.faults.reset();
      w.sb.faults.reset();
      assertNo500AndRetryAfter(down, `upstream ${why}`);
      expect503(
        down,
        ['POST /tickets', 'POST /createticket', 'POST /session', 'POST /agents/session'],
        /unavailable|pending/,
        `upstream ${why}`,
      );
      assert.equal(down.get('GET /tickets/:id')!.status, 200, `${why}: a ticket is read from the store`);
      assert.equal(down.get('POST /salesforce/events')!.status, 202, `${why}: events are stored and reconciled later`);
      assert.equal(down.get('POST /sendbird/webhooks')!.status, 200, `${why}: webhooks are stored and mirrored later`);
    }
  },
);

test('what counts as a store outage, on the errors the drivers raise', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'outage-'));
  const file = join(dir, 'x.sqlite');
  const a = new Database(file);
  const b = new Database(file, { timeout: 0 });
  t.after(() => {
    a.close();
    b.close();
  });
  a.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  a.exec('BEGIN EXCLUSIVE');
  const busy = (() => {
    try {
      b.exec('INSERT INTO t VALUES (1)');
    } catch (err) {
      return err;
    }
  })();
  a.exec('ROLLBACK');
  assert.equal((busy as { code?: string }).code, 'SQLITE_BUSY');
  assert.equal(isStoreOutage(busy), true, 'SQLITE_BUSY past the busy timeout');
  const cantOpen = (() => {
    try {
      // A path SQLite cannot open as a database (a directory).
      new Database(dir);
    } catch (err) {
      return err;
    }
  })();
  assert.match(String((cantOpen as { code?: string }).code), /^SQLITE_CANTOPEN/);
  assert.equal(isStoreOutage(cantOpen), true, 'the file cannot be opened');
  const constraint = (() => {
    try {
      a.exec('INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)');
    } catch (err) {
      return err;
    }
  })();
  assert.equal(isStoreOutage(constraint), false, 'a constraint is not an outage');

  const closed = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const refused = await new pg.Client({ host: '127.0.0.1', port: closed, connectionTimeoutMillis: 2_000 })
    .connect()
    .catch((err: unknown) => err);
  assert.equal((refused as { code?: string }).code, 'ECONNREFUSED');
  assert.equal(isStoreOutage(refused), true, 'PostgreSQL refusing connections');
  for (const code of ['57P01', '57P03', '53300', '08006'])
    assert.equal(isStoreOutage(Object.assign(new Error('pg'), { code })), true, `SQLSTATE ${code}`);
  for (const code of ['23505', '42P01', '22P02'])
    assert.equal(isStoreOutage(Object.assign(new Error('pg'), { code })), false, `SQLSTATE ${code} is not an outage`);
  assert.equal(isStoreOutage(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isStoreOutage(new StoreUnavailableError(new Error('x'))), true);
  assert.equal(isStoreOutage('a string'), false);

  if (unavailable === null) {
    // A backend ended by the server mid-session answers 57P01 to its next query.
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    c.on('error', () => undefined);
    const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await pgExec('SELECT pg_terminate_backend($1)', { params: [pid] });
    const ended = await c.query('SELECT 1').catch((err: unknown) => err);
    await c.end().catch(() => undefined);
    assert.ok(
      isStoreOutage(ended),
      `a terminated backend: ${String((ended as Error).message)} (${String((ended as { code?: string }).code)})`,
    );
  }
});
