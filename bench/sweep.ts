/**
 * Sweep growth: what the membership sweep costs with 1,000, 10,000 and 50,000 open chat Cases,
 * and the bridge's memory with them. For each size, fresh emulators in this process (a fixed
 * latency added to every upstream call) and a fresh bridge as its own process (SQLite):
 *
 *   1. the first full sweep of a new bridge store over chats that already exist (every Case owned
 *      by Ava, her in every channel with the customer; Cases last saved over the past 30 days);
 *   2. a sweep of what changed, with nothing changed;
 *   3. a sweep of what changed after 1% of the Cases changed owner with their events lost;
 *   4. the next full sweep (the daily one), every channel in step.
 *
 * For each: the time from the sweep job to the last reconcile done, Salesforce calls (queries)
 * and Sendbird calls by route, reconcile jobs, and the bridge's resident memory (now, and its
 * peak so far).
 *
 *   npm run bench -- sweep     (BENCH_SWEEP_SIZES=1000,10000,50000, BENCH_LATENCY_MS=10, BENCH_RUNS=1)
 *
 * The Cases are made through the Salesforce emulator's REST API (sObject Collections, 200 a
 * call) and then aged in its store; the Sendbird users and channels are made directly in the
 * Sendbird emulator's store (100,000 HTTP calls would only time the set-up).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSalesforceEmulator, startSendbirdEmulator } from '../packages/emulators/src/index.js';
import { formatDateTime } from '../packages/emulators/src/salesforce/util.js';
import { createChannel } from '../packages/emulators/src/sendbird/ops-channels.js';
import { createUser } from '../packages/emulators/src/sendbird/ops-users.js';
import { fmt, freePort, median, peakRssMiB, rssMiB } from './lib/stats.js';
import { bridgeEnv, jobsIdle, startBridgeProcess } from './lib/bridge-process.js';
import { createChatCases, emulatorClient } from './lib/emulator-client.js';

const SIZES = (process.env.BENCH_SWEEP_SIZES ?? '1000,10000,50000').split(',').map(Number);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 1);
const CHANGED_SHARE = 0.01;

interface Figures {
  seconds: number;
  sfQueries: number;
  sfCalls: number;
  sbCalls: number;
  sbByRoute: Record<string, number>;
  jobs: number;
  rssMiB: number;
  peakMiB: number;
}

const SCENARIOS = [
  'first full sweep (new store, chats already in step)',
  'sweep of what changed, nothing changed',
  `sweep of what changed, ${CHANGED_SHARE * 100}% changed owner (events lost)`,
  'next full sweep, every channel in step',
] as const;

async function runSize(n: number): Promise<{ idleMiB: number; figures: Figures[] }> {
  const sf = await startSalesforceEmulator({ dailyApiLimit: 100_000_000 });
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
  const sfc = emulatorClient(sf);
  const { ava, ben } = sf.seed.agents;
  let bridge: Awaited<ReturnType<typeof startBridgeProcess>> | undefined;
  try {
    // --- set-up, no added latency ------------------------------------------------------------
    const customers = Array.from({ length: n }, (_, i) => `sweep-customer-${i}`);
    const caseIds = await createChatCases(sfc, customers, ava);
    // Opened and last saved over the past 30 days (the newest an hour ago), as in a live org.
    const cases = sf.state.table('Case');
    const now = Date.now();
    caseIds.forEach((id, i) => {
      const stamp = formatDateTime(now - 3_600_000 - Math.floor((i / n) * 30 * 86_400_000));
      cases.set(id, Object.freeze({ ...cases.get(id)!, SystemModstamp: stamp, LastModifiedDate: stamp, CreatedDate: stamp }));
    });
    createUser(sb.store, { user_id: ava, nickname: 'Ava Agent', profile_url: '' });
    customers.forEach((c, i) => {
      createUser(sb.store, { user_id: c, nickname: c, profile_url: '' });
      createChannel(sb.store, { channel_url: caseIds[i], user_ids: [c, ava], custom_type: 'sf_case' });
    });

    bridge = await startBridgeProcess(
      bridgeEnv(
        sf,
        sb,
        { port: await freePort(), dataDir },
        { SWEEP_INTERVAL_MS: '0', JOB_POLL_MS: '100', SENDBIRD_CAPPED_PER_SECOND: '0' },
      ),
    );
    const pid = bridge.child.pid!;
    const db = () => new Database(join(dataDir, 'bridge.sqlite'));
    const sql = <T>(f: (d: Database.Database) => T): T => {
      const d = db();
      try {
        return f(d);
      } finally {
        d.close();
      }
    };
    const reconcileJobs = () =>
      sql((d) => (d.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'membership.reconcile'").get() as { n: number }).n);
    sf.faults.set({ latencyMs: LATENCY_MS });
    sb.faults.set({ latencyMs: LATENCY_MS });
    await new Promise((r) => setTimeout(r, 1_000));
    const idleMiB = rssMiB(pid);

    const sweep = async (period: number, converged: () => boolean = () => true): Promise<Figures> => {
      sf.resetStats();
      sb.stats.reset();
      const jobsBefore = reconcileJobs();
      const started = performance.now();
      sql((d) =>
        d
          .prepare(
            "INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES ('membership.sweep', ?, ?, 'queued', 0, 3, ?, ?, ?)",
          )
          .run(JSON.stringify({ period }), `bench-sweep-${period}`, Date.now(), Date.now(), Date.now()),
      );
      while (!(jobsIdle(dataDir) && converged())) await new Promise((r) => setTimeout(r, 20));
      const seconds = (performance.now() - started) / 1000;
      const sfStats = sf.stats();
      const sbStats = sb.stats.get();
      return {
        seconds,
        sfQueries: Object.entries(sfStats.byRoute)
          .filter(([route]) => route.includes('/query'))
          .reduce((a, [, k]) => a + k, 0),
        sfCalls: sfStats.total,
        sbCalls: sbStats.total,
        sbByRoute: sbStats.byRoute,
        jobs: reconcileJobs() - jobsBefore,
        rssMiB: rssMiB(pid),
        peakMiB: peakRssMiB(pid),
      };
    };

    const figures: Figures[] = [];
    figures.push(await sweep(1));
    figures.push(await sweep(2));
    // Owner changes whose events never reach the bridge (nobody delivers them here).
    const moved = caseIds.filter((_, i) => i % Math.round(1 / CHANGED_SHARE) === 0);
    for (let i = 0; i < moved.length; i += 200) {
      const res = await sfc.request<{ success: boolean }[]>('PATCH', '/composite/sobjects', {
        allOrNone: true,
        records: moved.slice(i, i + 200).map((id) => ({ attributes: { type: 'Case' }, id, OwnerId: ben })),
      });
      if (!res.every((r) => r.success)) throw new Error(`the owner change failed: ${JSON.stringify(res)}`);
    }
    figures.push(
      await sweep(3, () =>
        moved.every((id) => {
          const m = sb.store.channels.get(id)?.members;
          return m?.has(ben) === true && !m.has(ava);
        }),
      ),
    );
    // The daily full sweep is due.
    sql((d) => d.prepare("UPDATE sweep_marks SET full_at = 0 WHERE name = 'membership'").run());
    figures.push(await sweep(4));
    return { idleMiB, figures };
  } finally {
    await bridge?.stop();
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  console.log(
    `sweep growth: ${LATENCY_MS} ms added per upstream call, JOB_CONCURRENCY 4, RECONCILE_BATCH_SIZE 200, ${RUNS} run(s) per size`,
  );
  for (const n of SIZES) {
    const runs: { idleMiB: number; figures: Figures[] }[] = [];
    for (let r = 0; r < RUNS; r++) runs.push(await runSize(n));
    const mmm = (values: number[], digits = 1) =>
      RUNS === 1
        ? fmt(values[0]!, digits)
        : `${fmt(Math.min(...values), digits)} / ${fmt(median(values), digits)} / ${fmt(Math.max(...values), digits)}`;
    console.log(`\n${n.toLocaleString('en')} open chat Cases (min / median / max over ${RUNS} run(s) where more than one)`);
    console.log(`  bridge RSS before any sweep  ${mmm(runs.map((r) => r.idleMiB))} MiB`);
    SCENARIOS.forEach((name, i) => {
      const f = runs.map((r) => r.figures[i]!);
      console.log(`  ${i + 1}. ${name}`);
      console.log(
        `     time                 ${mmm(
          f.map((x) => x.seconds),
          2,
        )} s`,
      );
      console.log(
        `     Salesforce calls     ${mmm(
          f.map((x) => x.sfCalls),
          0,
        )} (queries and query pages: ${mmm(
          f.map((x) => x.sfQueries),
          0,
        )})`,
      );
      console.log(
        `     Sendbird calls       ${mmm(
          f.map((x) => x.sbCalls),
          0,
        )}: ${JSON.stringify(f[f.length - 1]!.sbByRoute)}`,
      );
      console.log(
        `     reconcile jobs       ${mmm(
          f.map((x) => x.jobs),
          0,
        )}`,
      );
      console.log(`     bridge RSS           ${mmm(f.map((x) => x.rssMiB))} MiB after, peak so far ${mmm(f.map((x) => x.peakMiB))} MiB`);
    });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
