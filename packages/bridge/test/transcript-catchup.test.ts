/**
 * Transcript catch-up against the emulators over real HTTP: webhooks lost on the way (the Sendbird
 * emulator's `dropRate` fault) or never sent, then the channel's history read from the Platform API
 * and mirrored through the webhook dedupe: exactly the missing messages, once; an edit made during
 * the gap; deletions made during the gap (messages gone from the history); pages of 200; a second
 * catch-up that finds nothing; and the bridge's own schedule after a webhook outage with the bridge up.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '@sbsf/testkit';
import pino from 'pino';
import { openSqliteStore } from '../src/open-store.js';
import { CATCHUP_PAGE, isLateWebhook, listedStretch, TranscriptCatchup } from '../src/transcript/catchup.js';
import { interpretHistoryMessage } from '../src/transcript/history-message.js';
import type { ListMessagesParams, SendbirdClient, SendbirdMessage } from '@sbsf/sendbird';
import { sbClient } from './membership-helpers.js';
import { messageRecords, transcriptIdle } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

const CASE = {
  Subject: 'Catch-up',
  Description: 'Messages sent while webhooks were lost',
  SuppliedName: 'Gus',
  SuppliedEmail: 'gus@example.com',
};

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
function catchupOf(w: World, opts: { recheck?: number; sendbird?: Pick<SendbirdClient, 'listMessages'> } = {}) {
  return new TranscriptCatchup({
    store: w.bridge.store,
    sendbird: opts.sendbird ?? sbClient(w),
    logger: pino({ level: 'silent' }),
    flush: { kind: 'transcript.flush', delayMs: 50, batchSize: 200 },
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

const ids = (w: World, caseId: string) =>
  messageRecords(w, caseId)
    .map((r) => String(r.Sendbird_Message_Id__c))
    .sort();
const listMessageIds = (w: World, caseId: string) =>
  (w.sb.store.channels.get(caseId)?.messages ?? [])
    .filter((m) => m.type !== 'ADMM' && m.custom_type !== 'sbsf_bridge')
    .map((m) => String(m.message_id))
    .sort();

test('webhooks lost: catch-up mirrors exactly the missing messages, once, and an edit made meanwhile; a second catch-up writes nothing', async (t) => {
  // The bridge's own schedule is an hour away: this test runs catch-up itself.
  const w = await startWorld(
    t,
    { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 0 } },
  );
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
  assert.deepEqual(
    [run?.added, run?.edited, run?.deleted, run?.calls, run?.error],
    [4, 1, 0, 1, undefined],
    'four new messages and one edit, in one call',
  );
  await waitFor('every message on the Case', () => messageRecords(w, caseId).length === 5);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.deepEqual(ids(w, caseId), listMessageIds(w, caseId), 'the Case holds exactly the channel messages, each once');
  const hello = messageRecords(w, caseId).find((r) => r.Sendbird_Message_Id__c === String(first.message_id));
  assert.equal(hello?.Body__c, 'Hello (edited while webhooks were lost)', 'the edit made during the gap is mirrored');
  assert.ok(hello?.Edited_At__c, 'the record says when it was edited');

  const ledger = (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup');
  assert.equal(ledger.length, 1, 'one ledger entry for the catch-up that found something');
  // Due as `new`: the first webhook registered the channel before the ticket scan did.
  assert.deepEqual(
    [ledger[0]?.system, ledger[0]?.outcome, ledger[0]?.detail.added, ledger[0]?.detail.edited, ledger[0]?.detail.reason],
    ['sendbird', 'ok', 4, 1, run?.reason],
  );
  const channel = await w.bridge.store.getTranscriptChannel(caseId);
  assert.equal(
    channel?.checkedId,
    String(w.sb.store.channels.get(caseId)?.messages.at(-1)?.message_id),
    'the mark is the newest message read',
  );

  const writesBefore = w.sf.stats().total;
  const [again] = await catchUpNow(w, c);
  assert.deepEqual([again?.added, again?.edited, again?.deleted, again?.calls], [0, 0, 0, 1], 'a second catch-up finds nothing');
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(w.sf.stats().total, writesBefore, 'and writes nothing to Salesforce');
  assert.equal(
    (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup').length,
    1,
    'and adds no ledger entry',
  );
  assert.equal(messageRecords(w, caseId).length, 5);
});

test('deletions made while webhooks were lost: one catch-up records the two within the re-read window by their absence from the history, once; an older one and a message the transcript never held are left alone', async (t) => {
  const w = await startWorld(
    t,
    { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 0 } },
  );
  const { caseId, customer } = await openTicket(w);
  const sb = sbClient(w);
  const send = (text: string) => sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: text });
  const webhooksLost = async (lost: boolean) => {
    await w.sb.webhooks.idle();
    w.sb.webhooks.configure({ url: `${w.url}/sendbird/webhooks`, timeoutMs: 2_000, retryDelayMs: 0, dropRate: lost ? 1 : 0 });
  };
  // Every read this catch-up makes, as it asked for it (over the real client).
  const asked: ListMessagesParams[] = [];
  const c = catchupOf(w, {
    recheck: 3,
    sendbird: {
      listMessages: (url, params) => {
        asked.push(params);
        return sb.listMessages(url, params);
      },
    },
  });

  const m: SendbirdMessage[] = [await send('m0')];
  await waitFor('m0 by webhook', () => messageRecords(w, caseId).length === 1);
  // The channel's first catch-up (due since its first webhook): from here on only this test reads it.
  await catchUpNow(w, c);
  m.push(await send('m1'), await send('m2'));
  await webhooksLost(true);
  const ghost = await send('sent and deleted while webhooks were lost');
  await sb.deleteMessage(caseId, ghost.message_id);
  await webhooksLost(false);
  for (let i = 3; i <= 7; i++) m.push(await send(`m${i}`));
  await waitFor('m0 to m7 by webhook', () => messageRecords(w, caseId).length === 8);
  const [marked] = await catchUpNow(w, c);
  assert.deepEqual(
    [marked?.added, marked?.deleted, marked?.checked?.messageId],
    [0, 0, String(m[7]?.message_id)],
    'webhooks brought everything; the mark is m7',
  );

  const record = (msg: SendbirdMessage | undefined) =>
    messageRecords(w, caseId).find((r) => r.Sendbird_Message_Id__c === String(msg?.message_id));
  const deletedOnCase = () => m.map((msg) => record(msg)?.Is_Deleted_In_Chat__c);
  const catchupEntries = async () => (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup');

  // Webhooks lost; the customer deletes m5 and m6 (within the 3 messages re-read before the mark) and m0 (before them).
  await webhooksLost(true);
  for (const i of [0, 5, 6]) await sb.deleteMessage(caseId, m[i]!.message_id);
  await w.sb.webhooks.idle();
  assert.ok(
    w.sb.webhooks.deliveries().filter((d) => d.category === 'group_channel:message_delete' && d.status === 'failed').length >= 3,
    'the delete webhooks were lost',
  );
  assert.ok(
    deletedOnCase().every((d) => d === false),
    'no deletion reached the Case by webhook',
  );

  const [run] = await catchUpNow(w, c);
  assert.deepEqual(
    [run?.added, run?.edited, run?.deleted, run?.calls, run?.error],
    [0, 0, 2, 1, undefined],
    'both deletions, found in one call',
  );
  await waitFor(
    'both deletions on the Case',
    () => record(m[5])?.Is_Deleted_In_Chat__c === true && record(m[6])?.Is_Deleted_In_Chat__c === true,
  );
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.deepEqual(
    deletedOnCase(),
    [false, false, false, false, false, true, true, false],
    'm5 and m6 marked deleted; m0, older than the re-read window, is left as it was (a documented limit)',
  );
  assert.equal(record(ghost), undefined, 'a message the transcript never held gets no record');
  assert.equal(await w.bridge.store.getTranscriptMessage(String(ghost.message_id)), null, 'nor a transcript row');
  const entries = await catchupEntries();
  assert.deepEqual(
    entries.map((e) => [e.outcome, e.detail.deleted, e.detail.added]),
    [['ok', 2, 0]],
    'one ledger entry, with the two deletions',
  );

  const writesBefore = w.sf.stats().total;
  const [again] = await catchUpNow(w, c);
  assert.deepEqual([again?.added, again?.edited, again?.deleted, again?.error], [0, 0, 0, undefined], 'a second catch-up records nothing');
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(w.sf.stats().total, writesBefore, 'and writes nothing to Salesforce');
  assert.equal((await catchupEntries()).length, 1, 'and adds no ledger entry');

  // The marked message itself deleted too (with m4): the history around it still lists what is left.
  for (const i of [4, 7]) await sb.deleteMessage(caseId, m[i]!.message_id);
  await w.sb.webhooks.idle();
  const [gone] = await catchUpNow(w, c);
  assert.deepEqual([gone?.added, gone?.deleted, gone?.error], [0, 2, undefined], 'm4 and the marked m7');
  await waitFor(
    'm4 and m7 deleted on the Case',
    () => record(m[4])?.Is_Deleted_In_Chat__c === true && record(m[7])?.Is_Deleted_In_Chat__c === true,
  );
  assert.deepEqual(deletedOnCase(), [false, false, false, false, true, true, true, true], 'm0 still left as it was');
  const [last] = await catchUpNow(w, c);
  assert.equal(last?.deleted, 0, 'found once');

  assert.ok(asked.length >= 5, 'every catch-up read the history');
  assert.deepEqual(
    [...new Set(asked.map((p) => p.include_reply_type))],
    ['ALL'],
    'every read lists thread replies too (Sendbird leaves them out by default)',
  );
});

test('the stretch a first page lists completely: from the channel start or the millisecond after its oldest message, to the mark', () => {
  const msg = (id: number, at: number) => ({ message_id: id, created_at: at }) as SendbirdMessage;
  const page = [msg(11, 110), msg(12, 120), msg(13, 130), msg(14, 140), msg(15, 150)];
  const around = { markId: '14', markAt: 140, anchor: 'message_id' as const };
  assert.deepEqual(
    listedStretch({ ...around, page, recheck: 3 }),
    { from: 111, to: 140 },
    "recheck messages before the mark: older ones of the oldest one's millisecond may be left out",
  );
  assert.deepEqual(
    listedStretch({ ...around, page, recheck: 4 }),
    { from: 111, to: 140 },
    'the listed mark may take one of the prev_limit places',
  );
  assert.deepEqual(
    listedStretch({ ...around, page, recheck: 5 }),
    { from: 0, to: 140 },
    'fewer than recheck listed up to the mark: the channel has no more',
  );
  assert.equal(listedStretch({ ...around, page, recheck: 0 }), null, 'nothing re-read, no stretch');
  const withoutMark = page.filter((m) => m.message_id !== 14);
  assert.deepEqual(
    listedStretch({ ...around, page: withoutMark, recheck: 3 }),
    { from: 111, to: 140 },
    'the mark gone from the page: what is before it counted by id',
  );
  assert.deepEqual(listedStretch({ ...around, page: withoutMark, recheck: 4 }), { from: 0, to: 140 });
  const fromTime = { markId: '14', markAt: 140, anchor: 'message_ts' as const };
  assert.deepEqual(
    listedStretch({ ...fromTime, page: withoutMark, recheck: 3 }),
    { from: 111, to: 140 },
    "read from the mark's time: what was sent before it",
  );
  assert.deepEqual(
    listedStretch({ ...fromTime, page: [msg(15, 150)], recheck: 3 }),
    { from: 0, to: 140 },
    'nothing before the mark at all',
  );
  const crowded = [msg(13, 130), msg(14, 140), ...Array.from({ length: CATCHUP_PAGE }, (_, i) => msg(100 + i, 140))];
  assert.deepEqual(
    listedStretch({ ...around, page: crowded, recheck: 1 }),
    { from: 131, to: 139 },
    "a full next side within the mark's millisecond: that millisecond may hold more",
  );
});

test('catch-up reads a long gap in pages of 200, in order, and mirrors every message once', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' });
  const { caseId, customer } = await openTicket(w);
  const sb = sbClient(w);
  // No webhook configured at all: none of these is ever delivered.
  const total = 2 * CATCHUP_PAGE + 37;
  for (let i = 0; i < total; i++) await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: `m${i}` });

  const [run] = await catchUpNow(w, catchupOf(w));
  // Read: the messages and the ticket's form before them (skipped: the Case holds it).
  assert.deepEqual([run?.added, run?.calls, run?.read], [total, 3, total + 1], 'three pages: 200, 200 and 38');
  await waitFor('every message on the Case', () => messageRecords(w, caseId).length === total, { timeoutMs: 20_000 });
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.deepEqual(ids(w, caseId), listMessageIds(w, caseId), 'exactly the channel messages, each once');
  const [again] = await catchUpNow(w, catchupOf(w));
  assert.deepEqual(
    [again?.added, again?.deleted, again?.calls],
    [0, 0, 1],
    'the next catch-up starts at the newest message: one call, nothing new, nothing taken for deleted',
  );
});

test('a webhook outage with the bridge up: the bridge catches up on its schedule, nothing lost or duplicated', async (t) => {
  // Minutes of outage scaled down: the schedule is 300 ms here (5 minutes by default).
  const w = await startWorld(
    t,
    { TRANSCRIPT_FLUSH_MS: '50', TRANSCRIPT_CATCHUP_INTERVAL_MS: '300', TRANSCRIPT_CATCHUP_READS_PER_SECOND: '50' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 0 } },
  );
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

  await waitFor(
    'both Cases to hold every message',
    () => messageRecords(w, a.caseId).length === 11 && messageRecords(w, b.caseId).length === 11,
    { timeoutMs: 20_000 },
  );
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  for (const { caseId } of [a, b]) {
    assert.deepEqual(ids(w, caseId), listMessageIds(w, caseId), `${caseId}: exactly the channel messages, each once`);
    const entries = (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.action === 'transcript.catchup');
    assert.ok(entries.length >= 1, `${caseId}: the catch-up that found the lost messages is in the ledger`);
  }
  const metrics = await (await fetch(`${w.url}/metrics`)).text();
  assert.match(
    metrics,
    /bridge_transcript_catchup_messages_total\{kind="added"\} 20/,
    'the metrics count the 20 messages catch-up brought',
  );
});

test('history messages follow the webhook rules; a late webhook is one sent long before it arrived', () => {
  const base = {
    message_id: 7,
    type: 'MESG',
    message: 'hi',
    custom_type: '',
    created_at: 1_000,
    updated_at: 0,
    is_removed: false,
    user: { user_id: 'cust', nickname: 'Cu' },
  };
  const m = (over: Record<string, unknown>) => ({ ...base, ...over }) as unknown as SendbirdMessage;
  const sent = interpretHistoryMessage(m({}), '500000000000001AAA', '500000000000001AAA');
  assert.equal(sent.kind === 'message' && sent.event.version, 0, 'as sent: version 0, like message_send');
  const edited = interpretHistoryMessage(m({ updated_at: 5_000 }), 'c', 'c');
  assert.deepEqual(
    edited.kind === 'message' && [edited.event.version, edited.event.message?.editedAt, edited.edited],
    [5_000, 5_000, true],
    'an edit: version updated_at, like message_update',
  );
  const removed = interpretHistoryMessage(m({ is_removed: true }), 'c', 'c');
  assert.deepEqual(removed.kind === 'message' && [removed.event.deleted, removed.event.message], [true, null], 'is_removed: a deletion');
  assert.deepEqual(interpretHistoryMessage(m({ type: 'ADMM', user: undefined }), 'c', 'c'), { kind: 'skipped', reason: 'admin_message' });
  assert.deepEqual(interpretHistoryMessage(m({ custom_type: 'sbsf_bridge' }), 'c', 'c'), { kind: 'skipped', reason: 'bridge_message' });
  const closed = interpretHistoryMessage(
    m({ type: 'ADMM', user: undefined, custom_type: 'sbsf_bridge', data: '{"sbsf":"case.closed"}' }),
    'c',
    'c',
  );
  assert.deepEqual(
    closed.kind === 'message' && [closed.event.message?.type, closed.event.message?.senderRole, closed.event.message?.senderName],
    ['ADMM', 'System', 'System'],
    "the bridge's notice read from history is a system entry, as from a webhook",
  );
  const form = m({ type: 'ADMM', user: undefined, custom_type: 'sbsf_bridge', data: '{"sbsf":"ticket.form","subject":"S"}' });
  assert.deepEqual(interpretHistoryMessage(form, 'c', 'c'), { kind: 'skipped', reason: 'admin_message' }, 'the form is the Case itself');
  const event = {
    messageId: '1',
    caseId: 'c',
    channelUrl: 'c',
    version: 0,
    deleted: false,
    message: {
      type: 'MESG' as const,
      body: '',
      senderId: 'u',
      senderName: 'u',
      senderRole: 'Customer' as const,
      sentAt: 1_000,
      editedAt: null,
      file: null,
    },
  };
  assert.equal(isLateWebhook(event, 1_000 + 15_001, 15_000), true, 'sent more than the gap before it arrived');
  assert.equal(isLateWebhook(event, 1_000 + 14_000, 15_000), false, 'on time');
});

test('Sendbird calls per open channel per hour at the default settings: 12 (computed: 60 min / 5 min), measured over a simulated hour', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_CATCHUP_INTERVAL_MS: '3600000' });
  const channels = [await openTicket(w), await openTicket(w), await openTicket(w)];
  const sb = sbClient(w);
  // A store of its own on a simulated clock, with the bridge's defaults (5 min interval).
  const clock = { now: Date.now() };
  const store = openSqliteStore({ file: join(tempDir(t, 'catchup-hour-'), 'bridge.sqlite'), clock: () => clock.now });
  t.after(() => store.close());
  for (const c of channels)
    await store.recordTranscriptEvent(
      { messageId: `seed-${c.caseId}`, caseId: c.caseId, channelUrl: c.caseId, version: 0, deleted: false, message: null },
      { kind: 'transcript.flush', delayMs: 2_000, batchSize: 200 },
    );
  const intervalMs = w.config.transcript.catchupIntervalMs;
  assert.equal(intervalMs, 3_600_000, 'this world runs its own schedule an hour apart');
  const catchup = new TranscriptCatchup({
    store,
    sendbird: sb,
    logger: pino({ level: 'silent' }),
    flush: { kind: 'transcript.flush', delayMs: 2_000, batchSize: 200 },
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
    if (elapsed % 600_000 === 0)
      await sb.sendMessage(channels[0]!.caseId, { message_type: 'MESG', user_id: channels[0]!.customer, message: `tick ${elapsed}` });
    for (const r of await catchup.runDue()) calls += r.calls;
  }
  const perChannel = calls / channels.length;
  t.diagnostic(
    `catch-up at the defaults: ${calls} list-messages calls for ${channels.length} open channels in one hour = ${perChannel} per channel per hour`,
  );
  assert.equal(perChannel, 3_600_000 / 300_000, 'one call per channel per interval while under 200 new messages');
  assert.ok(w.sb.stats.get().total - before >= calls, 'the emulator saw every call');
});
