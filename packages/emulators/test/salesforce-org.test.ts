/**
 * The org behaviour of the Salesforce emulator: the trigger emulation posts the same event batch,
 * with the same authentication, as our Apex (one POST per transaction, schema-valid, retried like
 * the Apex finalizer), emulated Omni-Channel, the getAgentSession action, and the admin routes.
 * A small recording server plays the bridge.
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
async function fakeBridge(t: TestContext, answer: (req: Received, n: number) => number | Promise<number> | { status: number; body: unknown } = () => 202) {
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
  return { url: `http://127.0.0.1:${port}`, received, events: () => received.flatMap((r) => (r.body as { events: SalesforceEvent[] }).events) };
}

async function world(t: TestContext, answer?: Parameters<typeof fakeBridge>[1]) {
  const bridge = await fakeBridge(t, answer);
  const sf = await startSf(t, { bridge: { url: bridge.url, secret: SECRET }, bridgeDelivery: { retryDelaysMs: [0, 5, 5] } });
  const token = await tokenFor(sf);
  return { sf, bridge, token };
}

async function newCase(sf: RunningSalesforceEmulator, token: string, ownerId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api(sf, token, 'POST', '/sobjects/Case', { Subject: 'x', OwnerId: ownerId, ...extra });
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

test('REST PATCH of OwnerId: one POST with case.owner_changed; other writes send nothing', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const id = await newCase(sf, token, ava);
  assert.equal((await api(sf, token, 'PATCH', `/sobjects/Case/${id}`, { Subject: 'no owner change' })).status, 204);
  assert.equal((await api(sf, token, 'PATCH', `/sobjects/Case/${id}`, { OwnerId: ben })).status, 204);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1, 'the insert and the Subject change send nothing');
  assertValidPost(bridge.received[0]);
  const rec = sf.state.get('Case', id)!;
  assert.deepEqual(bridge.events(), [
    { type: 'case.owner_changed', caseId: id, previousOwnerId: ava, ownerId: ben, occurredAt: new Date(Date.parse(String(rec.LastModifiedDate).replace('+0000', 'Z'))).toISOString() },
  ]);
  const [d] = sf.org.bridgeDeliveries();
  assert.equal(d?.status, 'delivered');
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
  assert.deepEqual(bridge.events().map((e) => e.type === 'case.owner_changed' && [e.caseId, e.previousOwnerId, e.ownerId]), [[id, sf.seed.queueId, ava]]);
});

test('one Composite call is one transaction: one POST with every change, the same change once', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben, cara } = sf.seed.agents;
  const a = await newCase(sf, token, ava);
  const b = await newCase(sf, token, ava);
  const sub = (ref: string, id: string, owner: string) => ({ method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/${id}`, referenceId: ref, body: { OwnerId: owner } });
  const res = await api(sf, token, 'POST', '/composite', { compositeRequest: [sub('a1', a, ben), sub('b1', b, cara), sub('a2', a, ava), sub('a3', a, ben)] });
  assert.equal(res.status, 200);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assertValidPost(bridge.received[0]);
  assert.deepEqual(
    bridge.events().map((e) => e.type === 'case.owner_changed' && `${e.caseId === a ? 'a' : 'b'}:${e.previousOwnerId}->${e.ownerId}`),
    [`a:${ava}->${ben}`, `b:${ava}->${cara}`, `a:${ben}->${ava}`],
    'a -> ben again is the same change as the first: sent once (SendbirdEvents.dedupeKey)',
  );
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
  assert.equal((collections.body as { success: boolean }[]).some((r) => r.success), false);
  await sf.org.idle();
  assert.equal(sf.state.get('Case', a)?.OwnerId, ava, 'rolled back');
  assert.equal(bridge.received.length, 0);
});

test('sObject Collections update of 200 Cases: one POST with 200 events', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const created = await api(sf, token, 'POST', '/composite/sobjects', { records: Array.from({ length: 200 }, () => ({ attributes: { type: 'Case' }, Subject: 's', OwnerId: ava })) });
  const ids = (created.body as { id: string }[]).map((r) => r.id);
  const res = await api(sf, token, 'PATCH', '/composite/sobjects', { records: ids.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: ben })) });
  assert.ok((res.body as { success: boolean }[]).every((r) => r.success));
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assertValidPost(bridge.received[0]);
  assert.equal(bridge.events().length, 200);
});

test('more than 2000 events in one transaction: 2000 sent, the rest counted as dropped (as the Apex caps it)', async (t) => {
  const { sf, bridge, token } = await world(t);
  const { ava, ben } = sf.seed.agents;
  const ids: string[] = [];
  for (let i = 0; i < 11; i++) {
    const created = await api(sf, token, 'POST', '/composite/sobjects', { records: Array.from({ length: 200 }, () => ({ attributes: { type: 'Case' }, Subject: 's', OwnerId: ava })) });
    ids.push(...(created.body as { id: string }[]).map((r) => r.id));
  }
  const chunks = Array.from({ length: 11 }, (_, i) => ids.slice(i * 200, i * 200 + 200));
  const res = await api(sf, token, 'POST', '/composite', {
    compositeRequest: chunks.map((c, i) => ({ method: 'PATCH', url: '/services/data/v62.0/composite/sobjects', referenceId: `c${i}`, body: { records: c.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: ben })) } })),
  });
  assert.equal(res.status, 200);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assert.equal(bridge.events().length, 2000);
  assert.equal(sf.org.bridgeDeliveries()[0]?.dropped, 200);
});

test('console changeCaseOwner: validated like the REST API, one POST per action', async (t) => {
  const { sf, bridge } = await world(t);
  const [seedCase] = sf.seed.caseIds;
  const { cara } = sf.seed.agents;
  assert.throws(() => sf.org.changeCaseOwner(seedCase!, '005000000000000AAA'), (err: Error & { items?: { errorCode: string }[] }) => err.items?.[0]?.errorCode === 'FIELD_INTEGRITY_EXCEPTION');
  assert.throws(() => sf.org.changeCaseOwner('bogus', cara), /MALFORMED|incorrect type/i);
  const updated = sf.org.changeCaseOwner(seedCase!, cara);
  assert.equal(updated.OwnerId, cara);
  assert.equal(updated.LastModifiedById, sf.seed.integrationUserId);
  await sf.org.idle();
  assert.equal(bridge.received.length, 1);
  assertValidPost(bridge.received[0]);
  assert.deepEqual(bridge.events().map((e) => e.type === 'case.owner_changed' && [e.previousOwnerId, e.ownerId]), [[sf.seed.queueId, cara]]);
});

test('Omni-Channel: route creates Assigned work (no event); accept posts agentwork.accepted + case.owner_changed in one POST', async (t) => {
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
  const accepted = bridge.events().find((e) => e.type === 'agentwork.accepted');
  assert.deepEqual(accepted && { ...accepted, occurredAt: 'x' }, { type: 'agentwork.accepted', caseId: queued, userId: ben, workId: work.Id, occurredAt: 'x' });
  assert.equal(accepted?.occurredAt, new Date(Date.parse(String(opened.AcceptDateTime).replace('+0000', 'Z'))).toISOString(), 'occurredAt is AcceptDateTime');
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
  assert.deepEqual(sf.org.bridgeDeliveries()[0]?.attempts.map((a) => a.status), [500, 429, 202]);

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
  let answer: { status: number; body: unknown } = { status: 200, body: { appId: 'A', userId: 'U', nickname: 'N', accessToken: 'T', expiresAt: 1, apiHost: 'http://h', extra: 1 } };
  const { sf, bridge } = await world(t, () => answer);
  const { ava } = sf.seed.agents;
  const s = await sf.org.getAgentSession(ava.slice(0, 15));
  assert.deepEqual(s, { appId: 'A', userId: 'U', nickname: 'N', accessToken: 'T', expiresAt: 1 });
  const req = bridge.received[0]!;
  assert.equal(req.url, '/agents/session');
  assert.equal(req.headers.authorization, `Bearer ${SECRET}`);
  assert.deepEqual(req.body, { userId: ava, nickname: 'Ava Agent' });

  for (const a of [{ status: 500, body: {} }, { status: 200, body: { appId: 'A' } }, { status: 401, body: {} }]) {
    answer = a;
    await assert.rejects(sf.org.getAgentSession(ava), (err: unknown) => err instanceof AgentSessionError && err.message === AGENT_SESSION_UNAVAILABLE && !err.message.includes(SECRET));
  }
  sf.org.setBridge(null);
  await assert.rejects(sf.org.getAgentSession(ava), AgentSessionError);
});

test('admin routes: bridge settings (secret never shown), Omni, owner change, deliveries', async (t) => {
  const bridge = await fakeBridge(t);
  const sf = await startSf(t, { bridgeDelivery: { retryDelaysMs: [0] } });
  const admin = (method: string, path: string, body?: unknown) =>
    raw(`${sf.url}/__admin${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
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
  const again = await admin('POST', `/omni/agent-work/${workId}/decline`);
  assert.equal(again.status, 400);
  assert.equal((again.body as { errorCode: string }[])[0]?.errorCode, 'INVALID_OPERATION');
  const badOwner = await admin('POST', `/cases/${c}/owner`, { ownerId: '00GEM0000000099AAA' });
  assert.equal(badOwner.status, 400);
  const owner = await admin('POST', `/cases/${c}/owner`, { ownerId: sf.seed.agents.ben });
  assert.equal(owner.status, 200);
  await sf.org.idle();
  const deliveries = (await admin('GET', '/bridge/deliveries')).body as { deliveries: { status: string; events: unknown[] }[] };
  assert.deepEqual(deliveries.deliveries.map((d) => [d.status, d.events.length]), [['delivered', 2], ['delivered', 1]]);
  assert.equal((await admin('DELETE', '/bridge/deliveries')).status, 200);
  assert.deepEqual((await admin('GET', '/bridge/deliveries')).body, { deliveries: [] });
  assert.deepEqual((await admin('DELETE', '/bridge')).body, { url: null });
  sf.org.changeCaseOwner(c!, sf.seed.agents.cara);
  assert.equal(sf.org.bridgeDeliveries()[0]?.status, 'no_bridge');
});
