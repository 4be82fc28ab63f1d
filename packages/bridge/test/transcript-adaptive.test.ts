/**
 * Adaptive batching over real HTTP (flush-plan.ts): with TRANSCRIPT_FLUSH_MS at 10 minutes, a
 * message to an idle Case is written at once all the same; messages arriving while a write is in
 * flight (held by the emulator until the test lets it go) are written together when it returns;
 * and while the API budget is low, partial batches wait again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { signWebhook } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { sfClient } from './membership-helpers.js';
import { messageRecords, messageWebhook, postWebhook, sfCalls, transcriptIdle } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

/** Far longer than any test: a message written before it is over was not held for the interval. */
const LONG = { TRANSCRIPT_FLUSH_MS: '600000', TRANSCRIPT_SLOW_FLUSH_MS: '600000' };
const UPSERT = 'PATCH /composite/sobjects/{type}/{field}';

async function cases(w: World, n: number): Promise<string[]> {
  const res = await sfClient(w).collections.create(
    Array.from({ length: n }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `Chat ${i}` })),
  );
  return res.map((r) => r.id!);
}

async function post(w: World, caseId: string, messageId: number): Promise<void> {
  const raw = JSON.stringify(messageWebhook({ caseId, messageId, text: `message ${messageId}` }));
  const res = await postWebhook(w.url, raw, { signature: signWebhook(raw, w.sb.apiToken) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.outcome, 'stored');
}

const upserts = (w: World) => sfCalls(w).byRoute[UPSERT] ?? 0;

test("an idle Case's message is written at once, not after TRANSCRIPT_FLUSH_MS; so is the next one", async (t) => {
  const w = await startWorld(t, { ...LONG, SALESFORCE_BUDGET_RESERVE: '0' });
  const [caseId] = await cases(w, 1);
  w.sf.resetStats();

  await post(w, caseId!, 1);
  await waitFor('the record', () => messageRecords(w, caseId).length === 1);
  assert.equal(upserts(w), 1, 'one call, for that message alone');

  await post(w, caseId!, 2);
  await waitFor('the second record', () => messageRecords(w, caseId).length === 2);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(upserts(w), 2, 'nothing was being written: the second message went alone too');
  assert.deepEqual(await w.bridge.store.countTranscriptMessages(), { pending: 0, synced: 2, dead: 0 });
});

test('messages arriving while a write is in flight go together when it returns; beside it, only a full batch is written', async (t) => {
  const w = await startWorld(t, { ...LONG, SALESFORCE_BUDGET_RESERVE: '0' });
  const ids = await cases(w, 4);
  w.sf.resetStats();
  // The first write is held in flight until released; later calls go through.
  w.sf.faults.set({ rules: [{ action: 'hold', method: 'PATCH', path: '/composite/sobjects/', times: 1 }] });

  await post(w, ids[0]!, 1);
  await waitFor('the first write to be in flight', () => w.sf.faults.heldCount === 1);
  // 399 more during that write: 200 of them are a full batch, worth a second write beside it.
  for (let i = 2; i <= 400; i++) await post(w, ids[i % ids.length]!, i);
  await waitFor('the full batch', () => messageRecords(w).length === 200);
  assert.equal((await w.bridge.store.countTranscriptMessages()).pending, 200, 'the held message and 199 waiting for it');

  assert.equal(w.sf.faults.release(), 1);
  await waitFor('every record', () => messageRecords(w).length === 400);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(upserts(w), 3, 'one message, then a full batch beside it, then the 199 that came meanwhile');
  assert.equal(new Set(messageRecords(w).map((r) => r.Sendbird_Message_Id__c)).size, 400, 'each message once');
  assert.deepEqual(await w.bridge.store.countTranscriptMessages(), { pending: 0, synced: 400, dead: 0 });
});

test('a low API budget brings batching back: partial batches wait; once it recovers a message is written at once again', async (t) => {
  const w = await startWorld(t, { ...LONG, SALESFORCE_BUDGET_RESERVE: '0.1' });
  const [caseId] = await cases(w, 1);
  // 95% of the daily allowance is used; the bridge learns it from the next answer's Sforce-Limit-Info.
  w.sf.setLimits({ used: 0.95 * w.sf.limits().dailyLimit });
  w.sf.resetStats();
  await post(w, caseId!, 1);
  await waitFor('the first message, written while the budget was not known yet', () => messageRecords(w).length === 1);
  const metrics = async () => (await fetch(`${w.url}/metrics`)).text();
  // The flush plans again after its write, and sees the low budget there.
  await waitFor('a flush that saw the low budget', async () => /bridge_transcript_budget_low 1/.test(await metrics()));

  for (let i = 2; i <= 6; i++) await post(w, caseId!, i);
  const pending = await w.bridge.store.listTranscriptMessages({ state: 'pending' });
  assert.equal(pending.length, 5);
  const first = Math.min(...pending.map((m) => m.pendingSince));
  assert.equal(
    await w.bridge.store.nextJobDueAt(['transcript.flush']),
    first + 600_000,
    'nothing is being written, yet the flush is due only after the slow interval',
  );
  assert.equal(upserts(w), 1);

  // The budget recovers; the next call of any feature that sees it (a ticket's here) tells the mirror.
  w.sf.setLimits({ used: 0 });
  const ticket = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken('budget-cust', { name: 'Bo' })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Help', Description: 'Budget back', SuppliedName: 'Bo', SuppliedEmail: 'bo@example.com' } },
  });
  assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
  await post(w, caseId!, 7);
  await waitFor('every message', () => messageRecords(w).length === 7);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.equal(upserts(w), 2, 'the six pending went in one call, at once');
  assert.match(await metrics(), /bridge_transcript_budget_low 0/);
});
