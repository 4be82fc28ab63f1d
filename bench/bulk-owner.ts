/**
 * Bulk owner changes through the Apex's platform-event path: what the design costs in Salesforce
 * and how long the bridge takes to bring every chat channel in step.
 *
 * For each size (BENCH_SIZES, default 200 and 2000 Cases), half the Cases are chat Cases
 * (Sendbird_Ticket_Id__c set, a channel with the customer and the current agent in the Sendbird
 * emulator) and half are not (no ticket id, no channel), interleaved, so every 200-record chunk
 * holds both. All of them get a new owner:
 *
 *   collections  one sObject Collections update of 200 records per call, one call after the other
 *                (each call one transaction);
 *   composite    one Composite call holding all those Collections updates (one transaction).
 *
 * Per scenario, by the Salesforce emulator's model of the Apex (org.eventStats()): platform events
 * published, EventBus.publish calls in the user's transactions (each a DML statement; the most in
 * one transaction), subscriber batches, SendbirdCallOuts Queueables, callouts; then the bridge's
 * Salesforce and Sendbird calls, and the time from the first user call until every chat channel
 * has exactly its new owner as agent (the customer untouched). Non-chat Cases must cost 0 events.
 * The bridge runs as its own process; both emulators run in this one, with BENCH_LATENCY_MS added
 * to every upstream call.
 *
 *   npm run bench -- bulk-owner
 *   (BENCH_SIZES=200,2000 BENCH_RUNS=3 BENCH_LATENCY_MS=10 BENCH_SENDBIRD_CAP=0)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SALESFORCE_EMULATOR_DEFAULTS,
  startSalesforceEmulator,
  startSendbirdEmulator,
  type SalesforceEventBusStats,
} from '../packages/emulators/src/index.js';
import { SendbirdClient } from '../packages/sendbird/src/index.js';
import { BENCH_SHARED_SECRET, bridgeEnv, startBridgeProcess, jobsIdle as jobsIdleIn } from './lib/bridge-process.js';
import { fmt, freePort, median } from './lib/stats.js';
import { emulatorClient } from './lib/emulator-client.js';

const SIZES = (process.env.BENCH_SIZES ?? '200,2000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const SENDBIRD_CAP = process.env.BENCH_SENDBIRD_CAP ?? '0';
const COLLECTION_SIZE = 200;
const MODES = ['collections', 'composite'] as const;
type Mode = (typeof MODES)[number];

if (SIZES.some((n) => !Number.isInteger(n) || n < 2 || n > 5000) || !(Number.isInteger(RUNS) && RUNS >= 1)) {
  console.error(
    'BENCH_SIZES must be integers from 2 to 5000 (a Composite holds at most 25 Collections of 200), BENCH_RUNS a positive integer',
  );
  process.exit(2);
}

interface Run {
  seconds: number;
  stats: SalesforceEventBusStats;
  userCalls: number;
  deliveries: number;
  nonChatEvents: number;
  sfBridge: Record<string, number>;
  sbBridge: Record<string, number>;
}

const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `n` or `min / median / max` when the runs differ. */
function spread(values: number[], digits = 0): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? fmt(lo, digits) : `${fmt(lo, digits)} / ${fmt(median(values), digits)} / ${fmt(hi, digits)}`;
}

async function main() {
  console.log(
    `bulk owner changes: BENCH_SIZES=${SIZES.join(',')} BENCH_RUNS=${RUNS} BENCH_LATENCY_MS=${LATENCY_MS} BENCH_SENDBIRD_CAP=${SENDBIRD_CAP} ` +
      `(half the Cases chat Cases; Collections of ${COLLECTION_SIZE}; subscriber batch size ${SALESFORCE_EMULATOR_DEFAULTS.subscriberBatchSize}; JOB_CONCURRENCY 4, RECONCILE_BATCH_SIZE 200)`,
  );
  const sf = await startSalesforceEmulator({ dailyApiLimit: 100_000_000 });
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-bulk-owner-'));
  const sfc = emulatorClient(sf);
  const sbc = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url, limiter: { enabled: false } });
  const agents = [sf.seed.agents.ava, sf.seed.agents.ben, sf.seed.agents.cara];
  for (const [i, id] of agents.entries()) await sbc.createUser({ user_id: id, nickname: ['Ava', 'Ben', 'Cara'][i]! + ' Agent' });

  const bridge = await startBridgeProcess(
    bridgeEnv(
      sf,
      sb,
      { port: await freePort(), dataDir },
      { SENDBIRD_CAPPED_PER_SECOND: SENDBIRD_CAP, SWEEP_INTERVAL_MS: '0', JOB_POLL_MS: '100' },
    ),
  );
  const jobsIdle = () => jobsIdleIn(dataDir);
  const results: { size: number; mode: Mode; runs: Run[] }[] = [];
  try {
    sf.org.setBridge({ url: bridge.url, secret: BENCH_SHARED_SECRET });
    for (const size of SIZES) {
      // --- setup (no added latency): chat and non-chat Cases interleaved, owned by Ava ---------
      sf.faults.reset();
      sb.faults.reset();
      const ids: string[] = [];
      const customerOf = new Map<string, string>();
      for (let i = 0; i < size; i += COLLECTION_SIZE) {
        const records = Array.from({ length: Math.min(COLLECTION_SIZE, size - i) }, (_, j) =>
          (i + j) % 2 === 0
            ? {
                attributes: { type: 'Case' },
                Subject: 'Bench chat',
                OwnerId: agents[0],
                Sendbird_Ticket_Id__c: randomUUID(),
                Sendbird_User_Id__c: `bench-${size}-customer-${i + j}`,
              }
            : { attributes: { type: 'Case' }, Subject: 'Bench phone', OwnerId: agents[0] },
        );
        const res = await sfc.collections.create(records);
        res.forEach((r, j) => {
          ids.push(r.id as string);
          if ((i + j) % 2 === 0) customerOf.set(r.id as string, `bench-${size}-customer-${i + j}`);
        });
      }
      const chat = [...customerOf.keys()];
      for (let i = 0; i < chat.length; i += 50) {
        await Promise.all(
          chat.slice(i, i + 50).map(async (id) => {
            const customer = customerOf.get(id)!;
            await sbc.createUser({ user_id: customer, nickname: customer });
            await sbc.createGroupChannel({ channel_url: id, user_ids: [customer, agents[0]!], custom_type: 'sf_case', is_distinct: false });
          }),
        );
      }
      const chunks = Array.from({ length: Math.ceil(size / COLLECTION_SIZE) }, (_, i) =>
        ids.slice(i * COLLECTION_SIZE, (i + 1) * COLLECTION_SIZE),
      );
      const body = (part: string[], owner: string) => ({
        allOrNone: true,
        records: part.map((Id) => ({ attributes: { type: 'Case' }, Id, OwnerId: owner })),
      });
      const converged = (owner: string) =>
        chat.every((id) => {
          const m = sb.store.channels.get(id)?.members;
          return m?.size === 2 && m.has(owner) && m.has(customerOf.get(id)!);
        });
      let current = agents[0]!;
      for (const mode of MODES) {
        const runs: Run[] = [];
        for (let r = 0; r < RUNS; r++) {
          const owner = agents[(agents.indexOf(current) + 1) % agents.length]!;
          current = owner;
          while (!jobsIdle()) await sleep(20);
          await sf.org.idle();
          sf.faults.set({ latencyMs: LATENCY_MS });
          sb.faults.set({ latencyMs: LATENCY_MS });
          sf.resetStats();
          sb.stats.reset();
          sf.org.resetEventStats();
          sf.org.clearBridgeDeliveries();
          const started = performance.now();
          let userCalls = 0;
          if (mode === 'collections') {
            for (const part of chunks) {
              const res = await sfc.request<{ success: boolean }[]>('PATCH', '/composite/sobjects', body(part, owner));
              userCalls++;
              if (!res.every((x) => x.success)) throw new Error('a Collections update failed');
            }
          } else {
            const res = await sfc.composite(
              chunks.map((part, i) => ({
                method: 'PATCH',
                url: `/services/data/v${sfc.apiVersion}/composite/sobjects`,
                referenceId: `chunk${i}`,
                body: body(part, owner),
              })),
              { allOrNone: true },
            );
            userCalls++;
            if (res.some((x) => x.httpStatusCode >= 400)) throw new Error('the Composite update failed');
          }
          while (!converged(owner)) await sleep(5);
          const seconds = (performance.now() - started) / 1000;
          while (!jobsIdle()) await sleep(20);
          await sf.org.idle();
          const sfRoutes = { ...sf.stats().byRoute };
          // The load's own calls are not the bridge's.
          const own = mode === 'collections' ? 'PATCH /composite/sobjects' : 'POST /composite';
          sfRoutes[own] = (sfRoutes[own] ?? 0) - userCalls;
          const deliveries = sf.org.bridgeDeliveries();
          const chatSet = new Set(chat);
          runs.push({
            seconds,
            stats: sf.org.eventStats(),
            userCalls,
            deliveries: deliveries.length,
            nonChatEvents: deliveries.flatMap((d) => d.events).filter((e) => !chatSet.has(e.caseId)).length,
            sfBridge: Object.fromEntries(Object.entries(sfRoutes).filter(([, n]) => n > 0)),
            sbBridge: sb.stats.get().byRoute,
          });
          sf.faults.reset();
          sb.faults.reset();
          if (deliveries.some((d) => d.status !== 'delivered'))
            throw new Error(`a callout was not delivered: ${JSON.stringify(deliveries.find((d) => d.status !== 'delivered'))}`);
        }
        results.push({ size, mode, runs });
      }
    }
  } finally {
    await bridge.stop();
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
  }

  for (const { size, mode, runs } of results) {
    const n = (f: (r: Run) => number, digits = 0) => spread(runs.map(f), digits);
    const chatCases = size / 2;
    const transactions = mode === 'collections' ? Math.ceil(size / COLLECTION_SIZE) : 1;
    console.log(
      `\n${size} Cases (${Math.ceil(chatCases)} chat), ${mode === 'collections' ? `${transactions} Collections update${transactions > 1 ? 's' : ''} of ${COLLECTION_SIZE}, one transaction each` : `one Composite of ${Math.ceil(size / COLLECTION_SIZE)} Collections update${size > COLLECTION_SIZE ? 's' : ''}, one transaction`}; ${runs.length} runs (min / median / max where they differ)`,
    );
    console.log(`  converged in            ${n((r) => r.seconds, 2)} s`);
    console.log(
      `  platform events         ${n((r) => r.stats.eventsPublished)} published; for non-chat Cases ${n((r) => r.nonChatEvents)}`,
    );
    console.log(
      `  EventBus.publish calls  ${n((r) => r.stats.publishCalls)} in ${n((r) => r.stats.transactions)} user transaction(s), at most ${n((r) => r.stats.maxPublishCallsPerTransaction)} in one (DML statements)`,
    );
    console.log(
      `  subscriber batches      ${n((r) => r.stats.subscriberBatches)} (duplicates dropped ${n((r) => r.stats.duplicatesDropped)})`,
    );
    console.log(`  Queueables / callouts   ${n((r) => r.stats.queueables)} / ${n((r) => r.stats.callouts)}`);
    console.log(`  bridge -> Salesforce    ${n((r) => sum(r.sfBridge))} calls: ${JSON.stringify(runs[0]!.sfBridge)}`);
    console.log(
      `  bridge -> Sendbird      ${n((r) => sum(r.sbBridge))} calls (${n((r) => sum(r.sbBridge) / chatCases, 2)} per chat Case): ${JSON.stringify(runs[0]!.sbBridge)}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
