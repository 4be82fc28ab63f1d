/**
 * Ticket throughput by store and number of instances: 1 bridge on SQLite, 1 on PostgreSQL, 3 on
 * one PostgreSQL. Both emulators run in this process with a fixed latency added to every upstream
 * call; each bridge is its own process (main.ts); clients spread their tickets over the instances
 * round robin (what a load balancer does). Each scenario gets fresh emulators and a fresh
 * database (a new SQLite file, a new PostgreSQL schema dropped afterwards). Prints tickets/s and
 * p50/p99 per scenario, and the load average before and after (the machine is shared).
 *
 *   npm run bench -- instances
 *   BENCH_SCENARIOS=postgres-3 BENCH_CLIENTS=50 BENCH_TICKETS_PER_CLIENT=10 BENCH_LATENCY_MS=20 npm run bench -- instances
 *   BENCH_DATABASE_URL=postgres://user@host:5432/db   (default: the OS user at 127.0.0.1:5432, database test)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startSalesforceEmulator, startSendbirdEmulator } from '../packages/emulators/src/index.js';
import { signCustomerJwt } from '../packages/bridge/src/identity/jwt.js';
import { fmt, freePort, percentile, processCpuMs } from './lib/stats.js';
import { BENCH_JWT_SECRET, bridgeEnv, startBridgeProcess, type BridgeProcess } from './lib/bridge-process.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const PER_CLIENT = Number(process.env.BENCH_TICKETS_PER_CLIENT ?? 10);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? `postgres://${encodeURIComponent(userInfo().username)}@127.0.0.1:5432/test`;
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'sqlite-1,postgres-1,postgres-3').split(',').map((s) => s.trim());
const CASE = {
  Subject: 'Bench ticket',
  Description: 'Created by bench/instances.ts',
  SuppliedName: 'Bench',
  SuppliedEmail: 'bench@example.com',
};

interface Result {
  scenario: string;
  store: string;
  instances: number;
  tickets: number;
  ticketsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU time of the bridge processes (all instances) per ticket. */
  bridgeCpuMsPerTicket: number;
  errors: number;
}

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: DATABASE_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function run(scenario: string): Promise<Result> {
  const m = /^(sqlite|postgres)-(\d+)$/.exec(scenario);
  if (!m) throw new Error(`unknown scenario "${scenario}": use sqlite-1, postgres-1, postgres-3...`);
  const store = m[1] as 'sqlite' | 'postgres';
  const instances = Number(m[2]);
  if (store === 'sqlite' && instances !== 1) throw new Error('SQLite is one instance: several need PostgreSQL');
  const sf = await startSalesforceEmulator({});
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-instances-'));
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const bridges: BridgeProcess[] = [];
  try {
    // Sendbird's ~5/s cap on channel creation would be measured instead of the bridge (docs/performance.md).
    const extra: Record<string, string> = {
      SENDBIRD_CAPPED_PER_SECOND: '0',
      ...(store === 'postgres' ? { DATABASE_URL, DATABASE_SCHEMA: schema } : {}),
    };
    // The first instance migrates; the others start together after it (they would wait on the migration lock anyway).
    bridges.push(await startBridgeProcess(bridgeEnv(sf, sb, { port: await freePort(), dataDir }, extra)));
    bridges.push(
      ...(await Promise.all(
        Array.from({ length: instances - 1 }, async () =>
          startBridgeProcess(bridgeEnv(sf, sb, { port: await freePort(), dataDir }, extra)),
        ),
      )),
    );
    sf.faults.set({ latencyMs: LATENCY_MS });
    sb.faults.set({ latencyMs: LATENCY_MS });

    let next = 0;
    let errors = 0;
    const open = async (token: string) => {
      const base = bridges[next++ % bridges.length]!.url;
      const t0 = performance.now();
      const res = await fetch(`${base}/tickets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ case: CASE }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) errors++;
      return performance.now() - t0;
    };
    const tokens = Array.from({ length: CLIENTS }, (_, i) =>
      signCustomerJwt({ sub: `bench-${i}`, name: `Bench ${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }, BENCH_JWT_SECRET),
    );
    // Warm-up: one ticket per customer on each instance (Sendbird users, Salesforce logins, JIT).
    for (let i = 0; i < bridges.length; i++) await Promise.all(tokens.map(open));
    errors = 0;

    const latencies: number[] = [];
    const cpu = () => bridges.reduce((n, b) => n + processCpuMs(b.child.pid!), 0);
    const cpu0 = cpu();
    const t0 = performance.now();
    await Promise.all(
      tokens.map(async (token) => {
        for (let i = 0; i < PER_CLIENT; i++) latencies.push(await open(token));
      }),
    );
    const wall = performance.now() - t0;
    const cpuMs = cpu() - cpu0;
    latencies.sort((a, b) => a - b);
    return {
      scenario,
      store,
      instances,
      tickets: latencies.length,
      ticketsPerSecond: (latencies.length / wall) * 1000,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      bridgeCpuMsPerTicket: cpuMs / latencies.length,
      errors,
    };
  } finally {
    for (const b of bridges) await b.stop();
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (store === 'postgres')
      await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((err: unknown) => console.error(`could not drop ${schema}:`, err));
  }
}

async function main() {
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(' ');
  const before = load();
  const results: Result[] = [];
  for (const s of SCENARIOS) {
    const r = await run(s);
    results.push(r);
    console.log(
      `${s}: ${fmt(r.ticketsPerSecond)} tickets/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, bridge CPU ${fmt(r.bridgeCpuMsPerTicket, 2)} ms/ticket (${r.tickets} tickets, ${r.errors} not 201)`,
    );
  }
  const after = load();
  console.log(
    JSON.stringify(
      { latencyMs: LATENCY_MS, clients: CLIENTS, perClient: PER_CLIENT, loadBefore: before, loadAfter: after, results },
      null,
      2,
    ),
  );
  console.log(
    [
      `tickets with ${CLIENTS} concurrent clients, ${LATENCY_MS} ms added per upstream call; load average ${before} before, ${after} after`,
      '| store | instances | tickets/s | p50 | p99 | bridge CPU per ticket |',
      '|---|---|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.store === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${r.instances} | ${fmt(r.ticketsPerSecond)} | ${fmt(r.p50)} ms | ${fmt(r.p99)} ms | ${fmt(r.bridgeCpuMsPerTicket, 2)} ms |`,
      ),
    ].join('\n'),
  );
  if (results.some((r) => r.errors > 0)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
