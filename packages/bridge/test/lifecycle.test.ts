/**
 * The Case's lifecycle reaches the chat, end to end: a Status change saved in the Salesforce
 * emulator fires the emulated Case trigger (`case.status_changed` to /salesforce/events), and the
 * bridge freezes the channel of a closed Case and unfreezes it on reopening, or, with
 * CASE_CLOSED_ACTION=message, posts an admin message instead; either way the channel data's status
 * follows the Case. Ledgered and idempotent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SendbirdError } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { parseSupportChannelData, type SalesforceEvent } from '@sbsf/wire';
import { ledgerLines, makeCase, membershipIdle, postEvents, sbClient, sfClient } from './membership-helpers.js';
import { messageRecords } from './transcript-helpers.js';
import type { LedgerEntry } from '../src/store/types.js';
import { startWorld, type World } from './world.js';

const frozen = (w: World, caseId: string) => w.sb.store.channels.get(caseId)?.freeze;
/** The status the channel data says (the agent panel's list shows it). */
const dataStatus = (w: World, caseId: string) => {
  const d = parseSupportChannelData(w.sb.store.channels.get(caseId)?.data);
  return [d.status, d.closed];
};
/** The lifecycle's own ledger entries (the survey's are csat.test.ts's to check). */
const lifecycleOnly = (e: LedgerEntry) => e.detail.source === 'case.status_changed';
const setStatus = (w: World, caseId: string, Status: string) => sfClient(w).update('Case', caseId, { Status });
const statusChanged = (caseId: string, status: string, isClosed: boolean): SalesforceEvent => ({
  type: 'case.status_changed',
  caseId,
  previousStatus: isClosed ? 'Working' : 'Closed',
  status,
  isClosed,
  occurredAt: new Date().toISOString(),
});

test('a closed Case freezes its chat (the customer cannot send), reopening unfreezes it', async (t) => {
  const w = await startWorld(t);
  const { caseId, customer } = await makeCase(w, w.sf.seed.agents.ava);
  const sb = sbClient(w);

  await setStatus(w, caseId, 'Closed');
  await waitFor('the channel to be frozen', () => frozen(w, caseId) === true);
  await waitFor('the channel data to say Closed', () => dataStatus(w, caseId)[0] === 'Closed');
  assert.deepEqual(dataStatus(w, caseId), ['Closed', true]);
  await assert.rejects(
    sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'hello?' }),
    (err: unknown) => err instanceof SendbirdError && err.code === 900050,
  );
  const delivery = w.sf.org.bridgeDeliveries().at(-1);
  assert.deepEqual(
    delivery?.events.map((e) => e.type === 'case.status_changed' && [e.caseId, e.previousStatus, e.status, e.isClosed]),
    [[caseId, 'New', 'Closed', true]],
    'the org sent the status change',
  );

  await setStatus(w, caseId, 'Working');
  await waitFor('the channel to be unfrozen', () => frozen(w, caseId) === false);
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'thanks for reopening' });

  await waitFor('every job to finish', () => membershipIdle(w));
  assert.deepEqual(dataStatus(w, caseId), ['Working', false]);
  assert.deepEqual(
    await ledgerLines(w, caseId, lifecycleOnly),
    [`channel.freeze ${caseId} ok`, `channel.status ${caseId} ok`, `channel.unfreeze ${caseId} ok`, `channel.status ${caseId} ok`],
    'ledgered; a status change reconciles no membership',
  );
});

test('duplicated and out-of-order events converge on what Salesforce says; missing Cases and channels are ledgered', async (t) => {
  const w = await startWorld(t);
  const { caseId } = await makeCase(w, w.sf.seed.agents.ava);
  const { caseId: noChannel } = await makeCase(w, w.sf.seed.agents.ava, { withChannel: false });
  // Closed in Salesforce without the trigger's event (say it was lost)...
  w.sf.org.setBridge(null);
  await setStatus(w, caseId, 'Closed');
  await w.sf.org.idle();
  w.sf.org.setBridge({ url: w.url, secret: w.config.sharedSecret });
  // ...then a stale "reopened" arrives twice, with the "closed" one and events for other Cases.
  const missing = '500EM0000000999YAA';
  const { id: noChat } = await sfClient(w).create('Case', { Subject: 'By phone', Status: 'Closed' });
  w.sb.stats.reset();
  const res = await postEvents(w, {
    events: [
      statusChanged(caseId, 'Working', false),
      statusChanged(caseId, 'Working', false),
      statusChanged(caseId, 'Closed', true),
      statusChanged(noChannel, 'Closed', true),
      statusChanged(missing, 'Closed', true),
      statusChanged(noChat, 'Closed', true),
    ],
  });
  assert.deepEqual([res.status, res.body], [202, { accepted: 6 }]);
  await waitFor('the job to finish', () => membershipIdle(w));
  assert.equal(frozen(w, caseId), true, 'the Case is closed in Salesforce, so its chat is frozen');
  assert.deepEqual(dataStatus(w, caseId), ['Closed', true], 'and its channel data says so');
  assert.deepEqual(
    await ledgerLines(w, caseId, lifecycleOnly),
    [`channel.freeze ${caseId} ok`, `channel.status ${caseId} ok`],
    'one job, one freeze and one status write per Case',
  );
  assert.deepEqual(await ledgerLines(w, noChannel), [`channel.missing ${noChannel} error`]);
  assert.deepEqual(await ledgerLines(w, missing), [`case.missing ${missing} error`]);
  assert.deepEqual(await ledgerLines(w, noChat), [`case.not_chat ${noChat} ok`], 'a Case without a chat: skipped');
  assert.deepEqual(
    Object.keys(w.sb.stats.get().byRoute).sort(),
    [
      'GET /v3/group_channels/:channel_url',
      'POST /v3/group_channels/:channel_url/messages',
      'PUT /v3/group_channels/:channel_url',
      'PUT /v3/group_channels/:channel_url/freeze',
    ],
    'only the two chat Cases were asked of Sendbird',
  );
  assert.equal(
    w.sb.stats.get().total,
    5,
    'two freezes, one read and one write of the channel that exists, and the survey of its closed Case (once)',
  );
  assert.equal((await w.bridge.store.listSalesforceEvents({ caseId })).length, 3, 'every event is kept');
});

test('CASE_CLOSED_ACTION=message: an admin message on closing and on reopening, once each, on the Case as system entries', async (t) => {
  const w = await startWorld(
    t,
    // No survey here: this test counts the lifecycle's own admin messages (csat.test.ts has both).
    { CASE_CLOSED_ACTION: 'message', CASE_CLOSED_MESSAGE: 'Case closed, bye!', TRANSCRIPT_FLUSH_MS: '100', CSAT: 'off' },
    { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } },
  );
  const { caseId, customer } = await makeCase(w, w.sf.seed.agents.ava);
  const sb = sbClient(w);
  const adminMessages = () => [...(w.sb.store.channels.get(caseId)?.messages.values() ?? [])].filter((m) => m.type === 'ADMM');

  await setStatus(w, caseId, 'Closed');
  await waitFor('the closing message', () => adminMessages().length === 1);
  const [closing] = adminMessages();
  assert.deepEqual([closing?.message, closing?.custom_type], ['Case closed, bye!', 'sbsf_bridge']);
  assert.equal(frozen(w, caseId), false, 'the channel stays open');
  // The same event again (a retried callout): nothing more is said.
  await postEvents(w, { events: [statusChanged(caseId, 'Closed', true)] });
  await setStatus(w, caseId, 'Working');
  await waitFor('the reopening message', () => adminMessages().length === 2);
  assert.match(adminMessages()[1]?.message ?? '', /reopened/);
  await sb.sendMessage(caseId, { message_type: 'MESG', user_id: customer, message: 'one more question' });
  await waitFor('the customer message on the Case', () => messageRecords(w, caseId).some((r) => r.Body__c === 'one more question'));
  await waitFor('every job to finish', () => membershipIdle(w));
  await w.sb.webhooks.idle();
  assert.equal(adminMessages().length, 2, 'one message per transition');
  assert.deepEqual(
    messageRecords(w, caseId)
      .sort((a, b) => String(a.Sent_At__c).localeCompare(String(b.Sent_At__c)))
      .map((r) => `${r.Sender_Role__c}: ${r.Body__c}`),
    [
      'System: Case closed, bye!',
      'System: This case has been reopened: an agent will continue the conversation here.',
      'Customer: one more question',
    ],
    "the bridge's messages are system entries of the transcript, never the customer's or an agent's",
  );
  assert.deepEqual(await ledgerLines(w, caseId), [
    `channel.close_message ${caseId} ok`,
    `channel.status ${caseId} ok`,
    // The repeated "Closed" event: the data already says so, nothing is written.
    `channel.status ${caseId} exists`,
    `channel.reopen_message ${caseId} ok`,
    `channel.status ${caseId} ok`,
  ]);
  assert.deepEqual(dataStatus(w, caseId), ['Working', false]);
});
