/**
 * Membership sync end to end: a chat Case's owner changes in the Salesforce emulator (REST,
 * console action, Omni-Channel accept), the emulator's triggers publish platform events and its
 * subscriber posts them in batches as our Apex does, the bridge stores them and reconciles the
 * channel in the Sendbird emulator. A Case without a chat costs nothing on either side.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import type { OpenedStore } from '../src/open-store.js';
import { RECONCILE_JOB, SWEEP_JOB } from '../src/membership/service.js';
import { SECRETS } from './fixtures.js';
import {
  ledgerLines,
  makeCase,
  members,
  membershipIdle,
  nicknameOf,
  ownerChanged,
  postEvents,
  sbClient,
  setOwner,
  sfClient,
} from './membership-helpers.js';
import { startWorld, type World } from './world.js';

/** The bridge's agent notices in a channel, oldest first: [text, data]. */
function notices(w: World, caseId: string): [string, Record<string, unknown> & { sbsf: string }][] {
  const ch = w.sb.store.channels.get(caseId);
  return (ch?.messages ?? [])
    .filter((m) => m.type === 'ADMM' && m.custom_type === 'sbsf_bridge' && String(JSON.parse(m.data).sbsf).startsWith('agent.'))
    .map((m) => [m.message, JSON.parse(m.data)]);
}

const sameMembers = (w: World, caseId: string, expected: string[]) => () =>
  JSON.stringify(members(w, caseId)) === JSON.stringify([...expected].sort());

test('owner change over REST: the new agent is invited, the old one leaves, the customer stays', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  assert.deepEqual(members(w, caseId), [customer]);

  await setOwner(w, caseId, ava);
  await waitFor('Ava in the channel', sameMembers(w, caseId, [customer, ava]));
  assert.equal(nicknameOf(w, ava), 'Ava Agent', "the agent's Sendbird nickname is the User's Name");

  await setOwner(w, caseId, ben);
  await waitFor('Ben in, Ava out', sameMembers(w, caseId, [customer, ben]));
  await waitFor('the jobs to finish', () => membershipIdle(w));

  assert.deepEqual(await ledgerLines(w, caseId, (e) => e.action.startsWith('member.')), [
    `member.invite ${ava} ok`,
    `member.invite ${ben} ok`,
    `member.leave ${ava} ok`,
  ]);
  // The channel is told, as admin messages: Ava joined, then Ben took over from her (posted
  // before she left, so her pane receives it).
  assert.deepEqual(notices(w, caseId), [
    ['Ava Agent joined', { sbsf: 'agent.joined', agent: { id: ava, name: 'Ava Agent' } }],
    ['Ben Agent joined', { sbsf: 'agent.handover', agent: { id: ben, name: 'Ben Agent' }, previous: [{ id: ava, name: 'Ava Agent' }] }],
  ]);
  const lines = await ledgerLines(w, caseId, (e) => e.action === 'channel.agent_notice' || e.action === 'member.leave');
  assert.deepEqual(lines.slice(-2), ['channel.agent_notice agent.handover ok', `member.leave ${ava} ok`], 'told before she leaves');
  const deliveries = w.sf.org.bridgeDeliveries();
  assert.equal(deliveries.length, 2, 'one POST per subscriber batch: each save committed long before the next');
  assert.ok(deliveries.every((d) => d.status === 'delivered'));
  const stored = await w.bridge.store.listSalesforceEvents({ caseId });
  assert.deepEqual(
    stored.map((e) => [e.type, e.payload.previousOwnerId, e.payload.ownerId]),
    [
      ['case.owner_changed', w.sf.seed.queueId, ava],
      ['case.owner_changed', ava, ben],
    ],
  );
});

test('User -> queue: agents leave; queue -> User: the agent comes back', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  await setOwner(w, caseId, ava);
  await waitFor('Ava in', sameMembers(w, caseId, [customer, ava]));

  w.sf.org.changeCaseOwner(caseId, w.sf.seed.queueId);
  await waitFor('no agent while a queue owns the Case', sameMembers(w, caseId, [customer]));

  w.sf.org.changeCaseOwner(caseId, ava);
  await waitFor('Ava back', sameMembers(w, caseId, [customer, ava]));
  await waitFor('the jobs to finish', () => membershipIdle(w));
  assert.deepEqual(await ledgerLines(w, caseId, (e) => e.action.startsWith('member.')), [
    `member.invite ${ava} ok`,
    `member.leave ${ava} ok`,
    `member.invite ${ava} ok`,
  ]);
  assert.deepEqual(
    notices(w, caseId).map(([text, n]) => `${n.sbsf}: ${text}`),
    ['agent.joined: Ava Agent joined', 'agent.left: Ava Agent left. The next available agent will join.', 'agent.joined: Ava Agent joined'],
  );
});

test('Omni-Channel route + accept (AgentWork accepted and the owner change): exactly one invite', async (t) => {
  const w = await startWorld(t);
  const { cara } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  const work = w.sf.org.omniRoute(caseId, cara);
  assert.equal(work.Status, 'Assigned');
  const { work: opened, case: routed } = w.sf.org.omniAccept(work.Id);
  assert.equal(opened.Status, 'Opened');
  assert.ok(opened.AcceptDateTime, 'AcceptDateTime is stamped');
  assert.equal(routed.OwnerId, cara, 'Omni makes the agent the Case owner');

  await waitFor('Cara in', sameMembers(w, caseId, [customer, cara]));
  await waitFor('the jobs to finish', () => membershipIdle(w));
  const [delivery, ...more] = w.sf.org.bridgeDeliveries();
  assert.equal(more.length, 0, 'the accept is one transaction: one subscriber batch, one POST');
  assert.deepEqual(delivery?.events.map((e) => e.type).sort(), ['agentwork.accepted', 'case.owner_changed']);
  assert.deepEqual(
    await ledgerLines(w, caseId, (e) => e.action === 'member.invite'),
    [`member.invite ${cara} ok`],
    'one invite for the two events',
  );
});

test('duplicated events end in the state Salesforce holds, with one reconcile', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  // The owner changes in Salesforce without the trigger reaching the bridge (no Named Credential).
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(caseId, ava);
  const event = ownerChanged(caseId, w.sf.seed.queueId, ava);
  const res = await postEvents(w, { events: Array.from({ length: 10 }, () => event) });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.deepEqual(res.body, { accepted: 10 });
  await waitFor('Ava in', sameMembers(w, caseId, [customer, ava]));
  await waitFor('the jobs to finish', () => membershipIdle(w));
  const again = await postEvents(w, { events: [event, event] });
  assert.equal(again.status, 202);
  await waitFor('the jobs to finish', () => membershipIdle(w));
  assert.deepEqual(members(w, caseId), [customer, ava].sort());
  const jobs = await jobsOfKind(w, RECONCILE_JOB);
  assert.equal(jobs, 2, '10 events for one Case in one batch = one reconcile; the later batch one more');
  assert.equal(await w.bridge.store.countSalesforceEvents(), 12, 'every event is stored');
  assert.deepEqual(
    notices(w, caseId).map(([text]) => text),
    ['Ava Agent joined'],
    'the second reconcile of the same owner says nothing',
  );
});

test('reordered events: the late, stale event does not undo the newer owner', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(caseId, ava);
  w.sf.org.changeCaseOwner(caseId, ben);
  const t1 = new Date(Date.now() - 2000).toISOString();
  const t2 = new Date(Date.now() - 1000).toISOString();
  // Newest first, then the older one arrives late.
  assert.equal((await postEvents(w, { events: [ownerChanged(caseId, ava, ben, t2)] })).status, 202);
  await waitFor('Ben in', sameMembers(w, caseId, [customer, ben]));
  assert.equal((await postEvents(w, { events: [ownerChanged(caseId, w.sf.seed.queueId, ava, t1)] })).status, 202);
  await waitFor('the jobs to finish', () => membershipIdle(w));
  assert.deepEqual(members(w, caseId), [customer, ben].sort(), 'Salesforce says Ben: Ava is not let back in');
  assert.deepEqual(await ledgerLines(w, caseId, (e) => e.action === 'member.invite'), [
    `member.invite ${ben} ok`,
    `member.invite ${ben} ok`,
  ]);
});

test('REMOVE_PREVIOUS_AGENT=false: the previous agent stays when the Case changes hands', async (t) => {
  const w = await startWorld(t, { REMOVE_PREVIOUS_AGENT: 'false' });
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  await setOwner(w, caseId, ben);
  await waitFor('Ben in', sameMembers(w, caseId, [customer, ben]));
  w.sf.org.changeCaseOwner(caseId, ava);
  await waitFor('Ava in too', sameMembers(w, caseId, [customer, ava, ben]));
  w.sf.org.changeCaseOwner(caseId, w.sf.seed.queueId);
  await waitFor('the jobs to finish', () => membershipIdle(w));
  assert.deepEqual(members(w, caseId), [customer, ava, ben].sort());
  assert.deepEqual(await ledgerLines(w, caseId, (e) => e.action === 'member.leave'), []);
});

test('a Case without a channel is noted once in the ledger and not retried', async (t) => {
  const w = await startWorld(t);
  const { caseId } = await makeCase(w, w.sf.seed.queueId, { withChannel: false });
  await setOwner(w, caseId, w.sf.seed.agents.ava);
  await waitFor('the ledger to note the missing channel', async () =>
    (await ledgerLines(w, caseId)).includes(`channel.missing ${caseId} error`),
  );
  await waitFor('the jobs to finish', () => membershipIdle(w));
  const counts = await w.bridge.store.countJobsByState();
  assert.equal(counts.dead, 0);
  assert.equal((await ledgerLines(w, caseId)).filter((l) => l.startsWith('channel.missing')).length, 1, 'no error loop');
});

test('a Case without a chat (no Sendbird_Ticket_Id__c): the org publishes nothing, and an event for it is ledgered and skipped without a Sendbird call or a retry', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { id: caseId } = await sfClient(w).create('Case', { Subject: 'By phone', OwnerId: ava });
  await setOwner(w, caseId, ben);
  await w.sf.org.idle();
  assert.equal(w.sf.org.eventStats().eventsPublished, 0, 'the triggers publish nothing for it');
  assert.deepEqual(w.sf.org.bridgeDeliveries(), []);

  // An event for it all the same (sent by hand, or by an older Apex).
  w.sb.stats.reset();
  const res = await postEvents(w, { events: [ownerChanged(caseId, ava, ben)] });
  assert.deepEqual([res.status, res.body], [202, { accepted: 1 }]);
  await waitFor('the ledger to note the Case', async () => (await ledgerLines(w, caseId)).length > 0);
  await waitFor('the jobs to finish', () => membershipIdle(w));
  assert.deepEqual(await ledgerLines(w, caseId), [`case.not_chat ${caseId} ok`]);
  assert.deepEqual(
    { total: w.sb.stats.get().total, byRoute: w.sb.stats.get().byRoute },
    { total: 0, byRoute: {} },
    'no Sendbird call: no invite into a channel that does not exist',
  );
  assert.equal(w.sb.store.channels.has(caseId), false);
  const counts = await w.bridge.store.countJobsByState();
  assert.deepEqual([counts.dead, counts.queued, counts.running], [0, 0, 0], 'nothing left to retry');
  assert.equal(await jobsOfKind(w, RECONCILE_JOB), 1, 'one reconcile, no retry job');
  assert.equal((await w.bridge.store.getJob(1))?.attempts, 1, 'the reconcile ran once');
});

test('the events endpoint: 401 without the secret (nothing stored), 400 naming the bad field', async (t) => {
  const w = await startWorld(t);
  const caseId = w.sf.seed.caseIds[0]!;
  const good = { events: [ownerChanged(caseId, w.sf.seed.queueId, w.sf.seed.agents.ava)] };
  for (const headers of [
    {} as Record<string, string>,
    { authorization: 'Bearer wrong-secret' },
    { authorization: SECRETS.BRIDGE_SHARED_SECRET },
    { authorization: `Basic ${SECRETS.BRIDGE_SHARED_SECRET}` },
  ]) {
    const res = await w.call('POST', '/salesforce/events', { body: good, headers });
    assert.equal(res.status, 401, JSON.stringify(headers));
    assert.equal(res.body.error.code, 'unauthorized');
    assert.ok(!JSON.stringify(res.body).includes(SECRETS.BRIDGE_SHARED_SECRET));
  }
  const bad = await postEvents(w, { events: [{ ...good.events[0], ownerId: 'not-an-id' }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.field, 'events[0].ownerId');
  const unknown = await postEvents(w, { events: [{ ...good.events[0], type: 'case.deleted' }] });
  assert.equal(unknown.body.error.field, 'events[0].type');
  const extra = await postEvents(w, { events: [{ ...good.events[0], extra: 1 }] });
  assert.equal(extra.body.error.field, 'events[0].extra');
  const empty = await postEvents(w, { events: [] });
  assert.equal(empty.body.error.field, 'events');
  const notJson = await w.call('POST', '/salesforce/events', {
    body: '{"events":',
    headers: { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}`, 'content-type': 'application/json' },
  });
  assert.equal(notJson.status, 400);
  assert.equal(await w.bridge.store.countSalesforceEvents(), 0, 'nothing refused was stored');
  assert.equal(await jobsOfKind(w, RECONCILE_JOB), 0);
});

test('an event that does not concern ownership is stored but queues no membership reconcile', async (t) => {
  const w = await startWorld(t);
  const caseId = w.sf.seed.caseIds[1]!;
  const res = await postEvents(w, {
    events: [
      {
        type: 'case.status_changed',
        caseId,
        previousStatus: 'Working',
        status: 'Closed',
        isClosed: true,
        occurredAt: new Date().toISOString(),
      },
    ],
  });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(await w.bridge.store.countSalesforceEvents(), 1);
  assert.equal(await jobsOfKind(w, RECONCILE_JOB), 0);
});

test('many events for many Cases: read from Salesforce in batches', async (t) => {
  const w = await startWorld(t, { RECONCILE_BATCH_SIZE: '200', SENDBIRD_CAPPED_PER_SECOND: '0' });
  const { ava, ben } = w.sf.seed.agents;
  const cases: { caseId: string; customer: string }[] = [];
  for (let i = 0; i < 30; i++) cases.push(await makeCase(w, i % 2 ? ava : ben));
  w.sf.org.setBridge(null);
  for (const c of cases) w.sf.org.changeCaseOwner(c.caseId, ava);
  w.sf.resetStats();
  const res = await postEvents(w, { events: cases.map((c, i) => ownerChanged(c.caseId, i % 2 ? ava : ben, ava)) });
  assert.equal(res.status, 202);
  await waitFor('every channel to have Ava only', () =>
    cases.every((c) => JSON.stringify(members(w, c.caseId)) === JSON.stringify([c.customer, ava].sort())),
  );
  await waitFor('the jobs to finish', () => membershipIdle(w));
  const queries = w.sf.stats().byRoute['GET /query'] ?? 0;
  assert.equal(queries, 2, 'one query for the 30 Cases and one for the owners’ names');
  assert.equal(await jobsOfKind(w, RECONCILE_JOB), 1, 'one job carries the whole batch');
});

async function jobsOfKind(w: World, kind: string): Promise<number> {
  // Done, queued and running jobs of this kind (dead ones too); there is no list method, so count
  // through the job ids, which are dense.
  let n = 0;
  for (let id = 1; ; id++) {
    const job = await w.bridge.store.getJob(id);
    if (!job) return n;
    if (job.kind === kind) n++;
  }
}

test('a reconcile that died after its invite, repaired first by a sweep: the channel is still told once; a forgotten Case, or a chat older than the bridge, is not told', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0' });
  const { ava } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  // What the died reconcile left: its claim (a lease run out), Ava invited, no notice, no read applied.
  const sb = sbClient(w);
  await sb.createUser({ user_id: ava, nickname: 'Ava Agent', profile_url: '' });
  assert.equal((await w.bridge.store.claimMembershipApply(caseId, 'died', 1)).claimed, true);
  await sb.inviteMembers(caseId, [ava]);
  assert.deepEqual(members(w, caseId), [customer, ava].sort());
  assert.equal(await w.bridge.store.getMembershipApplied(caseId), null);
  // A chat from before the bridge: Ava put in by someone else, no reconcile ever started.
  const older = await makeCase(w, ava);
  await sb.inviteMembers(older.caseId, [ava]);

  const sweep = async (period: number) => {
    await w.bridge.store.enqueue(SWEEP_JOB, { period }, { dedupeKey: `test-sweep-${period}` });
    await waitFor('the sweep and its reconciles', () => membershipIdle(w));
  };
  await sweep(1);
  assert.deepEqual(
    notices(w, caseId).map(([, n]) => n),
    [{ sbsf: 'agent.joined', agent: { id: ava, name: 'Ava Agent' } }],
  );
  assert.deepEqual(notices(w, older.caseId), [], 'nothing is news in a chat the bridge finds as it is');
  assert.equal((await w.bridge.store.getMembershipApplied(older.caseId))?.ownerId, ava, 'but it is reconciled, and applied');
  // Forgotten (the sweep purges Cases untouched for 30 days): the ledger still knows she was announced.
  assert.equal(await (w.bridge.store as OpenedStore).unsafeRun('DELETE FROM membership_cases WHERE case_id = ?', caseId), 1);
  await sweep(2);
  assert.equal(notices(w, caseId).length, 1);
});
