/**
 * The transcript under load: both emulators in this process, the bridge as its own process with
 * its durable SQLite store and the default settings (adaptive batching: TRANSCRIPT_FLUSH_MS 2000,
 * TRANSCRIPT_MIN_BATCH_WAIT_MS 0, TRANSCRIPT_WRITES_IN_FLIGHT 2). Each of BENCH_RUNS runs starts
 * a fresh bridge and fresh emulators, makes 100 Cases and POSTs signed `group_channel:message_send`
 * webhooks straight to `/sendbird/webhooks` over keep-alive connections, as Sendbird would:
 *
 *  1. ingest: BENCH_MESSAGES webhooks as fast as the bridge answers (BENCH_CONCURRENCY at a time);
 *     each answer means the message is stored durably (target >= 2,000 messages/s);
 *  2. quiet: BENCH_QUIET_RATE (50) messages/s for BENCH_QUIET_SECONDS: the delay from a webhook's
 *     answer to its record existing in Salesforce, p50 and p99 (target p99 <= 1 s);
 *  3. busy: BENCH_BUSY_RATE (2,000) messages/s, paced, for BENCH_BUSY_SECONDS: Salesforce calls per
 *     1,000 messages (target <= 6), and the delay too.
 *
 * In phases 2 and 3 every Salesforce write call answers BENCH_SF_LATENCY_MS (150) late, as a real
 * org's sObject Collections call of up to 200 records takes time: the emulator answers in a
 * millisecond or two, and under adaptive batching the call time decides how many messages gather
 * during a write. Min / median / max over the runs.
 *
 *   npm run bench -- transcript   (BENCH_RUNS, BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_QUIET_RATE,
 *                                  BENCH_QUIET_SECONDS, BENCH_BUSY_RATE, BENCH_BUSY_SECONDS, BENCH_SF_LATENCY_MS)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startSalesforceEmulator, startSendbirdEmulator } from '../packages/emulators/src/index.js';
import { signWebhook } from '../packages/sendbird/src/index.js';
import { bridgeEnv, startBridgeProcess } from './lib/bridge-process.js';
import { fmt, freePort, percentile, processCpuMs } from './lib/stats.js';
import { emulatorClient } from './lib/emulator-client.js';

const num = (name: string, def: number) => Number(process.env[name] ?? def);
const RUNS = num('BENCH_RUNS', 3);
const MESSAGES = num('BENCH_MESSAGES', 20_000);
const CONCURRENCY = num('BENCH_CONCURRENCY', 32);
const QUIET_RATE = num('BENCH_QUIET_RATE', 50);
const QUIET_SECONDS = num('BENCH_QUIET_SECONDS', 20);
const BUSY_RATE = num('BENCH_BUSY_RATE', 2_000);
const BUSY_SECONDS = num('BENCH_BUSY_SECONDS', 5);
const SF_LATENCY_MS = num('BENCH_SF_LATENCY_MS', 150);
const CHANNELS = 100;
/** How late the emulated Salesforce answers the bridge's writes during the ingest window (see below). */
const INGEST_SF_LATENCY_MS = 5_000;
const WRITES = '/composite/sobjects/';

/** A `group_channel:message_send` body as Sendbird sends it (docs' group channel events). */
function webhook(caseId: string, messageId: number, userId: string): string {
  return JSON.stringify({
    category: 'group_channel:message_send',
    type: 'MESG',
    custom_type: '',
    mention_type: 'users',
    mentioned_users: [],
    silent: false,
    sender_ip_addr: '127.0.0.1',
    sdk: 'JavaScript',
    app_id: 'emulator',
    sender: { user_id: userId, nickname: 'Bench Customer', profile_url: '', metadata: {} },
    channel: {
      name: 'Case',
      channel_url: caseId,
      custom_type: 'sf_case',
      is_distinct: false,
      is_public: false,
      is_super: false,
      is_ephemeral: false,
      is_discoverable: false,
      data: '',
    },
    payload: {
      message_id: messageId,
      custom_type: '',
      message: `Benchmark message ${messageId}: my parcel has not arrived yet, can you check?`,
      translations: {},
      created_at: Date.now(),
      data: '',
    },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Paced {
  /** The rate reached (the load generator may fall behind on a busy machine). */
  rate: number;
  messages: number;
  calls: number;
  callsPer1000: number;
  p50: number;
  p99: number;
  max: number;
}

interface Run {
  ingestPerSecond: number;
  bridgeCpuMsPerMessage: number;
  ingestCallsPer1000: number;
  quiet: Paced;
  busy: Paced;
}

async function oneRun(): Promise<Run> {
  const sf = await startSalesforceEmulator({ dailyApiLimit: 100_000_000 });
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-transcript-'));
  const port = await freePort();
  const bridge = await startBridgeProcess(bridgeEnv(sf, sb, { port, dataDir }));
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  try {
    const sfc = emulatorClient(sf);
    const created = await sfc.collections.create(
      Array.from({ length: CHANNELS }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `Bench chat ${i}` })),
    );
    const caseIds = created.map((r) => r.id!);
    const body = (id: number) => webhook(caseIds[id % CHANNELS]!, id, `bench-customer-${id % CHANNELS}`);
    const post = async (raw: string): Promise<void> => {
      const res = await request(`${bridge.url}/sendbird/webhooks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'SendBird', 'x-sendbird-signature': signWebhook(raw, sb.apiToken) },
        body: raw,
        dispatcher: agent,
      });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`the webhook answered ${res.statusCode}`);
    };
    const records = () => sf.records('Sendbird_Message__c');
    const waitForRecords = async (n: number) => {
      while (records().length < n) await sleep(100);
    };

    // Warm-up: one message (logs the bridge in to Salesforce, warms the JIT), then a clean slate.
    await post(body(1));
    await waitForRecords(1);
    let written = 1;
    sf.resetStats();

    // 1: ingest as fast as the bridge answers. The emulated Salesforce runs in this process and
    // would take its CPU time (checking each upserted record) from the same 2 cores as the bridge
    // and this load generator: during the ingest window it answers the bridge's writes late instead
    // (the bridge still claims and sends its batches); real Salesforce spends no CPU on this machine.
    const bodies = Array.from({ length: MESSAGES }, (_, i) => body(1_000_000 + i));
    sf.faults.set({ rules: [{ action: 'latency', path: WRITES, latencyMs: INGEST_SF_LATENCY_MS }] });
    const cpu0 = processCpuMs(bridge.child.pid!);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) await post(bodies[next++]!);
      }),
    );
    const ingestMs = performance.now() - t0;
    const cpuIngest = processCpuMs(bridge.child.pid!) - cpu0;
    sf.faults.reset();
    await waitForRecords((written += MESSAGES));
    const ingestCalls = sf.stats().total;

    // 2 and 3: a steady rate; the delay from each webhook's answer to its record's CreatedDate (ms).
    sf.faults.set({ rules: [{ action: 'latency', path: WRITES, latencyMs: SF_LATENCY_MS }] });
    const paced = async (rate: number, seconds: number, firstId: number): Promise<Paced> => {
      sf.resetStats();
      const answeredAt = new Map<string, number>();
      const total = Math.round(rate * seconds);
      const start = performance.now();
      const wallStart = Date.now();
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 0) await sleep(wait);
        const id = firstId + i;
        inFlight.push(post(body(id)).then(() => void answeredAt.set(String(id), wallStart + (performance.now() - start))));
      }
      const sentMs = performance.now() - start;
      await Promise.all(inFlight);
      await waitForRecords((written += total));
      const calls = sf.stats().total;
      const delays = records()
        .filter((r) => answeredAt.has(String(r.Sendbird_Message_Id__c)))
        .map((r) => Date.parse(String(r.CreatedDate).replace('+0000', 'Z')) - answeredAt.get(String(r.Sendbird_Message_Id__c))!)
        .sort((a, b) => a - b);
      return {
        rate: (total / sentMs) * 1000,
        messages: total,
        calls,
        callsPer1000: (calls / total) * 1000,
        p50: percentile(delays, 50),
        p99: percentile(delays, 99),
        max: delays.at(-1) ?? NaN,
      };
    };
    // Between phases: the flush the last one left queued (due TRANSCRIPT_FLUSH_MS later) runs first.
    await sleep(2_500);
    const quiet = await paced(QUIET_RATE, QUIET_SECONDS, 5_000_000);
    await sleep(2_500);
    const busy = await paced(BUSY_RATE, BUSY_SECONDS, 6_000_000);
    return {
      ingestPerSecond: (MESSAGES / ingestMs) * 1000,
      bridgeCpuMsPerMessage: cpuIngest / MESSAGES,
      ingestCallsPer1000: (ingestCalls / MESSAGES) * 1000,
      quiet,
      busy,
    };
  } finally {
    await agent.close();
    await bridge.stop();
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const runs: Run[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = await oneRun();
    runs.push(run);
    console.error(`run ${r + 1}/${RUNS}: ${JSON.stringify(run)}`);
  }
  const spread = (f: (r: Run) => number, digits = 0) => {
    const v = runs.map(f).sort((a, b) => a - b);
    return `${fmt(v[0]!, digits)} / ${fmt(percentile(v, 50), digits)} / ${fmt(v.at(-1)!, digits)}`;
  };
  console.log(JSON.stringify({ runs }, null, 2));
  console.log(
    [
      `transcript: ${CHANNELS} channels; ${MESSAGES} webhooks ${CONCURRENCY} at a time, then ${QUIET_RATE}/s for ${QUIET_SECONDS} s, ` +
        `then ${BUSY_RATE}/s for ${BUSY_SECONDS} s with Salesforce writes ${SF_LATENCY_MS} ms late; min / median / max over ${RUNS} runs`,
      `  ingest                       ${spread((r) => r.ingestPerSecond)} messages/s stored and answered (target >= 2000); ` +
        `bridge CPU ${spread((r) => r.bridgeCpuMsPerMessage, 3)} ms per message; ${spread((r) => r.ingestCallsPer1000, 2)} Salesforce calls per 1,000`,
      `  webhook -> record at ${QUIET_RATE}/s     p50 ${spread((r) => r.quiet.p50)} ms, p99 ${spread((r) => r.quiet.p99)} ms (target p99 <= 1000), ` +
        `max ${spread((r) => r.quiet.max)} ms; ${spread((r) => r.quiet.callsPer1000, 1)} calls per 1,000`,
      `  Salesforce calls at ${BUSY_RATE}/s  ${spread((r) => r.busy.callsPer1000, 2)} per 1,000 messages (target <= 6); ` +
        `rate reached ${spread((r) => r.busy.rate)}/s; webhook -> record p50 ${spread((r) => r.busy.p50)} ms, p99 ${spread((r) => r.busy.p99)} ms`,
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
