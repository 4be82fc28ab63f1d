/**
 * Transcript catch-up against the emulators over real HTTP: webhooks lost on the way (the Sendbird
 * emulator's `dropRate` fault) or never sent, then the channel's history read from the Platform API
 * and mirrored through the webhook dedupe: exactly the missing messages, once; an edit made during
 * the gap; pages of 200; a second catch-up that finds nothing; and the bridge's own schedule after a
 * webhook outage with the bridge up.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '@sbsf/testkit';
import pino from 'pino';
import { SqliteStore } from '../src/store/index.js';
import { CATCHUP_PAGE, isLateWebhook, TranscriptCatchup } from '../src/transcript/catchup.js';
import { interpretHistoryMessage } from '../src/transcript/history-message.js';
import type { SendbirdMessage } from '@sbsf/sendbird';
import { sbClient } from './membership-helpers.js';
import { messageRecords, transcriptIdle } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

const CASE = { Subject: 'Catch-up', Description: 'Messages sent while webhooks were lost', SuppliedName: 'Gus', SuppliedEmail: 'gus@example.com' };

/** A ticket through the bridge: a Case, its channel (registered for catch-up) and the customer in it. */
async function openTicket(w: World) {
  const customer = `gap-${randomUUID().slice(0, 8)}`;
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(customer, { name: 'Gus' })}`, 'idempotency-key': randomUUID() },
    body: { case: CASE },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { caseId: res.body.case.id as string, customer };
}

/** A catch-up of its own (as another process would run), on the bridge's store, reading the emulator. */
function catchupOf(w: World, opts: { recheck?: number } = {}) {
  return new TranscriptCatchup({
    store: w.bridge.store,
    sendbird: sbClient(w),
    logger: pino({ level: 'silent' }),
    flush: { kind: 'transcript.flush', delayMs: 50, batchSize: 200 },
    wakeAt: () => undefined,
    intervalMs: 3_600_000,
    recheck: opts.recheck ?? 20,
    readsPerSecond: 100,
    leaseMs: 30_000,
    workerId: `test-${randomUUID()}`,
  });
}

/** Makes every open channel due now and runs one catch-up pass. */
async function catchUpNow(w: World, c: TranscriptCatchup) {
  await w.bridge.store.registerTicketChannels(0, Date.now());
  await w.bridge.store.dueTranscriptCatchup(Date.now(), 'schedule');
  return c.runDue();
}

const ids = (w: World, caseId: string) => messageRecords(w, caseId).map((r) => String(r.Sendbird_Message_Id__c)).sort();
const listMessageIds = (w: World, caseId: string) =>
  (w.sb.store.channels.get(caseId)?.messages ?? []).filter((m) => m.type !== 'ADMM' && m.custom_type !== 'sbsf_bridge').map((m) => String(m.message_id)).sort();

test('webhooks lost: catch-up mirrors exactly the missing messages, once, and an edit made meanwhile; a second catch-up writes nothing', async (t) => {
  // The bridge's own schedule is an hour away: this test runs catch-up itself.
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 0 } });
  const { caseId, customer } = await openTicket(w);
  const sb = sbClient(w);
  const first = await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'Hello' });
  await waitFor('the first message by webhook', () => messageRecords(w, caseId).length === 1);

  // Every try of every webhook lost on the way: Sendbird gives up after 3.
  w.sb.webhooks.configure({ url: `${w.url}/sendbird/webhooks`, timeoutMs: 2_000, retryDelayMs: 0, dropRate: 1 });
  const lost = [];
  for (let i = 1; i <= 4; i++) lost.push(await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: `lost ${i}` }));
  await sb.updateMessage(caseId, first.message_id, { message: 'Hello (edited while webhooks were lost)' });
  await sb.sendMessage(caseId, { message_type: 'ADMM', message: 'An admin message is never mirrored' });
  await w.sb.webhooks.idle();
  const failed = w.sb.webhooks.deliveries().filter((d) => d.status === 'failed');
  assert.ok(failed.length >= 5 && failed.every((d) => d.attempts.length === 3), 'each lost webhook was tried 3 times and given up');
  w.sb.webhooks.configure({ url: `${w.url}/sendbird/webhooks`, timeoutMs: 2_000, retryDelayMs: 0 });
  assert.equal(messageRecords(w, caseId).length, 1, 'nothing of the gap reached Salesforce by webhook');

  const c = catchupOf(w);
  const [run] = await catchUpNow(w, c);
  assert.equal(run?.caseId, caseId, 'the ticket channel was caught up');
  assert.deepEqual([run?.added, run?.edited, run?.deleted, run?.calls, run?.error], [4, 1, 0, 1, undefined], 'four new messages and one edit, in one call');
  await waitFor('every message on the Case', () => messageRecords(w, caseId).length === 5);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.deepEqual(ids(w, caseId), listMessageIds(w, caseId), 'the Case holds exactly the channel messages, each once');
  const hello = messageRecords(w, caseId).find((r) => r.Sendbird_Message_Id__c === String(first.message_id));
  assert.equal(hello?.Body__c, 'Hello (edited while webhooks were lost)', 'the edit made during the gap is mirrored');
  assert.ok(hello?.Edited_At__c, 'the record says when it was edited');

  const ledger = (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup');
  assert.equal(ledger.length, 1, 'one ledger entry for the catch-up that found something');
  // Due as `new`: the first webhook registered the channel before the ticket scan did.
  assert.deepEqual([ledger[0]?.system, ledger[0]?.outcome, ledger[0]?.detail.added, ledger[0]?.detail.edited, ledger[0]?.detail.reason], ['sendbird', 'ok', 4, 1, run?.reason]);
  const channel = await w.bridge.store.getTranscriptChannel(caseId);
  assert.equal(channel?.checkedId, String(w.sb.store.channels.get(caseId)?.messages.at(-1)?.message_id), 'the mark is the newest message read');

  const writesBefore = w.sf.stats().total;
  const [again] = await catchUpNow(w, c);
  assert.deepEqual([again?.added, again?.edited, again?.deleted, again?.calls], [0, 0, 0, 1], 'a second catch-up finds nothing');
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(w.sf.stats().total, writesBefore, 'and writes nothing to Salesforce');
  assert.equal((await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup').length, 1, 'and adds no ledger entry');
  assert.equal(messageRecords(w, caseId).length, 5);
});

test('catch-up reads a long gap in pages of 200, in order, and mirrors every message once', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' });
  const { caseId, customer } = await openTicket(w);
  const sb = sbClient(w);
  // No webhook configured at all: none of these is ever delivered.
  const total = 2 * CATCHUP_PAGE + 37;
  for (let i = 0; i < total; i++) await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: `m${i}` });

  const [run] = await catchUpNow(w, catchupOf(w));
  assert.deepEqual([run?.added, run?.calls, run?.read], [total, 3, total], 'three pages: 200, 200 and 37');
  await waitFor('every message on the Case', () => messageRecords(w, caseId).length === total, { timeoutMs: 20_000 });
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.deepEqual(ids(w, caseId), listMessageIds(w, caseId), 'exactly the channel messages, each once');
  const [again] = await catchUpNow(w, catchupOf(w));
  assert.deepEqual([again?.added, again?.calls], [0, 1], 'the next catch-up starts at the newest message: one call, nothing new');
});

test('a webhook outage with the bridge up: the bridge catches up on its schedule, nothing lost or duplicated', async (t) => {
  // Minutes of outage scaled down: the schedule is 300 ms here (5 minutes by default).
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '300', TRANSCRIPT_CATCHUP_READS_PER_SECOND: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 0 } });
  const a = await openTicket(w);
  const b = await openTicket(w);
  const sb = sbClient(w);
  await sb.sendMessage(a.caseId, { message_type: 'MESG', user_id: a.customer, message: 'before' });
  w.sb.webhooks.configure({ url: `${w.url}/sendbird/webhooks`, timeoutMs: 2_000, retryDelayMs: 0, dropRate: 1 });
  for (let i = 0; i < 10; i++) {
    await sb.sendMessage(a.caseId, { message_type: 'MESG', user_id: a.customer, message: `a${i}` });
    await sb.sendMessage(b.caseId, { message_type: 'MESG', user_id: b.customer, message: `b${i}` });
  }
  await w.sb.webhooks.idle();
  w.sb.webhooks.configure({ url: `${w.url}/sendbird/webhooks`, timeoutMs: 2_000, retryDelayMs: 0 });
  await sb.sendMessage(b.caseId, { message_type: 'MESG', user_id: b.customer, message: 'after' });

  await waitFor('both Cases to hold every message', () => messageRecords(w, a.caseId).length === 11 && messageRecords(w, b.caseId).length === 11, { timeoutMs: 20_000 });
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  for (const { caseId } of [a, b]) {
    assert.deepEqual(ids(w, caseId), listMessageIds(w, caseId), `${caseId}: exactly the channel messages, each once`);
    const entries = (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup');
    assert.ok(entries.length >= 1, `${caseId}: the catch-up that found the lost messages is in the ledger`);
  }
  const metrics = await (await fetch(`${w.url}/metrics`)).text();
  assert.match(metrics, /bridge_transcript_catchup_messages_total\{kind="added"\} 20/, 'the metrics count the 20 messages catch-up brought');
});

test('history messages follow the webhook rules; a late webhook is one sent long before it arrived', () => {
  const base = { message_id: 7, type: 'MESG', message: 'hi', custom_type: '', created_at: 1_000, updated_at: 0, is_removed: false, user: { user_id: 'cust', nickname: 'Cu' } };
  const m = (over: Record<string, unknown>) => ({ ...base, ...over }) as unknown as SendbirdMessage;
  const sent = interpretHistoryMessage(m({}), '500000000000001AAA', '500000000000001AAA');
  assert.equal(sent.kind === 'message' && sent.event.version, 0, 'as sent: version 0, like message_send');
  const edited = interpretHistoryMessage(m({ updated_at: 5_000 }), 'c', 'c');
  assert.deepEqual(edited.kind === 'message' && [edited.event.version, edited.event.message?.editedAt, edited.edited], [5_000, 5_000, true], 'an edit: version updated_at, like message_update');
  const removed = interpretHistoryMessage(m({ is_removed: true }), 'c', 'c');
  assert.deepEqual(removed.kind === 'message' && [removed.event.deleted, removed.event.message], [true, null], 'is_removed: a deletion');
  assert.deepEqual(interpretHistoryMessage(m({ type: 'ADMM', user: undefined }), 'c', 'c'), { kind: 'skipped', reason: 'admin_message' });
  assert.deepEqual(interpretHistoryMessage(m({ custom_type: 'sbsf_bridge' }), 'c', 'c'), { kind: 'skipped', reason: 'bridge_message' });
  const event = { messageId: '1', caseId: 'c', channelUrl: 'c', version: 0, deleted: false, message: { type: 'MESG' as const, body: '', senderId: 'u', senderName: 'u', senderRole: 'Customer' as const, sentAt: 1_000, editedAt: null, file: null } };
  assert.equal(isLateWebhook(event, 1_000 + 15_001, 15_000), true, 'sent more than the gap before it arrived');
  assert.equal(isLateWebhook(event, 1_000 + 14_000, 15_000), false, 'on time');
});

test('Sendbird calls per open channel per hour at the default settings: 12 (computed: 60 min / 5 min), measured over a simulated hour', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' });
  const channels = [await openTicket(w), await openTicket(w), await openTicket(w)];
  const sb = sbClient(w);
  // A store of its own on a simulated clock, with the bridge's defaults (5 min interval).
  const clock = { now: Date.now() };
  const store = new SqliteStore({ file: join(tempDir(t, 'catchup-hour-'), 'bridge.sqlite'), clock: () => clock.now });
  t.after(() => store.close());
  for (const c of channels) await store.recordTranscriptEvent({ messageId: `seed-${c.caseId}`, caseId: c.caseId, channelUrl: c.caseId, version: 0, deleted: false, message: null }, { kind: 'transcript.flush', delayMs: 2_000, batchSize: 200 });
  const intervalMs = w.config.transcript.catchupIntervalMs;
  assert.equal(intervalMs, 3_600_000, 'this world runs its own schedule an hour apart');
  const catchup = new TranscriptCatchup({
    store,
    sendbird: sb,
    logger: pino({ level: 'silent' }),
    flush: { kind: 'transcript.flush', delayMs: 2_000, batchSize: 200 },
    wakeAt: () => undefined,
    intervalMs: 300_000,
    recheck: 20,
    readsPerSecond: 2,
    leaseMs: 300_000,
    workerId: 'hour',
    clock: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms;
    },
  });
  await catchup.runDue();
  const before = w.sb.stats.get().total;
  // One hour, ticking every 15 s (the loop's tick at the default interval), a message now and then.
  let calls = 0;
  for (let elapsed = 0; elapsed < 3_600_000; elapsed += 15_000) {
    clock.now += 15_000;
    if (elapsed % 600_000 === 0) await sb.sendMessage(channels[0]!.caseId, { message_type: 'MESG', user_id: channels[0]!.customer, message: `tick ${elapsed}` });
    for (const r of await catchup.runDue()) calls += r.calls;
  }
  const perChannel = calls / channels.length;
  t.diagnostic(`catch-up at the defaults: ${calls} list-messages calls for ${channels.length} open channels in one hour = ${perChannel} per channel per hour`);
  assert.equal(perChannel, 3_600_000 / 300_000, 'one call per channel per interval while under 200 new messages');
  assert.ok(w.sb.stats.get().total - before >= calls, 'the emulator saw every call');
});
