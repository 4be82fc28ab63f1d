import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

test('the emulators CLI starts both on free ports, prints where they are, and stops on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--salesforce-port', '0', '--sendbird-port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  const line = await waitFor('the JSON line', () => out.split('\n').find((l) => l.startsWith('{')));
  const info = JSON.parse(line) as { salesforce: { url: string; clientId: string; clientSecret: string }; sendbird: { url: string; apiToken: string } };
  const token = await fetch(`${info.salesforce.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: info.salesforce.clientId, client_secret: info.salesforce.clientSecret }),
  });
  assert.equal(token.status, 200, 'the printed Salesforce credentials log in');
  const users = await fetch(`${info.sendbird.url}/v3/users/nobody`, { headers: { 'Api-Token': info.sendbird.apiToken } });
  assert.equal(((await users.json()) as { code: number }).code, 400201, 'the printed Sendbird token is accepted (the user is simply missing)');
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});

test('the emulators CLI refuses a bad port with a clear message', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--sendbird-port', 'x'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 2);
  assert.match(err, /--sendbird-port must be a port number/);
});
