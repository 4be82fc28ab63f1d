/**
 * The two ways Case changes reach the bridge, side by side on the same changes in one run: the
 * Apex path (triggers -> platform events -> one subscriber -> SendbirdCallOuts callouts to
 * POST /salesforce/events) and Change Data Capture (the bridge reads Case change events over the
 * Pub/Sub API; CASE_EVENTS=cdc).
 *
 * Setup: BENCH_CASES chat Cases opened as tickets through the bridge (so its store knows them)
 * and as many Cases without a ticket, all owned by one agent. Each run reassigns all of them to the
 * next agent in sObject Collections updates of 200 (one transaction each), once per path; the
 * order of the two paths alternates from run to run. Per path and run: the time from the first
 * update until every chat channel holds its new owner (and no other agent), and from it the owner
 * changes the bridge ingests and reconciles per second; per 1,000 owner changes, the bridge's
 * Salesforce and Sendbird calls, the org's async jobs (Queueables) and callouts, the platform
 * events published and the change events delivered (what each path spends of the org's
 * allocations). The bridge runs as its own process on one SQLite file shared by both paths, one
 * path at a time; both emulators run in this process with BENCH_LATENCY_MS added to every call.
 *
 * Then the raw ingest rate of the CDC path: BENCH_BACKLOG saves of single Cases without a ticket
 * (one change event each) made while the bridge is away, then read from the bus, decoded and
 * dropped by a bridge started after them: events per second from the opening of its stream.
 *
 *   npm run bench -- cdc
 *   (BENCH_CASES=500 BENCH_RUNS=3 BENCH_LATENCY_MS=10 BENCH_BACKLOG=2000)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { startSalesforceEmulator, startSendbirdEmulator } from '../packages/emulators/src/index.js';
import { BENCH_JWT_SECRET, BENCH_SHARED_SECRET, bridgeEnv, startBridgeProcess, jobsIdle as jobsIdleIn } from './lib/bridge-process.js';
import { fmt, freePort, median } from './lib/stats.js';
import { emulatorClient } from './lib/emulator-client.js';

const CASES = Number(process.env.BENCH_CASES ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const COLLECTION_SIZE = 200;
/** Single-Case saves of Cases without a ticket for the ingest measurement (one change event each). */
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 2000);
const PATHS = ['apex', 'cdc'] as const;
type Path = (typeof PATHS)[number];

if (!(Number.isInteger(CASES) && CASES >= 1 && CASES <= 5000) || !(Number.isInteger(RUNS) && RUNS >= 1)) {
  console.error('BENCH_CASES must be an integer from 1 to 5000, BENCH_RUNS a positive integer');
  process.exit(2);
}

interface Run {
  seconds: number;
  sfCalls: number;
  sbCalls: number;
  queueables: number;
  callouts: number;
  platformEvents: number;
  changeEvents: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const per1000 = (n: number) => (n * 1000) / (2 * CASES);

function spread(values: number[], digits = 0): string {
  return `${fmt(Math.min(...values), digits)} / ${fmt(median(values), digits)} / ${fmt(Math.max(...values), digits)}`;
}

async function main() {
  console.log(
    `Case changes, Apex path against CDC: BENCH_CASES=${CASES} chat Cases + ${CASES} without a ticket, BENCH_RUNS=${RUNS}, ` +
      `BENCH_LATENCY_MS=${LATENCY_MS}; Collections of ${COLLECTION_SIZE}; JOB_CONCURRENCY 4, RECONCILE_BATCH_SIZE 200, CDC_FETCH_SIZE 100`,
  );
  const sf = await startSalesforceEmulator({ dailyApiLimit: 100_000_000, pubsub: { port: 0 } });
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-cdc-'));
  const ca = join(dataDir, 'pubsub-ca.pem');
  writeFileSync(ca, sf.pubsub!.caPem);
  const sfc = emulatorClient(sf);
  const agents = [sf.seed.agents.ava, sf.seed.agents.ben, sf.seed.agents.cara];
  const port = await freePort();
  const start = (path: Path) => {
    sf.org.setApexCaseEvents(path === 'apex');
    return startBridgeProcess(
      bridgeEnv(
        sf,
        sb,
        { port, dataDir },
        {
          CASE_EVENTS: path,
          SALESFORCE_PUBSUB_ENDPOINT: sf.pubsub!.endpoint,
          SALESFORCE_PUBSUB_CA_FILE: ca,
          SWEEP_INTERVAL_MS: '0',
          JOB_POLL_MS: '100',
          SENDBIRD_CAPPED_PER_SECOND: '0',
          NON_AGENT_USER_IDS: sf.seed.integrationUserId,
        },
      ),
    );
  };
  const jobsIdle = () => jobsIdleIn(dataDir);
  const results: Record<Path, Run[]> = { apex: [], cdc: [] };
  const ingest: number[] = [];
  try {
    // --- setup: chat Cases through the bridge's ticket API, the others straight into Salesforce --
    sf.org.setBridge({ url: `http://127.0.0.1:${port}`, secret: BENCH_SHARED_SECRET });
    let bridge = await start('apex');
    const chat: string[] = [];
    for (let i = 0; i < CASES; i += 25) {
      const opened = await Promise.all(
        Array.from({ length: Math.min(25, CASES - i) }, async (_, j) => {
          const sub = `bench-cdc-${i + j}`;
          const token = signCustomerJwt({ sub, name: `Bench ${i + j}`, exp: Math.floor(Date.now() / 1000) + 3600 }, BENCH_JWT_SECRET);
          const res = await fetch(`${bridge.url}/tickets`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
            body: JSON.stringify({
              case: { Subject: 'Bench', Description: 'bench/cdc.ts', SuppliedName: 'Bench', SuppliedEmail: 'b@example.com' },
            }),
          });
          if (res.status !== 201) throw new Error(`a ticket failed: ${res.status} ${await res.text()}`);
          return ((await res.json()) as { case: { id: string } }).case.id;
        }),
      );
      chat.push(...opened);
    }
    const others: string[] = [];
    for (let i = 0; i < CASES; i += COLLECTION_SIZE) {
      const res = await sfc.collections.create(
        Array.from({ length: Math.min(COLLECTION_SIZE, CASES - i) }, () => ({ attributes: { type: 'Case' }, Subject: 'Bench phone' })),
      );
      others.push(...res.map((r) => r.id as string));
    }
    // Interleaved, so every Collections update holds both kinds.
    const all = chat.flatMap((id, i) => [id, others[i]!]);
    const chunks = Array.from({ length: Math.ceil(all.length / COLLECTION_SIZE) }, (_, i) =>
      all.slice(i * COLLECTION_SIZE, (i + 1) * COLLECTION_SIZE),
    );
    const reassign = async (owner: string) => {
      for (const part of chunks) {
        const res = await sfc.request<{ success: boolean }[]>('PATCH', '/composite/sobjects', {
          allOrNone: true,
          records: part.map((id) => ({ attributes: { type: 'Case' }, id, OwnerId: owner })),
        });
        if (!res.every((r) => r.success)) throw new Error('a Collections update failed');
      }
    };
    const converged = (owner: string) =>
      chat.every((id) => {
        const m = sb.store.channels.get(id)?.members;
        return m !== undefined && m.has(owner) && agents.every((a) => a === owner || !m.has(a));
      });
    let owner = agents[0]!;
    await reassign(owner);
    while (!(converged(owner) && jobsIdle())) await sleep(50);
    await bridge.stop();

    // --- runs ------------------------------------------------------------------------------------
    for (let r = 0; r < RUNS; r++) {
      for (const path of r % 2 === 0 ? PATHS : [...PATHS].reverse()) {
        bridge = await start(path);
        if (path === 'cdc') {
          while ((sf.pubsub!.stats().openSubscriptions ?? 0) < 1) await sleep(20);
        }
        // A first CDC start sweeps (it cannot see back); let that finish before measuring.
        await sleep(300);
        while (!jobsIdle()) await sleep(50);
        await sf.org.idle();
        owner = agents[(agents.indexOf(owner) + 1) % agents.length]!;
        sf.faults.set({ latencyMs: LATENCY_MS });
        sb.faults.set({ latencyMs: LATENCY_MS });
        sf.resetStats();
        sb.stats.reset();
        sf.org.resetEventStats();
        sf.pubsub!.resetStats();
        const t0 = performance.now();
        await reassign(owner);
        while (!converged(owner)) await sleep(5);
        const seconds = (performance.now() - t0) / 1000;
        while (!jobsIdle()) await sleep(20);
        await sf.org.idle();
        const routes = { ...sf.stats().byRoute };
        routes['PATCH /composite/sobjects'] = (routes['PATCH /composite/sobjects'] ?? 0) - chunks.length;
        const events = sf.org.eventStats();
        results[path].push({
          seconds,
          sfCalls: Object.values(routes).reduce((a, b) => a + Math.max(0, b), 0),
          sbCalls: Object.values(sb.stats.get().byRoute).reduce((a, b) => a + b, 0),
          queueables: events.queueables,
          callouts: events.callouts,
          platformEvents: events.eventsPublished,
          changeEvents: sf.pubsub!.stats().delivered,
        });
        sf.faults.reset();
        sb.faults.reset();
        await bridge.stop();
      }
    }

    // --- ingest: a backlog of single-Case saves read from the bus by a bridge that was away ------
    const readEvents = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l.startsWith('bridge_cdc_events_total{'))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    };
    for (let r = 0; r < RUNS; r++) {
      owner = agents[(agents.indexOf(owner) + 1) % agents.length]!;
      for (let i = 0; i < BACKLOG; i += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, BACKLOG - i) }, (_, j) =>
            sfc.update('Case', others[(i + j) % others.length]!, { Subject: `Backlog ${r}-${i + j}` }),
          ),
        );
      }
      bridge = await start('cdc');
      while ((sf.pubsub!.stats().openSubscriptions ?? 0) < 1) await sleep(2);
      const t0 = performance.now();
      while ((await readEvents(bridge.url)) < BACKLOG) await sleep(10);
      ingest.push(BACKLOG / ((performance.now() - t0) / 1000));
      await bridge.stop();
    }
  } finally {
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const changes = 2 * CASES;
  console.log(
    `\n${changes} owner changes per run (${CASES} of chat Cases), ${Math.ceil(changes / COLLECTION_SIZE)} transactions; min / median / max over ${RUNS} runs`,
  );
  const row = (label: string, f: (r: Run) => number, digits = 0) =>
    console.log(`  ${label.padEnd(38)} ${PATHS.map((p) => spread(results[p].map(f), digits).padEnd(26)).join('')}`);
  console.log(`  ${''.padEnd(38)} ${PATHS.map((p) => (p === 'apex' ? 'Apex path' : 'CDC').padEnd(26)).join('')}`);
  row('converged in (s)', (r) => r.seconds, 2);
  row('owner changes ingested per second', (r) => changes / r.seconds, 0);
  row('per 1,000 changes: bridge -> Salesforce', (r) => per1000(r.sfCalls), 1);
  row('per 1,000 changes: bridge -> Sendbird', (r) => per1000(r.sbCalls), 0);
  row('per 1,000 changes: org async jobs', (r) => per1000(r.queueables), 1);
  row('per 1,000 changes: callouts', (r) => per1000(r.callouts), 1);
  row('per 1,000 changes: platform events', (r) => per1000(r.platformEvents), 0);
  row('per 1,000 changes: change events read', (r) => per1000(r.changeEvents), 1);
  console.log(
    `\nCDC ingest: ${BACKLOG} single-Case saves (one change event each, Cases without a ticket) waiting in the bus, read by a bridge ` +
      `from the opening of its stream: ${spread(ingest)} events/s`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
