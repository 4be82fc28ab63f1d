/**
 * The flush under trouble, over real HTTP: Salesforce answering 503 and then REQUEST_LIMIT_EXCEEDED
 * in the middle of a run (everything is written later, nothing twice), a record Salesforce refuses
 * for good (the Case was deleted: dead-lettered and in the ledger, the rest of the batch written),
 * and the API budget running low (mirroring slows down, tickets go on).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { signWebhook } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { sfClient } from './membership-helpers.js';
import { messageRecords, messageWebhook, postWebhook, sfCalls, transcriptIdle } from './transcript-helpers.js';
import { startWorld, type World } from './world.js';

async function cases(w: World, n: number): Promise<string[]> {
  const res = await sfClient(w).collections.create(
    Array.from({ length: n }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `Chat ${i}` })),
  );
  return res.map((r) => r.id!);
}

/** Posts `count` signed message webhooks, spread over the Cases, `concurrency` at a time. */
async function feed(w: World, caseIds: string[], from: number, count: number, concurrency = 8): Promise<void> {
  let next = from;
  const end = from + count;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const i = next++;
        const raw = JSON.stringify(
          messageWebhook({ caseId: caseIds[i % caseIds.length]!, messageId: 7_000_000 + i, text: `message ${i}` }),
        );
        const res = await postWebhook(w.url, raw, { signature: signWebhook(raw, w.sb.apiToken) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
      }
    }),
  );
}

async function pendingErrors(w: World): Promise<string[]> {
  return (await w.bridge.store.listTranscriptMessages({ state: 'pending' })).map((m) => m.lastError ?? '');
}

test('Salesforce 503 and then REQUEST_LIMIT_EXCEEDED during a run: every message is written later, none twice', async (t) => {
  // No budget reserve: this test is about failed calls (the low-budget slow-down has its own test).
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '100', SALESFORCE_BUDGET_RESERVE: '0' });
  const ids = await cases(w, 5);
  await feed(w, ids, 0, 200);
  await waitFor('the first 200 records', () => messageRecords(w).length === 200);

  // Salesforce is too busy (503, also after the client's own retries)...
  w.sf.faults.set({ rules: [{ action: 'error', method: 'PATCH', path: '/composite/sobjects/' }] });
  await feed(w, ids, 200, 150);
  await waitFor('a 503 to be seen', async () => (await pendingErrors(w)).some((e) => e.includes('503 SERVER_UNAVAILABLE')));
  // ...then it is back, but the org's daily API allowance is spent.
  const { dailyLimit } = w.sf.limits();
  w.sf.setLimits({ used: dailyLimit });
  w.sf.faults.reset();
  await waitFor(
    'REQUEST_LIMIT_EXCEEDED to be seen',
    async () => (await pendingErrors(w)).some((e) => e.includes('REQUEST_LIMIT_EXCEEDED')),
    { timeoutMs: 20_000 },
  );
  await feed(w, ids, 350, 150);
  assert.equal(messageRecords(w).length, 200, 'nothing written during the outage');
  assert.equal((await w.bridge.store.countTranscriptMessages()).dead, 0, 'an outage never dead-letters a message');

  // The allowance comes back (the 24-hour window moves on).
  w.sf.setLimits({ used: 0 });
  await waitFor('all 500 records', () => messageRecords(w).length === 500, { timeoutMs: 30_000 });
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  const records = messageRecords(w);
  assert.equal(records.length, 500, 'exactly one record per message');
  assert.equal(new Set(records.map((r) => r.Sendbird_Message_Id__c)).size, 500, 'no message twice');
  for (const id of ids) assert.equal(records.filter((r) => r.Case__c === id).length, 100, `the Case ${id} has its 100 messages`);
  assert.deepEqual(await w.bridge.store.countTranscriptMessages(), { pending: 0, synced: 500, dead: 0 });
});

test('a message of a deleted Case is dead-lettered with a ledger entry; the rest of its batch is written', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '100' });
  const [live, gone] = await cases(w, 2);
  await sfClient(w).delete('Case', gone!);
  const post = (caseId: string, messageId: number) => {
    const raw = JSON.stringify(messageWebhook({ caseId, messageId }));
    return postWebhook(w.url, raw, { signature: signWebhook(raw, w.sb.apiToken) });
  };
  for (const [caseId, id] of [
    [live!, 1],
    [gone!, 2],
    [live!, 3],
  ] as const) {
    assert.equal((await post(caseId, id)).status, 200);
  }
  await waitFor('the dead message', async () => (await w.bridge.store.countTranscriptMessages()).dead === 1);
  await waitFor('the transcript to be idle', () => transcriptIdle(w));
  assert.deepEqual(
    messageRecords(w)
      .map((r) => r.Sendbird_Message_Id__c)
      .sort(),
    ['1', '3'],
  );
  const dead = await w.bridge.store.getTranscriptMessage('2');
  assert.match(dead?.lastError ?? '', /^INVALID_CROSS_REFERENCE_KEY/);
  const ledger = await w.bridge.store.ledgerForCase(gone!);
  assert.deepEqual(
    ledger.map((e) => [e.system, e.action, e.target, e.outcome, e.detail.code]),
    [['salesforce', 'transcript.write', '2', 'error', 'INVALID_CROSS_REFERENCE_KEY']],
  );
  const upserts = sfCalls(w).byRoute['PATCH /composite/sobjects/{type}/{field}'] ?? 0;
  // A later message of that Case is refused too, without retrying the first one forever.
  assert.equal((await post(gone!, 4)).status, 200);
  await waitFor('the second dead message', async () => (await w.bridge.store.countTranscriptMessages()).dead === 2);
  assert.equal(
    (sfCalls(w).byRoute['PATCH /composite/sobjects/{type}/{field}'] ?? 0) - upserts,
    1,
    'one more call, for the new message only',
  );
});

test('a low API budget slows mirroring down (only full batches) while tickets go on', async (t) => {
  // A slow interval far away, so while the budget is low only a full batch of 200 is written.
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '100', TRANSCRIPT_SLOW_FLUSH_MS: '600000', SALESFORCE_BUDGET_RESERVE: '0.1' });
  const ids = await cases(w, 2);
  // 95% of the daily allowance is used; the bridge learns it from the next answer's Sforce-Limit-Info.
  const limitRes = await fetch(`${w.sf.url}/__admin/limits`, {
    method: 'PUT',
    body: JSON.stringify({ dailyLimit: 100_000, used: 95_000 }),
  });
  assert.equal(limitRes.status, 200);
  await feed(w, ids, 0, 1);
  await waitFor('the first message, written while the budget is still unknown', () => messageRecords(w).length === 1);
  const metrics = async () => (await fetch(`${w.url}/metrics`)).text();
  assert.match(await metrics(), /bridge_salesforce_api_remaining_ratio 0\.04\d*/);
  assert.match(await metrics(), /bridge_salesforce_api_usage_limit 100000/);

  await feed(w, ids, 1, 5);
  await waitFor('a flush that saw the low budget', async () => /bridge_transcript_budget_low 1/.test(await metrics()));
  // While the budget is low only a full batch may be written, so nothing more can appear here.
  assert.equal(messageRecords(w).length, 1, 'a partial batch waits while the budget is low');
  assert.equal((await w.bridge.store.countTranscriptMessages()).pending, 5);

  // Tickets keep priority: they are not slowed down.
  const ticket = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken('budget-cust', { name: 'Bo' })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Help', Description: 'Low budget', SuppliedName: 'Bo', SuppliedEmail: 'bo@example.com' } },
  });
  assert.equal(ticket.status, 201, JSON.stringify(ticket.body));

  // A full batch is worth its call: 200 messages in one.
  await feed(w, ids, 6, 200);
  await waitFor('one full batch', () => messageRecords(w).length === 201);
  await waitFor(
    'the newest 5 to wait for the next full batch or the budget',
    async () => (await w.bridge.store.countTranscriptMessages()).pending === 5,
  );

  // The budget recovers; the next call that sees it (here a webhook's flush) writes the rest.
  w.sf.setLimits({ used: 0 });
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken('budget-cust', { name: 'Bo' })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Help again', Description: 'Budget back', SuppliedName: 'Bo', SuppliedEmail: 'bo@example.com' } },
  });
  assert.equal(res.status, 201);
  await feed(w, ids, 206, 1);
  await waitFor('every message', () => messageRecords(w).length === 207);
  assert.match(await metrics(), /bridge_transcript_budget_low 0/);
});
