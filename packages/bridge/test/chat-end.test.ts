/**
 * The customer ends the chat (`POST /tickets/{caseId}/end`), over real HTTP with both emulators:
 * CUSTOMER_END_ACTION=mark writes the time on the Case and tells the agent in the chat;
 * CUSTOMER_END_ACTION=close closes the Case, and the normal close path follows (freeze, survey).
 * Recorded once (a repeat answers the first), ledgered, refused with a code when it cannot be.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { parseNotice } from '@sbsf/wire';
import { membershipIdle } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

async function openTicket(w: World, sub: string): Promise<string> {
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(sub, { name: sub })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Login', Description: 'Cannot log in', SuppliedName: sub, SuppliedEmail: `${sub}@example.com` } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.case.id as string;
}

const end = (w: World, caseId: string, sub: string) =>
  w.call('POST', `/tickets/${caseId}/end`, { headers: { authorization: `Bearer ${w.customerToken(sub)}` }, body: {} });
const caseRecord = (w: World, caseId: string) => w.sf.records('Case').find((c) => c.Id === caseId)!;
const kinds = (w: World, caseId: string) =>
  (w.sb.store.channels.get(caseId)?.messages ?? [])
    .map((m) => parseNotice({ type: m.type, custom_type: m.custom_type, data: m.data })?.sbsf)
    .filter(Boolean);
const endLedger = async (w: World, caseId: string) =>
  (await w.bridge.store.ledgerForCase(caseId)).filter((e) => e.detail.source === 'chat.end').map((e) => `${e.action} ${e.outcome}`);

test('CUSTOMER_END_ACTION=mark (default): the time on the Case and a notice for the agent, once; the Case stays open', async (t) => {
  const w = await startWorld(t);
  const caseId = await openTicket(w, 'ann');
  const first = await end(w, caseId, 'ann');
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.deepEqual([first.body.end.caseId, first.body.end.action], [caseId, 'mark']);
  const again = await end(w, caseId, 'ann');
  assert.deepEqual([again.status, again.body], [200, first.body], 'a repeat answers the end recorded first');
  await waitFor('the time on the Case', () => caseRecord(w, caseId).Sendbird_Customer_Ended_At__c);
  await waitFor('every job to finish', () => membershipIdle(w));
  assert.equal(Date.parse(String(caseRecord(w, caseId).Sendbird_Customer_Ended_At__c)), first.body.end.requestedAt);
  assert.equal(caseRecord(w, caseId).Status, 'New', 'the agent closes it');
  assert.deepEqual(kinds(w, caseId), ['ticket.form', 'chat.ended'], 'one notice');
  assert.deepEqual(await endLedger(w, caseId), ['chat.ended_notice ok', 'case.customer_ended ok']);

  // The job again (a retry after a crash): the same value, no second notice.
  await w.bridge.store.enqueue('chat.end', { caseId }, { dedupeKey: `chat.end:${caseId}:again` });
  await waitFor('the repeated job', () => membershipIdle(w));
  assert.equal(Date.parse(String(caseRecord(w, caseId).Sendbird_Customer_Ended_At__c)), first.body.end.requestedAt);
  assert.deepEqual(kinds(w, caseId), ['ticket.form', 'chat.ended']);
  assert.deepEqual(await endLedger(w, caseId), [
    'chat.ended_notice ok',
    'case.customer_ended ok',
    'chat.ended_notice exists',
    'case.customer_ended ok',
  ]);
});

test('CUSTOMER_END_ACTION=close: the Case closes, then its chat freezes and the customer gets the survey', async (t) => {
  const w = await startWorld(t, { CUSTOMER_END_ACTION: 'close' });
  const caseId = await openTicket(w, 'bo');
  const res = await end(w, caseId, 'bo');
  assert.equal(res.status, 202, JSON.stringify(res.body));
  assert.equal(res.body.end.action, 'close');
  await waitFor('the Case closed', () => caseRecord(w, caseId).Status === 'Closed');
  await waitFor('the chat frozen', () => w.sb.store.channels.get(caseId)?.freeze === true);
  await waitFor('the survey', () => kinds(w, caseId).includes('csat.request'));
  await waitFor('every job to finish', () => membershipIdle(w));
  assert.deepEqual(kinds(w, caseId), ['ticket.form', 'chat.ended', 'csat.request'], 'the notice first, then the survey');
  assert.deepEqual(await endLedger(w, caseId), ['chat.ended_notice ok', 'case.close ok']);
});

test('refusals: another customer 404, no auth 401, a closed status the org does not have 503; a ticket without its chat 409', async (t) => {
  const w = await startWorld(t, { CUSTOMER_END_ACTION: 'close', CUSTOMER_END_CLOSED_STATUS: 'Done' });
  const caseId = await openTicket(w, 'cy');
  const status = async (p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    return `${r.status} ${r.body?.error?.code}`;
  };
  assert.equal(await status(end(w, caseId, 'someone-else')), '404 ticket_not_found');
  assert.equal(await status(w.call('POST', `/tickets/${caseId}/end`, { body: {} })), '401 auth_required');
  assert.equal(await status(end(w, caseId, 'cy')), '503 end_chat_unavailable', '"Done" is not one of the Status values');
  assert.equal(await w.bridge.store.getChatEnd(caseId), null, 'nothing recorded');
  // A ticket whose chat is not made yet.
  const store = w.bridge.store;
  const pending = await store.createTicket({ id: randomUUID(), clientKey: 'cy', customerUserId: 'cy', caseFields: {} });
  await store.updateTicket(pending.id, { state: 'case_ready', caseId: '500EM0000000888YAA' });
  assert.equal(await status(end(w, '500EM0000000888YAA', 'cy')), '409 ticket_not_ready');
});
