/**
 * The sandbox serves the console simulator: its URL is printed and written to sandbox.json
 * (`urls.console`), and the emulated getAgentSession action answers a real session from the
 * sandbox's bridge, with the Sendbird emulator as `apiHost` (so the panel renders the sandbox pane).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '@sbsf/testkit';
import { startSandbox } from '../src/sandbox.js';

test('the console simulator runs in the sandbox, wired to its bridge and Sendbird emulator', async (t) => {
  const dataDir = tempDir(t, 'sandbox-console-');
  const sandbox = await startSandbox({
    build: false,
    dataDir,
    logLevel: 'silent',
    log: () => undefined,
    ports: { bridge: 0, salesforce: 0, sendbird: 0, customer: 0, pubsub: 0 },
  });
  t.after(() => sandbox.close());
  assert.equal(sandbox.urls.console, `${sandbox.urls.salesforce}/console`);
  const saved = JSON.parse(readFileSync(join(dataDir, 'sandbox.json'), 'utf8'));
  assert.equal(saved.urls.console, sandbox.urls.console);

  const page = await fetch(sandbox.urls.console);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Service Console/);

  const res = await fetch(`${sandbox.urls.salesforce}/__console/aura/getAgentSession`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const action = (await res.json()) as { state: string; returnValue: Record<string, unknown> };
  assert.equal(action.state, 'SUCCESS', JSON.stringify(action));
  assert.equal(action.returnValue.userId, sandbox.salesforce.seed.agents.ava);
  assert.equal(action.returnValue.appId, sandbox.credentials.sendbird.appId);
  assert.equal(action.returnValue.apiHost, sandbox.urls.sendbird);
  assert.equal(typeof action.returnValue.accessToken, 'string');
});
