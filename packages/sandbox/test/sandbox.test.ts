import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { startSandbox } from '../src/sandbox.js';

const quiet = {
  build: false,
  logLevel: 'silent',
  log: () => undefined,
  ports: { bridge: 0, salesforce: 0, sendbird: 0, customer: 0, pubsub: 0 },
} as const;

test('the sandbox wires emulators and bridge and writes sandbox.json; a restart keeps the credentials', async (t) => {
  const dataDir = tempDir(t, 'sandbox-');
  const first = await startSandbox({ ...quiet, dataDir });
  let saved: any;
  let caseId = '';
  try {
    saved = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
    assert.equal(saved.urls.bridge, first.urls.bridge);
    assert.equal(saved.urls.salesforce, first.urls.salesforce);
    assert.equal(saved.urls.sendbird, first.urls.sendbird);
    assert.deepEqual(saved.credentials, first.credentials);
    // The bridge really is wired to the emulators with those credentials.
    const res = await fetch(`${first.urls.bridge}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'sandbox-1' },
      body: JSON.stringify({
        customer: { userId: 'sb-guest', nickname: 'Guest' },
        case: { Subject: 's', Description: 'd', SuppliedName: 'n', SuppliedEmail: 'e@example.com' },
      }),
    });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { case: { id: string } };
    caseId = body.case.id;
    assert.ok(first.salesforce.records('Case').some((c) => c.Id === body.case.id));
    assert.ok(first.sendbird.store.channels.has(body.case.id));
    const ready = await fetch(`${first.urls.bridge}/readyz`);
    assert.equal(ready.status, 200);
  } finally {
    await first.close();
  }
  const second = await startSandbox({ ...quiet, dataDir });
  try {
    assert.deepEqual(second.credentials, saved.credentials, 'credentials survive a restart');
    assert.ok(
      second.salesforce.records('Case').some((c) => c.Id === caseId),
      'the Case survives a restart',
    );
    assert.ok(second.sendbird.store.channels.get(caseId)?.members.has('sb-guest'), 'the channel and its member survive');
    // New records continue the counters: no Id or CaseNumber is handed out twice.
    const res = await fetch(`${second.urls.bridge}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'sandbox-2' },
      body: JSON.stringify({
        customer: { userId: 'sb-guest', nickname: 'Guest' },
        case: { Subject: 's2', Description: 'd', SuppliedName: 'n', SuppliedEmail: 'e@example.com' },
      }),
    });
    assert.equal(res.status, 201);
    const next = (await res.json()) as { case: { id: string; caseNumber: string } };
    assert.notEqual(next.case.id, caseId);
    const numbers = second.salesforce.records('Case').map((c) => c.CaseNumber);
    assert.equal(new Set(numbers).size, numbers.length, 'CaseNumbers stay unique');
    const replay = await fetch(`${second.urls.bridge}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'sandbox-1' },
      body: JSON.stringify({
        customer: { userId: 'sb-guest', nickname: 'Guest' },
        case: { Subject: 's', Description: 'd', SuppliedName: 'n', SuppliedEmail: 'e@example.com' },
      }),
    });
    assert.equal(((await replay.json()) as { case: { id: string } }).case.id, caseId, 'the bridge database survived too');
  } finally {
    await second.close();
  }
});
