import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir, waitFor } from '@sbsf/testkit';
import { baseEnv, SECRETS } from './fixtures.js';
import { runMain as run } from './spawn-bridge.js';
import { startEmulators, worldEnv } from './world.js';

test('main: a bad configuration exits 1 listing every problem, without echoing secrets', async () => {
  const p = run({ BRIDGE_SHARED_SECRET: 'too-short-secret', PORT: 'x' });
  assert.equal(await p.exited, 1);
  assert.match(p.err(), /\[bridge\] invalid configuration/);
  assert.match(p.err(), /SENDBIRD_API_TOKEN is required/);
  assert.match(p.err(), /PORT must be a whole number/);
  assert.ok(!p.err().includes('too-short-secret'));
});

test('main: starts with a real (non-sandbox) configuration, serves, and stops cleanly on SIGTERM', async (t) => {
  const p = run(baseEnv({ PORT: '0', DATA_DIR: tempDir(t), LOG_LEVEL: 'info' }));
  t.after(() => p.child.kill('SIGKILL'));
  const url = await p.listening;
  const res = await fetch(`${url}/readyz`);
  assert.equal(res.status, 200);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
  const logs = p.out();
  assert.match(logs, /"msg":"shutting down"/);
  assert.match(logs, /"msg":"the bridge stopped"/);
  for (const s of Object.values(SECRETS)) assert.ok(!logs.includes(s), 'the start-up log shows the config without secrets');
  assert.match(logs, /"sharedSecret":"\[REDACTED\]"/);
});

test('main: the start-up checks log a refused Sendbird token with its fix, and the bridge serves anyway', async (t) => {
  const { sf, sb } = await startEmulators(t);
  const wrong = 'revoked-token-0f1e2d3c4b5a69788796a5b4';
  const p = run(worldEnv(sf, sb, tempDir(t), { PORT: '0', LOG_LEVEL: 'info', SENDBIRD_API_TOKEN: wrong }));
  t.after(() => p.child.kill('SIGKILL'));
  const url = await p.listening;
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  const line = await waitFor('the start-up check of the Sendbird token', () =>
    p
      .out()
      .split('\n')
      .find((l) => l.includes('"check":"sendbird.token"')),
  );
  const entry = JSON.parse(line) as { level: number; msg: string; fix: string };
  assert.equal(entry.level, 50);
  assert.match(entry.msg, /^doctor: Sendbird API token: Sendbird refused the token \(400401/);
  assert.match(entry.fix, /master API token/);
  assert.ok(!p.out().includes('"check":"salesforce.login"'), 'the checks that pass log nothing');
  assert.ok(!p.out().includes(wrong));
});
