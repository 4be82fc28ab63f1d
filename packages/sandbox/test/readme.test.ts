/** Runs the README's copy-paste ticket command against a sandbox started by `npm start`. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireComponent, tempDir, waitFor } from '@sbsf/testkit';

const root = join(import.meta.dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

test("the README's ticket command works against `npm start`", async (t) => {
  if (!requireComponent(t, 'curl', 'apt-get install curl')) return;
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /<!-- readme-ticket-command -->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the README has the marked ticket command');
  const [bridge, sf, sb, customer] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dataDir = tempDir(t, 'readme-');
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATA_DIR: dataDir,
      PORT: String(bridge),
      SALESFORCE_EMULATOR_PORT: String(sf),
      SENDBIRD_EMULATOR_PORT: String(sb),
      CUSTOMER_APP_PORT: String(customer),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  t.after(() => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor('the sandbox banner', () => out.includes('sandbox is running'), { timeoutMs: 120_000, intervalMs: 100 });
  assert.match(out, new RegExp(`bridge\\s+http://127.0.0.1:${bridge}`));

  const command = block.replace(/127\.0\.0\.1:8080/g, `127.0.0.1:${bridge}`);
  const res = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const answer = JSON.parse(res.stdout) as {
    ticket: { state: string };
    case: { id: string; caseNumber: string };
    channel: { url: string };
  };
  assert.equal(answer.ticket.state, 'completed');
  assert.equal(answer.channel.url, answer.case.id);
  const state = (await (await fetch(`http://127.0.0.1:${sf}/__admin/state`)).json()) as {
    records: { Case: { Id: string; Subject: string }[] };
  };
  assert.equal(state.records.Case.find((c) => c.Id === answer.case.id)?.Subject, 'Printer on fire');
});
