/**
 * Bursts under Sendbird's write cap: BENCH_TICKETS tickets arriving evenly within
 * BENCH_TICKET_SECONDS, while BENCH_REASSIGN chat Cases are reassigned at once (one Composite of
 * sObject Collections updates: the org's triggers post the owner changes to the bridge). The
 * Sendbird emulator enforces a cap of BENCH_CAP requests per second on each capped endpoint
 * (channel creation, invitations, message sends...), as Sendbird does on every plan, and the bridge
 * runs with SENDBIRD_CAPPED_PER_SECOND at the same value.
 *
 * Figures, min / median / max over BENCH_RUNS runs:
 * - time to drain (every ticket answered, every reassigned channel with its new agent, no job
 *   left) against the floor: the most calls any one capped endpoint received, less the CAP that
 *   may go at once, divided by the cap (the endpoints are paced independently, so the busiest one
 *   bounds the drain);
 * - the customers' wait: each ticket's time to its 201, p50 and p99;
 * - when the reassigned channels had their agent: p50 and p99 from the start of the burst;
 * - 429s the emulator answered.
 * The setup (the chat Cases to reassign) is made with the cap off, by a bridge started for it.
 *
 * BENCH_INSTANCES=N (default 1) runs the burst over N bridges on one PostgreSQL schema
 * (BENCH_DATABASE_URL, default the OS user at 127.0.0.1:5432, database test; the schema is made
 * and dropped per run), each with SENDBIRD_CAPPED_PER_SECOND=BENCH_CAP: the tickets go to them in
 * turn, the org's events to the first. They share the cap through the store (SENDBIRD_SHARED_PACING);
 * BENCH_BRIDGE_SENDBIRD_SHARED_PACING=false compares each pacing alone.
 *
 *   npm run bench -- burst
 *   (BENCH_TICKETS=500 BENCH_TICKET_SECONDS=10 BENCH_REASSIGN=500 BENCH_CAP=5 BENCH_RUNS=1 BENCH_LATENCY_MS=10 BENCH_INSTANCES=1)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { startSalesforceEmulator, startSendbirdEmulator } from '../packages/emulators/src/index.js';
import {
  BENCH_JWT_SECRET,
  BENCH_SHARED_SECRET,
  bridgeEnv,
  startBridgeProcess,
  type BridgeProcess,
  jobsIdle as jobsIdleIn,
} from './lib/bridge-process.js';
import { emulatorClient } from './lib/emulator-client.js';
import { fmt, freePort, median, percentile } from './lib/stats.js';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 500);
const TICKET_SECONDS = Number(process.env.BENCH_TICKET_SECONDS ?? 10);
const REASSIGN = Number(process.env.BENCH_REASSIGN ?? 500);
const CAP = Number(process.env.BENCH_CAP ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;
const COLLECTION_SIZE = 200;

for (const [name, v, min] of [
  ['BENCH_TICKETS', TICKETS, 0],
  ['BENCH_TICKET_SECONDS', TICKET_SECONDS, 1],
  ['BENCH_REASSIGN', REASSIGN, 0],
  ['BENCH_CAP', CAP, 1],
  ['BENCH_RUNS', RUNS, 1],
  ['BENCH_INSTANCES', INSTANCES, 1],
] as const) {
  if (!Number.isInteger(v) || v < min) {
    console.error(`${name} must be a whole number >= ${min}`);
    process.exit(2);
  }
}

const CASE = { Subject: 'Burst', Description: 'bench/burst.ts', SuppliedName: 'Burst', SuppliedEmail: 'burst@example.com' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const spread = (values: number[], digits = 0) =>
  `${fmt(Math.min(...values), digits)} / ${fmt(median(values), digits)} / ${fmt(Math.max(...values), digits)}`;

/** Runs one statement on the benchmark's PostgreSQL (the schema's search path when given). */
async function pgQuery(sql: string, schema?: string): Promise<pg.QueryResultRow[]> {
  const c = new pg.Client({ connectionString: DATABASE_URL, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

interface Run {
  drainS: number;
  floorS: number;
  busiest: string;
  ticketP50: number;
  ticketP99: number;
  agentP50: number;
  agentP99: number;
  rejected: number;
  /** Tickets answered 503 `ticket_pending` and asked again (same key), as the customer app does. */
  pending: number;
}

async function main() {
  console.log(
    `bursts under a ${CAP}/s Sendbird cap: BENCH_TICKETS=${TICKETS} over BENCH_TICKET_SECONDS=${TICKET_SECONDS}, ` +
      `BENCH_REASSIGN=${REASSIGN} at once, BENCH_RUNS=${RUNS}, BENCH_LATENCY_MS=${LATENCY_MS}, BENCH_INSTANCES=${INSTANCES}` +
      (INSTANCES > 1 ? ' (PostgreSQL)' : ''),
  );
  const sf = await startSalesforceEmulator({ dailyApiLimit: 100_000_000, bridgeDelivery: { retryDelaysMs: [0, 200, 1_000] } });
  const sb = await startSendbirdEmulator({});
  const sfc = emulatorClient(sf);
  const agents = [sf.seed.agents.ava, sf.seed.agents.ben, sf.seed.agents.cara];
  const token = (sub: string) => signCustomerJwt({ sub, name: sub, exp: Math.floor(Date.now() / 1000) + 3600 }, BENCH_JWT_SECRET);
  /** Retries that a 503 `ticket_pending` asked for (the customer app retries with the same key). */
  let pendingRetries = 0;
  const openTicket = async (url: string, sub: string): Promise<{ ms: number; caseId: string }> => {
    const t0 = performance.now();
    const key = randomUUID();
    for (;;) {
      const res = await fetch(`${url}/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token(sub)}`, 'idempotency-key': key },
        body: JSON.stringify({ case: CASE }),
      });
      if (res.status === 503) {
        const body = (await res.json()) as { error?: { code?: string; retryAfterSeconds?: number } };
        if (body.error?.code !== 'ticket_pending') throw new Error(`a ticket answered 503: ${JSON.stringify(body)}`);
        pendingRetries++;
        await new Promise((r) => setTimeout(r, (body.error?.retryAfterSeconds ?? 5) * 1000));
        continue;
      }
      if (res.status !== 201) throw new Error(`a ticket answered ${res.status}: ${await res.text()}`);
      const caseId = ((await res.json()) as { case: { id: string } }).case.id;
      return { ms: performance.now() - t0, caseId };
    }
  };
  const runs: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    const pendingBefore = pendingRetries;
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-burst-'));
    // Several instances share a PostgreSQL schema; one runs on SQLite, as by default.
    const schema = INSTANCES > 1 ? `bench_${randomBytes(5).toString('hex')}` : undefined;
    const start = async (cap: number, i = 0) => {
      // Each instance logs in its own directory.
      const dir = schema ? join(dataDir, `bridge-${i}`) : dataDir;
      mkdirSync(dir, { recursive: true });
      return startBridgeProcess(
        bridgeEnv(
          sf,
          sb,
          { port: await freePort(), dataDir: dir },
          {
            SENDBIRD_CAPPED_PER_SECOND: String(cap),
            SWEEP_INTERVAL_MS: '0',
            JOB_POLL_MS: '100',
            NON_AGENT_USER_IDS: sf.seed.integrationUserId,
            ...(schema ? { DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
          },
        ),
      );
    };
    const jobsIdle = async (): Promise<boolean> =>
      schema
        ? Number((await pgQuery("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')", schema))[0]?.n) === 0
        : jobsIdleIn(dataDir);
    let bridge: BridgeProcess | undefined;
    let bridges: BridgeProcess[] = [];
    try {
      // --- setup, cap off: the chat Cases to reassign, each with Ava in its channel --------------
      sb.rateCaps.set({ enabled: false });
      bridge = await start(0);
      sf.org.setBridge({ url: bridge.url, secret: BENCH_SHARED_SECRET });
      const chat: string[] = [];
      for (let i = 0; i < REASSIGN; i += 25) {
        const part = await Promise.all(
          Array.from({ length: Math.min(25, REASSIGN - i) }, (_, j) => openTicket(bridge!.url, `burst-${r}-setup-${i + j}`)),
        );
        chat.push(...part.map((p) => p.caseId));
      }
      const chunks = Array.from({ length: Math.ceil(chat.length / COLLECTION_SIZE) }, (_, i) =>
        chat.slice(i * COLLECTION_SIZE, (i + 1) * COLLECTION_SIZE),
      );
      const reassign = (owner: string) =>
        chunks.length === 0
          ? Promise.resolve()
          : sfc.composite(
              chunks.map((part, i) => ({
                method: 'PATCH',
                url: `/services/data/v${sfc.apiVersion}/composite/sobjects`,
                referenceId: `chunk${i}`,
                body: { allOrNone: true, records: part.map((id) => ({ attributes: { type: 'Case' }, id, OwnerId: owner })) },
              })),
              { allOrNone: true },
            );
      const hasAgent = (id: string, owner: string) => sb.store.channels.get(id)?.members.has(owner) === true;
      await reassign(agents[0]!);
      while (!(chat.every((id) => hasAgent(id, agents[0]!)) && (await jobsIdle()))) await sleep(50);
      await sf.org.idle();
      await bridge.stop();
      bridge = undefined;

      // --- the burst, cap on -------------------------------------------------------------------
      bridges = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => start(CAP, i)));
      sf.org.setBridge({ url: bridges[0]!.url, secret: BENCH_SHARED_SECRET });
      sb.rateCaps.set({ enabled: true, perSecond: CAP });
      const rejectedBefore = sb.rateCaps.get().rejected;
      sf.faults.set({ latencyMs: LATENCY_MS });
      sb.faults.set({ latencyMs: LATENCY_MS });
      sb.stats.reset();
      const owner = agents[1]!;
      const t0 = performance.now();
      const agentAt = new Map<string, number>();
      const watch = setInterval(() => {
        for (const id of chat) if (!agentAt.has(id) && hasAgent(id, owner)) agentAt.set(id, performance.now() - t0);
      }, 20);
      const reassigned = reassign(owner);
      const waits = await Promise.all(
        Array.from({ length: TICKETS }, async (_, i) => {
          await sleep((i * TICKET_SECONDS * 1000) / Math.max(1, TICKETS));
          return (await openTicket(bridges[i % bridges.length]!.url, `burst-${r}-${i}`)).ms;
        }),
      );
      await reassigned;
      while (!(agentAt.size === chat.length && (await jobsIdle()))) await sleep(20);
      await sf.org.idle();
      while (!(await jobsIdle())) await sleep(20);
      const drainS = (performance.now() - t0) / 1000;
      clearInterval(watch);
      sf.faults.reset();
      sb.faults.reset();
      const capped = Object.entries(sb.stats.get().byRoute).filter(([route]) =>
        [
          'POST /v3/group_channels',
          'POST /v3/group_channels/:channel_url/invite',
          'POST /v3/group_channels/:channel_url/messages',
          'PUT /v3/users/:user_id',
        ].includes(route),
      );
      const [busiest, calls] = capped.sort((a, b) => b[1] - a[1])[0] ?? ['none', 0];
      const sortedWaits = [...waits].sort((a, b) => a - b);
      const agentTimes = [...agentAt.values()].sort((a, b) => a - b);
      runs.push({
        drainS,
        // The cap lets CAP calls go at once, then one every 1/CAP s.
        floorS: Math.max(0, calls - CAP) / CAP,
        busiest: `${busiest} (${calls} calls)`,
        ticketP50: sortedWaits.length ? percentile(sortedWaits, 50) : 0,
        ticketP99: sortedWaits.length ? percentile(sortedWaits, 99) : 0,
        agentP50: agentTimes.length ? percentile(agentTimes, 50) : 0,
        agentP99: agentTimes.length ? percentile(agentTimes, 99) : 0,
        rejected: sb.rateCaps.get().rejected - rejectedBefore,
        pending: pendingRetries - pendingBefore,
      });
    } finally {
      await bridge?.stop();
      for (const b of bridges) await b.stop();
      sb.rateCaps.set({ enabled: false });
      rmSync(dataDir, { recursive: true, force: true });
      if (schema)
        await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((err: unknown) => console.error(`could not drop ${schema}:`, err));
    }
  }
  await sb.close();
  await sf.close();

  const row = (label: string, values: number[], digits = 0, after = '') =>
    console.log(`  ${label.padEnd(26)} ${spread(values, digits)}${after}`);
  console.log(`\nmin / median / max over ${runs.length} run(s)`);
  row(
    'drained in (s)',
    runs.map((x) => x.drainS),
    1,
  );
  row(
    'floor, busiest endpoint (s)',
    runs.map((x) => x.floorS),
    1,
    `: ${runs[0]!.busiest}`,
  );
  row(
    'drain / floor',
    runs.map((x) => x.drainS / x.floorS),
    2,
  );
  row(
    'ticket wait p50 (ms)',
    runs.map((x) => x.ticketP50),
  );
  row(
    'ticket wait p99 (ms)',
    runs.map((x) => x.ticketP99),
  );
  row(
    'agent in channel p50 (ms)',
    runs.map((x) => x.agentP50),
    0,
    ' after the burst began',
  );
  row(
    'agent in channel p99 (ms)',
    runs.map((x) => x.agentP99),
    0,
    ' after the burst began',
  );
  row(
    '429s received',
    runs.map((x) => x.rejected),
  );
  row(
    'tickets retried (503 pending)',
    runs.map((x) => x.pending),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
