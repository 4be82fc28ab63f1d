/**
 * Faults and crashes, on SQLite and on PostgreSQL: 20% of all upstream calls to both emulators
 * fail (5% each: 5xx, 429 with the vendor's retry headers, a timeout longer than the bridge's
 * UPSTREAM_TIMEOUT_MS, a dropped connection; seeded), a load of tickets with an owner change per
 * Case, and the bridge killed with SIGKILL mid-load and restarted on the same database. Clients
 * retry with the same Idempotency-Key. The run prints what was retried (the emulators' fault
 * counters, the ledger's error entries, job attempts) and asserts that nothing was lost (every
 * ticket completed, every Case's channel holds its customer and owner) and nothing duplicated
 * (one Case per ticket, one channel per Case, no extra members).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { FaultRule } from '@sbsf/emulators';
import { requireAvailable, tempDir, waitFor } from '@sbsf/testkit';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { dbQuery, openTicketUntilDone, pool, runReport, processDatabase } from './cluster.js';
import { SECRETS } from './fixtures.js';
import { pgUnavailable } from './pg.js';
import { runMain } from './spawn-bridge.js';
import { startEmulators, worldEnv } from './world.js';

const TICKETS = 30;
const CONCURRENCY = 6;
const KILL_AFTER = 10;
const CASE = {
  Subject: 'Chaos',
  Description: 'Opened while everything fails now and then',
  SuppliedName: 'Cat',
  SuppliedEmail: 'cat@example.com',
};

/** Four faults of 5% each, 20% in all: each rule is drawn only for requests the rules before it let through. */
export function chaosRules(share = 0.2): FaultRule[] {
  const each = share / 4;
  const actions: FaultRule[] = [
    { action: 'error' },
    { action: 'rateLimit', retryAfterMs: 300 },
    // Held past the bridge's UPSTREAM_TIMEOUT_MS, then the connection is cut.
    { action: 'timeout', timeoutMs: 2_500 },
    { action: 'drop' },
  ];
  return actions.map((r, i) => ({ ...r, probability: each / (1 - each * i) }));
}

const pgDown = await pgUnavailable();

async function chaosRun(t: TestContext, store: 'sqlite' | 'postgres', seed: number) {
  const { sf, sb } = await startEmulators(t, { sf: { bridgeDelivery: { maxAttempts: 5, retryDelaysMs: [0, 200, 500, 1_000, 2_000] } } });
  const dataDir = tempDir(t, `chaos-${store}-`);
  const { db, env: dbEnv } = await processDatabase(t, store, dataDir);
  const env = worldEnv(sf, sb, dataDir, {
    ...dbEnv,
    PORT: '0',
    LOG_LEVEL: 'info',
    JOB_POLL_MS: '100',
    TICKET_SAFETY_DELAY_MS: '1000',
    JOB_LEASE_MS: '5000',
    UPSTREAM_TIMEOUT_MS: '1000',
    SWEEP_INTERVAL_MS: '2000',
    SENDBIRD_CAPPED_PER_SECOND: '0',
    NON_AGENT_USER_IDS: sf.seed.integrationUserId,
  });
  sf.faults.set({ seed, rules: chaosRules() });
  sb.faults.set({ seed: seed + 1, rules: chaosRules() });

  const runs = [runMain(env)];
  t.after(() => runs.forEach((r) => r.child.kill('SIGKILL')));
  let current = await runs[0]!.listening;
  sf.org.setBridge({ url: current, secret: SECRETS.BRIDGE_SHARED_SECRET });

  const agents = Object.values(sf.seed.agents);
  const owner = new Map<string, string>();
  const customerOf = new Map<string, string>();
  let done = 0;
  let restarted: Promise<void> | undefined;
  const results = await pool(
    Array.from({ length: TICKETS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const customer = `chaos-${i}-${randomUUID().slice(0, 6)}`;
      const token = signCustomerJwt({ sub: customer, exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET);
      const res = await openTicketUntilDone(() => current, token, randomUUID(), { case: CASE }, { deadlineMs: 50_000 });
      assert.equal(res.status, 201, `ticket ${i}: ${JSON.stringify(res.body)} after ${res.tries} tries (${res.failures.join('; ')})`);
      const caseId = res.body.case.id as string;
      customerOf.set(caseId, customer);
      const agent = agents[i % agents.length]!;
      sf.org.changeCaseOwner(caseId, agent);
      owner.set(caseId, agent);
      if (++done === KILL_AFTER) {
        // Mid-load: others are in flight. Killed, then started again on the same database.
        runs[0]!.child.kill('SIGKILL');
        restarted = (async () => {
          await runs[0]!.exited;
          const again = runMain(env);
          runs.push(again);
          current = await again.listening;
          sf.org.setBridge({ url: current, secret: SECRETS.BRIDGE_SHARED_SECRET });
        })();
      }
      return res;
    },
  );
  await restarted;
  assert.equal(runs.length, 2, 'the bridge was killed and restarted');
  assert.equal(runs[0]!.child.signalCode, 'SIGKILL');

  const caseIds = [...owner.keys()];
  await waitFor(
    'every ticket to be completed',
    async () => Number((await dbQuery(db, "SELECT COUNT(*) AS n FROM tickets WHERE state = 'completed'"))[0]?.n) === TICKETS,
    {
      timeoutMs: 40_000,
      intervalMs: 200,
    },
  );
  const expected = (id: string) => JSON.stringify([customerOf.get(id)!, owner.get(id)!].sort());
  const members = (id: string) => JSON.stringify([...(sb.store.channels.get(id)?.members.keys() ?? [])].sort());
  await waitFor('every channel to hold its customer and owner', () => caseIds.every((id) => members(id) === expected(id)), {
    timeoutMs: 40_000,
    intervalMs: 250,
  });

  // Nothing lost, nothing duplicated.
  const tickets = await dbQuery(db, 'SELECT id, case_id, state FROM tickets');
  assert.equal(tickets.length, TICKETS, 'one ticket per submission');
  assert.ok(tickets.every((tk) => tk.state === 'completed'));
  const cases = sf.records('Case').filter((c) => tickets.some((tk) => tk.id === c.Sendbird_Ticket_Id__c));
  assert.equal(cases.length, TICKETS, 'one Case per ticket');
  assert.deepEqual(new Set(cases.map((c) => c.Id)), new Set(caseIds));
  assert.equal(sb.store.channels.size, TICKETS, 'one channel per Case, no other');

  // What was retried.
  const sfFaults = sf.faults.get().fired;
  const sbFaults = sb.faults.get().fired;
  const sfTotal = sf.stats().total;
  const sbTotal = sb.stats.get().total;
  for (const action of ['error', 'rateLimit', 'timeout', 'drop'] as const)
    assert.ok(sfFaults[action] + sbFaults[action] > 0, `${action} faults fired`);
  const report = await runReport(db);
  const retriedJobs = report.jobs.reduce((n, j) => n + j.retried, 0);
  const ledgerErrors = report.ledgerErrors.reduce((n, e) => n + e.n, 0);
  assert.ok(ledgerErrors + retriedJobs > 0, 'the faults made the bridge retry');
  const deliveries = sf.org.bridgeDeliveries();
  t.diagnostic(`${store}: ${TICKETS} tickets, bridge killed (SIGKILL) after ${KILL_AFTER} and restarted`);
  t.diagnostic(
    `salesforce emulator: ${sfTotal} calls, faults ${JSON.stringify(sfFaults)} (${((100 * (sfFaults.error + sfFaults.rateLimit + sfFaults.timeout + sfFaults.drop)) / sfTotal).toFixed(1)}%)`,
  );
  t.diagnostic(
    `sendbird emulator: ${sbTotal} calls, faults ${JSON.stringify(sbFaults)} (${((100 * (sbFaults.error + sbFaults.rateLimit + sbFaults.timeout + sbFaults.drop)) / sbTotal).toFixed(1)}%)`,
  );
  t.diagnostic(`ledger errors (failed upstream calls recorded, then retried): ${JSON.stringify(report.ledgerErrors)}`);
  t.diagnostic(`jobs by kind and state (attempts; retried = jobs run more than once): ${JSON.stringify(report.jobs)}`);
  t.diagnostic(
    `client: ${results.filter((r) => r.tries > 1).length} tickets retried, ${results.reduce((n, r) => n + r.tries - 1, 0)} retries in all`,
  );
  t.diagnostic(
    `org event deliveries: ${deliveries.length}, retried ${deliveries.filter((d) => d.attempts.length > 1).length}, given up ${deliveries.filter((d) => d.status === 'failed').length} (the sweep covers those)`,
  );
  t.diagnostic(
    `verified: ${TICKETS}/${TICKETS} tickets completed, ${cases.length} Cases, ${sb.store.channels.size} channels, every channel = customer + owner`,
  );

  for (const r of runs.slice(1)) r.child.kill('SIGTERM');
  assert.equal(await runs[1]!.exited, 0);
}

test(
  'chaos on SQLite: 20% upstream faults, SIGKILL and restart mid-load: nothing lost, nothing duplicated',
  { timeout: 120_000 },
  async (t) => {
    await chaosRun(t, 'sqlite', 8);
  },
);

test(
  'chaos on PostgreSQL: 20% upstream faults, SIGKILL and restart mid-load: nothing lost, nothing duplicated',
  { timeout: 120_000 },
  async (t) => {
    if (!requireAvailable(t, pgDown === null, pgDown ?? '')) return;
    await chaosRun(t, 'postgres', 88);
  },
);
