/**
 * The bridge client against a real bridge and both emulators (port 0): ticket creation with one
 * Idempotency-Key across retries, `ticket_pending` waited out, reads and session renewal, in
 * guest and JWT mode. Plus the pure retry rules.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startWorld, ticketCases } from '../../../packages/bridge/test/world.js';
import { GuestAuth, JwtAuth } from '../src/auth.js';
import {
  BridgeClient,
  BridgeError,
  BridgeUnreachableError,
  DEFAULT_PENDING_DELAY_MS,
  FAILURE_MAX_ATTEMPTS,
  TICKET_MAX_ATTEMPTS,
  bridgeErrorFrom,
  decideRetry,
  describeBridgeProblem,
  parseRetryAfter,
  type RetryNotice,
} from '../src/bridge-client.js';
import { csatClientFor } from '../src/csat-client.js';
import { MemoryStore } from '../src/storage.js';

const CASE = { Subject: 'Printer on fire', Description: 'Smoke everywhere', SuppliedName: 'Jane Doe', SuppliedEmail: 'jane@example.com' };
const noWait = async () => {};

test('retry rules: ticket_pending waits Retry-After with the same key; failures back off briefly; 4xx stop', () => {
  const pending = new BridgeError('pending', 503, 'ticket_pending', { retryAfterMs: 5000 });
  assert.deepEqual(decideRetry(pending, 1, TICKET_MAX_ATTEMPTS, true), { retry: true, delayMs: 5000, reason: 'pending' });
  assert.deepEqual(decideRetry(new BridgeError('p', 503, 'ticket_pending'), 1, TICKET_MAX_ATTEMPTS, true), {
    retry: true,
    delayMs: DEFAULT_PENDING_DELAY_MS,
    reason: 'pending',
  });
  assert.equal(decideRetry(pending, TICKET_MAX_ATTEMPTS, TICKET_MAX_ATTEMPTS, true).retry, false);
  assert.equal(decideRetry(new BridgeError('long', 503, 'ticket_pending', { retryAfterMs: 3_600_000 }), 1, 12, true).retry, false);
  assert.equal(decideRetry(new BridgeUnreachableError(), 1, 12, true, () => 0).retry, true);
  assert.equal(decideRetry(new BridgeUnreachableError(), FAILURE_MAX_ATTEMPTS, 12, true).retry, false);
  assert.equal(decideRetry(new BridgeError('x', 500, 'internal'), 1, 12, false).retry, false, 'not safe to repeat');
  assert.deepEqual(decideRetry(new BridgeError('slow', 429, 'rate_limited', { retryAfterMs: 2000 }), 1, 3, true), {
    retry: true,
    delayMs: 2000,
    reason: 'rate_limited',
  });
  for (const [status, code] of [
    [400, 'invalid_request'],
    [401, 'auth_required'],
    [422, 'case_rejected'],
    [422, 'idempotency_key_reused'],
  ] as const) {
    assert.equal(decideRetry(new BridgeError('x', status, code), 1, 12, true).retry, false, code);
  }
});

test('Retry-After in seconds or as a date; error bodies become typed errors', () => {
  assert.equal(parseRetryAfter('5', undefined), 5000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), undefined, 4_000), 6000);
  assert.equal(parseRetryAfter(null, 3), 3000);
  assert.equal(parseRetryAfter('soon', undefined), undefined);
  const e = bridgeErrorFrom(400, { error: { code: 'invalid_request', message: 'case.Subject is required', field: 'case.Subject' } }, null);
  assert.equal(e.code, 'invalid_request');
  assert.equal(e.field, 'case.Subject');
  assert.equal(e.message, 'case.Subject is required');
  const p = bridgeErrorFrom(503, { error: { code: 'ticket_pending', message: 'later', ticketId: 't-1', retryAfterSeconds: 5 } }, '5');
  assert.equal(p.details.ticketId, 't-1');
  assert.equal(p.details.retryAfterMs, 5000);
  assert.equal(bridgeErrorFrom(502, 'gateway', null).code, 'server_error');
});

test('guest mode: a ticket, its status and a session renewal; a 503 from Sendbird is retried with the same key', async (t) => {
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest', TICKET_SAFETY_DELAY_MS: '600000' });
  const auth = new GuestAuth(new MemoryStore());
  const keys: string[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const h = new Headers(init?.headers);
    if (h.get('idempotency-key')) keys.push(h.get('idempotency-key') as string);
    return fetch(input, init);
  };
  const bridge = new BridgeClient({ baseUrl: w.url, auth, fetch: recordingFetch, sleep: noWait });
  // The bridge's Sendbird client tries 4 times per call: the first POST /tickets ends 503 ticket_pending.
  w.sb.faults.set({ rules: [{ action: 'error', status: 503, method: 'POST', path: '^/v3/group_channels$', times: 4 }] });
  const notices: RetryNotice[] = [];
  const created = await bridge.createTicket(
    CASE,
    { nickname: 'Jane Doe', email: 'jane@example.com' },
    { idempotencyKey: 'submission-1', onRetry: (n) => notices.push(n) },
  );
  assert.deepEqual(
    notices.map((n) => [n.reason, n.delayMs, n.problem]),
    [['pending', 5000, 'pending']],
    'waited as long as the bridge said',
  );
  assert.deepEqual(keys, ['submission-1', 'submission-1'], 'the retry carried the same Idempotency-Key');
  assert.equal(ticketCases(w).length, 1, 'exactly one Case');
  assert.equal(w.sb.store.channels.size, 1, 'exactly one channel');
  const me = await auth.customerKey();
  assert.match(me, /^guest-/);
  assert.equal(created.sendbird.userId, me);
  assert.equal(created.channel.url, created.case.id);
  assert.equal(w.sb.store.users.get(me)?.nickname, 'Jane Doe');

  const status = await bridge.getTicket(created.ticket.id);
  assert.equal(status.ticket.state, 'completed');
  assert.equal(status.case.caseNumber, created.case.caseNumber);
  const other = new BridgeClient({ baseUrl: w.url, auth: new GuestAuth(new MemoryStore()), sleep: noWait });
  await assert.rejects(other.getTicket(created.ticket.id), (e: unknown) => e instanceof BridgeError && e.status === 404);

  const renewed = await bridge.renewSession({ nickname: 'Jane Doe' });
  assert.equal(renewed.userId, me);
  assert.notEqual(renewed.accessToken, created.sendbird.accessToken);
  assert.equal(renewed.apiHost, created.sendbird.apiHost);
});

test('JWT mode: the token comes from the customer backend; bad input names the field; no bridge is a clear error', async (t) => {
  const w = await startWorld(t);
  let tokenCalls = 0;
  const backend = createServer((req, res) => {
    tokenCalls++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: w.customerToken('cust-77', { name: 'Kim' }) }));
  });
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => backend.close(() => r())));
  const auth = new JwtAuth(`http://127.0.0.1:${(backend.address() as AddressInfo).port}/support-token`);
  const bridge = new BridgeClient({ baseUrl: w.url, auth, sleep: noWait });
  assert.equal(await auth.customerKey(), 'cust-77');
  const created = await bridge.createTicket(CASE, { nickname: 'Kim', email: 'kim@example.com' }, { idempotencyKey: 'jwt-1' });
  assert.equal(created.sendbird.userId, 'cust-77');
  assert.equal((await bridge.getTicket(created.ticket.id)).ticket.id, created.ticket.id);
  assert.equal(tokenCalls, 1, 'the JWT is reused until shortly before it expires');

  const bad = await bridge.createTicket({ ...CASE, Subject: 'x'.repeat(300) }, {}, { idempotencyKey: 'jwt-2' }).catch((e: unknown) => e);
  assert.ok(bad instanceof BridgeError);
  assert.equal(bad.status, 400);
  assert.equal(bad.field, 'case.Subject');
  const reused = await bridge.createTicket({ ...CASE, Subject: 'Another' }, {}, { idempotencyKey: 'jwt-1' }).catch((e: unknown) => e);
  assert.ok(reused instanceof BridgeError && reused.code === 'idempotency_key_reused');

  const nowhere = new BridgeClient({ baseUrl: 'http://127.0.0.1:9', auth, sleep: noWait, random: () => 0 });
  const notices: RetryNotice[] = [];
  const down = await nowhere.createTicket(CASE, {}, { idempotencyKey: 'k', onRetry: (n) => notices.push(n) }).catch((e: unknown) => e);
  assert.ok(down instanceof BridgeUnreachableError);
  assert.match(down.message, /support service is unreachable/);
  assert.equal(notices.length, FAILURE_MAX_ATTEMPTS - 1);
  assert.deepEqual(new Set(notices.map((n) => n.problem)), new Set(['unreachable']), 'no answer is "unreachable", never "busy"');
  assert.equal(describeBridgeProblem(down).kind, 'unreachable');
});

test('problems named for the customer: no answer is "unreachable"; 429 and 503 with Retry-After are "busy"', () => {
  const unreachable = describeBridgeProblem(new BridgeUnreachableError());
  assert.equal(unreachable.kind, 'unreachable');
  assert.match(unreachable.message, /unreachable/);
  assert.doesNotMatch(unreachable.message, /busy/);
  const limited = describeBridgeProblem(bridgeErrorFrom(429, { error: { code: 'rate_limited', message: 'slow down' } }, '7'));
  assert.deepEqual([limited.kind, limited.retryable], ['busy', true]);
  assert.match(limited.message, /busy right now\. Try again in about 7 seconds/);
  assert.equal(describeBridgeProblem(bridgeErrorFrom(503, { error: { code: 'overloaded', message: 'x' } }, '2')).kind, 'busy');
  assert.equal(describeBridgeProblem(bridgeErrorFrom(503, undefined, null)).kind, 'failing', 'a 503 without Retry-After is not "busy"');
  assert.equal(describeBridgeProblem(bridgeErrorFrom(500, undefined, null)).kind, 'failing');
  assert.equal(describeBridgeProblem(bridgeErrorFrom(503, { error: { code: 'ticket_pending', message: 'p' } }, '5')).kind, 'pending');
  const refused = describeBridgeProblem(bridgeErrorFrom(404, { error: { code: 'not_found', message: 'No such ticket.' } }, null));
  assert.deepEqual([refused.kind, refused.retryable, refused.message], ['refused', false, 'No such ticket.']);
});

test('a real server answering 503 with Retry-After: the retries are announced as "busy"', async (t) => {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    res
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
      .end(JSON.stringify({ error: { code: 'overloaded', message: 'Too much at once.' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const bridge = new BridgeClient({ baseUrl: base, auth: new GuestAuth(new MemoryStore()), sleep: noWait });
  const notices: RetryNotice[] = [];
  const err = await bridge.createTicket(CASE, {}, { idempotencyKey: 'busy-1', onRetry: (n) => notices.push(n) }).catch((e: unknown) => e);
  assert.equal(calls, FAILURE_MAX_ATTEMPTS);
  assert.deepEqual(
    notices.map((n) => [n.problem, n.delayMs]),
    Array.from({ length: FAILURE_MAX_ATTEMPTS - 1 }, () => ['busy', 1000]),
  );
  assert.equal(describeBridgeProblem(err).kind, 'busy');
});

test("guest mode: the survey of a closed ticket's Case through the chat's client, and End chat, as the bridge answers them", async (t) => {
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest', TICKET_SAFETY_DELAY_MS: '600000' });
  const bridge = new BridgeClient({ baseUrl: w.url, auth: new GuestAuth(new MemoryStore()), sleep: noWait });
  const created = await bridge.createTicket(CASE, { nickname: 'Jane Doe' }, { idempotencyKey: 'survey-1' });
  const caseId = created.case.id!;
  const csat = csatClientFor(bridge, () => ({ nickname: 'Jane Doe' }));
  assert.equal(await csat.load(caseId), null, 'no survey while the Case is open');

  const end = await bridge.endChat(caseId);
  assert.deepEqual([end.caseId, end.action], [caseId, 'mark']);
  assert.deepEqual(await bridge.endChat(caseId), end, 'ending again answers the same end');

  w.sf.org.changeCaseStatus(caseId, 'Closed');
  const open = await (async () => {
    for (;;) {
      const s = await csat.load(caseId);
      if (s) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  assert.equal(open.state, 'open');
  const answered = await csat.submit(caseId, { rating: 5, comment: 'Thanks!' });
  assert.deepEqual([answered.state, answered.rating, answered.comment], ['answered', 5, 'Thanks!']);
  assert.deepEqual(await csat.submit(caseId, { rating: 5, comment: 'Thanks!' }), answered, 'the same answer again is a no-op');
  await assert.rejects(
    csat.submit(caseId, { rating: 1 }),
    (err: unknown) => err instanceof BridgeError && err.code === 'csat_already_answered',
  );
  const other = new BridgeClient({ baseUrl: w.url, auth: new GuestAuth(new MemoryStore()), sleep: noWait });
  await assert.rejects(
    other.getCsat(caseId),
    (err: unknown) => err instanceof BridgeError && err.status === 404,
    "another customer's Case",
  );
});
