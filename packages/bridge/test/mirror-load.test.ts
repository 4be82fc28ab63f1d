/**
 * Batching at volume: 10,000 messages across 100 support channels (each tenth delivered twice, as
 * Sendbird's retries do) become exactly 10,000 Sendbird_Message__c records, with at most 60
 * Salesforce API calls in all (50 sObject Collections calls of 200 records, plus a few). The
 * webhooks are POSTed straight to the bridge, signed as Sendbird signs them, 16 at a time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { sfClient } from './membership-helpers.js';
import { messageRecords, messageWebhook, postWebhook, sfCalls, transcriptIdle } from './transcript-helpers.js';
import { startWorld } from './world.js';

const MESSAGES = 10_000;
const CHANNELS = 100;
const CONCURRENCY = 16;

test('10,000 messages across 100 channels: exactly 10,000 records, at most 60 Salesforce calls', async (t) => {
  // The longest waits, shortest included (no write of a partial batch, even with nothing in
  // flight): every write is a batch that filled up (10,000 is 50 times 200), however slowly the
  // machine takes the webhooks in, so the count of calls does not depend on the machine's speed.
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '600000', TRANSCRIPT_MIN_BATCH_WAIT_MS: '600000' });
  const created = await sfClient(w).collections.create(
    Array.from({ length: CHANNELS }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `Chat ${i}` })),
  );
  const caseIds = created.map((r) => r.id!);
  w.sf.resetStats();

  const bodies = Array.from({ length: MESSAGES }, (_, i) =>
    JSON.stringify(messageWebhook({ caseId: caseIds[i % CHANNELS]!, messageId: 50_000_000 + i, text: `message ${i} of the load test` })),
  );
  // Each tenth message is delivered twice (a retry that crossed the first answer).
  const deliveries = [...bodies, ...bodies.filter((_, i) => i % 10 === 0)];
  const outcomes = { stored: 0, duplicate: 0 };
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < deliveries.length) {
        const raw = deliveries[next++]!;
        const res = await postWebhook(w.url, raw, { signature: signWebhook(raw, w.sb.apiToken) });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        outcomes[res.body.outcome as 'stored' | 'duplicate'] += 1;
      }
    }),
  );
  assert.deepEqual(outcomes, { stored: MESSAGES, duplicate: MESSAGES / 10 });

  await waitFor('10,000 records', () => messageRecords(w).length === MESSAGES, { timeoutMs: 120_000, intervalMs: 200 });
  await waitFor('the transcript to be idle', () => transcriptIdle(w), { timeoutMs: 30_000 });
  const records = messageRecords(w);
  assert.equal(records.length, MESSAGES, 'exactly one record per message');
  assert.equal(new Set(records.map((r) => r.Sendbird_Message_Id__c)).size, MESSAGES);
  const perCase = new Map<unknown, number>();
  for (const r of records) perCase.set(r.Case__c, (perCase.get(r.Case__c) ?? 0) + 1);
  assert.deepEqual([...new Set(perCase.values())], [MESSAGES / CHANNELS], 'every channel has its 100 messages on its Case');

  const calls = sfCalls(w);
  const upserts = calls.byRoute['PATCH /composite/sobjects/{type}/{field}'] ?? 0;
  assert.ok(calls.total <= 60, `at most 60 Salesforce calls (made ${calls.total}: ${JSON.stringify(calls.byRoute)})`);
  assert.ok(upserts >= MESSAGES / 200, `no more than 200 records per call (${upserts} calls)`);
  assert.deepEqual(await w.bridge.store.countTranscriptMessages(), { pending: 0, synced: MESSAGES, dead: 0 });
});
