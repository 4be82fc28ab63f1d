/**
 * The transcript under load: both emulators in this process, the bridge as its own process with
 * its durable SQLite store and the default settings (TRANSCRIPT_FLUSH_MS 2000). Three figures,
 * against the transcript's targets (docs/performance.md):
 *
 *  1. ingest throughput: signed `group_channel:message_send` webhooks POSTed to the bridge as fast
 *     as it answers (BENCH_CONCURRENCY at a time over keep-alive connections), across 100
 *     channels; each answer means the message is stored durably (target >= 2,000 messages/s);
 *  2. Salesforce calls per 1,000 messages, once all of them are records (target <= 6);
 *  3. the delay from a webhook's answer to its record existing in Salesforce, at a steady
 *     BENCH_RATE messages/s (a quiet rate, so the flush interval, not the batch size, decides:
 *     the worst case), p50 and p99 (target p99 <= 3 s).
 *
 *   npm run bench -- transcript        (BENCH_MESSAGES, BENCH_CONCURRENCY, BENCH_RATE, BENCH_RATE_SECONDS)
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

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 20);
const CHANNELS = 100;
/** How late the emulated Salesforce answers the bridge's writes during the ingest window (see below). */
const INGEST_SF_LATENCY_MS = 5_000;

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

async function main() {
  const sf = await startSalesforceEmulator({ dailyApiLimit: 10_000_000 });
  const sb = await startSendbirdEmulator({});
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-transcript-'));
  const port = await freePort();
  const bridge = await startBridgeProcess(bridgeEnv(sf, sb, { port, dataDir }));
  const agent = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 30_000 });
  const stop = async () => {
    await agent.close();
    await bridge.stop();
    await sb.close();
    await sf.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const sfc = emulatorClient(sf);
    const created = await sfc.collections.create(
      Array.from({ length: CHANNELS }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `Bench chat ${i}` })),
    );
    const caseIds = created.map((r) => r.id!);
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
      while (records().length < n) await new Promise((r) => setTimeout(r, 100));
    };

    // Warm-up: one message (logs the bridge in to Salesforce, warms the JIT), then a clean slate.
    await post(webhook(caseIds[0]!, 1, 'bench-customer-0'));
    await waitForRecords(1);
    sf.resetStats();

    // 1 + 2: ingest as fast as the bridge answers; then Salesforce calls once every record exists.
    // The emulated Salesforce runs in this process and would take its CPU time (checking 200
    // upserted records against every stored one) from the same 2 cores as the bridge and this
    // load generator: during the ingest window it answers the bridge's writes late instead (the
    // bridge still claims and sends its batches); real Salesforce spends no CPU on this machine.
    const bodies = Array.from({ length: MESSAGES }, (_, i) =>
      webhook(caseIds[i % CHANNELS]!, 1_000_000 + i, `bench-customer-${i % CHANNELS}`),
    );
    sf.faults.set({ rules: [{ action: 'latency', path: '/composite/sobjects/', latencyMs: INGEST_SF_LATENCY_MS }] });
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
    await waitForRecords(MESSAGES + 1);
    const writtenMs = performance.now() - t0;
    const sfStats = sf.stats();

    // 3: delay from the webhook's answer to the record, at a steady, quiet rate.
    const answeredAt = new Map<string, number>();
    const total = RATE * RATE_SECONDS;
    const start = performance.now();
    const wallStart = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = 5_000_000 + i;
      inFlight.push(
        post(webhook(caseIds[i % CHANNELS]!, id, `bench-customer-${i % CHANNELS}`)).then(
          () => void answeredAt.set(String(id), wallStart + (performance.now() - start)),
        ),
      );
    }
    await Promise.all(inFlight);
    await waitForRecords(MESSAGES + 1 + total);
    const delays = records()
      .filter((r) => answeredAt.has(String(r.Sendbird_Message_Id__c)))
      .map((r) => Date.parse(String(r.CreatedDate).replace('+0000', 'Z')) - answeredAt.get(String(r.Sendbird_Message_Id__c))!)
      .sort((a, b) => a - b);

    const result = {
      messages: MESSAGES,
      channels: CHANNELS,
      concurrency: CONCURRENCY,
      ingestPerSecond: (MESSAGES / ingestMs) * 1000,
      bridgeCpuMsPerMessage: cpuIngest / MESSAGES,
      allWrittenAfterMs: writtenMs,
      salesforceCalls: sfStats.total,
      salesforceCallsPer1000: (sfStats.total / MESSAGES) * 1000,
      salesforceRoutes: sfStats.byRoute,
      steadyRate: RATE,
      steadyMessages: delays.length,
      delayP50Ms: percentile(delays, 50),
      delayP99Ms: percentile(delays, 99),
      delayMaxMs: delays.at(-1) ?? NaN,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      [
        `transcript: ${MESSAGES} webhooks across ${CHANNELS} channels, ${CONCURRENCY} at a time; then ${delays.length} at ${RATE}/s`,
        `  ingest              ${fmt(result.ingestPerSecond, 0)} messages/s stored and answered (target >= 2000); bridge CPU ${fmt(result.bridgeCpuMsPerMessage, 3)} ms per message`,
        `  Salesforce calls    ${fmt(result.salesforceCallsPer1000, 2)} per 1,000 messages (${sfStats.total} in all; target <= 6); all written ${fmt(writtenMs / 1000, 1)} s after the first webhook`,
        `  webhook -> record   p50 ${fmt(result.delayP50Ms, 0)} ms, p99 ${fmt(result.delayP99Ms, 0)} ms, max ${fmt(result.delayMaxMs, 0)} ms at the default flush (target p99 <= 3000)`,
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
