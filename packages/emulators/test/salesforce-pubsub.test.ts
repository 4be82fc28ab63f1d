/**
 * The Salesforce emulator's Pub/Sub API, driven with plain @grpc/grpc-js and the vendored proto:
 * TLS with the emulator's certificate, auth metadata and its errors (status, error-code and rpc-id
 * trailers), GetTopic/GetSchema, Change Data Capture events from every write path (REST,
 * Collections with merged recordIds, console owner changes, Omni accepts), overflow and gap
 * events, Subscribe presets, flow control, keepalives, replay-id expiry, the faults, the stats,
 * the Apex path's switch, and close.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '@sbsf/testkit';
import { CASE_CHANGE_TOPIC, CHANGE_EVENT_HEADER_SCHEMA, PUBSUB_ERROR, positionOf, replayIdOf } from '@sbsf/salesforce/pubsub';
import { api, raw, startSf, tokenFor } from './salesforce-helpers.js';
import {
  Decoder,
  errorCodeOf,
  getSchema,
  getTopic,
  nonNull,
  startPubSub,
  subscribe,
  unaryError,
  unary,
  type PubSubWorld,
} from './salesforce-pubsub-helpers.js';

async function newCase(w: PubSubWorld, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await api(w.sf, w.token, 'POST', '/sobjects/Case', { Subject: 'Printer on fire', ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return (res.body as { id: string }).id;
}

/** The rpc id Salesforce appends to the message and sends as a trailer. */
function assertRpcId(err: grpc.ServiceError): void {
  const rpcId = err.metadata.get('rpc-id')[0]?.toString();
  assert.ok(rpcId, 'an rpc-id trailer');
  assert.ok(err.details.endsWith(`rpcId: ${rpcId}`), err.details);
}

test('GetTopic describes /data/CaseChangeEvent; GetSchema serves the CaseChangeEvent schema: the header first, then nullable Case fields', async (t) => {
  const w = await startPubSub(t);
  const topic = await getTopic(w, CASE_CHANGE_TOPIC);
  assert.equal(topic.topicName, CASE_CHANGE_TOPIC);
  assert.equal(topic.tenantGuid, w.sf.state.orgId);
  assert.equal(topic.canSubscribe, true);
  assert.equal(topic.canPublish, false);
  assert.match(topic.rpcId, /^[0-9a-f-]{36}$/);

  const info = await getSchema(w, topic.schemaId);
  assert.equal(info.schemaId, topic.schemaId);
  const schema = JSON.parse(info.schemaJson) as {
    name: string;
    namespace: string;
    fields: { name: string; type: unknown; default?: unknown }[];
  };
  assert.equal(schema.name, 'CaseChangeEvent');
  assert.equal(schema.namespace, 'com.sforce.eventbus');
  assert.equal(schema.fields[0]!.name, 'ChangeEventHeader');
  assert.deepEqual(schema.fields[0]!.type, JSON.parse(JSON.stringify(CHANGE_EVENT_HEADER_SCHEMA)));
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  assert.deepEqual(byName.get('OwnerId'), { name: 'OwnerId', type: ['null', 'string'], doc: 'Data:reference', default: null });
  assert.deepEqual(byName.get('IsClosed')!.type, ['null', 'boolean']);
  assert.deepEqual(byName.get('LastModifiedDate')!.type, ['null', 'long']);
  for (const left of ['Id', 'IsDeleted', 'SystemModstamp']) assert.equal(byName.has(left), false, `${left} is not in a change event`);
  // The id is a fingerprint of the schema: the same on every start.
  const again = await startPubSub(t);
  assert.equal((await getTopic(again, CASE_CHANGE_TOPIC)).schemaId, topic.schemaId);

  const unknown = await unaryError(w, 'GetTopic', { topicName: '/data/AccountChangeEvent' });
  assert.equal(unknown.code, grpc.status.NOT_FOUND, 'Account is not selected for Change Data Capture');
  assert.equal(errorCodeOf(unknown), PUBSUB_ERROR.topicNotFound);
  assertRpcId(unknown);
  const blank = await unaryError(w, 'GetSchema', { schemaId: '' });
  assert.equal(blank.code, grpc.status.INVALID_ARGUMENT);
});

test('option changeDataCapture selects the objects whose channels exist', async (t) => {
  const w = await startPubSub(t, { changeDataCapture: ['Account'] });
  assert.equal((await getTopic(w, '/data/AccountChangeEvent')).canSubscribe, true);
  assert.equal((await unaryError(w, 'GetTopic', { topicName: CASE_CHANGE_TOPIC })).code, grpc.status.NOT_FOUND);
});

test('auth: accesstoken, instanceurl and tenantid are required, the token must be live and the tenant the org; failures are UNAUTHENTICATED with the auth error code', async (t) => {
  const w = await startPubSub(t);
  const cases: Record<string, Record<string, string | null>> = {
    'no token': { accesstoken: null },
    'an unknown token': { accesstoken: '00D000000000001!AQnotatoken' },
    'no instanceurl': { instanceurl: null },
    'no tenantid': { tenantid: null },
    'another org': { tenantid: '00D000000000001AAA' },
  };
  for (const [why, over] of Object.entries(cases)) {
    const err = await unaryError(w, 'GetTopic', { topicName: CASE_CHANGE_TOPIC }, w.md(over));
    assert.equal(err.code, grpc.status.UNAUTHENTICATED, why);
    assert.equal(errorCodeOf(err), PUBSUB_ERROR.authError, why);
    assertRpcId(err);
  }
  // The 15-character org id is the same tenant.
  const short = w.md({ tenantid: w.sf.state.orgId.slice(0, 15) });
  assert.equal((await unary<{ tenantGuid: string }>(w, 'GetTopic', { topicName: CASE_CHANGE_TOPIC }, short)).tenantGuid, w.sf.state.orgId);

  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 1 }, w.md({ accesstoken: 'nope' }));
  const err = await s.waitForError();
  assert.equal(err.code, grpc.status.UNAUTHENTICATED);
  assert.equal(errorCodeOf(err), PUBSUB_ERROR.authError);
});

test('a REST create and update: CREATE carries every non-null field, UPDATE only the changed ones with changedFields and nulledFields', async (t) => {
  const w = await startPubSub(t);
  const decoder = new Decoder(w);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 10 });
  await waitFor('the subscription', () => w.sf.pubsub!.stats().subscriptions[0]?.topic === CASE_CHANGE_TOPIC);
  const id = await newCase(w, { Description: 'smoke', SuppliedName: 'Jo' });
  const patch = await api(
    w.sf,
    w.token,
    'PATCH',
    `/sobjects/Case/${id}`,
    { OwnerId: w.sf.seed.agents.ava, Description: null },
    { 'Sforce-Call-Options': 'client=SupportBridge' },
  );
  assert.equal(patch.status, 204);
  const [created, updated] = await s.waitForEvents(2);

  const c = await decoder.decode(created!);
  assert.equal(c.header.entityName, 'Case');
  assert.equal(c.header.changeType, 'CREATE');
  assert.deepEqual(c.header.recordIds, [id]);
  assert.equal(c.header.changeOrigin, 'com/salesforce/api/rest/62.0');
  assert.equal(c.header.commitUser, w.sf.seed.integrationUserId);
  assert.equal(c.header.sequenceNumber, 1);
  assert.deepEqual(c.header.changedFields, []);
  const rec = w.sf.state.get('Case', id)!;
  assert.deepEqual(nonNull(c.fields), {
    CreatedDate: Date.parse(String(w.sf.state.get('Case', id)!.CreatedDate).replace('+0000', 'Z')),
    CreatedById: w.sf.seed.integrationUserId,
    LastModifiedDate: nonNull(c.fields).CreatedDate,
    LastModifiedById: w.sf.seed.integrationUserId,
    CaseNumber: rec.CaseNumber,
    Subject: 'Printer on fire',
    Description: 'smoke',
    Status: 'New',
    IsClosed: false,
    Priority: 'Medium',
    SuppliedName: 'Jo',
    OwnerId: w.sf.seed.integrationUserId,
  });

  const u = await decoder.decode(updated!);
  assert.equal(u.header.changeType, 'UPDATE');
  assert.equal(u.header.changeOrigin, 'com/salesforce/api/rest/62.0;client=SupportBridge');
  assert.notEqual(u.header.transactionKey, c.header.transactionKey, 'one transaction key per transaction');
  assert.ok(BigInt(u.header.commitNumber) > BigInt(c.header.commitNumber), 'commit numbers increase');
  assert.deepEqual(u.changed.sort(), ['Description', 'LastModifiedDate', 'OwnerId']);
  assert.deepEqual(u.nulled, ['Description']);
  assert.deepEqual(nonNull(u.fields), { OwnerId: w.sf.seed.agents.ava, LastModifiedDate: u.fields.LastModifiedDate });
  assert.equal(u.header.commitTimestamp >= c.header.commitTimestamp, true);

  // A delete: the header and the record id only.
  assert.equal((await api(w.sf, w.token, 'DELETE', `/sobjects/Case/${id}`)).status, 204);
  const [, , deleted] = await s.waitForEvents(3);
  const d = await decoder.decode(deleted!);
  assert.equal(d.header.changeType, 'DELETE');
  assert.deepEqual(d.header.recordIds, [id]);
  assert.deepEqual(nonNull(d.fields), {});
  // Replay ids are 8 bytes and increase.
  const ids = s.events().map((e) => positionOf(e.replayId)!);
  assert.deepEqual(
    [...ids].sort((a, b) => (a < b ? -1 : 1)),
    ids,
  );
});

test('sObject Collections PATCH of several Cases to one owner: one UPDATE event whose recordIds lists them all', async (t) => {
  const w = await startPubSub(t);
  const ids = [await newCase(w), await newCase(w), await newCase(w)];
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 10 });
  await waitFor('the subscription', () => w.sf.pubsub!.stats().subscriptions[0]?.topic === CASE_CHANGE_TOPIC);
  const res = await api(w.sf, w.token, 'PATCH', '/composite/sobjects', {
    allOrNone: true,
    records: ids.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: w.sf.seed.queueId })),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const [event] = await s.waitForEvents(1);
  const e = await new Decoder(w).decode(event!);
  assert.equal(e.header.changeType, 'UPDATE');
  assert.deepEqual(e.header.recordIds, ids);
  assert.deepEqual(e.changed.sort(), ['LastModifiedDate', 'OwnerId']);
  assert.equal(e.fields.OwnerId, w.sf.seed.queueId);
  assert.equal(w.sf.pubsub!.events().length, 4, 'three creates, one merged update');
});

test('console owner changes and Omni accepts publish change events too (no API origin, the writing user)', async (t) => {
  const w = await startPubSub(t);
  const id = await newCase(w);
  const decoder = new Decoder(w);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 10 });
  await waitFor('the subscription', () => w.sf.pubsub!.stats().subscriptions[0]?.topic === CASE_CHANGE_TOPIC);
  w.sf.org.changeCaseOwner(id, w.sf.seed.agents.ben);
  const work = w.sf.org.omniRoute(id, w.sf.seed.agents.cara);
  w.sf.org.omniAccept(work.Id);
  const [byConsole, byOmni] = await s.waitForEvents(2);
  const a = await decoder.decode(byConsole!);
  assert.equal(a.header.changeType, 'UPDATE');
  assert.equal(a.header.changeOrigin, '');
  assert.equal(a.header.commitUser, w.sf.seed.integrationUserId);
  assert.equal(a.fields.OwnerId, w.sf.seed.agents.ben);
  assert.ok(a.changed.includes('OwnerId'));
  const b = await decoder.decode(byOmni!);
  assert.equal(b.fields.OwnerId, w.sf.seed.agents.cara);
  assert.equal(b.header.commitUser, w.sf.seed.agents.cara, 'the agent accepted the work');
  assert.deepEqual(b.changed.sort(), ['LastModifiedById', 'LastModifiedDate', 'OwnerId']);
  assert.equal(s.events().length, 2, 'AgentWork is not selected for Change Data Capture');
});

test('overflow: past cdcOverflowThreshold changes, one GAP_OVERFLOW event (header only) per object', async (t) => {
  const w = await startPubSub(t, { cdcOverflowThreshold: 3 });
  const res = await api(w.sf, w.token, 'POST', '/composite/sobjects', {
    allOrNone: true,
    records: [1, 2, 3, 4, 5].map((n) => ({ attributes: { type: 'Case' }, Subject: `bulk ${n}` })),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const events = w.sf.pubsub!.events();
  assert.deepEqual(
    events.map((e) => e.header.changeType),
    ['CREATE', 'CREATE', 'CREATE', 'GAP_OVERFLOW'],
  );
  const overflow = events[3]!;
  assert.equal(overflow.header.entityName, 'Case');
  assert.deepEqual(overflow.header.recordIds, []);
  assert.deepEqual(overflow.fields, {});
  assert.equal(overflow.header.sequenceNumber, 4);
  assert.equal(new Set(events.map((e) => e.header.transactionKey)).size, 1, 'one transaction');
  // An update counts one change per changed field: 2 fields (OwnerId, LastModifiedDate) x 2 Cases > 3.
  const ids = (res.body as { id: string }[]).slice(0, 2).map((r) => r.id);
  await api(w.sf, w.token, 'PATCH', '/composite/sobjects', {
    records: ids.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: w.sf.seed.queueId })),
  });
  assert.deepEqual(
    w.sf
      .pubsub!.events()
      .slice(4)
      .map((e) => [e.header.changeType, e.header.recordIds]),
    [
      ['UPDATE', [ids[0]]],
      ['GAP_OVERFLOW', []],
    ],
  );
});

test('gap events: the admin API publishes GAP_UPDATE for given Cases, header only, sequenceNumber 1', async (t) => {
  const w = await startPubSub(t);
  const [a, b] = w.sf.seed.caseIds;
  const decoder = new Decoder(w);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  await waitFor('the subscription', () => w.sf.pubsub!.stats().subscriptions[0]?.topic === CASE_CHANGE_TOPIC);
  const res = await raw(`${w.sf.url}/__admin/pubsub/gap-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ changeType: 'GAP_UPDATE', recordIds: [a, b!.slice(0, 15)] }),
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const [event] = await s.waitForEvents(1);
  const e = await decoder.decode(event!);
  assert.equal(e.header.changeType, 'GAP_UPDATE');
  assert.deepEqual(e.header.recordIds, [a, b]);
  assert.equal(e.header.sequenceNumber, 1);
  assert.deepEqual(nonNull(e.fields), {});
  const bad = await raw(`${w.sf.url}/__admin/pubsub/gap-events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ changeType: 'UPDATE', recordIds: [a] }),
  });
  assert.equal(bad.status, 400);
});

test('presets: LATEST (the default) starts after the newest event, EARLIEST replays the bus, CUSTOM starts after the replay id', async (t) => {
  const w = await startPubSub(t);
  const first = await newCase(w);
  const second = await newCase(w);
  const [e1] = w.sf.pubsub!.events();

  const latest = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  const earliest = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'EARLIEST', numRequested: 5 });
  const custom = subscribe(t, w, {
    topicName: CASE_CHANGE_TOPIC,
    replayPreset: 'CUSTOM',
    replayId: Buffer.from(e1!.replayId, 'hex'),
    numRequested: 5,
  });
  await earliest.waitForEvents(2);
  await custom.waitForEvents(1);
  await waitFor('three subscriptions', () => w.sf.pubsub!.stats().subscriptions.filter((x) => x.topic).length === 3);
  const third = await newCase(w);
  const decoder = new Decoder(w);
  const idsOf = async (s: ReturnType<typeof subscribe>, n: number) =>
    Promise.all((await s.waitForEvents(n)).map(async (e) => (await decoder.decode(e)).header.recordIds[0]));
  assert.deepEqual(await idsOf(latest, 1), [third]);
  assert.deepEqual(await idsOf(earliest, 3), [first, second, third]);
  assert.deepEqual(await idsOf(custom, 2), [second, third]);
});

test('flow control: never more events than requested and not yet delivered; later requests add, up to 100 owed', async (t) => {
  const w = await startPubSub(t);
  for (let i = 0; i < 5; i++) await newCase(w);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'EARLIEST', numRequested: 2 });
  await s.waitForEvents(2);
  const sub = () => w.sf.pubsub!.stats().subscriptions[0]!;
  assert.equal(sub().delivered, 2, 'five events wait, two were requested');
  assert.equal(sub().pendingNumRequested, 0);
  assert.equal(s.responses.at(-1)!.pendingNumRequested, 0);
  s.request({ numRequested: 1 });
  await s.waitForEvents(3);
  assert.equal(sub().delivered, 3);
  assert.equal(s.events().length, 3);
  // Owed events are capped at 100: 2 are waiting, 150 requested -> 98 still owed after them.
  s.request({ numRequested: 150 });
  await s.waitForEvents(5);
  assert.equal(s.responses.at(-1)!.pendingNumRequested, 98);
  assert.equal(sub().pendingNumRequested, 98);
  // A later request naming another topic is refused.
  s.request({ topicName: '/data/AccountChangeEvent', numRequested: 1 });
  const err = await s.waitForError();
  assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
  const stats = w.sf.pubsub!.stats();
  assert.equal(stats.delivered, 5);
  assert.deepEqual(stats.published, { [CASE_CHANGE_TOPIC]: 5 });
  assert.equal(stats.openSubscriptions, 0);
});

test('keepalive: while events are owed and none comes, an empty FetchResponse with the latest replay id', async (t) => {
  const w = await startPubSub(t, { pubsubKeepaliveMs: 20 });
  await newCase(w);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 3 });
  const keepalive = await waitFor('a keepalive', () => s.responses.find((r) => r.events.length === 0));
  assert.deepEqual(keepalive.latestReplayId, Buffer.from(w.sf.pubsub!.events()[0]!.replayId, 'hex'));
  assert.equal(keepalive.pendingNumRequested, 3);
  assert.equal(s.error, undefined);
});

test('a CUSTOM replay id that expired (purged, or past the retention window) or was never issued is INVALID_ARGUMENT with replayid.corrupted', async (t) => {
  let clock = Date.parse('2026-03-02T10:00:00Z');
  const w = await startPubSub(t, { now: () => clock, cdcRetentionMs: 60_000 });
  await newCase(w);
  const stored = Buffer.from(w.sf.pubsub!.events()[0]!.replayId, 'hex');
  const fromStored = () => subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'CUSTOM', replayId: stored, numRequested: 1 });

  // Still in the bus: fine.
  const ok = fromStored();
  await newCase(w);
  await ok.waitForEvents(1);

  // Past the retention window of the emulator clock.
  clock += 60_001;
  const expired = await fromStored().waitForError();
  assert.equal(expired.code, grpc.status.INVALID_ARGUMENT);
  assert.equal(errorCodeOf(expired), PUBSUB_ERROR.replayIdCorrupted);
  assertRpcId(expired);

  for (const replayId of [replayIdOf(99n), Buffer.from('not-eight')]) {
    const err = await subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'CUSTOM', replayId, numRequested: 1 }).waitForError();
    assert.equal(errorCodeOf(err), PUBSUB_ERROR.replayIdCorrupted);
  }

  // A replay id of an earlier life of the emulator (the sandbox keeps the bridge's database, not
  // the bus) is unknown to the next one, even after it has published as many events.
  clock += 1_000;
  const next = await startPubSub(t, { now: () => clock, cdcRetentionMs: 60_000 });
  await newCase(next);
  await newCase(next);
  const err = await subscribe(t, next, {
    topicName: CASE_CHANGE_TOPIC,
    replayPreset: 'CUSTOM',
    replayId: stored,
    numRequested: 1,
  }).waitForError();
  assert.equal(errorCodeOf(err), PUBSUB_ERROR.replayIdCorrupted);
});

test('the admin purge makes a stored replay id expire: everything up to now, or what was published before a time', async (t) => {
  const w = await startPubSub(t);
  await newCase(w);
  const stored = Buffer.from(w.sf.pubsub!.events()[0]!.replayId, 'hex');
  const none = await raw(`${w.sf.url}/__admin/pubsub/purge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"before":0}',
  });
  assert.deepEqual(none.body, { purged: 0 });
  const all = await raw(`${w.sf.url}/__admin/pubsub/purge`, { method: 'POST' });
  assert.deepEqual(all.body, { purged: 1 });
  const err = await subscribe(t, w, {
    topicName: CASE_CHANGE_TOPIC,
    replayPreset: 'CUSTOM',
    replayId: stored,
    numRequested: 1,
  }).waitForError();
  assert.equal(errorCodeOf(err), PUBSUB_ERROR.replayIdCorrupted);
  // EARLIEST starts after what was purged.
  const earliest = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'EARLIEST', numRequested: 5 });
  const id = await newCase(w);
  const [only] = await earliest.waitForEvents(1);
  assert.deepEqual((await new Decoder(w).decode(only!)).header.recordIds, [id]);
});

test('expired tokens end open streams with the auth error; auth_refresh hands a stream a new token', async (t) => {
  let clock = Date.parse('2026-03-02T10:00:00Z');
  const w = await startPubSub(t, { now: () => clock, tokenTtlMs: 1000 });
  const refreshed = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  const plain = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  await waitFor('two subscriptions', () => w.sf.pubsub!.stats().subscriptions.filter((x) => x.topic).length === 2);
  clock += 600;
  const fresh = await tokenFor(w.sf);
  refreshed.request({ authRefresh: fresh });
  clock += 500; // the first token is expired now, the fresh one is not
  const api2 = await api(w.sf, fresh, 'POST', '/sobjects/Case', { Subject: 'after refresh' });
  assert.equal(api2.status, 201);
  await refreshed.waitForEvents(1);
  const err = await plain.waitForError();
  assert.equal(err.code, grpc.status.UNAUTHENTICATED);
  assert.equal(errorCodeOf(err), PUBSUB_ERROR.authError);

  // expireTokens() (POST /__admin/tokens/expire) ends the others at once.
  assert.equal((await raw(`${w.sf.url}/__admin/tokens/expire`, { method: 'POST' })).status, 200);
  const ended = await refreshed.waitForError();
  assert.equal(errorCodeOf(ended), PUBSUB_ERROR.authError);
  assert.equal(w.sf.pubsub!.stats().openSubscriptions, 0);

  const badRefresh = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 1 }, w.md({ accesstoken: await tokenFor(w.sf) }));
  badRefresh.request({ authRefresh: 'not-a-token' });
  assert.equal((await badRefresh.waitForError()).code, grpc.status.UNAUTHENTICATED);
});

test('faults: reset every open stream, refuse new subscriptions, slow delivery (one event per response)', async (t) => {
  const w = await startPubSub(t);
  const a = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  const b = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  await waitFor('two subscriptions', () => w.sf.pubsub!.stats().subscriptions.filter((x) => x.topic).length === 2);
  const reset = await raw(`${w.sf.url}/__admin/pubsub/streams/reset`, { method: 'POST' });
  assert.deepEqual(reset.body, { reset: 2 });
  for (const s of [a, b]) {
    const err = await s.waitForError();
    assert.equal(err.code, grpc.status.UNAVAILABLE);
    assert.match(err.details, /RST_STREAM closed stream/);
  }

  const put = await raw(`${w.sf.url}/__admin/pubsub/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refuseSubscriptions: { times: 1 }, deliveryDelayMs: 5 }),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const refused = await subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 }).waitForError();
  assert.equal(refused.code, grpc.status.UNAVAILABLE);
  assert.equal(errorCodeOf(refused), PUBSUB_ERROR.serviceUnavailable);
  const slow = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'EARLIEST', numRequested: 5 });
  await api(w.sf, w.token, 'POST', '/composite/sobjects', {
    records: [1, 2, 3].map((n) => ({ attributes: { type: 'Case' }, Subject: `slow ${n}` })),
  });
  await slow.waitForEvents(3);
  assert.deepEqual(
    slow.responses.map((r) => r.events.length),
    [1, 1, 1],
  );
  const faults = (await raw(`${w.sf.url}/__admin/pubsub/faults`)).body as { fired: { streamsReset: number; subscriptionsRefused: number } };
  assert.deepEqual(faults.fired, { streamsReset: 2, subscriptionsRefused: 1 });
});

test('Publish and PublishStream refuse a change-event channel; ManagedSubscribe is not emulated', async (t) => {
  const w = await startPubSub(t);
  const err = await unaryError(w, 'Publish', { topicName: CASE_CHANGE_TOPIC, events: [] });
  assert.equal(err.code, grpc.status.PERMISSION_DENIED);
  assert.equal((await unaryError(w, 'Publish', { topicName: '/event/Nope__e', events: [] })).code, grpc.status.NOT_FOUND);
  const stream = (w.client as unknown as { PublishStream(md: grpc.Metadata): grpc.ClientDuplexStream<unknown, unknown> }).PublishStream(
    w.md(),
  );
  const failed = new Promise<grpc.ServiceError>((r) => stream.on('error', r));
  stream.write({ topicName: CASE_CHANGE_TOPIC, events: [] });
  assert.equal((await failed).code, grpc.status.PERMISSION_DENIED);
});

test("stats count events published per topic, delivered, open subscriptions and each one's deliveries", async (t) => {
  const w = await startPubSub(t);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, replayPreset: 'EARLIEST', numRequested: 10 });
  await newCase(w);
  await newCase(w);
  await s.waitForEvents(2);
  const stats = (await raw(`${w.sf.url}/__admin/pubsub/stats`)).body as ReturnType<NonNullable<typeof w.sf.pubsub>['stats']>;
  assert.deepEqual(stats.published, { [CASE_CHANGE_TOPIC]: 2 });
  assert.equal(stats.delivered, 2);
  assert.equal(stats.openSubscriptions, 1);
  assert.equal(stats.subscriptions[0]!.delivered, 2);
  assert.equal(stats.subscriptions[0]!.userId, w.sf.seed.integrationUserId);
  await raw(`${w.sf.url}/__admin/pubsub/stats`, { method: 'DELETE' });
  assert.equal(w.sf.pubsub!.stats().delivered, 0);
  // Without the pubsub option there is no endpoint and no change event is kept.
  const plain = await startSf(t);
  assert.equal(plain.pubsub, undefined);
  assert.equal((await raw(`${plain.url}/__admin/pubsub/stats`)).status, 404);
});

test('apexCaseEvents false: the triggers publish no platform event (no callout), change events still flow; the admin API turns it back on', async (t) => {
  const w = await startPubSub(t, { apexCaseEvents: false });
  const id = await newCase(w, { Sendbird_Ticket_Id__c: 'tk-apex-off' });
  w.sf.org.changeCaseOwner(id, w.sf.seed.agents.ava);
  await w.sf.org.idle();
  assert.equal(w.sf.org.eventStats().eventsPublished, 0);
  assert.equal(w.sf.pubsub!.events().length, 2, 'CREATE and UPDATE');
  const put = await raw(`${w.sf.url}/__admin/apex-case-events`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"enabled":true}',
  });
  assert.deepEqual(put.body, { enabled: true });
  w.sf.org.changeCaseOwner(id, w.sf.seed.agents.ben);
  await w.sf.org.idle();
  assert.equal(w.sf.org.eventStats().eventsPublished, 1);
  assert.equal(w.sf.org.platformEvents()[0]!.Type__c, 'case.owner_changed');
});

test('close ends open streams and stops the endpoint', async (t) => {
  const w = await startPubSub(t);
  const s = subscribe(t, w, { topicName: CASE_CHANGE_TOPIC, numRequested: 5 });
  await waitFor('the subscription', () => w.sf.pubsub!.stats().subscriptions[0]?.topic === CASE_CHANGE_TOPIC);
  await w.sf.close();
  const err = await s.waitForError();
  assert.equal(err.code, grpc.status.UNAVAILABLE);
  const after = await unaryError(w, 'GetTopic', { topicName: CASE_CHANGE_TOPIC });
  assert.equal(after.code, grpc.status.UNAVAILABLE);
});
