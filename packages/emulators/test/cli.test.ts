import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '@sbsf/testkit';
import { CASE_CHANGE_TOPIC, pubSubPackage } from '@sbsf/salesforce/pubsub';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  return { child, exited, out: () => out, err: () => err };
}

/** A port this test holds, so the CLI cannot bind it. */
async function takePort(t: { after: (fn: () => Promise<void>) => void }): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

test('the emulators CLI starts both on free ports, prints where they are, and stops on SIGTERM', async (t) => {
  const cli = run(['--salesforce-port', '0', '--sendbird-port', '0', '--json']);
  t.after(() => cli.child.kill('SIGKILL'));
  const line = await waitFor('the JSON line', () =>
    cli
      .out()
      .split('\n')
      .find((l) => l.startsWith('{')),
  );
  const info = JSON.parse(line) as {
    salesforce: { url: string; clientId: string; clientSecret: string };
    sendbird: { url: string; apiToken: string };
  };
  const token = await fetch(`${info.salesforce.url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.salesforce.clientId,
      client_secret: info.salesforce.clientSecret,
    }),
  });
  assert.equal(token.status, 200, 'the printed Salesforce credentials log in');
  const users = await fetch(`${info.sendbird.url}/v3/users/nobody`, { headers: { 'Api-Token': info.sendbird.apiToken } });
  assert.equal(
    ((await users.json()) as { code: number }).code,
    400201,
    'the printed Sendbird token is accepted (the user is simply missing)',
  );
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});

test('the emulators CLI checks every argument before it binds a port: a bad one is reported even when the first port is taken', async (t) => {
  const taken = await takePort(t);
  // Were the Salesforce port bound first, this would fail with "address in use" instead.
  const cli = run(['--salesforce-port', String(taken), '--sendbird-port', 'x']);
  assert.equal(await cli.exited, 2, cli.err());
  assert.match(cli.err(), /--sendbird-port must be a port number from 0 to 65535 \(got "x"\)/);
  assert.doesNotMatch(cli.err(), /in use|EADDRINUSE/);
});

test('the emulators CLI refuses unknown options, an empty host and the same port twice before binding anything', async (t) => {
  const taken = await takePort(t);
  for (const [args, message] of [
    [['--salesforce-port', String(taken), '--nope'], /Unknown option '--nope'/],
    [['--salesforce-port', String(taken), '--host', ''], /--host must name an address/],
    [['--salesforce-port', String(taken), '--sendbird-port', String(taken)], /must differ/],
    [['--salesforce-port', '70000', '--sendbird-port', '0'], /--salesforce-port must be a port number/],
    [['--salesforce-port', String(taken), '--pubsub-port', 'x'], /--pubsub-port must be a port number/],
  ] as const) {
    const cli = run([...args]);
    assert.equal(await cli.exited, 2, `${args.join(' ')}: ${cli.err()}`);
    assert.match(cli.err(), message, args.join(' '));
  }
});

test('the emulators CLI says which port is in use when it cannot bind one', async (t) => {
  const taken = await takePort(t);
  const cli = run(['--salesforce-port', '0', '--sendbird-port', String(taken)]);
  assert.equal(await cli.exited, 1, cli.err());
  assert.match(cli.err(), /a port is already in use .*pick another with --salesforce-port \/ --sendbird-port \/ --pubsub-port, or 0/);
});

test('the emulators CLI serves the Pub/Sub API with --pubsub-port and prints its endpoint and certificate', async (t) => {
  const cli = run(['--salesforce-port', '0', '--sendbird-port', '0', '--pubsub-port', '0', '--json']);
  t.after(() => cli.child.kill('SIGKILL'));
  const line = await waitFor('the JSON line', () =>
    cli
      .out()
      .split('\n')
      .find((l) => l.startsWith('{')),
  );
  const { salesforce } = JSON.parse(line) as {
    salesforce: { url: string; clientId: string; clientSecret: string; pubsub: { endpoint: string; caPem: string } };
  };
  assert.match(salesforce.pubsub.endpoint, /^localhost:\d+$/);
  const token = (await (
    await fetch(`${salesforce.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: salesforce.clientId,
        client_secret: salesforce.clientSecret,
      }),
    })
  ).json()) as { access_token: string; id: string };
  const orgId = token.id.split('/').at(-2)!;
  const { PubSub } = pubSubPackage();
  const client = new PubSub(salesforce.pubsub.endpoint, grpc.credentials.createSsl(Buffer.from(salesforce.pubsub.caPem)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  t.after(() => client.close());
  const md = new grpc.Metadata();
  md.set('accesstoken', token.access_token);
  md.set('instanceurl', salesforce.url);
  md.set('tenantid', orgId);
  const topic = await new Promise<{ canSubscribe: boolean }>((resolve, reject) =>
    (client as unknown as { GetTopic: (r: unknown, m: grpc.Metadata, cb: (e: Error | null, r: unknown) => void) => void }).GetTopic(
      { topicName: CASE_CHANGE_TOPIC },
      md,
      (e, r) => (e ? reject(e) : resolve(r as { canSubscribe: boolean })),
    ),
  );
  assert.equal(topic.canSubscribe, true);
  cli.child.kill('SIGTERM');
  assert.equal(await cli.exited, 0);
});
