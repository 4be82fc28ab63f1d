/**
 * The Salesforce emulator's trigger emulation of `case.status_changed`, as CaseTriggerHandler
 * publishes it for a chat Case: a Status change (closing, reopening) is one platform event,
 * published after `case.owner_changed` when the same save changes both, and reaches the bridge in
 * the subscriber's batch.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import { validateSalesforceEventBatch } from '@sbsf/wire/salesforce-events-validate';
import type { SalesforceEvent } from '@sbsf/wire';
import { api, startSf, tokenFor } from './salesforce-helpers.js';

const SECRET = 'bridge-secret-for-the-status-tests-0123456789';

/** A bridge that records every batch and answers 202. */
async function recordingBridge(t: TestContext) {
  const batches: unknown[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      batches.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, batches };
}

test('closing, reopening and an owner + status save of a chat Case: one POST per transaction here, schema-valid, isClosed from the new Status', async (t) => {
  const bridge = await recordingBridge(t);
  const sf = await startSf(t, { bridge: { url: bridge.url, secret: SECRET } });
  const token = await tokenFor(sf);
  const { ava, ben } = sf.seed.agents;
  const created = await api(sf, token, 'POST', '/sobjects/Case', {
    Subject: 'x',
    OwnerId: ava,
    Status: 'New',
    Sendbird_Ticket_Id__c: 'tk-status-1',
  });
  const id = (created.body as { id: string }).id;

  // The subscriber is let run after each save, so each transaction is a batch of its own.
  for (const change of [{ Status: 'Closed' }, { Status: 'Working' }, { Subject: 'no status change' }, { OwnerId: ben, Status: 'Closed' }]) {
    assert.equal((await api(sf, token, 'PATCH', `/sobjects/Case/${id}`, change)).status, 204);
    await sf.org.idle();
  }

  assert.equal(bridge.batches.length, 3, 'one POST per status-changing transaction; the Subject change sends nothing');
  for (const b of bridge.batches) assert.ok(validateSalesforceEventBatch(b).ok, JSON.stringify(b));
  const shapes = bridge.batches.map((b) =>
    (b as { events: SalesforceEvent[] }).events.map((e) =>
      e.type === 'case.status_changed' ? `${e.type} ${e.previousStatus}->${e.status} closed=${e.isClosed}` : `${e.type} ${e.caseId === id}`,
    ),
  );
  assert.deepEqual(shapes, [
    ['case.status_changed New->Closed closed=true'],
    ['case.status_changed Closed->Working closed=false'],
    ['case.owner_changed true', 'case.status_changed Working->Closed closed=true'],
  ]);
  const last = (bridge.batches[2] as { events: SalesforceEvent[] }).events[1];
  assert.equal(last?.caseId, id, 'caseId is the Case');
  assert.match(last?.occurredAt ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'Apex JSON.serialize(Datetime) form');
});
