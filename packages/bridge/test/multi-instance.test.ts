/**
 * Three bridge processes (main.ts, as an operator runs them) on one PostgreSQL schema, behind a
 * round-robin balancer, against the in-process emulators. Tickets are opened through the balancer
 * (so they land on every instance), the org posts its owner-change events through it too, and one
 * instance is killed with SIGKILL mid-run and NOT restarted: the two survivors must finish its
 * work (requests retried with the same Idempotency-Key land on them; the jobs it had leased are
 * reclaimed when their lease runs out). The customers chat meanwhile, and the Sendbird emulator
 * posts its signed message webhooks through the balancer as well. Then: every ticket has exactly
 * one Case and one channel, every message exactly one `Sendbird_Message__c` record, and every
 * Case's channel holds its customer and its current owner.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { requireAvailable, tempDir, waitFor } from '@sbsf/testkit';
import { SendbirdClient } from '@sbsf/sendbird';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { dbQuery, openTicketUntilDone, pool, runReport, startBalancer } from './cluster.js';
import { SECRETS } from './fixtures.js';
import { pgEnv, pgTestSchema, pgUnavailable } from './pg.js';
import { runMain } from './spawn-bridge.js';
import { startEmulators, worldEnv } from './world.js';

const TICKETS = 45;
const CONCURRENCY = 9;
/** The instance is killed once this many tickets are done (a third of the run). */
const KILL_AFTER = 15;
/** Chat messages the customer sends in each ticket's channel. */
const MESSAGES_PER_TICKET = 2;
const CASE = {
  Subject: 'Cannot log in',
  Description: 'Password reset mail never arrives',
  SuppliedName: 'Multi',
  SuppliedEmail: 'multi@example.com',
};

const unavailable = await pgUnavailable();

test(
  '3 instances on one PostgreSQL, one killed mid-run: one Case and one channel per ticket, membership converges',
  { timeout: 150_000 },
  async (t) => {
    if (!requireAvailable(t, unavailable === null, unavailable ?? '')) return;
    const { sf, sb } = await startEmulators(t, { sf: { bridgeDelivery: { maxAttempts: 5, retryDelaysMs: [0, 200, 500, 1_000, 2_000] } } });
    // Upstream calls take a little time, so requests and jobs are in flight when the kill comes.
    sf.faults.set({ latencyMs: 15 });
    sb.faults.set({ latencyMs: 15 });
    const schema = await pgTestSchema(t);
    const env = worldEnv(sf, sb, tempDir(t, 'multi-'), {
      ...pgEnv(schema, 4),
      PORT: '0',
      LOG_LEVEL: 'info',
      JOB_POLL_MS: '100',
      TICKET_SAFETY_DELAY_MS: '1500',
      // The killed instance's leased jobs come back after this long.
      JOB_LEASE_MS: '4000',
      // The sweep is what makes membership converge whatever happened to the events.
      SWEEP_INTERVAL_MS: '2000',
      SENDBIRD_CAPPED_PER_SECOND: '0',
      NON_AGENT_USER_IDS: sf.seed.integrationUserId,
      TRANSCRIPT_FLUSH_MS: '200',
    });
    const instances = [runMain(env), runMain(env), runMain(env)];
    t.after(() => instances.forEach((i) => i.child.kill('SIGKILL')));
    const urls = await Promise.all(instances.map((i) => i.listening));
    const alive = new Set(urls);
    const lb = await startBalancer(() => urls.filter((u) => alive.has(u)));
    t.after(() => lb.close());
    sf.org.setBridge({ url: lb.url, secret: SECRETS.BRIDGE_SHARED_SECRET });
    // Sendbird's webhooks go through the balancer too (a delivery cut off by the kill is retried).
    sb.webhooks.configure({ url: `${lb.url}/sendbird/webhooks`, timeoutMs: 3_000, retryDelayMs: 200 });
    const chat = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url, limiter: { enabled: false } });
    const messageIds = new Map<string, string[]>();

    const agents = Object.values(sf.seed.agents);
    const owner = new Map<string, string>();
    const customerOf = new Map<string, string>();
    const victim = instances[1]!;
    let done = 0;
    const results = await pool(
      Array.from({ length: TICKETS }, (_, i) => i),
      CONCURRENCY,
      async (i) => {
        const customer = `multi-${i}-${randomUUID().slice(0, 6)}`;
        const token = signCustomerJwt({ sub: customer, exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET);
        const res = await openTicketUntilDone(() => lb.url, token, randomUUID(), { case: CASE });
        assert.equal(res.status, 201, `ticket ${i}: ${JSON.stringify(res.body)} after ${res.tries} tries (${res.failures.join('; ')})`);
        const caseId = res.body.case.id as string;
        customerOf.set(caseId, customer);
        // An agent takes the Case; every third Case is handed over to another agent right after.
        const first = agents[i % agents.length]!;
        sf.org.changeCaseOwner(caseId, first);
        owner.set(caseId, first);
        if (i % 3 === 0) {
          const second = agents[(i + 1) % agents.length]!;
          sf.org.changeCaseOwner(caseId, second);
          owner.set(caseId, second);
        }
        const sent: string[] = [];
        for (let m = 0; m < MESSAGES_PER_TICKET; m++) {
          sent.push(
            String(
              (await chat.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: `message ${m} of ticket ${i}` }))
                .message_id,
            ),
          );
        }
        messageIds.set(caseId, sent);
        if (++done === KILL_AFTER) {
          victim.child.kill('SIGKILL');
          alive.delete(urls[1]!);
        }
        return res;
      },
    );
    await victim.exited;
    assert.equal(victim.child.signalCode, 'SIGKILL');
    const db = { kind: 'postgres', schema } as const;
    // Worker ids are host:pid:random: the jobs the dead instance held when it died.
    const orphaned = await dbQuery(db, `SELECT id, kind FROM jobs WHERE state = 'running' AND locked_by LIKE '%:${victim.child.pid}:%'`);

    const caseIds = [...owner.keys()];
    assert.equal(caseIds.length, TICKETS, 'every ticket answered with its own Case');
    await waitFor(
      'every ticket to be completed',
      async () => Number((await dbQuery(db, "SELECT COUNT(*) AS n FROM tickets WHERE state = 'completed'"))[0]?.n) === TICKETS,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const expected = (caseId: string) => [customerOf.get(caseId)!, owner.get(caseId)!].sort();
    const members = (caseId: string) => [...(sb.store.channels.get(caseId)?.members.keys() ?? [])].sort();
    await waitFor(
      'every Case channel to hold its customer and current owner',
      () => caseIds.every((id) => JSON.stringify(members(id)) === JSON.stringify(expected(id))),
      {
        timeoutMs: 40_000,
        intervalMs: 200,
      },
    );

    // Exactly one Case per ticket, one channel per Case, one ticket row per Case.
    const tickets = await dbQuery(db, 'SELECT id, case_id, state FROM tickets');
    assert.equal(tickets.length, TICKETS);
    const cases = sf.records('Case').filter((c) => tickets.some((tk) => tk.id === c.Sendbird_Ticket_Id__c));
    assert.equal(cases.length, TICKETS, 'one Case per ticket');
    assert.deepEqual(new Set(cases.map((c) => c.Id)), new Set(caseIds));
    assert.equal(new Set(tickets.map((tk) => tk.case_id)).size, TICKETS);
    assert.equal(sb.store.channels.size, TICKETS, 'one channel per Case, and no other');
    for (const id of caseIds) assert.ok(sb.store.channels.has(id), `channel ${id}`);
    const created = await dbQuery(
      db,
      "SELECT ticket_id, COUNT(*) AS n FROM ledger WHERE action = 'case.upsert' AND outcome = 'ok' GROUP BY ticket_id HAVING COUNT(*) > 1",
    );
    assert.deepEqual(created, [], 'no ticket created its Case twice');

    // Every chat message has exactly one record on its Case.
    const sentIds = [...messageIds.values()].flat();
    assert.equal(sentIds.length, TICKETS * MESSAGES_PER_TICKET);
    // The bridge's notices (an agent joined, took over) are system entries besides the chat messages.
    const chatRecords = () => sf.records('Sendbird_Message__c').filter((r) => r.Sender_Role__c !== 'System');
    await waitFor('every message to be written to its Case', () => chatRecords().length >= sentIds.length, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    await sb.webhooks.idle();
    const records = chatRecords();
    assert.equal(records.length, sentIds.length, 'one record per message, no duplicate');
    for (const [caseId, ids] of messageIds) {
      const onCase = records.filter((r) => r.Case__c === caseId).map((r) => String(r.Sendbird_Message_Id__c));
      assert.deepEqual(onCase.sort(), [...ids].sort(), `the messages of Case ${caseId}`);
    }
    // Each of the bridge's notices (not the ticket forms) is one system entry, once.
    const noticeIds = () =>
      [...sb.store.channels.values()]
        .flatMap((c) => c.messages.filter((m) => m.type === 'ADMM' && m.custom_type === 'sbsf_bridge' && !m.data.includes('"ticket.form"')))
        .map((m) => String(m.message_id))
        .sort();
    const systemIds = () =>
      sf
        .records('Sendbird_Message__c')
        .filter((r) => r.Sender_Role__c === 'System')
        .map((r) => String(r.Sendbird_Message_Id__c))
        .sort();
    await waitFor('every notice on its Case', () => systemIds().length >= noticeIds().length, { timeoutMs: 30_000, intervalMs: 200 });
    // A notice the killed instance never posted comes with the reconcile that repairs its Case
    // (a retried job, a hand-over check, or the sweep): it may still be on its way here.
    await waitFor('each Case told an agent joined', () => noticeIds().length >= TICKETS, { timeoutMs: 30_000, intervalMs: 200 });
    await waitFor('every notice on its Case', () => systemIds().length >= noticeIds().length, { timeoutMs: 30_000, intervalMs: 200 });
    assert.deepEqual(systemIds(), noticeIds(), 'one system entry per notice, no duplicate');
    const hooks = sb.webhooks.deliveries();

    // Every event batch the org sent was delivered (some after a retry onto a survivor) and stored.
    // (Owner changes that commit before the org's subscriber runs share a batch.)
    const deliveries = sf.org.bridgeDeliveries();
    assert.deepEqual(
      deliveries.filter((d) => d.status !== 'delivered').map((d) => [d.status, d.attempts]),
      [],
    );
    const sent = deliveries.reduce((n, d) => n + d.events.length, 0);
    assert.ok(sent >= TICKETS, `${sent} events in ${deliveries.length} deliveries`);
    const stored = Number((await dbQuery(db, 'SELECT COUNT(*) AS n FROM salesforce_events'))[0]?.n);
    assert.ok(stored >= sent, `${stored} events stored, ${sent} sent (a batch cut off by the kill is sent again)`);

    // The work was spread: each instance answered requests, the victim included until it died.
    for (const u of urls) assert.ok((lb.served.get(u) ?? 0) > 0, `instance ${u} served requests`);
    const retried = results.filter((r) => r.tries > 1);
    const report = await runReport(db);
    t.diagnostic(
      `requests per instance: ${urls.map((u) => `${u}=${lb.served.get(u) ?? 0}`).join(', ')}; instance 2 killed after ${KILL_AFTER} tickets`,
    );
    t.diagnostic(`tickets retried by the client: ${retried.length} (${retried.flatMap((r) => r.failures).join('; ') || 'none'})`);
    t.diagnostic(
      `deliveries: ${deliveries.length}, retried ${deliveries.filter((d) => d.attempts.length > 1).length}; events sent ${sent}, stored ${stored}`,
    );
    t.diagnostic(`jobs: ${JSON.stringify(report.jobs)}`);
    t.diagnostic(
      `webhooks: ${hooks.length} delivered by the emulator, ${hooks.filter((d) => d.attempts.length > 1).length} retried, ${hooks.filter((d) => d.status !== 'delivered').length} not delivered; ${records.length} message records for ${sentIds.length} messages`,
    );

    // What the dead instance held comes back when its lease runs out, and a survivor finishes it.
    await waitFor(
      'the jobs the killed instance held to be reclaimed and done',
      async () => {
        const rows = await dbQuery(
          db,
          `SELECT id FROM jobs WHERE state <> 'done' AND id IN (${orphaned.map((j) => Number(j.id)).join(', ') || 'NULL'})`,
        );
        return rows.length === 0;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    t.diagnostic(
      `jobs the killed instance held: ${orphaned.length} (${orphaned.map((j) => j.kind).join(', ') || 'none'}), all reclaimed and done`,
    );

    // The survivors stop gracefully, leaving no job leased.
    for (const i of [instances[0]!, instances[2]!]) i.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all([instances[0]!.exited, instances[2]!.exited]), [0, 0]);
    const leased = await dbQuery(db, "SELECT id, kind, locked_by FROM jobs WHERE state = 'running'");
    assert.deepEqual(leased, [], 'no job is left running after a graceful stop');
  },
);
