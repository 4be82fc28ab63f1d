/**
 * Case changes through Change Data Capture (CASE_EVENTS=cdc), end to end over real gRPC: the
 * Salesforce emulator serves the Pub/Sub API with its Apex path switched off, so every change the
 * bridge acts on came through the change-event stream (or the sweep, where a test says so).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { requireAvailable, tempDir, waitFor } from '@sbsf/testkit';
import type { RunningSalesforceEmulator } from '@sbsf/emulators';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { SECRETS } from './fixtures.js';
import { members, sfClient } from './membership-helpers.js';
import { pgEnv, pgExec, pgTestSchema, pgUnavailable } from './pg.js';
import { runMain } from './spawn-bridge.js';
import { CDC_EMULATOR, call, cdcEnv, startEmulators, startWorld, worldEnv, type World } from './world.js';

const CASE = { Subject: 'Cannot log in', Description: 'The reset mail never comes', SuppliedName: 'Jo', SuppliedEmail: 'jo@example.com' };

/** A ticket through the bridge (so the bridge knows its Case is a chat Case); its Case Id. */
async function openTicket(base: string, sub = `cust-${randomUUID().slice(0, 8)}`): Promise<string> {
  const token = signCustomerJwt({ sub, name: 'Jo', exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET);
  const res = await call(base, 'POST', '/tickets', {
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
    body: { case: CASE },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.case.id as string;
}

/** PATCH the Cases' owner in one sObject Collections request (one transaction, one change event). */
async function bulkOwner(sf: RunningSalesforceEmulator, caseIds: string[], ownerId: string): Promise<void> {
  const client = sfClient({ sf } as World);
  const res = await client.request<{ success: boolean }[]>('PATCH', '/composite/sobjects', {
    allOrNone: true,
    records: caseIds.map((id) => ({ attributes: { type: 'Case' }, id, OwnerId: ownerId })),
  });
  assert.ok(
    res.every((r) => r.success),
    JSON.stringify(res),
  );
}

const hasAgent = (w: { sb: World['sb'] }, caseId: string, agent: string) => members(w as World, caseId).includes(agent);

async function metric(w: World, name: string): Promise<string[]> {
  const text = (await w.bridge.app.inject({ method: 'GET', url: '/metrics' })).body;
  return text.split('\n').filter((l) => l.startsWith(name));
}

test('owner changes by hand, in bulk and through Omni-Channel reach the channels through CDC, with no Apex event or callout', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0' }, { cdc: true });
  const { ava, ben, cara } = w.sf.seed.agents;
  const [a, b, c] = [await openTicket(w.url), await openTicket(w.url), await openTicket(w.url)];
  await waitFor('the bridge to follow the change events', () => w.sf.pubsub!.stats().openSubscriptions >= 1);

  await sfClient(w).update('Case', a, { OwnerId: ava });
  await waitFor('Ava in the channel of the Case assigned by hand', () => hasAgent(w, a, ava));

  await bulkOwner(w.sf, [b, c], ben);
  await waitFor('Ben in both channels of the bulk change', () => hasAgent(w, b, ben) && hasAgent(w, c, ben));

  const work = (await (
    await fetch(`${w.sf.url}/__admin/omni/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ caseId: a, userId: cara }),
    })
  ).json()) as { Id: string };
  const accepted = await fetch(`${w.sf.url}/__admin/omni/agent-work/${work.Id}/accept`, { method: 'POST' });
  assert.equal(accepted.status, 200);
  await waitFor('Cara in, Ava out after Omni-Channel', () => hasAgent(w, a, cara) && !hasAgent(w, a, ava));

  assert.equal(w.sf.org.eventStats().eventsPublished, 0, 'no platform event: the Apex path is off');
  assert.equal(w.sf.org.bridgeDeliveries().length, 0, 'no callout reached the bridge');
  assert.equal(await w.bridge.store.countSalesforceEvents(), 0);
  assert.ok((await metric(w, 'bridge_cdc_events_total{change_type="UPDATE"}')).length === 1);
});

test('a status change closes the chat through CDC; non-chat Cases cost no Salesforce call', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0' }, { cdc: true });
  const caseId = await openTicket(w.url);
  await waitFor('subscribed', () => w.sf.pubsub!.stats().openSubscriptions >= 1);
  await sfClient(w).update('Case', caseId, { Status: 'Closed' });
  await waitFor('the channel frozen', () => w.sb.store.channels.get(caseId)?.freeze === true);

  // Cases without a ticket (phone, email): their owner changes are read from the stream and nothing more.
  const others: string[] = [];
  for (let i = 0; i < 3; i++)
    others.push((await sfClient(w).create('Case', { Subject: `Phone call ${i}`, OwnerId: w.sf.seed.agents.ava })).id);
  const before = w.sf.stats().total;
  await bulkOwner(w.sf, others, w.sf.seed.agents.ben);
  const afterWrite = w.sf.stats().total;
  await waitFor('the events read', async () => (await metric(w, 'bridge_cdc_cases_total{action="not_chat"}'))[0]?.endsWith(' 3'));
  assert.equal(w.sf.stats().total, afterWrite, 'the bridge made no Salesforce call for them');
  assert.ok(afterWrite > before);
});

/** Emulators with the Pub/Sub API, and a first bridge process on CDC (no sweep: only the stream converges). */
async function firstBridgeProcess(t: TestContext, prefix: string) {
  const { sf, sb } = await startEmulators(t, { sf: CDC_EMULATOR });
  const dir = tempDir(t, prefix);
  // A Case the killed process was applying stays leased to it until its job lease runs out.
  const env = worldEnv(sf, sb, dir, { ...cdcEnv(sf, dir), PORT: '0', LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '0', JOB_LEASE_MS: '4000' });
  const first = runMain(env);
  t.after(() => first.child.kill('SIGKILL'));
  return { sf, sb, env, dir, first, url: await first.listening };
}

test('a replay id Salesforce no longer has: the ledger and the metrics say so, and the sweep covers the gap', async (t) => {
  const { sf, sb, env, dir, first, url } = await firstBridgeProcess(t, 'cdc-expired-');
  const caseId = await openTicket(url);
  await sfClient({ sf } as World).update('Case', caseId, { OwnerId: sf.seed.agents.ava });
  await waitFor('Ava in the channel', () => hasAgent({ sb }, caseId, sf.seed.agents.ava));
  first.child.kill('SIGTERM');
  await first.exited;

  // While the bridge is down the Case changes hands, then the event bus forgets everything.
  await sfClient({ sf } as World).update('Case', caseId, { OwnerId: sf.seed.agents.ben });
  assert.ok(sf.pubsub!.purge() > 0);

  const second = runMain(env);
  t.after(() => second.child.kill('SIGKILL'));
  await second.listening;
  await waitFor(
    'Ben in, Ava out: the sweep after the expired replay id',
    () => hasAgent({ sb }, caseId, sf.seed.agents.ben) && !hasAgent({ sb }, caseId, sf.seed.agents.ava),
    {
      timeoutMs: 45_000,
    },
  );
  await waitFor('the log says why', () => /no longer has the stored replay id/.test(second.out()));
  const dbLedger = await waitFor('the ledger entry', async () => {
    const { openSqliteStore } = await import('../src/open-store.js');
    const store = openSqliteStore({ file: `${dir}/bridge.sqlite` });
    try {
      const rows = await store.unsafeQuery<{ action: string }>("SELECT action FROM ledger WHERE action = 'cdc.replay_expired'");
      return rows.length > 0 ? rows : undefined;
    } finally {
      await store.close();
    }
  });
  assert.equal(dbLedger[0]!.action, 'cdc.replay_expired');
});

test('the bridge killed mid-stream resumes from its replay id without a gap', async (t) => {
  const { sf, sb, env, first, url } = await firstBridgeProcess(t, 'cdc-kill-');
  const cases = [await openTicket(url), await openTicket(url), await openTicket(url), await openTicket(url)];
  const { ava, ben } = sf.seed.agents;
  await waitFor('subscribed', () => sf.pubsub!.stats().openSubscriptions >= 1);
  await sfClient({ sf } as World).update('Case', cases[0]!, { OwnerId: ava });
  await waitFor('Ava in the first channel', () => hasAgent({ sb }, cases[0]!, ava));
  first.child.kill('SIGKILL');
  await first.exited;

  // Changes while nobody listens stay in the event bus.
  for (const id of cases) await sfClient({ sf } as World).update('Case', id, { OwnerId: ben });

  const second = runMain(env);
  t.after(() => second.child.kill('SIGKILL'));
  await second.listening;
  await waitFor(
    'Ben in every channel, Ava out of the first',
    () => cases.every((id) => hasAgent({ sb }, id, ben)) && !hasAgent({ sb }, cases[0]!, ava),
    {
      timeoutMs: 45_000,
    },
  );
  // The log is written asynchronously: wait for the line rather than read it at once.
  await waitFor('resumed after the stored replay id, not at the tip', () => /"from":"[0-9a-f]{16}"/.test(second.out()));
  assert.doesNotMatch(second.out(), /no longer has the stored replay id|"from":"LATEST"/);
});

test(
  'two instances on PostgreSQL: one follows the change events; killed, the other takes over and nothing is lost',
  { timeout: 90_000 },
  async (t) => {
    const unavailable = await pgUnavailable();
    if (!requireAvailable(t, unavailable === null, unavailable ?? '')) return;
    const { sf, sb } = await startEmulators(t, { sf: CDC_EMULATOR });
    const dir = tempDir(t, 'cdc-two-');
    const schema = await pgTestSchema(t);
    const env = worldEnv(sf, sb, dir, {
      ...cdcEnv(sf, dir),
      ...pgEnv(schema, 2),
      PORT: '0',
      LOG_LEVEL: 'info',
      SWEEP_INTERVAL_MS: '0',
      // A job or apply lease the killed instance held comes back after this long.
      JOB_LEASE_MS: '4000',
    });
    const one = runMain(env);
    const two = runMain(env);
    t.after(() => {
      one.child.kill('SIGKILL');
      two.child.kill('SIGKILL');
    });
    const url = await one.listening;
    await two.listening;
    await waitFor('one subscriber', () => sf.pubsub!.stats().openSubscriptions === 1);
    const cases = [await openTicket(url), await openTicket(url), await openTicket(url)];
    const { ava, ben } = sf.seed.agents;
    for (const id of cases) await sfClient({ sf } as World).update('Case', id, { OwnerId: ava });
    await waitFor('Ava in every channel', () => cases.every((id) => hasAgent({ sb }, id, ava)));
    assert.equal(sf.pubsub!.stats().openSubscriptions, 1, 'never two subscribers at once');

    // The lease names the runner's worker, `host:pid:...`.
    const [row] = await pgExec('SELECT holder FROM case_change_subscriptions', { schema });
    const holder = String(row?.holder).split(':')[1] === String(one.child.pid) ? one : two;
    assert.match(String(row?.holder), new RegExp(`:${holder.child.pid}:`));
    const other = holder === one ? two : one;
    holder.child.kill('SIGKILL');
    await holder.exited;
    for (const id of cases) await sfClient({ sf } as World).update('Case', id, { OwnerId: ben });
    await waitFor(
      'Ben in every channel, through the other instance',
      () => cases.every((id) => hasAgent({ sb }, id, ben) && !hasAgent({ sb }, id, ava)),
      { timeoutMs: 45_000 },
    ).catch(async (err: Error) => {
      // What the survivor saw and what the store holds, for a takeover that stalls.
      const subscription = await pgExec('SELECT * FROM case_change_subscriptions', { schema });
      const applies = await pgExec('SELECT * FROM membership_cases', { schema });
      const jobs = await pgExec(
        'SELECT id, kind, state, attempts, locked_by, locked_until, run_at, last_error FROM jobs ORDER BY id DESC LIMIT 20',
        { schema },
      );
      const log = `${other.out().slice(-8_000)}${other.err().slice(-2_000)}`;
      throw new Error(
        `${err.message}\nsubscription: ${JSON.stringify(subscription)}\napplies: ${JSON.stringify(applies)}\njobs: ${JSON.stringify(jobs)}\nthe other instance's log:\n${log}`,
      );
    });
    await waitFor('the other instance says it took over', () => /took over the change-event subscription/.test(other.out()));
  },
);

test('a stream reset and an expired session are survived without losing a change', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0' }, { cdc: true });
  const caseId = await openTicket(w.url);
  const { ava, ben } = w.sf.seed.agents;
  await waitFor('subscribed', () => w.sf.pubsub!.stats().openSubscriptions >= 1);
  assert.ok(w.sf.pubsub!.resetStreams() >= 1);
  await sfClient(w).update('Case', caseId, { OwnerId: ava });
  await waitFor('Ava in, after the reset', () => hasAgent(w, caseId, ava), { timeoutMs: 15_000 });
  w.sf.expireTokens();
  await sfClient(w).update('Case', caseId, { OwnerId: ben });
  await waitFor('Ben in, after the session expired', () => hasAgent(w, caseId, ben) && !hasAgent(w, caseId, ava), { timeoutMs: 15_000 });
  assert.ok((await metric(w, 'bridge_cdc_stream_errors_total')).length >= 1, 'the errors are counted');
});

test('a gap event reconciles its Cases; an overflow event sweeps every open chat Case', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0' }, { cdc: true, sf: { cdcOverflowThreshold: 2 } });
  const { ava, ben } = w.sf.seed.agents;
  const [a, b, c, d] = [await openTicket(w.url), await openTicket(w.url), await openTicket(w.url), await openTicket(w.url)];
  await waitFor('subscribed', () => w.sf.pubsub!.stats().openSubscriptions >= 1);

  // A change made below the application servers (a data fix in the database): no change event,
  // only the gap event Salesforce sends instead.
  const cases = w.sf.state.table('Case');
  cases.set(a, Object.freeze({ ...cases.get(a)!, OwnerId: ava }));
  w.sf.pubsub!.publishGapEvent('GAP_UPDATE', [a]);
  await waitFor('Ava in, from the gap event', () => hasAgent(w, a, ava));

  // One transaction over the overflow threshold: two change events, then GAP_OVERFLOW for the rest.
  await bulkOwner(w.sf, [b, c, d], ben);
  assert.ok(w.sf.pubsub!.events().some((e) => e.header.changeType === 'GAP_OVERFLOW'));
  await waitFor('Ben in all three, the last through the sweep', () => [b, c, d].every((id) => hasAgent(w, id, ben)));
  assert.deepEqual(await metric(w, 'bridge_cdc_events_total{change_type="GAP_OVERFLOW"}'), [
    'bridge_cdc_events_total{change_type="GAP_OVERFLOW"} 1',
  ]);
  assert.deepEqual(await metric(w, 'bridge_cdc_events_total{change_type="GAP_UPDATE"}'), [
    'bridge_cdc_events_total{change_type="GAP_UPDATE"} 1',
  ]);
});

test('Case not selected for Change Data Capture: the log says what to select, and the bridge keeps trying', async (t) => {
  const { sf, sb } = await startEmulators(t, { sf: { ...CDC_EMULATOR, changeDataCapture: [] } });
  const dir = tempDir(t, 'cdc-off-');
  const bridge = runMain(worldEnv(sf, sb, dir, { ...cdcEnv(sf, dir), PORT: '0', LOG_LEVEL: 'info', SWEEP_INTERVAL_MS: '0' }));
  t.after(() => bridge.child.kill('SIGKILL'));
  await bridge.listening;
  await waitFor('the fix in the log', () => /select Case in Setup > Integrations > Change Data Capture/.test(bridge.out()));
  assert.equal(bridge.child.exitCode, null, 'still running: the org may be fixed without a restart');
});
