/**
 * The bridge side by side with a model of the tutorial's server (lib/tutorial-server.ts: a
 * Salesforce login per ticket, no token cache, no retry). Each run starts both emulators in one
 * process with a fixed latency added to every upstream call, the bridge and the tutorial's server
 * each in its own process pinned to the same core, warms both up with the same request stream,
 * then measures one round of each, the order alternating from run to run, and prints for each
 * side: tickets/s, latency p50/p99, the server's CPU per ticket, Salesforce and Sendbird calls per
 * ticket; and the ratios bridge / baseline. With several runs, min / median / max of every figure.
 *
 *   npm run bench -- baseline   (BENCH_LATENCY_MS=20, BENCH_CLIENTS=50, BENCH_WARMUP_PER_CLIENT=60,
 *                                BENCH_TICKETS_PER_CLIENT=40 per round, BENCH_RUNS=3, BENCH_PIN=1,
 *                                BENCH_STAGGER=1; BENCH_CPU_PROF=<dir>: CPU profiles of both servers)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { SendbirdClient } from '../packages/sendbird/src/index.js';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { startEmulatorsProcess, type EmulatorsProcess } from './lib/emulators-process.js';
import { BENCH_JWT_SECRET, bridgeEnv, jobsIdle, startBridgeProcess } from './lib/bridge-process.js';
import { startTutorialProcess } from './lib/tutorial-process.js';
import { closedLoop } from './lib/closed-loop.js';
import { cpuPlan, pinSelf } from './lib/cpu-pin.js';
import { fmt, freePort, median, percentile, processCpuMs } from './lib/stats.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const WARMUP_PER_CLIENT = Math.max(1, Number(process.env.BENCH_WARMUP_PER_CLIENT ?? 60));
const PER_CLIENT = Number(process.env.BENCH_TICKETS_PER_CLIENT ?? 40);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const CASE = {
  Subject: 'Bench ticket',
  Description: 'Created by bench/baseline.ts',
  SuppliedName: 'Bench',
  SuppliedEmail: 'bench@example.com',
};

interface Figures {
  ticketsPerSecond: number;
  p50: number;
  p99: number;
  cpuMsPerTicket: number;
  salesforceCallsPerTicket: number;
  salesforceLoginsPerTicket: number;
  sendbirdCallsPerTicket: number;
  emulatorsCpuMsPerTicket: number;
}
const FIGURES: [keyof Figures, string, number][] = [
  ['ticketsPerSecond', 'tickets/s', 1],
  ['p50', 'latency p50 (ms)', 1],
  ['p99', 'latency p99 (ms)', 1],
  ['cpuMsPerTicket', 'server CPU per ticket (ms)', 2],
  ['salesforceCallsPerTicket', 'Salesforce calls per ticket', 2],
  ['salesforceLoginsPerTicket', '  of which logins', 2],
  ['sendbirdCallsPerTicket', 'Sendbird calls per ticket', 2],
  ['emulatorsCpuMsPerTicket', 'emulators CPU per ticket (ms)', 2],
];

interface Side {
  name: 'baseline' | 'bridge';
  pid: number;
  /** One ticket; answers its latency in ms. */
  open(client: number): Promise<number>;
  /** Resolves once the server has no work left from earlier tickets. */
  idle(): Promise<void>;
}

async function measure(side: Side, emulators: EmulatorsProcess, clients: number[], spreadMs: number): Promise<Figures> {
  await side.idle();
  await emulators.resetStats();
  const cpu0 = processCpuMs(side.pid);
  const emulatorsCpu0 = processCpuMs(emulators.pid);
  const latencies: number[] = [];
  const t0 = performance.now();
  await closedLoop(clients, PER_CLIENT, spreadMs, side.open, (ms) => latencies.push(ms));
  const wall = performance.now() - t0;
  const cpu = processCpuMs(side.pid) - cpu0;
  const emulatorsCpu = processCpuMs(emulators.pid) - emulatorsCpu0;
  const { sf, sb } = await emulators.stats();
  const n = latencies.length;
  latencies.sort((a, b) => a - b);
  return {
    ticketsPerSecond: (n / wall) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMsPerTicket: cpu / n,
    salesforceCallsPerTicket: sf.total / n,
    salesforceLoginsPerTicket: (sf.byRoute['POST /services/oauth2/token'] ?? 0) / n,
    sendbirdCallsPerTicket: sb.total / n,
    emulatorsCpuMsPerTicket: emulatorsCpu / n,
  };
}

/** One comparison on fresh processes: both sides warmed up, then one measured round each. */
async function run(r: number, pin: ReturnType<typeof cpuPlan>): Promise<Record<Side['name'], Figures>> {
  const emulators = await startEmulatorsProcess({ cpu: pin.others });
  const { sf, sb } = emulators;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-baseline-'));
  const cleanups: (() => Promise<unknown>)[] = [
    async () => {
      await emulators.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  ];
  try {
    const clients = Array.from({ length: CLIENTS }, (_, i) => i);
    // The tutorial's customers already have a Sendbird user with an access token (its customer
    // app made them); the bridge makes its customers' users on their first ticket (the warm-up).
    const sbc = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url, limiter: { enabled: false } });
    const accessTokens = await Promise.all(
      clients.map(
        async (i) =>
          (await sbc.createUser({ user_id: `tutorial-${i}`, nickname: `Tutorial ${i}`, issue_access_token: true })).access_token!,
      ),
    );
    const jwts = clients.map((i) =>
      signCustomerJwt({ sub: `bench-${i}`, name: `Bench ${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }, BENCH_JWT_SECRET),
    );

    // As in bench/tickets.ts: the bridge's client-side Sendbird limiter off, the production log level.
    const bridge = await startBridgeProcess(
      bridgeEnv(sf, sb, { port: await freePort(), dataDir }, { SENDBIRD_CAPPED_PER_SECOND: '0', LOG_LEVEL: 'info' }),
      { cpu: pin.bridge },
    );
    cleanups.unshift(() => bridge.stop());
    const tutorial = await startTutorialProcess(sf, sb, { cpu: pin.bridge });
    cleanups.unshift(() => tutorial.stop());
    // The load generator: undici on a keep-alive pool per server, one connection per client.
    const bridgePool = new Pool(bridge.url, { connections: CLIENTS, pipelining: 1 });
    const tutorialPool = new Pool(tutorial.url, { connections: CLIENTS, pipelining: 1 });
    cleanups.unshift(
      () => bridgePool.close(),
      () => tutorialPool.close(),
    );
    const timed = async (pool: Pool, expect: number, request: Parameters<Pool['request']>[0]) => {
      const t0 = performance.now();
      const res = await pool.request(request);
      const body = await res.body.text();
      if (res.statusCode !== expect) throw new Error(`${request.path} answered ${res.statusCode}: ${body.slice(0, 200)}`);
      return performance.now() - t0;
    };
    const sides: Side[] = [
      {
        name: 'baseline',
        pid: tutorial.child.pid!,
        open: (c) =>
          timed(tutorialPool, 200, {
            path: '/createticket',
            method: 'POST',
            headers: { 'content-type': 'application/json', user: `tutorial-${c}`, token: accessTokens[c]! },
            body: JSON.stringify({ token_type: 0, case: CASE }),
          }),
        idle: async () => {},
      },
      {
        name: 'bridge',
        pid: bridge.child.pid!,
        open: (c) =>
          timed(bridgePool, 201, {
            path: '/tickets',
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${jwts[c]!}`, 'idempotency-key': randomUUID() },
            body: JSON.stringify({ case: CASE }),
          }),
        idle: async () => {
          while (!jobsIdle(dataDir)) await new Promise((res) => setTimeout(res, 20));
        },
      },
    ];

    await emulators.setLatency(LATENCY_MS);
    // Clients start spread over about one of the tutorial's tickets (four calls in a row), the
    // same for both sides (lib/closed-loop.ts); BENCH_STAGGER=0 starts them together.
    const spreadMs = process.env.BENCH_STAGGER === '0' ? 0 : 4 * LATENCY_MS;
    // Warm-up: V8 optimises each server's hot path, and the bridge logs in to Salesforce and
    // makes its customers' Sendbird users, before anything is measured.
    for (const side of sides) await closedLoop(clients, WARMUP_PER_CLIENT, spreadMs, side.open);
    // The order alternates from run to run, so that neither side is always measured first (or
    // last, on a machine whose speed drifts).
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    const out = {} as Record<Side['name'], Figures>;
    for (const side of order) out[side.name] = await measure(side, emulators, clients, spreadMs);
    return out;
  } finally {
    for (const c of cleanups) await c();
  }
}

async function main() {
  const pin = cpuPlan();
  pinSelf(pin.others);
  const runs: Record<Side['name'], Figures>[] = [];
  for (let r = 0; r < RUNS; r++) {
    const m = await run(r, pin);
    runs.push(m);
    for (const name of ['baseline', 'bridge'] as const) {
      const f = m[name];
      console.log(
        `run ${r + 1}/${RUNS} ${name.padEnd(8)}: ${fmt(f.ticketsPerSecond)} tickets/s, p50 ${fmt(f.p50)} ms, p99 ${fmt(f.p99)} ms, ` +
          `CPU ${fmt(f.cpuMsPerTicket, 2)} ms/ticket, Salesforce ${fmt(f.salesforceCallsPerTicket, 2)} (logins ${fmt(f.salesforceLoginsPerTicket, 2)}) ` +
          `and Sendbird ${fmt(f.sendbirdCallsPerTicket, 2)} calls/ticket`,
      );
    }
    const x = (k: keyof Figures) => fmt(m.bridge[k] / m.baseline[k], 2);
    console.log(
      `run ${r + 1}/${RUNS} bridge / baseline: tickets/s ${x('ticketsPerSecond')}, p50 ${x('p50')}, p99 ${x('p99')}, CPU per ticket ${x('cpuMsPerTicket')}, ` +
        `Salesforce calls ${x('salesforceCallsPerTicket')}, Sendbird calls ${x('sendbirdCallsPerTicket')}`,
    );
  }
  // min / median / max over the runs of one figure (or ratio) picked from each run.
  const mmm = (pick: (m: Record<Side['name'], Figures>) => number, digits: number) => {
    const v = runs.map(pick);
    return `${fmt(Math.min(...v), digits)} / ${fmt(median(v), digits)} / ${fmt(Math.max(...v), digits)}`;
  };
  console.log(
    `\nbaseline: ${RUNS} run(s), each ${CLIENTS} concurrent clients, ${CLIENTS * WARMUP_PER_CLIENT} warm-up and ${CLIENTS * PER_CLIENT} measured tickets per side, ` +
      `${LATENCY_MS} ms added per upstream call; ${pin.describe}. min / median / max of the runs:`,
  );
  const rows = [['figure', "tutorial's server", 'bridge', 'bridge / baseline']];
  for (const [k, label, digits] of FIGURES)
    rows.push([label, mmm((m) => m.baseline[k], digits), mmm((m) => m.bridge[k], digits), mmm((m) => m.bridge[k] / m.baseline[k], 2)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(('  ' + row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).trimEnd());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
