/**
 * `POST /agents/history` over real HTTP against the Salesforce emulator: the customer's other
 * Cases newest first with their last message, the Case asked about left out, only the Cases the
 * agent may see (UserRecordAccess from the emulator's sharing model), one Case query per customer
 * and one access query per uncached read, none on a cache hit, and the errors.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { HISTORY_UNAVAILABLE, HISTORY_UNAVAILABLE_CODE } from '@sbsf/emulators';
import { CaseHistoryService } from '../src/history/service.js';
import { SECRETS } from './fixtures.js';
import { makeCase, setOwner, sfClient } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

const history = (w: World, body: unknown, secret: string | null = SECRETS.BRIDGE_SHARED_SECRET) =>
  w.call('POST', '/agents/history', { body, headers: secret === null ? {} : { authorization: `Bearer ${secret}` } });

/** A ticket opened by the customer app (so the bridge's store knows its customer); returns the Case and the customer's Sendbird id. */
async function openTicket(w: World, sub: string): Promise<{ caseId: string; customer: string }> {
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(sub, { name: 'Dana Customer' })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Printer on fire', Description: 'smoke', SuppliedName: 'Dana Customer', SuppliedEmail: 'dana@example.com' } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { caseId: res.body.case.id as string, customer: res.body.sendbird.userId as string };
}

/** A transcript record on the Case, as the bridge writes them. */
async function message(w: World, caseId: string, body: string, sentAt: string, type = 'MESG'): Promise<void> {
  await sfClient(w).upsert('Sendbird_Message__c', 'Sendbird_Message_Id__c', randomUUID(), {
    Case__c: caseId,
    Channel_Url__c: caseId,
    Message_Type__c: type,
    Sender_Role__c: type === 'ADMM' ? 'System' : 'Customer',
    Sender_Name__c: type === 'ADMM' ? 'System' : 'Dana Customer',
    Body__c: body,
    Sent_At__c: sentAt,
  });
}

/**
 * Three Cases of a customer: two Ava may see (hers, and one in the queue she belongs to) and one
 * of Ben's she may not; messages on Ava's (the last one a system entry) and on Ben's.
 */
async function customerWithCases(w: World, customer = `cust-${randomUUID().slice(0, 8)}`) {
  const { ava, ben } = w.sf.seed.agents;
  const { caseId: oldest } = await makeCase(w, ava, { customer, withChannel: false });
  const { caseId: bens } = await makeCase(w, ben, { customer, withChannel: false });
  const { caseId: queued } = await makeCase(w, w.sf.seed.queueId, { customer, withChannel: false });
  await message(w, oldest, 'The printer jams', '2024-05-01T10:00:00.000Z');
  await message(w, oldest, 'Thanks, it works now', '2024-05-01T10:30:00.000Z');
  await message(w, oldest, 'Ava Agent left', '2024-05-01T11:00:00.000Z', 'ADMM');
  await message(w, bens, 'Secret stuff for Ben', '2024-05-02T10:00:00.000Z');
  return { customer, oldest, bens, queued };
}

test("the customer's other Cases the agent may see, newest first, with their last message; the Case asked about is left out", async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  // The ticket's Case: the store knows its customer, so the Case's Id is enough.
  const ticket = await openTicket(w, `dana-${randomUUID().slice(0, 8)}`);
  await setOwner(w, ticket.caseId, ava);
  const earlier = await customerWithCases(w, ticket.customer);

  w.sf.resetStats();
  const res = await history(w, { userId: ava, caseId: ticket.caseId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.caseId, ticket.caseId);
  assert.deepEqual(
    res.body.cases.map((c: { id: string }) => c.id),
    [earlier.queued, earlier.oldest],
    "newest first; Ben's Case is not Ava's to see; the Case asked about is not listed",
  );
  const [queued, oldest] = res.body.cases;
  assert.equal(queued.lastMessage, null, 'a Case without messages');
  assert.deepEqual(oldest.lastMessage, {
    body: 'Thanks, it works now',
    senderRole: 'Customer',
    senderName: 'Dana Customer',
    sentAt: '2024-05-01T10:30:00.000+0000',
  });
  assert.equal(oldest.subject, 'Help');
  assert.equal(oldest.status, 'New');
  assert.equal(oldest.isClosed, false);
  assert.match(oldest.caseNumber, /^\d+$/);
  assert.match(oldest.createdAt, /^\d{4}-\d{2}-\d{2}T/);
  const byRoute = w.sf.stats().byRoute;
  assert.deepEqual(
    Object.entries(byRoute).filter(([route]) => !route.includes('oauth2')),
    [['GET /query', 2]],
    'one query for the Cases, one for the access; the customer came from the store',
  );
});

test('a cache hit asks Salesforce nothing; another agent reuses the Case list and asks only for their access', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const c = await customerWithCases(w);
  const first = await history(w, { userId: ava, caseId: c.oldest });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(
    first.body.cases.map((x: { id: string }) => x.id),
    [c.queued],
  );

  w.sf.resetStats();
  const again = await history(w, { userId: ava, caseId: c.oldest.slice(0, 15) });
  assert.deepEqual(again.body, first.body, 'a 15-character Case Id is the same Case');
  assert.equal(w.sf.stats().total, 0, 'nothing asked of Salesforce');

  const forBen = await history(w, { userId: ben, caseId: c.bens });
  assert.equal(forBen.status, 200, JSON.stringify(forBen.body));
  assert.deepEqual(
    forBen.body.cases.map((x: { id: string }) => x.id),
    [c.queued],
    "Ben sees the queue's Case, not Ava's",
  );
  assert.deepEqual(w.sf.stats().byRoute, { 'GET /sobjects/{type}/{id}': 1, 'GET /query': 1 }, "the Case's customer, then Ben's access");
});

test('errors: unknown Case 404, not a chat Case 422, a Case the agent cannot see 403, bad ids 400, no secret 401', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const c = await customerWithCases(w);
  const unknown = `${c.oldest.slice(0, 5)}0000000000`;
  const cases: [unknown, number, string, string?][] = [
    [{ userId: ava, caseId: unknown }, 404, 'case_not_found', 'caseId'],
    [{ userId: ben, caseId: w.sf.seed.caseIds[2] }, 422, 'not_chat_case', 'caseId'],
    [{ userId: ben, caseId: c.oldest }, 403, 'case_not_visible', 'caseId'],
    [{ userId: w.sf.seed.queueId, caseId: c.oldest }, 400, 'invalid_request', 'userId'],
    [{ userId: ava, caseId: ava }, 400, 'invalid_request', 'caseId'],
    [{ userId: ava, caseId: `${c.oldest.slice(0, 15)}AAA` }, 400, 'invalid_id', 'caseId'],
    [{ userId: ava }, 400, 'invalid_request', 'caseId'],
  ];
  for (const [body, status, code, field] of cases) {
    const res = await history(w, body);
    assert.equal(res.status, status, `${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, code, JSON.stringify(res.body));
    if (field) assert.equal(res.body.error.field, field, JSON.stringify(res.body));
    assert.ok(res.body.error.message.length > 10, 'a message saying what is wrong');
  }
  for (const secret of [null, 'wrong']) {
    const res = await history(w, { userId: ava, caseId: c.oldest }, secret);
    assert.equal(res.status, 401);
  }
});

test('503 salesforce_unavailable with Retry-After while Salesforce fails; the next read after it recovers works', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const c = await customerWithCases(w);
  w.sf.faults.set({ rules: [{ action: 'error', method: 'GET', path: '^/services/data/v[0-9.]+/query' }] });
  const res = await history(w, { userId: ava, caseId: c.oldest });
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'salesforce_unavailable');
  assert.equal(res.headers.get('retry-after'), '5');
  w.sf.faults.set({});
  const ok = await history(w, { userId: ava, caseId: c.oldest });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('the caches live HISTORY_CACHE_TTL_SECONDS: a Case handed to another agent shows until then, then goes', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const c = await customerWithCases(w);
  let now = 1_700_000_000_000;
  const service = new CaseHistoryService({
    sf: sfClient(w),
    store: { getTicketByCase: async () => null },
    cacheTtlMs: 60_000,
    cacheMaxEntries: 100,
    clock: () => now,
  });
  const ids = async () => (await service.history(ava, c.oldest)).cases.map((x) => x.id);
  assert.deepEqual(await ids(), [c.queued]);
  await setOwner(w, c.queued, ben);
  now += 59_999;
  assert.deepEqual(await ids(), [c.queued], 'stale within the TTL');
  now += 1;
  assert.deepEqual(await ids(), [], 'read again once it expired');
});

test("the Salesforce emulator's getCaseHistory Aura action answers as SendbirdCaseHistory: the history, the bridge's error, or unavailable", async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const c = await customerWithCases(w);
  const direct = await history(w, { userId: ava, caseId: c.oldest });
  assert.deepEqual(await w.sf.org.getCaseHistory(ava, c.oldest), { history: direct.body });
  const refused = await w.sf.org.getCaseHistory(ben, c.oldest);
  assert.ok('error' in refused);
  assert.equal(refused.error.code, 'case_not_visible');
  assert.deepEqual(await w.sf.org.getCaseHistory(ava, ava), { error: { code: 'invalid_request', message: 'caseId must be a Case Id.' } });
  w.sf.org.setBridge({ url: 'http://127.0.0.1:9', secret: 'x'.repeat(32) });
  assert.deepEqual(await w.sf.org.getCaseHistory(ava, c.oldest), {
    error: { code: HISTORY_UNAVAILABLE_CODE, message: HISTORY_UNAVAILABLE },
  });
});
