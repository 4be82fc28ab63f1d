/**
 * The transcript under SIGKILL: bridge processes (main.ts) behind a round-robin balancer, all
 * killed with SIGKILL at once, again and again, while tickets are opened and customers chat, and
 * started again on the same database. The Sendbird emulator posts its webhooks through the balancer as Sendbird
 * documents (each try waits 5 s, up to 3 tries; 1 s apart, since Sendbird does not publish its
 * spacing): while no instance is up, every try fails and the webhook is given up, so those
 * messages can only reach the Case through catch-up. Once it settles: every message of every
 * channel is exactly one Sendbird_Message__c with its latest text; none lost, none duplicated.
 * On SQLite (one instance) and on PostgreSQL (three instances). Prints the figures
 * docs/performance.md quotes ("Transcript catch-up").
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { requireAvailable, tempDir, waitFor } from '@sbsf/testkit';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { dbQuery, openTicketUntilDone, pool, startBalancer, processDatabase } from './cluster.js';
import { SECRETS } from './fixtures.js';
import { pgUnavailable } from './pg.js';
import { runMain } from './spawn-bridge.js';
import { startEmulators, worldEnv } from './world.js';

const TICKETS = 6;
const MESSAGES_PER_TICKET = 25;
const KILLS = 3;
const CASE = {
  Subject: 'Chat under fire',
  Description: 'Messages while the bridge is killed',
  SuppliedName: 'Kim',
  SuppliedEmail: 'kim@example.com',
};

const pgDown = await pgUnavailable();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function transcriptChaos(t: TestContext, store: 'sqlite' | 'postgres', instances: number) {
  const { sf, sb } = await startEmulators(t, { sf: { bridgeDelivery: { maxAttempts: 5, retryDelaysMs: [0, 200, 500, 1_000, 2_000] } } });
  sb.faults.set({ latencyMs: 5 });
  const dataDir = tempDir(t, `transcript-chaos-${store}-`);
  const { db, env: dbEnv } = await processDatabase(t, store, dataDir);
  const env = worldEnv(sf, sb, dataDir, {
    ...dbEnv,
    PORT: '0',
    LOG_LEVEL: 'info',
    JOB_POLL_MS: '100',
    TICKET_SAFETY_DELAY_MS: '1000',
    // A killed process's leases (jobs, flush batches, channels being read) come back this soon.
    JOB_LEASE_MS: '3000',
    SENDBIRD_CAPPED_PER_SECOND: '0',
    NON_AGENT_USER_IDS: sf.seed.integrationUserId,
    TRANSCRIPT_FLUSH_MS: '200',
    // Minutes by default; scaled down so the run settles in seconds.
    TRANSCRIPT_CATCHUP_INTERVAL_MS: '1500',
    TRANSCRIPT_CATCHUP_READS_PER_SECOND: '20',
  });

  const live = new Map<number, { url: string; run: ReturnType<typeof runMain> }>();
  const start = async (slot: number) => {
    const run = runMain(env);
    live.set(slot, { url: await run.listening, run });
  };
  await Promise.all(Array.from({ length: instances }, (_, i) => start(i)));
  // Every instance is gone before the test ends, so nothing holds the schema while it is dropped.
  const stopAll = async () => {
    for (const l of live.values()) l.run.child.kill('SIGKILL');
    await Promise.all([...live.values()].map((l) => l.run.exited));
  };
  t.after(stopAll);
  const balancer = await startBalancer(() => [...live.values()].map((l) => l.url).filter((u) => u !== ''));
  t.after(() => balancer.close());
  sf.org.setBridge({ url: balancer.url, secret: SECRETS.BRIDGE_SHARED_SECRET });
  // Sendbird's documented model: 5 s per try, up to 3 tries (emulator defaults), 1 s apart.
  sb.webhooks.configure({
    url: `${balancer.url}/sendbird/webhooks`,
    enabledEvents: ['group_channel:message_send', 'group_channel:message_update', 'group_channel:message_delete'],
  });
  const sbApi = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url });

  // The killer: SIGKILL every instance at once (the whole deployment), keep them down longer than
  // Sendbird's three tries, start them again on the same database; again and again.
  let killing = true;
  let kills = 0;
  const killer = (async () => {
    await sleep(800);
    while (killing && kills < KILLS) {
      const victims = [...live.entries()];
      for (const [slot, v] of victims) {
        v.run.child.kill('SIGKILL');
        live.set(slot, { url: '', run: v.run });
      }
      await Promise.all(victims.map(([, v]) => v.run.exited));
      kills += 1;
      await sleep(2_500);
      await Promise.all(victims.map(([slot]) => start(slot)));
      await sleep(1_000);
    }
  })();

  const sent: { caseId: string; id: number }[] = [];
  let edits = 0;
  await pool(
    Array.from({ length: TICKETS }, (_, i) => i),
    TICKETS,
    async (i) => {
      const customer = `tc-${i}-${randomUUID().slice(0, 6)}`;
      const token = signCustomerJwt({ sub: customer, exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET);
      const res = await openTicketUntilDone(() => balancer.url, token, randomUUID(), { case: CASE }, { deadlineMs: 60_000 });
      assert.equal(res.status, 201, `ticket ${i}: ${JSON.stringify(res.body)} (${res.failures.join('; ')})`);
      const caseId = res.body.case.id as string;
      for (let m = 0; m < MESSAGES_PER_TICKET; m++) {
        const msg = await sbApi.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: `${i}.${m}` });
        sent.push({ caseId, id: msg.message_id });
        if (m % 10 === 3) {
          await sbApi.updateMessage(caseId, msg.message_id, { message: `${i}.${m} (edited)` });
          edits += 1;
        }
        await sleep(120);
      }
    },
  );
  killing = false;
  await killer;
  await sb.webhooks.idle();
  assert.ok(kills >= 1, 'the bridge was killed during the traffic');

  const caseIds = [...new Set(sent.map((s) => s.caseId))];
  const expected = () => {
    const want = new Map<string, string>();
    for (const caseId of caseIds)
      for (const m of sb.store.channels.get(caseId)?.messages ?? [])
        if (m.type === 'MESG' && m.custom_type !== 'sbsf_bridge') want.set(String(m.message_id), m.message);
    return want;
  };
  const records = () => sf.records('Sendbird_Message__c').filter((r) => caseIds.includes(r.Case__c as string));
  const settled = () => {
    const want = expected();
    const have = records();
    return have.length === want.size && have.every((r) => want.get(String(r.Sendbird_Message_Id__c)) === r.Body__c);
  };
  try {
    await waitFor('every message on its Case with its latest text', settled, { timeoutMs: 40_000, intervalMs: 250 });
  } catch (err) {
    // What is missing, and what the bridge knows of its channel, to tell why.
    const want = expected();
    const have = new Map(records().map((r) => [String(r.Sendbird_Message_Id__c), r.Body__c]));
    const wrong = [...want]
      .filter(([id, text]) => have.get(id) !== text)
      .map(([id, text]) => ({ id, text, have: have.get(id) ?? null, channel: sent.find((x) => String(x.id) === id)?.caseId }));
    t.diagnostic(`missing or stale: ${JSON.stringify(wrong)}`);
    t.diagnostic(
      `channels: ${JSON.stringify(await dbQuery(db, 'SELECT channel_url, open, checked_id, checked_at, next_catchup_at, due_reason, leased_by, lease_until FROM transcript_channels'))}`,
    );
    t.diagnostic(
      `rows: ${JSON.stringify(await dbQuery(db, `SELECT message_id, state, version, attempts, last_error FROM transcript_messages WHERE message_id IN (${wrong.map((w) => `'${w.id}'`).join(',') || "''"})`))}`,
    );
    throw err;
  }

  const want = expected();
  const have = records();
  const ids = have.map((r) => String(r.Sendbird_Message_Id__c));
  const lost = [...want.keys()].filter((id) => !ids.includes(id)).length;
  const duplicated = ids.length - new Set(ids).size;
  assert.equal(want.size, TICKETS * MESSAGES_PER_TICKET, 'every message sent is in the channels');
  assert.equal(lost, 0, 'no message lost');
  assert.equal(duplicated, 0, 'no message duplicated');
  assert.ok(
    have.every((r) => r.Case__c === sent.find((s) => String(s.id) === String(r.Sendbird_Message_Id__c))?.caseId),
    'each record on its own Case',
  );
  // Nothing was deleted in Sendbird, so catch-up's deletions by absence must have found none.
  assert.deepEqual(
    have.filter((r) => r.Is_Deleted_In_Chat__c === true).map((r) => r.Sendbird_Message_Id__c),
    [],
    'no message marked deleted',
  );

  const deliveries = sb.webhooks.deliveries();
  const givenUp = deliveries.filter((d) => d.status === 'failed');
  const catchup = await dbQuery(db, "SELECT detail FROM ledger WHERE action = 'transcript.catchup'");
  const detail = catchup.map(
    (r) => (typeof r.detail === 'string' ? JSON.parse(r.detail) : r.detail) as { added: number; edited: number; reason: string },
  );
  const added = detail.reduce((n, d) => n + d.added, 0);
  const editedByCatchup = detail.reduce((n, d) => n + d.edited, 0);
  t.diagnostic(
    `${store} x${instances}: ${want.size} messages (${edits} edited) in ${caseIds.length} channels, ${kills} SIGKILLs; webhooks: ${deliveries.length}, given up after 3 tries: ${givenUp.length}; ` +
      `catch-up: ${detail.length} ledger entries (${JSON.stringify(Object.fromEntries(detail.map((d) => d.reason).map((r, _, all) => [r, all.filter((x) => x === r).length])))}), ${added} messages and ${editedByCatchup} edits it alone brought; ` +
      `lost ${lost}, duplicated ${duplicated}`,
  );
  await stopAll();
}

test(
  'transcript on SQLite, bridge SIGKILLed 3 times during ticket and message traffic: 0 messages lost, 0 duplicated',
  { timeout: 120_000 },
  async (t) => {
    await transcriptChaos(t, 'sqlite', 1);
  },
);

test(
  'transcript on PostgreSQL with 3 instances, SIGKILLs during ticket and message traffic: 0 messages lost, 0 duplicated',
  { timeout: 120_000 },
  async (t) => {
    if (!requireAvailable(t, pgDown === null, pgDown ?? '')) return;
    await transcriptChaos(t, 'postgres', 3);
  },
);
