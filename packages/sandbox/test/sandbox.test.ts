import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { startSandbox } from '../src/sandbox.js';

const quiet = { build: false, logLevel: 'silent', log: () => undefined, ports: { bridge: 0, salesforce: 0, sendbird: 0, customer: 0 } } as const;

test('the sandbox wires emulators and bridge and writes sandbox.json; a restart keeps the credentials', async (t) => {
  const dataDir = tempDir(t, 'sandbox-');
  const first = await startSandbox({ ...quiet, dataDir });
  let saved: any;
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
      body: JSON.stringify({ customer: { userId: 'sb-guest', nickname: 'Guest' }, case: { Subject: 's', Description: 'd', SuppliedName: 'n', SuppliedEmail: 'e@example.com' } }),
    });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { case: { id: string } };
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
  } finally {
    await second.close();
  }
});
