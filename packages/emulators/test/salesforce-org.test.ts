/**
 * The org behaviour of the Salesforce emulator: the trigger emulation publishes a platform event
 * per chat-Case change (none for other Cases, none from rolled-back work), the subscriber posts
 * the same event batch, with the same authentication, as our Apex (one POST per batch of up to
 * 200, schema-valid, retried like the Apex finalizer), the counters of what that costs, emulated
 * Omni-Channel, the getAgentSession action, and the admin routes. A small recording server plays
 * the bridge.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { test, type TestContext } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { SALESFORCE_EVENT_KEYS } from '@sbsf/wire/salesforce-events-keys';
import { validateSalesforceEventBatch } from '@sbsf/wire/salesforce-events-validate';
import type { SalesforceEvent } from '@sbsf/wire';
import { AGENT_SESSION_UNAVAILABLE, AgentSessionError, type RunningSalesforceEmulator } from '../src/salesforce/index.js';
import { BridgeDelivery, shouldRetryDelivery } from '../src/salesforce/bridge-delivery.js';
import { api, raw, startSf, tokenFor } from './salesforce-helpers.js';

const SECRET = 'bridge-secret-for-the-emulator-tests-0123456789';

interface Received {
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A fake bridge: records every request; `answer` decides the status (default 202). */
async function fakeBridge(
  t: TestContext,
  answer: (req: Received, n: number) => number | Promise<number> | { status: number; body: unknown } = () => 202,
) {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const rec: Received = { url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined };
      received.push(rec);
      void Promise.resolve(answer(rec, received.length)).then((a) => {
        const { status, body } = typeof a === 'number' ? { status: a, body: { accepted: 1 } } : a;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    events: () => received.flatMap((r) => (r.body as { events: SalesforceEvent[] }).events),
  };
}

async function world(t: TestContext, answer?: Parameters<typeof fakeBridge>[1]) {
  const bridge = await fakeBridge(t, answer);
  const sf = await startSf(t, { bridge: { url: bridge.url, secret: SECRET }, bridgeDelivery: { retryDelaysMs: [0, 5, 5] } });
  const token = await tokenFor(sf);
  return { sf, bridge, token };
}

let tickets = 0;
/** A chat Case (Sendbird_Ticket_Id__c set, as the bridge creates them) unless `extra` says otherwise. */
async function newCase(
  sf: RunningSalesforceEmulator,
  token: string,
  ownerId: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await api(sf, token, 'POST', '/sobjects/Case', {
    Subject: 'x',
    OwnerId: ownerId,
    Sendbird_Ticket_Id__c: `tk-test-${++tickets}`,
    ...extra,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.body as { id: string }).id;
}

function assertValidPost(r: Received | undefined): asserts r is Received {
  assert.ok(r, 'a POST reached the bridge');
  assert.equal(r.url, '/salesforce/events');
  assert.equal(r.headers.authorization, `Bearer ${SECRET}`, 'the bearer secret, as the Named Credential adds it');
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const checked = validateSalesforceEventBatch(r.body);
  assert.ok(checked.ok, `schema-valid: ${JSON.stringify(checked)}`);
  for (const e of (r.body as { events: SalesforceEvent[] }).events) {
    assert.deepEqual(Object.keys(e).sort(), [...SALESFORCE_EVENT_KEYS[e.type]].sort(), 'exactly the keys the Apex tests assert');
    assert.match(e.occurredAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'Apex JSON.serialize(Datetime) form');
  }
}

test('REST PATCH of OwnerId: one POST with case.owner_changed; other writes and Cases without a chat send nothing', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const id = await newCase(sf, token, ava);
  const noChat = await newCase(sf, token, ava, { Sendbird_Ticket_Id__c: null });
  assert.equal((await api(sf, token, 'PATCH', `/sobjects/Case/${id}`, { Subject: 'no owner change' })).status, 204);
  assert.equal((await api(sf, token, 'PATCH', `/sobjects/Case/${noChat}`, { OwnerId: ben, Status: 'Closed' })).status, 204);
  await sf.org.idle();
  assert.deepEqual(
    sf.org.eventStats(),
    {
      transactions: 0,
      publishCalls: 0,
      maxPublishCallsPerTransaction: 0,
      eventsPublished: 0,
      subscriberBatches: 0,
      duplicatesDropped: 0,
      queueables: 0,
      callouts: 0,
      waiting: 0,
    },
    'a Case without a chat costs nothing',
  );
  assert.equal((await api(sf, token, 'PATCH', `/sobjects/Case/${id}`, { OwnerId: ben })).status, 204);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1, 'the insert, the Subject change and the Case without a chat send nothing');
  assertValidPost(bridge.received[0]);
  const rec = sf.state.get('Case', id)!;
  assert.deepEqual(bridge.events(), [
    {
      type: 'case.owner_changed',
      caseId: id,
      previousOwnerId: ava,
      ownerId: ben,
      occurredAt: new Date(Date.parse(String(rec.LastModifiedDate).replace('+0000', 'Z'))).toISOString(),
    },
  ]);
  const [d] = sf.org.bridgeDeliveries();
  assert.equal(d?.status, 'delivered');
  assert.deepEqual(sf.org.eventStats(), {
    transactions: 1,
    publishCalls: 1,
    maxPublishCallsPerTransaction: 1,
    eventsPublished: 1,
    subscriberBatches: 1,
    duplicatesDropped: 0,
    queueables: 1,
    callouts: 1,
    waiting: 0,
  });
  assert.ok(!JSON.stringify(sf.org.bridgeDeliveries()).includes(SECRET), 'the log never shows the secret');
});

test('upsert by External Id and 15-character owner Ids: the event carries 18-character Ids', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava } = sf.seed.agents;
  const id = await newCase(sf, token, sf.seed.queueId, { Sendbird_Ticket_Id__c: 'tk-1' });
  const res = await api(sf, token, 'PATCH', '/sobjects/Case/Sendbird_Ticket_Id__c/tk-1', { OwnerId: ava.slice(0, 15) });
  assert.equal(res.status, 200);
  await sf.org.idle();
  assertValidPost(bridge.received[0]);
  assert.deepEqual(
    bridge.events().map((e) => e.type === 'case.owner_changed' && [e.caseId, e.previousOwnerId, e.ownerId]),
    [[id, sf.seed.queueId, ava]],
  );
});

test('one Composite call is one transaction: one publish per subrequest, one subscriber batch, one POST with the same change once', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben, cara } = sf.seed.agents;
  const a = await newCase(sf, token, ava);
  const b = await newCase(sf, token, ava);
  const sub = (ref: string, id: string, owner: string) => ({
    method: 'PATCH',
    url: `/services/data/v62.0/sobjects/Case/${id}`,
    referenceId: ref,
    body: { OwnerId: owner },
  });
  const res = await api(sf, token, 'POST', '/composite', {
    compositeRequest: [sub('a1', a, ben), sub('b1', b, cara), sub('a2', a, ava), sub('a3', a, ben)],
  });
  assert.equal(res.status, 200);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assertValidPost(bridge.received[0]);
  assert.deepEqual(
    bridge.events().map((e) => e.type === 'case.owner_changed' && `${e.caseId === a ? 'a' : 'b'}:${e.previousOwnerId}->${e.ownerId}`),
    [`a:${ava}->${ben}`, `b:${ava}->${cara}`, `a:${ben}->${ava}`],
    'a -> ben again is the same change as the first: sent once (the subscriber drops exact duplicates)',
  );
  const stats = sf.org.eventStats();
  assert.deepEqual(
    [stats.eventsPublished, stats.publishCalls, stats.subscriberBatches, stats.duplicatesDropped, stats.queueables, stats.callouts],
    [4, 4, 1, 1, 1, 1],
    'no dedupe at publish time: 4 events from 4 DML statements; the subscriber drops the duplicate',
  );
  assert.equal(sf.org.bridgeDeliveries()[0]?.duplicates, 1);
});

test('transactions that commit before the subscriber runs share its batch; each takes at most subscriberBatchSize', async (t) => {
  const bridge = await fakeBridge(t);
  const sf = await startSf(t, { bridge: { url: bridge.url, secret: SECRET }, subscriberBatchSize: 2 });
  const [c0, c1] = sf.seed.caseIds;
  const { ava, ben, cara } = sf.seed.agents;
  sf.org.changeCaseOwner(c0!, ava);
  sf.org.changeCaseOwner(c1!, ben);
  sf.org.changeCaseOwner(c0!, cara);
  await sf.org.idle();
  assert.deepEqual(
    bridge.received.map((r) => (r.body as { events: SalesforceEvent[] }).events.map((e) => e.type === 'case.owner_changed' && e.ownerId)),
    [[ava, ben], [cara]],
    'three transactions, in publish order, in batches of at most 2',
  );
  const stats = sf.org.eventStats();
  assert.deepEqual([stats.transactions, stats.eventsPublished, stats.subscriberBatches, stats.callouts], [3, 3, 2, 2]);
  await assert.rejects(startSf(t, { subscriberBatchSize: 2001 }), /subscriberBatchSize/);
});

test('a rolled-back transaction sends nothing (Composite allOrNone, Collections allOrNone)', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const a = await newCase(sf, token, ava);
  const composite = await api(sf, token, 'POST', '/composite', {
    allOrNone: true,
    compositeRequest: [
      { method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/${a}`, referenceId: 'ok', body: { OwnerId: ben } },
      { method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/${a}`, referenceId: 'bad', body: { OwnerId: 'nope' } },
    ],
  });
  assert.equal(composite.status, 200);
  const collections = await api(sf, token, 'PATCH', '/composite/sobjects', {
    allOrNone: true,
    records: [
      { attributes: { type: 'Case' }, Id: a, OwnerId: ben },
      { attributes: { type: 'Case' }, Id: a, Subject: 'x'.repeat(300) },
    ],
  });
  assert.equal(collections.status, 200);
  assert.equal(
    (collections.body as { success: boolean }[]).some((r) => r.success),
    false,
  );
  await sf.org.idle();
  assert.equal(sf.state.get('Case', a)?.OwnerId, ava, 'rolled back');
  assert.equal(bridge.received.length, 0);
  assert.equal(sf.org.eventStats().eventsPublished, 0, 'PublishAfterCommit: nothing published');
});

test('a partial save (Collections without allOrNone): the saved rows publish, the failed rows do not', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const a = await newCase(sf, token, ava);
  const b = await newCase(sf, token, ava);
  const c = await newCase(sf, token, ava);
  const res = await api(sf, token, 'PATCH', '/composite/sobjects', {
    records: [
      { attributes: { type: 'Case' }, Id: a, OwnerId: ben },
      { attributes: { type: 'Case' }, Id: b, OwnerId: ben, Subject: 'x'.repeat(300) },
      { attributes: { type: 'Case' }, Id: c, OwnerId: ben },
    ],
  });
  assert.deepEqual(
    (res.body as { success: boolean }[]).map((r) => r.success),
    [true, false, true],
  );
  await sf.org.idle();
  assert.deepEqual(
    bridge.events().map((e) => e.caseId),
    [a, c],
  );
  const stats = sf.org.eventStats();
  assert.deepEqual(
    [stats.eventsPublished, stats.publishCalls, stats.subscriberBatches],
    [2, 1, 1],
    'one trigger chunk, one EventBus.publish',
  );

  // A Composite without allOrNone: the subrequest that failed wrote nothing and publishes nothing.
  const composite = await api(sf, token, 'POST', '/composite', {
    compositeRequest: [
      { method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/${a}`, referenceId: 'ok', body: { OwnerId: ava } },
      { method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/${b}`, referenceId: 'bad', body: { OwnerId: 'nope' } },
    ],
  });
  assert.deepEqual(
    (composite.body as { compositeResponse: { httpStatusCode: number }[] }).compositeResponse.map((r) => r.httpStatusCode),
    [204, 400],
  );
  await sf.org.idle();
  assert.deepEqual(
    bridge
      .events()
      .slice(2)
      .map((e) => e.caseId),
    [a],
  );
});

test('sObject Collections update of 200 chat Cases: one EventBus.publish, one POST with 200 events', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const created = await api(sf, token, 'POST', '/composite/sobjects', {
    records: Array.from({ length: 200 }, (_, i) => ({
      attributes: { type: 'Case' },
      Subject: 's',
      OwnerId: ava,
      Sendbird_Ticket_Id__c: `tk-200-${i}`,
    })),
  });
  const ids = (created.body as { id: string }[]).map((r) => r.id);
  const res = await api(sf, token, 'PATCH', '/composite/sobjects', {
    records: ids.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: ben })),
  });
  assert.ok((res.body as { success: boolean }[]).every((r) => r.success));
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assertValidPost(bridge.received[0]);
  assert.equal(bridge.events().length, 200);
  assert.equal(sf.org.eventStats().publishCalls, 1);
});

test('2200 chat-Case changes in one transaction: all published (no cap), 11 publish calls, 11 batches of 200, 11 POSTs', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const ids: string[] = [];
  for (let i = 0; i < 11; i++) {
    const created = await api(sf, token, 'POST', '/composite/sobjects', {
      records: Array.from({ length: 200 }, (_, j) => ({
        attributes: { type: 'Case' },
        Subject: 's',
        OwnerId: ava,
        Sendbird_Ticket_Id__c: `tk-2200-${i}-${j}`,
      })),
    });
    ids.push(...(created.body as { id: string }[]).map((r) => r.id));
  }
  const chunks = Array.from({ length: 11 }, (_, i) => ids.slice(i * 200, i * 200 + 200));
  const res = await api(sf, token, 'POST', '/composite', {
    compositeRequest: chunks.map((c, i) => ({
      method: 'PATCH',
      url: '/services/data/v62.0/composite/sobjects',
      referenceId: `c${i}`,
      body: { records: c.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: ben })) },
    })),
  });
  assert.equal(res.status, 200);
  await sf.org.idle();
  assert.equal(bridge.received.length, 11);
  for (const r of bridge.received) assertValidPost(r);
  assert.deepEqual(
    bridge.received.map((r) => (r.body as { events: unknown[] }).events.length),
    Array(11).fill(200),
  );
  assert.deepEqual(new Set(bridge.events().map((e) => e.caseId)), new Set(ids), 'every Case once, in publish order');
  assert.deepEqual(sf.org.eventStats(), {
    transactions: 1,
    publishCalls: 11,
    maxPublishCallsPerTransaction: 11,
    eventsPublished: 2200,
    subscriberBatches: 11,
    duplicatesDropped: 0,
    queueables: 11,
    callouts: 11,
    waiting: 0,
  });
});

test('console changeCaseOwner: validated like the REST API, one POST per action', async (t) => {
  const { sf, bridge } = await world(t);
  const [seedCase] = sf.seed.caseIds;
  const { cara } = sf.seed.agents;
  assert.throws(
    () => sf.org.changeCaseOwner(seedCase!, '005000000000000AAA'),
    (err: Error & { items?: { errorCode: string }[] }) => err.items?.[0]?.errorCode === 'FIELD_INTEGRITY_EXCEPTION',
  );
  assert.throws(() => sf.org.changeCaseOwner('bogus', cara), /MALFORMED|incorrect type/i);
  const updated = sf.org.changeCaseOwner(seedCase!, cara);
  assert.equal(updated.OwnerId, cara);
  assert.equal(updated.LastModifiedById, sf.seed.integrationUserId);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assertValidPost(bridge.received[0]);
  assert.deepEqual(
    bridge.events().map((e) => e.type === 'case.owner_changed' && [e.previousOwnerId, e.ownerId]),
    [[sf.seed.queueId, cara]],
  );
});

test('Omni-Channel: route creates Assigned work (no event); accept publishes agentwork.accepted + case.owner_changed (two publish calls), one POST', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ben } = sf.seed.agents;
  const [queued] = sf.seed.caseIds;
  const work = sf.org.omniRoute(queued!, ben);
  assert.equal(work.Status, 'Assigned');
  assert.equal(work.WorkItemId, queued);
  assert.equal(work.UserId, ben);
  assert.equal(work.AcceptDateTime, null);
  const { work: opened, case: c } = sf.org.omniAccept(work.Id);
  assert.equal(opened.Status, 'Opened');
  assert.equal(c.OwnerId, ben);
  assert.throws(() => sf.org.omniAccept(work.Id), /only Assigned work/);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1, 'route sends nothing; accept is one transaction');
  assertValidPost(bridge.received[0]);
  assert.equal(sf.org.eventStats().publishCalls, 2, 'the AgentWork trigger and the Case trigger each publish once');
  const accepted = bridge.events().find((e) => e.type === 'agentwork.accepted');
  assert.deepEqual(accepted && { ...accepted, occurredAt: 'x' }, {
    type: 'agentwork.accepted',
    caseId: queued,
    userId: ben,
    workId: work.Id,
    occurredAt: 'x',
  });
  assert.equal(
    accepted?.occurredAt,
    new Date(Date.parse(String(opened.AcceptDateTime).replace('+0000', 'Z'))).toISOString(),
    'occurredAt is AcceptDateTime',
  );
  assert.ok(bridge.events().some((e) => e.type === 'case.owner_changed' && e.ownerId === ben));

  // Decline: the work ends, the Case stays, nothing is sent.
  const second = sf.org.omniRoute(queued!, sf.seed.agents.cara);
  const declined = sf.org.omniDecline(second.Id);
  assert.equal(declined.Status, 'Declined');
  assert.equal(sf.state.get('Case', queued!)?.OwnerId, ben);
  // The accept detection is the trigger's, whatever the write path: a REST update of AgentWork.
  const third = sf.org.omniRoute(queued!, sf.seed.agents.ava);
  assert.equal((await api(sf, token, 'PATCH', `/sobjects/AgentWork/${third.Id}`, { Status: 'Opened' })).status, 204);
  await sf.org.idle();
  assert.equal(bridge.received.length, 2);
  assert.deepEqual(
    (bridge.received[1]?.body as { events: SalesforceEvent[] }).events.map((e) => e.type),
    ['agentwork.accepted'],
    'Status becoming Opened alone is an accept (and REST does not change the Case owner)',
  );

  // Work routed from a Case without a chat publishes nothing, accept and owner change alike.
  const noChat = await newCase(sf, token, sf.seed.queueId, { Sendbird_Ticket_Id__c: null });
  sf.org.resetEventStats();
  sf.org.omniAccept(sf.org.omniRoute(noChat, ben).Id);
  await sf.org.idle();
  assert.equal(sf.state.get('Case', noChat)?.OwnerId, ben);
  assert.equal(bridge.received.length, 2);
  assert.equal(sf.org.eventStats().eventsPublished, 0);
});

test('the REST answer does not wait for the callout', async (t) => {
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  const { sf, bridge, token } = await world(t, async () => {
    await held;
    return 202;
  });
  const id = await newCase(sf, token, sf.seed.agents.ava);
  const res = await api(sf, token, 'PATCH', `/sobjects/Case/${id}`, { OwnerId: sf.seed.agents.ben });
  assert.equal(res.status, 204);
  await waitFor('the callout to reach the bridge', () => bridge.received.length === 1);
  assert.equal(sf.org.bridgeDeliveries()[0]?.status, 'pending', 'answered while the bridge still holds the callout');
  release();
  await sf.org.idle();
  assert.equal(sf.org.bridgeDeliveries()[0]?.status, 'delivered');
});

test('retries like the Apex: 5xx and 429 retried up to 3 attempts; 401 not retried; no answer retried', async (t) => {
  const statuses = [500, 429, 202];
  const { sf, bridge } = await world(t, (_r, n) => statuses[n - 1] ?? 202);
  const [c] = sf.seed.caseIds;
  sf.org.changeCaseOwner(c!, sf.seed.agents.ava);
  await sf.org.idle();
  assert.equal(bridge.received.length, 3, 'the same batch three times');
  assert.deepEqual(bridge.received[0]?.body, bridge.received[2]?.body);
  assert.deepEqual(
    sf.org.bridgeDeliveries()[0]?.attempts.map((a) => a.status),
    [500, 429, 202],
  );
  const stats = sf.org.eventStats();
  assert.deepEqual(
    [stats.subscriberBatches, stats.queueables, stats.callouts],
    [1, 3, 3],
    'each retry is a Queueable the finalizer enqueues',
  );

  sf.org.setBridge({ url: bridge.url, secret: SECRET });
  statuses.splice(0, 3, 401, 401, 401);
  bridge.received.length = 0;
  sf.org.clearBridgeDeliveries();
  sf.org.changeCaseOwner(c!, sf.seed.agents.ben);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1, 'a 401 is a setup problem: no retry');
  assert.equal(sf.org.bridgeDeliveries()[0]?.status, 'failed');

  sf.org.setBridge({ url: 'http://127.0.0.1:1', secret: SECRET });
  sf.org.changeCaseOwner(c!, sf.seed.agents.cara);
  await sf.org.idle();
  const last = sf.org.bridgeDeliveries().at(-1);
  assert.equal(last?.status, 'failed');
  assert.equal(last?.attempts.length, 3, 'no answer: retried until the attempts are used');
  assert.ok(last?.attempts.every((a) => a.error && a.status === undefined));
});

test('the retry rule and the schema check before sending', async () => {
  assert.equal(shouldRetryDelivery(undefined, 1, 3), true);
  assert.equal(shouldRetryDelivery(503, 2, 3), true);
  assert.equal(shouldRetryDelivery(408, 1, 3), true);
  assert.equal(shouldRetryDelivery(503, 3, 3), false);
  assert.equal(shouldRetryDelivery(400, 1, 3), false);
  const d = new BridgeDelivery();
  d.set({ url: 'http://127.0.0.1:1', secret: SECRET });
  const rec = d.send([{ type: 'case.owner_changed', caseId: 'not-a-case', previousOwnerId: null, ownerId: 'x', occurredAt: 'now' }]);
  assert.equal(rec.status, 'invalid');
  assert.match(rec.error ?? '', /events\[0\]\.caseId/);
  await d.idle();
  assert.equal(rec.attempts.length, 0, 'never sent');
  assert.throws(() => d.set({ url: 'ftp://x', secret: SECRET }), /http/);
  assert.throws(() => d.set({ url: 'http://x', secret: '' }), /secret/);
});

test('getAgentSession: POSTs {userId, nickname: Name} with the secret; keeps the Apex keys; a safe error otherwise', async (t) => {
  let answer: { status: number; body: unknown } = {
    status: 200,
    body: { appId: 'A', userId: 'U', nickname: 'N', accessToken: 'T', expiresAt: 1, apiHost: 'http://h', extra: 1 },
  };
  const { sf, bridge } = await world(t, () => answer);
  const { ava } = sf.seed.agents;
  const s = await sf.org.getAgentSession(ava.slice(0, 15));
  assert.deepEqual(s, { appId: 'A', userId: 'U', nickname: 'N', accessToken: 'T', expiresAt: 1 });
  const req = bridge.received[0]!;
  assert.equal(req.url, '/agents/session');
  assert.equal(req.headers.authorization, `Bearer ${SECRET}`);
  assert.deepEqual(req.body, { userId: ava, nickname: 'Ava Agent' });

  for (const a of [
    { status: 500, body: {} },
    { status: 200, body: { appId: 'A' } },
    { status: 401, body: {} },
  ]) {
    answer = a;
    await assert.rejects(
      sf.org.getAgentSession(ava),
      (err: unknown) => err instanceof AgentSessionError && err.message === AGENT_SESSION_UNAVAILABLE && !err.message.includes(SECRET),
    );
  }
  sf.org.setBridge(null);
  await assert.rejects(sf.org.getAgentSession(ava), AgentSessionError);
});

test('admin routes: bridge settings (secret never shown), Omni, owner change, deliveries', async (t) => {
  const bridge = await fakeBridge(t);
  const sf = await startSf(t, { bridgeDelivery: { retryDelaysMs: [0] } });
  const admin = (method: string, path: string, body?: unknown) =>
    raw(`${sf.url}/__admin${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
  assert.deepEqual((await admin('GET', '/bridge')).body, { url: null });
  assert.equal((await admin('PUT', '/bridge', { url: 'nope', secret: SECRET })).status, 400);
  const put = await admin('PUT', '/bridge', { url: bridge.url, secret: SECRET });
  assert.deepEqual(put.body, { url: bridge.url });
  assert.ok(!JSON.stringify((await admin('GET', '/bridge')).body).includes(SECRET));

  const [c] = sf.seed.caseIds;
  const route = await admin('POST', '/omni/route', { caseId: c, userId: sf.seed.agents.ava });
  assert.equal(route.status, 201);
  const workId = (route.body as { Id: string }).Id;
  const accept = await admin('POST', `/omni/agent-work/${workId}/accept`);
  assert.equal(accept.status, 200);
  assert.equal((accept.body as { case: { OwnerId: string } }).case.OwnerId, sf.seed.agents.ava);
  await sf.org.idle();
  const again = await admin('POST', `/omni/agent-work/${workId}/decline`);
  assert.equal(again.status, 400);
  assert.equal((again.body as { errorCode: string }[])[0]?.errorCode, 'INVALID_OPERATION');
  const badOwner = await admin('POST', `/cases/${c}/owner`, { ownerId: '00GEM0000000099AAA' });
  assert.equal(badOwner.status, 400);
  const owner = await admin('POST', `/cases/${c}/owner`, { ownerId: sf.seed.agents.ben });
  assert.equal(owner.status, 200);
  await sf.org.idle();
  const deliveries = (await admin('GET', '/bridge/deliveries')).body as { deliveries: { status: string; events: unknown[] }[] };
  assert.deepEqual(
    deliveries.deliveries.map((d) => [d.status, d.events.length]),
    [
      ['delivered', 2],
      ['delivered', 1],
    ],
  );
  const stats = (await admin('GET', '/events/stats')).body as {
    eventsPublished: number;
    publishCalls: number;
    subscriberBatches: number;
    callouts: number;
  };
  assert.deepEqual([stats.eventsPublished, stats.publishCalls, stats.subscriberBatches, stats.callouts], [3, 3, 2, 2]);
  assert.equal(((await admin('DELETE', '/events/stats')).body as { eventsPublished: number }).eventsPublished, 0);
  assert.equal((await admin('DELETE', '/bridge/deliveries')).status, 200);
  assert.deepEqual((await admin('GET', '/bridge/deliveries')).body, { deliveries: [] });
  assert.deepEqual((await admin('DELETE', '/bridge')).body, { url: null });
  sf.org.changeCaseOwner(c!, sf.seed.agents.cara);
  await sf.org.idle();
  assert.equal(sf.org.bridgeDeliveries()[0]?.status, 'no_bridge');
  assert.deepEqual([sf.org.eventStats().queueables, sf.org.eventStats().callouts], [1, 0], 'the job ran; there was nowhere to call');
});
