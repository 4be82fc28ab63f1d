/**
 * The ticket flow over real HTTP against both emulators: the Case and channel as specified, the
 * answers, idempotency (sequential and 20 at once), validation and auth. Every test checks that
 * nothing was duplicated or lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { DEFAULT_MAX_ATTEMPTS, SendbirdError } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { AppError } from '../src/errors.js';
import type { Store } from '../src/store/types.js';
import type { CaseDescribe } from '../src/tickets/case-describe.js';
import { TicketFlow } from '../src/tickets/flow.js';
import type { TicketService } from '../src/tickets/service.js';
import { startWorld, ticketCases, type World } from './world.js';

const CASE = { Subject: 'Printer on fire', Description: 'Smoke from tray 2', SuppliedName: 'Jo Customer', SuppliedEmail: 'jo@example.com' };

function open(w: World, opts: { sub?: string; key?: string; body?: unknown; token?: string } = {}) {
  const sub = opts.sub ?? 'cust-1';
  return w.call('POST', '/tickets', {
    headers: {
      authorization: `Bearer ${opts.token ?? w.customerToken(sub, { name: 'Jo Customer' })}`,
      'idempotency-key': opts.key ?? randomUUID(),
    },
    body: opts.body ?? { case: CASE },
  });
}

test('a ticket makes one Case (upserted on the ticket id) and one channel named after it', async (t) => {
  const w = await startWorld(t);
  const res = await open(w, { body: { case: { ...CASE, Priority: 'High' } } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { ticket, case: c, channel, sendbird } = res.body;
  assert.equal(ticket.state, 'completed');
  assert.match(c.id, /^500[A-Za-z0-9]{15}$/, '18-character Case Id');
  assert.match(c.caseNumber, /^\d{8}$/);
  assert.equal(channel.url, c.id, 'channel URL is the Case Id');

  const cases = ticketCases(w);
  assert.equal(cases.length, 1);
  const rec = cases[0]!;
  assert.equal(rec.Id, c.id);
  assert.equal(rec.Sendbird_Ticket_Id__c, ticket.id);
  assert.equal(rec.Sendbird_User_Id__c, 'cust-1');
  assert.equal(rec.Origin, 'Chat');
  assert.equal(rec.Subject, CASE.Subject);
  assert.equal(rec.Priority, 'High');
  assert.equal(rec.SuppliedEmail, CASE.SuppliedEmail);

  const ch = w.sb.store.channels.get(c.id);
  assert.ok(ch, 'channel exists');
  assert.equal(w.sb.store.channels.size, 1);
  assert.equal(ch.is_distinct, false);
  assert.equal(ch.custom_type, 'sf_case');
  assert.deepEqual([...ch.members.keys()], ['cust-1']);
  assert.deepEqual(
    JSON.parse(ch.data),
    {
      caseId: c.id,
      caseNumber: c.caseNumber,
      ticketId: ticket.id,
      subject: CASE.Subject,
      customerName: CASE.SuppliedName,
      customerId: 'cust-1',
      status: 'New',
      closed: false,
    },
    'the channel data (the contract in @sbsf/wire channel-data.ts) carries what the agent list shows; the status is read back from the Case',
  );
  assert.equal(w.sb.store.users.get('cust-1')?.nickname, 'Jo Customer');

  const timing = /^upstream;dur=([\d.]+), bridge;dur=([\d.]+)$/.exec(res.headers.get('server-timing') ?? '');
  assert.ok(timing, 'Server-Timing splits upstream time from the bridge time');
  assert.ok(Number(timing[1]) > 0, 'some time was spent in Salesforce and Sendbird calls');
  assert.equal(sendbird.userId, 'cust-1');
  assert.equal(sendbird.appId, w.sb.appId);
  assert.equal(sendbird.apiHost, w.sb.url);
  assert.ok(w.sb.store.tokens.has(sendbird.accessToken), 'a real session token');
  assert.ok(sendbird.expiresAt > Date.now() + 3600_000);

  const ledger = await w.bridge.store.ledgerForTicket(ticket.id);
  assert.deepEqual(
    ledger.map((e) => `${e.system} ${e.action} ${e.outcome}`),
    ['sendbird user.create ok', 'salesforce case.upsert ok', 'sendbird channel.create ok', 'sendbird channel.ticket_form ok'],
  );
  // The ticket's form is the conversation's first entry: an admin message with its subject and description.
  assert.equal(ch.messages.length, 1);
  const form = ch.messages[0]!;
  assert.equal(form.type, 'ADMM');
  assert.equal(form.custom_type, 'sbsf_bridge');
  assert.deepEqual(JSON.parse(form.data), { sbsf: 'ticket.form', subject: CASE.Subject });
  assert.equal(form.message, `${CASE.Subject}\n\n${CASE.Description}`);

  const got = await w.call('GET', `/tickets/${ticket.id}`, { headers: { authorization: `Bearer ${w.customerToken('cust-1')}` } });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body.case, c);
  const other = await w.call('GET', `/tickets/${ticket.id}`, { headers: { authorization: `Bearer ${w.customerToken('cust-2')}` } });
  assert.equal(other.status, 404, "another customer's ticket is not found");
  assert.equal(other.body.error.code, 'ticket_not_found');
});

test('the same key and body give the same ticket; another body with that key is refused', async (t) => {
  const w = await startWorld(t);
  const key = randomUUID();
  const a = await open(w, { key });
  const b = await open(w, { key });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.body.ticket.id, a.body.ticket.id);
  assert.deepEqual(b.body.case, a.body.case);
  const c = await open(w, { key, body: { case: { ...CASE, Subject: 'Something else' } } });
  assert.equal(c.status, 422);
  assert.equal(c.body.error.code, 'idempotency_key_reused');
  // The same key from another customer is another ticket (keys are per customer).
  const d = await open(w, { key, sub: 'cust-2' });
  assert.equal(d.status, 201);
  assert.notEqual(d.body.ticket.id, a.body.ticket.id);
  assert.equal(ticketCases(w).length, 2);
  assert.equal(w.sb.store.channels.size, 2);
});

test('20 concurrent requests with one key make one Case and one channel', async (t) => {
  const w = await startWorld(t);
  const key = randomUUID();
  const token = w.customerToken('cust-9', { name: 'Nine' });
  const answers = await Promise.all(Array.from({ length: 20 }, () => open(w, { key, token, sub: 'cust-9' })));
  for (const a of answers) assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(new Set(answers.map((a) => a.body.ticket.id)).size, 1);
  assert.equal(new Set(answers.map((a) => a.body.case.id)).size, 1);
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 1);
  assert.equal(w.sf.stats().byRoute['POST /composite'], 1, 'one Salesforce write');
});

test('validation: 400 naming the field, 413, 415, and ids reserved for agents', async (t) => {
  const w = await startWorld(t, { BODY_LIMIT_BYTES: '4096' });
  const missing = await open(w, { body: { case: { ...CASE, Subject: undefined } } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.field, 'case.Subject');
  const extra = await open(w, { body: { case: { ...CASE, OwnerId: '005000000000001AAA' } } });
  assert.equal(extra.status, 400);
  assert.equal(extra.body.error.field, 'case.OwnerId');
  const wrongType = await open(w, { body: { case: { ...CASE, Priority: 1 } } });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.body.error.field, 'case.Priority');
  const blank = await open(w, { body: { case: { ...CASE, Subject: '   ' } } });
  assert.equal(blank.status, 400);
  assert.equal(blank.body.error.field, 'case.Subject');
  const noKey = await w.call('POST', '/tickets', { headers: { authorization: `Bearer ${w.customerToken('c')}` }, body: { case: CASE } });
  assert.equal(noKey.status, 400);
  assert.match(noKey.body.error.message, /idempotency-key/i);
  const big = await open(w, { body: { case: { ...CASE, Description: 'x'.repeat(5000) } } });
  assert.equal(big.status, 413);
  const text = await w.call('POST', '/tickets', { headers: { 'content-type': 'text/plain', 'idempotency-key': 'k' }, body: 'hello' });
  assert.equal(text.status, 415);
  const agentId = await open(w, { sub: '005000000000001AAA' });
  assert.equal(agentId.status, 400);
  assert.equal(agentId.body.error.code, 'invalid_customer_id');
  assert.equal(ticketCases(w).length, 0, 'nothing written');
  assert.equal(w.sb.store.channels.size, 0);
});

test('auth: missing, expired, forged and mismatched customer tokens are refused', async (t) => {
  const w = await startWorld(t);
  const none = await w.call('POST', '/tickets', { headers: { 'idempotency-key': 'k1' }, body: { case: CASE } });
  assert.equal(none.status, 401);
  assert.equal(none.body.error.code, 'auth_required');
  const expired = await open(w, { token: w.customerToken('cust-1', { exp: Math.floor(Date.now() / 1000) - 120 }) });
  assert.equal(expired.status, 401);
  assert.equal(expired.body.error.code, 'token_expired');
  const [h, p] = w.customerToken('cust-1').split('.');
  const forged = await open(w, { token: `${h}.${p}.AAAA` });
  assert.equal(forged.status, 401);
  assert.equal(forged.body.error.code, 'token_signature');
  const mismatch = await open(w, { body: { customer: { userId: 'someone-else' }, case: CASE } });
  assert.equal(mismatch.status, 403);
  assert.equal(mismatch.body.error.code, 'customer_mismatch');
  assert.equal(ticketCases(w).length, 0);
});

test('a Case Salesforce refuses is a 422 with its error code; the key is not used up', async (t) => {
  const w = await startWorld(t);
  const key = randomUUID();
  // Well-formed, so the bridge lets it through; no such Contact, so Salesforce refuses it.
  const missingContact = '003000000000042';
  const bad = await open(w, { key, body: { case: { ...CASE, ContactId: missingContact } } });
  assert.equal(bad.status, 422, JSON.stringify(bad.body));
  assert.equal(bad.body.error.code, 'case_rejected');
  assert.equal(bad.body.error.upstream.code, 'INVALID_CROSS_REFERENCE_KEY');
  const t1 = await w.bridge.store.getTicket(bad.body.error.ticketId);
  assert.equal(t1?.state, 'failed');
  assert.equal(t1?.caseFields.ContactId, '003000000000042AAA', 'the Id went out in its 18-character form');
  const again = await open(w, { key, body: { case: { ...CASE, ContactId: missingContact } } });
  assert.equal(again.status, 422, 'the same refused body is refused again');
  assert.equal(again.body.error.code, 'case_rejected');
  assert.equal(ticketCases(w).length, 0);
  assert.equal(w.sb.store.channels.size, 0);
  const fixed = await open(w, { key, body: { case: CASE } });
  assert.equal(fixed.status, 201, `the corrected body with the same key opens the ticket: ${JSON.stringify(fixed.body)}`);
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 1);
});

test('the session endpoint renews the customer token', async (t) => {
  const w = await startWorld(t);
  await open(w);
  const res = await w.call('POST', '/session', { headers: { authorization: `Bearer ${w.customerToken('cust-1')}` }, body: {} });
  assert.equal(res.status, 200);
  assert.equal(res.body.userId, 'cust-1');
  assert.ok(w.sb.store.tokens.has(res.body.accessToken));
});

test('the session endpoint: 404 customer_not_found before a first ticket, 503 with Retry-After while Sendbird fails', async (t) => {
  const w = await startWorld(t);
  const session = (sub: string) => w.call('POST', '/session', { headers: { authorization: `Bearer ${w.customerToken(sub)}` }, body: {} });
  const stranger = await session('cust-new');
  assert.equal(stranger.status, 404, JSON.stringify(stranger.body));
  assert.deepEqual(stranger.body, {
    error: { code: 'customer_not_found', message: 'this customer has no chat user yet: open a ticket first' },
  });

  assert.equal((await open(w)).status, 201);
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '^/v3/users/[^/]+/token$' }] });
  const down = await session('cust-1');
  assert.equal(down.status, 503, JSON.stringify(down.body));
  assert.equal(down.body.error.code, 'sendbird_unavailable');
  assert.equal(down.body.error.retryAfterSeconds, 5);
  assert.equal(down.headers.get('retry-after'), '5');

  w.sb.faults.reset();
  assert.equal((await session('cust-1')).status, 200, 'renewed once Sendbird answers again');
});

test('a session Sendbird refuses is a 502 sendbird_refused', async () => {
  const refusal = new SendbirdError({ status: 400, code: 400111, message: 'invalid value' });
  const service = { session: async () => Promise.reject(refusal) } as unknown as TicketService;
  // Renewing a session touches neither the store nor the describe.
  const flow = new TicketFlow({} as Store, service, {} as CaseDescribe);
  const err = await flow.renewSession({ userId: 'cust-1', nickname: 'Jo', verified: { via: 'jwt' } }).then(
    () => assert.fail('no session'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError);
  assert.deepEqual([err.status, err.code, err.message], [502, 'sendbird_refused', 'Sendbird refused to issue the session']);
  assert.equal(err.cause, refusal);
});

test("a known customer's session token is asked for while the Case is upserted, not after the channel", async (t) => {
  const w = await startWorld(t);
  // First ticket: the customer's Sendbird user is made, so the token comes last.
  assert.equal((await open(w)).status, 201);
  const tokenCalls = () => w.sb.stats.get().byRoute['POST /v3/users/:user_id/token'] ?? 0;
  const before = tokenCalls();
  // Hold the next Case upsert in Salesforce for 3 s (far longer than the token request takes to start).
  w.sf.faults.set({ rules: [{ action: 'latency', method: 'POST', path: '/composite$', latencyMs: 3_000, times: 1 }] });
  let answered = false;
  const pending = open(w).finally(() => {
    answered = true;
  });
  await waitFor('the token request while the Case upsert is held', () => tokenCalls() > before);
  assert.equal(answered, false, 'the ticket is not answered yet: its Case upsert is still held');
  assert.equal(w.sb.store.channels.size, 1, 'the second channel is not made yet');
  const res = await pending;
  assert.equal(w.sf.faults.get().fired.latency, 1);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.ok(w.sb.store.tokens.has(res.body.sendbird.accessToken), 'the early token is the one answered');
  assert.equal(tokenCalls(), before + 1, 'one token per ticket');
  assert.equal(w.sb.store.channels.size, 2);
  assert.equal(ticketCases(w).length, 2);
});

test('when the early token request fails, the token is asked for again once the ticket is done', async (t) => {
  const w = await startWorld(t);
  assert.equal((await open(w)).status, 201);
  const tokenCalls = () => w.sb.stats.get().byRoute['POST /v3/users/:user_id/token'] ?? 0;
  const before = tokenCalls();
  // The early request fails every try the Sendbird client makes.
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '/token$', times: DEFAULT_MAX_ATTEMPTS }] });
  const res = await open(w);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.ok(w.sb.store.tokens.has(res.body.sendbird.accessToken));
  assert.equal(w.sb.faults.get().fired.error, DEFAULT_MAX_ATTEMPTS);
  assert.equal(tokenCalls(), before + DEFAULT_MAX_ATTEMPTS + 1, "the early request's tries and the one after the ticket");
  assert.equal(ticketCases(w).length, 2);
  assert.equal(w.sb.store.channels.size, 2);
});
