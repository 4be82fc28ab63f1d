/**
 * Membership sync at scale: 500 Cases with channels (customer + agent), the bridge as its own
 * process, both emulators in this process with a fixed added latency per upstream call.
 *
 *   A. all 500 reassigned in ONE transaction: one Composite call holding three sObject
 *      Collections updates (200 + 200 + 100) -> 500 platform events, which the org's subscriber
 *      sends in batches of up to 200 (3 event POSTs);
 *   B. all 500 reassigned by 500 separate PATCHes (50 at a time) -> one event POST per subscriber
 *      batch (saves that commit before the subscriber runs share one);
 *   C. a sweep in steady state (every channel already right).
 *
 * For each: time until every channel has exactly the new owner as its agent (the customer
 * untouched), the event POSTs the org made, the Salesforce calls the bridge made (reads, batched),
 * Sendbird calls per Case, and reconcile jobs. Target: <= 2 Sendbird calls per Case.
 *
 *   npm run bench -- reconcile     (BENCH_CASES=500, BENCH_LATENCY_MS=10, BENCH_SENDBIRD_CAP=0)
 *
 * BENCH_SENDBIRD_CAP sets SENDBIRD_CAPPED_PER_SECOND (Sendbird caps invites at about 5/s per app;
 * 0 = the bridge's limiter off, which measures the bridge rather than that cap).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startSalesforceEmulator, startSendbirdEmulator } from '../packages/emulators/src/index.js';
import { SendbirdClient } from '../packages/sendbird/src/index.js';
import { fmt, freePort } from './lib/stats.js';
import { BENCH_SHARED_SECRET, bridgeEnv, startBridgeProcess } from './lib/bridge-process.js';
import { createChatCases, emulatorClient } from './lib/emulator-client.js';

const CASES = Number(process.env.BENCH_CASES ?? 500);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const SENDBIRD_CAP = process.env.BENCH_SENDBIRD_CAP ?? '0';
const PATCH_CONCURRENCY = 50;

interface Figures {
  scenario: string;
  seconds: number;
  sfQueries: number;
  sfOther: string;
  sbPerCase: number;
  sbByRoute: Record<string, number>;
  jobs: number;
  posts: number;
}

async function main() {
  const sf = await startSalesforceEmulator({ dailyApiLimit: 10_000_000 });
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-reconcile-'));
  const port = await freePort();
  const sfc = emulatorClient(sf);
  const sbc = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url, limiter: { enabled: false } });
  const { ava, ben, cara } = sf.seed.agents;

  // --- setup (no added latency): Cases owned by Ava, channels with the customer and Ava -----
  const customers = Array.from({ length: CASES }, (_, i) => `bench-customer-${i}`);
  const caseIds = await createChatCases(sfc, customers, ava);
  await sbc.createUser({ user_id: ava, nickname: 'Ava Agent' });
  for (let i = 0; i < CASES; i += 50) {
    await Promise.all(
      customers.slice(i, i + 50).map(async (c, j) => {
        await sbc.createUser({ user_id: c, nickname: c });
        await sbc.createGroupChannel({ channel_url: caseIds[i + j]!, user_ids: [c, ava], custom_type: 'sf_case', is_distinct: false });
      }),
    );
  }
  const customerOf = new Map(caseIds.map((id, i) => [id, customers[i]!]));

  const bridge = await startBridgeProcess(
    bridgeEnv(sf, sb, { port, dataDir }, { SENDBIRD_CAPPED_PER_SECOND: SENDBIRD_CAP, SWEEP_INTERVAL_MS: '0', JOB_POLL_MS: '100' }),
  );
  const bridgeUrl = bridge.url;
  const db = () => new Database(join(dataDir, 'bridge.sqlite'));
  const stop = async () => {
    await bridge.stop();
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    sf.org.setBridge({ url: bridgeUrl, secret: BENCH_SHARED_SECRET });
    sf.faults.set({ latencyMs: LATENCY_MS });
    sb.faults.set({ latencyMs: LATENCY_MS });

    const converged = (owner: string) =>
      caseIds.every((id) => {
        const m = sb.store.channels.get(id)?.members;
        return m?.size === 2 && m.has(owner) && m.has(customerOf.get(id)!);
      });
    const reconcileJobs = () => {
      const d = db();
      try {
        return (d.prepare("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'membership.reconcile'").get() as { n: number }).n;
      } finally {
        d.close();
      }
    };
    const idle = () => {
      const d = db();
      try {
        return (d.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')").get() as { n: number }).n === 0;
      } finally {
        d.close();
      }
    };

    const measure = async (scenario: string, owner: string, act: () => Promise<void>, own: Record<string, number>): Promise<Figures> => {
      sf.resetStats();
      sb.stats.reset();
      sf.org.clearBridgeDeliveries();
      const jobsBefore = reconcileJobs();
      const started = performance.now();
      await act();
      while (!converged(owner)) await new Promise((r) => setTimeout(r, 10));
      const seconds = (performance.now() - started) / 1000;
      while (!idle()) await new Promise((r) => setTimeout(r, 20));
      const sfStats = sf.stats().byRoute;
      const bridgeCalls = Object.entries(sfStats)
        .map(([route, n]) => [route, n - (own[route] ?? 0)] as const)
        .filter(([, n]) => n > 0);
      const sbStats = sb.stats.get();
      return {
        scenario,
        seconds,
        sfQueries: sfStats['GET /query'] ?? 0,
        sfOther:
          bridgeCalls
            .filter(([r]) => r !== 'GET /query')
            .map(([r, n]) => `${r} ${n}`)
            .join(', ') || 'none',
        sbPerCase: sbStats.total / CASES,
        sbByRoute: sbStats.byRoute,
        jobs: reconcileJobs() - jobsBefore,
        posts: sf.org.bridgeDeliveries().length,
      };
    };

    const results: Figures[] = [];
    // A: one transaction.
    results.push(
      await measure(
        `A. ${CASES} reassigned in one Composite (3 Collections updates), one transaction`,
        ben,
        async () => {
          const chunks = Array.from({ length: Math.ceil(CASES / 200) }, (_, i) => caseIds.slice(i * 200, i * 200 + 200));
          const res = await sfc.composite(
            chunks.map((ids, i) => ({
              method: 'PATCH',
              url: `/services/data/v${sfc.apiVersion}/composite/sobjects`,
              referenceId: `chunk${i}`,
              body: { allOrNone: true, records: ids.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: ben })) },
            })),
            { allOrNone: true },
          );
          if (res.some((r) => r.httpStatusCode >= 400)) throw new Error('the reassignment failed');
        },
        { 'POST /composite': 1 },
      ),
    );
    // B: one transaction per Case.
    results.push(
      await measure(
        `B. ${CASES} reassigned by ${CASES} PATCHes (${PATCH_CONCURRENCY} at a time), ${CASES} transactions`,
        cara,
        async () => {
          const queue = [...caseIds];
          await Promise.all(
            Array.from({ length: PATCH_CONCURRENCY }, async () => {
              for (let id = queue.shift(); id; id = queue.shift()) await sfc.update('Case', id, { OwnerId: cara });
            }),
          );
        },
        { 'PATCH /sobjects/{type}/{id}': CASES },
      ),
    );
    // C: a sweep with nothing to change.
    results.push(
      await measure(
        `C. sweep in steady state (${CASES} Cases already right)`,
        cara,
        async () => {
          const d = db();
          try {
            d.prepare(
              "INSERT INTO jobs (kind, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at, updated_at) VALUES ('membership.sweep', '{\"period\":0}', 'bench-sweep', 'queued', 0, 3, ?, ?, ?)",
            ).run(Date.now(), Date.now(), Date.now());
          } finally {
            d.close();
          }
          // Converged already: the time is the sweep's, until its reconciles are done.
          while (!idle()) await new Promise((r) => setTimeout(r, 20));
        },
        {},
      ),
    );

    console.log(
      `\nmembership sync: ${CASES} Cases, ${LATENCY_MS} ms added per upstream call, SENDBIRD_CAPPED_PER_SECOND=${SENDBIRD_CAP}, JOB_CONCURRENCY 4, RECONCILE_BATCH_SIZE 200`,
    );
    for (const r of results) {
      console.log(`\n${r.scenario}`);
      console.log(`  converged in        ${fmt(r.seconds, 2)} s`);
      console.log(`  event POSTs         ${r.posts} (the org's subscriber batches)`);
      console.log(`  Salesforce reads    ${r.sfQueries} queries (other bridge calls: ${r.sfOther})`);
      console.log(`  Sendbird calls      ${fmt(r.sbPerCase, 2)} per Case (target <= 2): ${JSON.stringify(r.sbByRoute)}`);
      console.log(`  reconcile jobs      ${r.jobs}`);
    }
  } finally {
    await stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
