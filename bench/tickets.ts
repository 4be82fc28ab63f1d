/**
 * Ticket creation under load: both emulators in their own process with a fixed added latency
 * per upstream call, the bridge in another (so its CPU time can be read), 50 concurrent clients
 * in this one. Prints tickets/s, p50/p99, the bridge's CPU ms per ticket, and Salesforce and
 * Sendbird calls per ticket, against the targets of issue 3.
 *
 *   npm run bench -- tickets            (BENCH_LATENCY_MS, BENCH_CLIENTS, BENCH_TICKETS_PER_CLIENT)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SALESFORCE_EMULATOR_DEFAULTS } from '../packages/emulators/src/index.js';
import { startEmulatorsProcess } from './lib/emulators-process.js';
import { SalesforceClient } from '../packages/salesforce/src/index.js';
import { SendbirdClient } from '../packages/sendbird/src/index.js';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { fmt, freePort, percentile, processCpuMs } from './lib/stats.js';
import { BENCH_JWT_SECRET, bridgeEnv, startBridgeProcess } from './lib/bridge-process.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const PER_CLIENT = Number(process.env.BENCH_TICKETS_PER_CLIENT ?? 20);
const CASE = { Subject: 'Bench ticket', Description: 'Created by bench/tickets.ts', SuppliedName: 'Bench', SuppliedEmail: 'bench@example.com' };

async function main() {
  const emulators = await startEmulatorsProcess();
  const { sf, sb } = emulators;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-tickets-'));
  const port = await freePort();
  // Sendbird caps channel creation at about 5/s per app; the limiter would measure that cap,
  // not the bridge. Production throughput per Sendbird app is bounded by it (docs/performance.md).
  const bridge = await startBridgeProcess(bridgeEnv(sf, sb, { port, dataDir }, { SENDBIRD_CAPPED_PER_SECOND: '0' }));
  const child = bridge.child;
  const stop = async () => {
    await bridge.stop();
    await emulators.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await emulators.setLatency(LATENCY_MS);

    // The floor: the sequential upstream round trips of one steady-state ticket, made directly.
    const sfc = new SalesforceClient({ loginUrl: sf.url, auth: { kind: 'client_credentials', clientId: SALESFORCE_EMULATOR_DEFAULTS.clientId, clientSecret: SALESFORCE_EMULATOR_DEFAULTS.clientSecret } });
    const sbc = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url, limiter: { enabled: false } });
    await sfc.query('SELECT Id FROM Case LIMIT 1');
    await sbc.createUser({ user_id: 'floor-user', nickname: 'Floor' });
    const floors: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      const ext = randomUUID();
      const [up] = await sfc.composite([
        { method: 'PATCH', url: `/services/data/v62.0/sobjects/Case/Sendbird_Ticket_Id__c/${ext}`, referenceId: 'c', body: CASE },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Case/@{c.id}?fields=Id,CaseNumber', referenceId: 'r' },
      ]);
      const id = (up!.body as { id: string }).id;
      await sbc.createGroupChannel({ channel_url: id, user_ids: ['floor-user'], is_distinct: false });
      await sbc.issueSessionToken('floor-user', { expiresAt: Date.now() + 3600_000 });
      floors.push(performance.now() - t0);
    }
    const floor = percentile(floors.sort((a, b) => a - b), 50);

    const tokens = Array.from({ length: CLIENTS }, (_, i) => signCustomerJwt({ sub: `bench-${i}`, name: `Bench ${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }, BENCH_JWT_SECRET));
    // What the bridge itself adds (its Server-Timing `bridge` share: total minus upstream waits).
    let bridgeTimes: number[] = [];
    const open = async (token: string) => {
      const t0 = performance.now();
      const res = await fetch(`${bridge.url}/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ case: CASE }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`ticket answered ${res.status}`);
      const m = /bridge;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
      if (m) bridgeTimes.push(Number(m[1]));
      return performance.now() - t0;
    };
    // Warm-up: one ticket per customer (creates the Sendbird users, logs in to Salesforce).
    await Promise.all(tokens.map(open));
    await emulators.resetStats();
    bridgeTimes = [];

    const cpu0 = processCpuMs(child.pid!);
    const t0 = performance.now();
    const latencies: number[] = [];
    await Promise.all(
      tokens.map(async (token) => {
        for (let i = 0; i < PER_CLIENT; i++) latencies.push(await open(token));
      }),
    );
    const wall = performance.now() - t0;
    const cpu = processCpuMs(child.pid!) - cpu0;
    const n = latencies.length;
    latencies.sort((a, b) => a - b);
    const { sf: sfStats, sb: sbStats } = await emulators.stats();
    const sfTokenCalls = sfStats.byRoute['POST /services/oauth2/token'] ?? 0;
    const p50 = percentile(latencies, 50);
    bridgeTimes.sort((a, b) => a - b);
    const bridgeP50 = percentile(bridgeTimes, 50);
    const bridgeP99 = percentile(bridgeTimes, 99);
    const result = {
      latencyMs: LATENCY_MS,
      clients: CLIENTS,
      tickets: n,
      ticketsPerSecond: (n / wall) * 1000,
      p50,
      p99: percentile(latencies, 99),
      floor,
      p50OverFloor: p50 - floor,
      bridgeAddedP50: bridgeP50,
      bridgeAddedP99: bridgeP99,
      bridgeCpuMsPerTicket: cpu / n,
      salesforceCallsPerTicket: sfStats.total / n,
      salesforceTokenCalls: sfTokenCalls,
      sendbirdCallsPerTicket: sbStats.total / n,
      salesforceRoutes: sfStats.byRoute,
      sendbirdRoutes: sbStats.byRoute,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      [
        `tickets: ${n} with ${CLIENTS} concurrent clients, ${LATENCY_MS} ms added per upstream call`,
        `  throughput          ${fmt(result.ticketsPerSecond)} tickets/s`,
        `  latency             p50 ${fmt(p50)} ms, p99 ${fmt(result.p99)} ms; floor ${fmt(floor)} ms -> p50 is ${fmt(result.p50OverFloor)} ms over (target <= 5)`,
        `  bridge's own share  p50 ${fmt(bridgeP50)} ms, p99 ${fmt(bridgeP99)} ms of each answer (Server-Timing: total minus upstream waits)`,
        `  bridge CPU          ${fmt(result.bridgeCpuMsPerTicket, 2)} ms per ticket (target <= 1)`,
        `  Salesforce calls    ${fmt(result.salesforceCallsPerTicket, 2)} per ticket, ${sfTokenCalls} token calls (target 1 and 0)`,
        `  Sendbird calls      ${fmt(result.sendbirdCallsPerTicket, 2)} per ticket, users known (target <= 2)`,
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
