/**
 * Ticket creation under load: both emulators in their own process with a fixed added latency
 * per upstream call, the bridge in another (so its CPU time can be read), 50 concurrent clients
 * in this one. After a warm-up, it measures BENCH_ROUNDS rounds and prints, per round and as the
 * median of the rounds: tickets/s, p50/p99, the bridge's CPU ms per ticket, and Salesforce and
 * Sendbird calls per ticket, against the ticket path's targets (docs/performance.md).
 *
 *   npm run bench -- tickets   (BENCH_LATENCY_MS=50, BENCH_CLIENTS=50, BENCH_TICKETS_PER_CLIENT=40
 *                               per round, BENCH_ROUNDS=3, BENCH_WARMUP_PER_CLIENT=80, BENCH_PIN=1,
 *                               BENCH_STAGGER=1)
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatorsProcess } from './lib/emulators-process.js';
import { SendbirdClient } from '../packages/sendbird/src/index.js';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { createUpstreamFetch } from '../packages/bridge/src/upstream-fetch.js';
import {
  fmt,
  machineCpuMs,
  freePort,
  median,
  peakRssMiB,
  percentile,
  processCpuMs,
  processCpuSplitMs,
  processUserSystemMs,
} from './lib/stats.js';
import { BENCH_JWT_SECRET, bridgeEnv, startBridgeProcess, type BridgeProcess } from './lib/bridge-process.js';
import { cpuPlan, pinSelf } from './lib/cpu-pin.js';
import { emulatorClient } from './lib/emulator-client.js';
import { closedLoop } from './lib/closed-loop.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
/** A core this busy queues its work: the emulators' core at or past it bounds the latency. */
const SATURATED = 0.85;
/** Other work on the machine (or the host's steal) past this share of a core disturbs the figures. */
const BUSY_MACHINE = 0.15;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const PER_CLIENT = Number(process.env.BENCH_TICKETS_PER_CLIENT ?? 40);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
// Steady state: the bridge's CPU per ticket keeps falling for the first few thousand tickets (V8
// optimising the hot path, the heap settling); measuring from the first tickets mostly measures
// that (docs/performance.md).
const WARMUP_PER_CLIENT = Number(process.env.BENCH_WARMUP_PER_CLIENT ?? 80);
const CASE = {
  Subject: 'Bench ticket',
  Description: 'Created by bench/tickets.ts',
  SuppliedName: 'Bench',
  SuppliedEmail: 'bench@example.com',
};

interface Round {
  tickets: number;
  ticketsPerSecond: number;
  p50: number;
  p99: number;
  p50OverFloor: number;
  bridgeOwnP50: number;
  bridgeOwnP99: number;
  upstreamP50: number;
  bridgeCpuMsPerTicket: number;
  bridgeMainThreadCpuMsPerTicket: number;
  bridgeOtherThreadsCpuMsPerTicket: number;
  /** System time: the kernel working for the bridge (system calls, page faults). */
  bridgeKernelCpuMsPerTicket: number;
  emulatorsCpuMsPerTicket: number;
  /** CPU time over wall time: how busy the bridge kept one core (1 = a whole core). */
  bridgeCoreShare: number;
  /** The same for the emulators and the load generator together (pinned, they share one core). */
  othersCoreShare: number;
  /** CPU the rest of the machine used meanwhile, over wall time (other processes, the kernel's own work). */
  restCoreShare: number;
  /** Time the virtual machine's host took from its cores, over wall time. */
  stealCoreShare: number;
  loadGeneratorCpuMsPerTicket: number;
  salesforceCallsPerTicket: number;
  salesforceTokenCalls: number;
  sendbirdCallsPerTicket: number;
}

async function main() {
  const pin = cpuPlan();
  pinSelf(pin.others);
  const emulators = await startEmulatorsProcess({ cpu: pin.others });
  const { sf, sb } = emulators;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-tickets-'));
  const port = await freePort();
  // Sendbird caps channel creation at about 5/s per app; the limiter would measure that cap,
  // not the bridge. Production throughput per Sendbird app is bounded by it (docs/performance.md).
  // The production log level (info: one access-log line per request), written to a file.
  let bridge: BridgeProcess;
  try {
    bridge = await startBridgeProcess(bridgeEnv(sf, sb, { port, dataDir }, { SENDBIRD_CAPPED_PER_SECOND: '0', LOG_LEVEL: 'info' }), {
      cpu: pin.bridge,
    });
  } catch (err) {
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const pid = bridge.child.pid!;
  const upstreamFetch = createUpstreamFetch();
  const clientPool = new Pool(bridge.url, { connections: CLIENTS, pipelining: 1 });
  const stop = async () => {
    await clientPool.close();
    await upstreamFetch.close();
    await bridge.stop();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await emulators.setLatency(LATENCY_MS);

    // The floor: the sequential upstream round trips of one steady-state ticket (the Case with the
    // token, the channel, the ticket's form), made directly over the bridge's own keep-alive
    // transport, unloaded; the median of 30.
    const sfc = emulatorClient(sf, { fetch: upstreamFetch });
    const sbc = new SendbirdClient({
      appId: sb.appId,
      apiToken: sb.apiToken,
      baseUrl: sb.url,
      limiter: { enabled: false },
      fetch: upstreamFetch,
    });
    await sfc.query('SELECT Id FROM Case LIMIT 1');
    await sbc.createUser({ user_id: 'floor-user', nickname: 'Floor' });
    const floors: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      const ext = randomUUID();
      // The session token is asked for alongside the Case upsert (the user is known), as the bridge does.
      const [[up]] = await Promise.all([
        sfc.composite([
          { method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/Sendbird_Ticket_Id__c/${ext}`, referenceId: 'c', body: CASE },
          { method: 'GET', url: '/services/data/v62.0/sobjects/Case/@{c.id}?fields=Id,CaseNumber', referenceId: 'r' },
        ]),
        sbc.issueSessionToken('floor-user', { expiresAt: Date.now() + 3600_000 }),
      ]);
      const id = (up!.body as { id: string }).id;
      await sbc.createGroupChannel({ channel_url: id, user_ids: ['floor-user'], is_distinct: false });
      // Then the ticket's form as the conversation's first entry, before the customer has a session.
      await sbc.sendMessage(id, {
        message_type: 'ADMM',
        message: 'Subject\n\nDescription',
        custom_type: 'sbsf_bridge',
        dedup_id: `form-${ext}`,
      });
      floors.push(performance.now() - t0);
    }
    const floor = median(floors);

    const tokens = Array.from({ length: CLIENTS }, (_, i) =>
      signCustomerJwt({ sub: `bench-${i}`, name: `Bench ${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }, BENCH_JWT_SECRET),
    );
    // Server-Timing of each answer: what the bridge itself added (`bridge`: total minus upstream
    // waits) and the time spent in Salesforce and Sendbird calls as the bridge saw it (`upstream`).
    let bridgeTimes: number[] = [];
    let upstreamTimes: number[] = [];
    const open = async (token: string) => {
      const t0 = performance.now();
      // undici's request on a keep-alive pool: the load generator shares the two cores with the
      // bridge and the emulators, so it should spend as little CPU per request as it can.
      const res = await clientPool.request({
        path: '/tickets',
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ case: CASE }),
      });
      await res.body.arrayBuffer();
      if (res.statusCode !== 201) throw new Error(`ticket answered ${res.statusCode}`);
      const timing = String(res.headers['server-timing'] ?? '');
      const own = /bridge;dur=([\d.]+)/.exec(timing);
      if (own) bridgeTimes.push(Number(own[1]));
      const upstream = /upstream;dur=([\d.]+)/.exec(timing);
      if (upstream) upstreamTimes.push(Number(upstream[1]));
      return performance.now() - t0;
    };
    // Clients start spread over one ticket's duration rather than all at once (closed-loop.ts).
    // BENCH_STAGGER=0 starts them together.
    const spreadMs = process.env.BENCH_STAGGER === '0' ? 0 : floor;
    const everyClient = (perClient: number, each?: (ms: number) => void) => closedLoop(tokens, perClient, spreadMs, open, each);

    // Warm-up: the first ticket per customer creates the Sendbird users (and the bridge logs in
    // to Salesforce); the rest let V8 optimise the hot path before anything is measured.
    await everyClient(Math.max(1, WARMUP_PER_CLIENT));

    const rounds: Round[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await emulators.resetStats();
      bridgeTimes = [];
      upstreamTimes = [];
      // CPU of every process on the machine's cores: the bridge (split into its main thread and
      // the rest), the emulators, and this load generator.
      const cpu0 = processCpuMs(pid);
      const split0 = processCpuSplitMs(pid);
      const kernel0 = processUserSystemMs(pid).system;
      const emulatorsCpu0 = processCpuMs(emulators.pid);
      const clientCpu0 = process.cpuUsage();
      const machine0 = machineCpuMs();
      const t0 = performance.now();
      const latencies: number[] = [];
      await everyClient(PER_CLIENT, (ms) => latencies.push(ms));
      const wall = performance.now() - t0;
      const cpu = processCpuMs(pid) - cpu0;
      const split = processCpuSplitMs(pid);
      const kernel = processUserSystemMs(pid).system - kernel0;
      const emulatorsCpu = processCpuMs(emulators.pid) - emulatorsCpu0;
      const clientCpu = process.cpuUsage(clientCpu0);
      const machine1 = machineCpuMs();
      const { sf: sfStats, sb: sbStats } = await emulators.stats();
      const n = latencies.length;
      latencies.sort((a, b) => a - b);
      bridgeTimes.sort((a, b) => a - b);
      upstreamTimes.sort((a, b) => a - b);
      const p50 = percentile(latencies, 50);
      const round: Round = {
        tickets: n,
        ticketsPerSecond: (n / wall) * 1000,
        p50,
        p99: percentile(latencies, 99),
        p50OverFloor: p50 - floor,
        bridgeOwnP50: percentile(bridgeTimes, 50),
        bridgeOwnP99: percentile(bridgeTimes, 99),
        upstreamP50: percentile(upstreamTimes, 50),
        bridgeCpuMsPerTicket: cpu / n,
        bridgeMainThreadCpuMsPerTicket: (split.main - split0.main) / n,
        bridgeOtherThreadsCpuMsPerTicket: (split.others - split0.others) / n,
        bridgeKernelCpuMsPerTicket: kernel / n,
        emulatorsCpuMsPerTicket: emulatorsCpu / n,
        bridgeCoreShare: cpu / wall,
        othersCoreShare: (emulatorsCpu + (clientCpu.user + clientCpu.system) / 1000) / wall,
        restCoreShare: Math.max(0, machine1.busy - machine0.busy - cpu - emulatorsCpu - (clientCpu.user + clientCpu.system) / 1000) / wall,
        stealCoreShare: (machine1.steal - machine0.steal) / wall,
        loadGeneratorCpuMsPerTicket: (clientCpu.user + clientCpu.system) / 1000 / n,
        salesforceCallsPerTicket: sfStats.total / n,
        salesforceTokenCalls: sfStats.byRoute['POST /services/oauth2/token'] ?? 0,
        sendbirdCallsPerTicket: sbStats.total / n,
      };
      rounds.push(round);
      console.log(
        `round ${r + 1}/${ROUNDS}: ${n} tickets, ${fmt(round.ticketsPerSecond)}/s, p50 ${fmt(p50)} ms (${fmt(round.p50OverFloor)} over the floor), p99 ${fmt(round.p99)} ms, ` +
          `bridge CPU ${fmt(round.bridgeCpuMsPerTicket, 2)} ms/ticket, Salesforce ${fmt(round.salesforceCallsPerTicket, 2)} and Sendbird ${fmt(round.sendbirdCallsPerTicket, 2)} calls/ticket`,
      );
    }
    const m = Object.fromEntries(
      Object.keys(rounds[0]!).map((k) => [k, median(rounds.map((r) => r[k as keyof Round]))]),
    ) as unknown as Round;
    const rss = peakRssMiB(pid);
    console.log(
      JSON.stringify(
        {
          latencyMs: LATENCY_MS,
          clients: CLIENTS,
          rounds: ROUNDS,
          cpus: pin.describe,
          floor,
          bridgePeakRssMiB: rss,
          median: m,
          each: rounds,
        },
        null,
        2,
      ),
    );
    console.log(
      [
        `tickets: ${ROUNDS} rounds of ${CLIENTS * PER_CLIENT} with ${CLIENTS} concurrent clients, ${LATENCY_MS} ms added per upstream call; ${pin.describe}; medians of the rounds:`,
        `  throughput          ${fmt(m.ticketsPerSecond)} tickets/s`,
        `  latency             p50 ${fmt(m.p50)} ms, p99 ${fmt(m.p99)} ms; floor ${fmt(floor)} ms -> p50 is ${fmt(m.p50OverFloor)} ms over (target <= 5)`,
        `  bridge's own share  p50 ${fmt(m.bridgeOwnP50)} ms, p99 ${fmt(m.bridgeOwnP99)} ms of each answer (Server-Timing: total minus upstream waits); upstream p50 ${fmt(m.upstreamP50)} ms`,
        `  bridge CPU          ${fmt(m.bridgeCpuMsPerTicket, 2)} ms per ticket (target <= 1): main thread ${fmt(m.bridgeMainThreadCpuMsPerTicket, 2)}, other threads ${fmt(m.bridgeOtherThreadsCpuMsPerTicket, 2)}; in the kernel ${fmt(m.bridgeKernelCpuMsPerTicket, 2)}; peak RSS ${fmt(rss, 0)} MiB`,
        `  other processes     emulators ${fmt(m.emulatorsCpuMsPerTicket, 2)} ms, load generator ${fmt(m.loadGeneratorCpuMsPerTicket, 2)} ms of CPU per ticket`,
        `  cores               the bridge kept ${fmt(m.bridgeCoreShare * 100, 0)}% of a core busy, the emulators and the load generator ${fmt(m.othersCoreShare * 100, 0)}%` +
          (m.othersCoreShare >= SATURATED
            ? ` of theirs: SATURATED, so what is over the floor is mostly queueing in the emulators and the load generator, not the bridge (raise BENCH_LATENCY_MS or lower BENCH_CLIENTS)`
            : '') +
          `; the rest of the machine ${fmt(m.restCoreShare * 100, 0)}%, stolen by the host ${fmt(m.stealCoreShare * 100, 0)}%` +
          (m.restCoreShare + m.stealCoreShare >= BUSY_MACHINE ? ' (NOT QUIET: these figures are not comparable)' : ''),
        `  Salesforce calls    ${fmt(m.salesforceCallsPerTicket, 2)} per ticket, ${m.salesforceTokenCalls} token calls (target 1 and 0)`,
        `  Sendbird calls      ${fmt(m.sendbirdCallsPerTicket, 2)} per ticket, users known (target <= 3: token, channel, the ticket's form)`,
      ].join('\n'),
    );
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
