/**
 * Hostile input. A bridge process (main.ts, LOG_LEVEL=debug) gets FUZZ_REQUESTS (default 5,000)
 * seeded malformed requests across every public endpoint (fuzz-requests.ts) plus raw malformed
 * HTTP, and must: answer no 5xx, stay up, answer every refusal as JSON `{error:{code, message}}`
 * (the tutorial's `{error:true, code, message}` on /createticket) with the security headers, and
 * write nothing (no ticket, job, event, transcript row, ledger row or idempotency key; not one
 * call to Salesforce or Sendbird). Then a normal run through every feature, and the whole log
 * must hold none of the configured secrets nor the tokens issued. Replay a failure with
 * FUZZ_SEED=<seed> (printed), FUZZ_REQUESTS=<n>.
 *
 * Also here: security headers, CORS, the rate limit, and which endpoints need credentials.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { signWebhook } from '@sbsf/sendbird';
import { tempDir, waitFor } from '@sbsf/testkit';
import { configSecrets, loadConfig } from '../src/config.js';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { dbQuery, pool } from './cluster.js';
import { SECRETS } from './fixtures.js';
import { generateRequest, RAW_REQUESTS, type FuzzRequest } from './fuzz-requests.js';
import { runMain } from './spawn-bridge.js';
import { call, startEmulators, startWorld, worldEnv } from './world.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const COUNT = Number(process.env.FUZZ_REQUESTS ?? 5_000);
const CONCURRENCY = 16;
/** BODY_LIMIT_BYTES left at its default. */
const BODY_LIMIT = 65_536;
const METRICS_TOKEN = 'metrics-token-0123456789abcdef-0123456789';
const APP_ORIGIN = 'https://app.example.com';
const CASE = { Subject: 'After the fuzz', Description: 'A normal ticket', SuppliedName: 'Norm', SuppliedEmail: 'norm@example.com' };

/** What is wrong with the answer to `req`, or null when it is as it must be. */
async function check(base: string, req: FuzzRequest): Promise<{ status: number; problem: string | null }> {
  let res: Response;
  try {
    res = await fetch(`${base}${req.path}`, {
      method: req.method,
      headers: req.headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(20_000),
      ...(req.body !== undefined ? { body: req.body } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // A body far over the limit is answered 413 and the connection closed while the client is
    // still sending: the client then sees the connection reset rather than the answer.
    if ((req.body?.length ?? 0) > BODY_LIMIT && ['EPIPE', 'ECONNRESET', 'UND_ERR_SOCKET'].includes(cause?.code ?? ''))
      return { status: 413, problem: null };
    return { status: 0, problem: `no answer: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
  }
  const text = await res.text();
  const status = res.status;
  if (status >= 500) return { status, problem: `${status}: ${text.slice(0, 300)}` };
  if (res.headers.get('x-content-type-options') !== 'nosniff') return { status, problem: 'no X-Content-Type-Options: nosniff' };
  if (status < 400 || req.method === 'HEAD') return { status, problem: null };
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json')) return { status, problem: `refusal is ${type || 'untyped'}: ${text.slice(0, 200)}` };
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    return { status, problem: `refusal is not JSON: ${text.slice(0, 200)}` };
  }
  const ours =
    typeof body?.error === 'object' &&
    body.error !== null &&
    typeof body.error.code === 'string' &&
    typeof body.error.message === 'string' &&
    body.error.message !== '';
  const tutorial =
    req.path.startsWith('/createticket') &&
    body?.error === true &&
    typeof body.code === 'number' &&
    typeof body.message === 'string' &&
    body.message !== '';
  return { status, problem: ours || tutorial ? null : `refusal shape: ${text.slice(0, 200)}` };
}

/** Sends raw bytes, returns what came back (the socket is closed by the server). */
function rawHttp(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('error', () => resolve(out));
    socket.on('close', () => resolve(out));
    socket.setTimeout(10_000, () => socket.destroy());
    socket.end(Buffer.from(bytes, 'latin1'));
  });
}

test(
  `fuzz: ${COUNT} malformed requests to every endpoint (seed ${SEED}): no 5xx, JSON refusals, nothing written, no secret in the logs`,
  { timeout: 300_000 },
  async (t) => {
    const { sf, sb } = await startEmulators(t);
    const dataDir = tempDir(t, 'fuzz-');
    const env = worldEnv(sf, sb, dataDir, {
      PORT: '0',
      LOG_LEVEL: 'debug',
      CORS_ORIGINS: APP_ORIGIN,
      METRICS_TOKEN,
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    const bridge = runMain(env);
    t.after(() => bridge.child.kill('SIGKILL'));
    const url = await bridge.listening;
    const port = Number(new URL(url).port);
    const cases = sf.records('Case').length;
    // The start-up checks call both services once the bridge listens: counted from after them.
    await waitFor('the start-up checks', () => bridge.out().includes('doctor: the start-up checks finished'));
    const calls = { sf: sf.stats().total, sb: sb.stats.get().total };

    const customerToken = signCustomerJwt({ sub: 'fuzz-customer', exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET);
    const creds = { customerToken, sharedSecret: SECRETS.BRIDGE_SHARED_SECRET };
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    await pool(
      Array.from({ length: COUNT }, (_, n) => n),
      CONCURRENCY,
      async (n) => {
        const req = generateRequest(SEED, n, creds);
        const { status, problem } = await check(url, req);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (problem) failures.push(`#${n} ${req.label} ${req.method} ${req.path.slice(0, 80)}: ${problem}`);
      },
    );
    for (const [i, bytes] of RAW_REQUESTS.entries()) {
      const answer = await rawHttp(port, bytes);
      const m = /^HTTP\/1\.1 (\d{3})[^]*?\r\n\r\n([^]*)$/.exec(answer);
      if (!m) {
        failures.push(`raw #${i}: no HTTP answer (${JSON.stringify(answer.slice(0, 80))})`);
        continue;
      }
      const status = Number(m[1]);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500 || status < 400) failures.push(`raw #${i}: status ${status}`);
      else if (!/"error":\{"code":"[a-z_]+","message":"[^"]+"\}/.test(m[2] ?? '')) failures.push(`raw #${i}: ${m[2]?.slice(0, 120)}`);
    }
    t.diagnostic(
      `seed ${SEED}: ${COUNT} requests + ${RAW_REQUESTS.length} raw; answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    if (process.env.FUZZ_DUMP) (await import('node:fs')).writeFileSync(process.env.FUZZ_DUMP, failures.join('\n'));
    assert.deepEqual(failures.slice(0, 15), [], `${failures.length} bad answers (replay with FUZZ_SEED=${SEED})`);

    // The process is up, and nothing was written anywhere.
    assert.equal(bridge.child.exitCode, null, 'the bridge is still running');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const db = { kind: 'sqlite', file: join(dataDir, 'bridge.sqlite') } as const;
    for (const table of ['tickets', 'idempotency_keys', 'jobs', 'salesforce_events', 'membership_pending', 'transcript_messages']) {
      assert.equal(Number((await dbQuery(db, `SELECT COUNT(*) AS n FROM ${table}`))[0]?.n), 0, `${table} is empty`);
    }
    // The ledger holds only the refusals of Salesforce event batches (never dropped in silence).
    const ledger = await dbQuery(db, 'SELECT action, outcome, COUNT(*) AS n FROM ledger GROUP BY action, outcome');
    assert.deepEqual(
      ledger.map((r) => `${r.action} ${r.outcome}`).filter((a) => a !== 'events.refused error'),
      [],
      'the ledger holds nothing but refusals',
    );
    assert.equal(sf.records('Case').length, cases, 'no Case');
    assert.equal(sb.store.users.size + sb.store.channels.size, 0, 'no Sendbird user or channel');
    assert.deepEqual({ sf: sf.stats().total, sb: sb.stats.get().total }, calls, 'not one upstream call');

    // A normal run through every feature, at debug level, then the whole log is searched.
    const issued: string[] = [];
    const ticket = await call(url, 'POST', '/tickets', {
      headers: { authorization: `Bearer ${customerToken}`, 'idempotency-key': randomUUID() },
      body: { case: CASE },
    });
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
    issued.push(ticket.body.sendbird.accessToken);
    const secretHeader = { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}` };
    const owner = sf.seed.agents.ava;
    const events = await call(url, 'POST', '/salesforce/events', {
      headers: secretHeader,
      body: {
        events: [
          {
            type: 'case.owner_changed',
            caseId: ticket.body.case.id,
            previousOwnerId: null,
            ownerId: owner,
            occurredAt: new Date().toISOString(),
          },
        ],
      },
    });
    assert.equal(events.status, 202, JSON.stringify(events.body));
    const agent = await call(url, 'POST', '/agents/session', { headers: secretHeader, body: { userId: owner, nickname: 'Ava Agent' } });
    assert.equal(agent.status, 200, JSON.stringify(agent.body));
    issued.push(agent.body.accessToken);
    const hook = JSON.stringify({ category: 'group_channel:create', app_id: sb.appId, channel: { channel_url: ticket.body.case.id } });
    const webhook = await call(url, 'POST', '/sendbird/webhooks', {
      headers: { 'content-type': 'application/json', 'x-sendbird-signature': signWebhook(hook, sb.apiToken) },
      body: hook,
    });
    assert.equal(webhook.status, 200, JSON.stringify(webhook.body));
    assert.equal((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status, 200);

    bridge.child.kill('SIGTERM');
    assert.equal(await bridge.exited, 0);
    const logs = bridge.out() + bridge.err();
    const accessLines = logs.split('\n').filter((l) => l.includes('"msg":"request completed"')).length;
    assert.ok(accessLines > COUNT / 2, `the requests were logged (${accessLines} access-log lines)`);
    assert.equal(logs.includes('"msg":"incoming request"'), false, 'one line per request, not two');
    const secrets = [...configSecrets(loadConfig(env)), METRICS_TOKEN, customerToken, ...issued];
    for (const s of secrets) {
      assert.ok(s.length >= 16, 'a secret worth searching for');
      assert.ok(!logs.includes(s) && !logs.includes(JSON.stringify(s).slice(1, -1)), `a secret (${s.slice(0, 4)}...) is in the logs`);
    }
    t.diagnostic(`${logs.split('\n').length} log lines searched for ${secrets.length} secrets and tokens: none found`);
  },
);

test('security headers, CORS only for CORS_ORIGINS, and the rate limit (JSON 429 with Retry-After)', async (t) => {
  const w = await startWorld(t, { CORS_ORIGINS: APP_ORIGIN });
  for (const path of ['/healthz', '/no-such-route', '/tickets/x']) {
    const res = await fetch(`${w.url}${path}`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*frame-ancestors 'none'/, path);
    assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=\d+/, path);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
    assert.equal(res.headers.get('x-powered-by'), null, path);
  }
  const preflight = (origin: string) =>
    fetch(`${w.url}/tickets`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization,idempotency-key',
      },
    });
  const allowed = await preflight(APP_ORIGIN);
  assert.equal(allowed.headers.get('access-control-allow-origin'), APP_ORIGIN);
  assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /idempotency-key/);
  for (const origin of ['https://evil.example', 'https://app.example.com.evil.example', 'null']) {
    assert.equal((await preflight(origin)).headers.get('access-control-allow-origin'), null, origin);
    assert.equal((await fetch(`${w.url}/healthz`, { headers: { origin } })).headers.get('access-control-allow-origin'), null, origin);
  }
  // 5 per minute per client: the 6th request is refused, probes are not counted.
  const limitedWorld = await startWorld(t, { RATE_LIMIT_PER_MINUTE: '5' });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    statuses.push((await fetch(`${limitedWorld.url}/no-such-route-${i}`)).status);
    assert.equal((await fetch(`${limitedWorld.url}/healthz`)).status, 200, 'probes are not counted');
  }
  assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429]);
  const limited = await limitedWorld.call('POST', '/tickets', { body: { case: {} } });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.error.code, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
});

test('what needs credentials: events, agent sessions and webhooks (shared secret, signature) and /metrics (METRICS_TOKEN, else this machine only)', async (t) => {
  const w = await startWorld(t, { METRICS_TOKEN });
  const none = [
    await w.call('POST', '/salesforce/events', { body: { events: [] } }),
    await w.call('POST', '/agents/session', { body: { userId: '005000000000001AAA', nickname: 'A' } }),
    await w.call('POST', '/salesforce/events', { body: {}, headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
    await w.call('GET', '/metrics'),
    await w.call('GET', '/metrics', { headers: { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}` } }),
  ];
  assert.deepEqual(
    none.map((r) => [r.status, r.body.error.code]),
    [
      [401, 'unauthorized'],
      [401, 'unauthorized'],
      [401, 'unauthorized'],
      [401, 'unauthorized'],
      [401, 'unauthorized'],
    ],
  );
  const hook = await w.call('POST', '/sendbird/webhooks', { body: { category: 'group_channel:message_send' } });
  assert.deepEqual([hook.status, hook.body.error.code], [401, 'signature_missing']);
  const metrics = await fetch(`${w.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /bridge_http_requests_total/);

  // No token: this machine may read them; behind a declared proxy, nobody may.
  const local = await startWorld(t);
  assert.equal((await fetch(`${local.url}/metrics`)).status, 200);
  const proxied = await startWorld(t, { TRUST_PROXY: 'true' });
  const refused = await proxied.call('GET', '/metrics');
  assert.deepEqual([refused.status, refused.body.error.code], [403, 'forbidden']);
  assert.match(refused.body.error.message, /METRICS_TOKEN/);
});
