/** Sendbird emulator webhooks, delivered to a real local receiver. */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import { SendbirdClient, signWebhook, verifyWebhookSignature } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { startSendbirdEmulator, type RunningSendbirdEmulator } from '../src/sendbird/index.js';
import { startReceiver, type Receiver } from './sendbird-helpers.js';

const MASTER = 'webhook-master-token';
let emu: RunningSendbirdEmulator;
let sb: SendbirdClient;
let receiver: Receiver | undefined;

before(async () => {
  emu = await startSendbirdEmulator({ apiToken: MASTER });
  sb = new SendbirdClient({ appId: emu.appId, apiToken: MASTER, baseUrl: emu.url, limiter: { enabled: false } });
});
after(() => emu.close());
beforeEach(async () => {
  emu.reset();
  emu.webhooks.configure({});
  await sb.createUser({ user_id: 'customer', nickname: 'Jane', profile_url: '' });
  await sb.createUser({ user_id: 'agent', nickname: 'Alex', profile_url: 'https://example.com/a.png' });
});
afterEach(async () => {
  emu.webhooks.configure({});
  await emu.webhooks.idle();
  await receiver?.close();
  receiver = undefined;
});

test('deliveries are signed over the exact bytes with the master token and verify', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, retryDelayMs: 0 });
  await sb.createGroupChannel({ channel_url: 'case-0001', user_ids: ['customer', 'agent'], custom_type: 'sf_case' });
  await sb.sendMessage('case-0001', { message_type: 'MESG', user_id: 'customer', message: 'Where is my order?' });
  await emu.webhooks.idle();
  const send = receiver.received.find((r) => r.body.category === 'group_channel:message_send');
  assert.ok(send, 'message_send delivered');
  assert.equal(send.headers['user-agent'], 'SendBird');
  assert.equal(send.headers['content-type'], 'application/json');
  const signature = send.headers['x-sendbird-signature'] as string;
  assert.equal(signature, signWebhook(send.rawBody, MASTER));
  assert.equal(verifyWebhookSignature({ rawBody: send.rawBody, signature, apiToken: MASTER }), true);
  assert.equal(verifyWebhookSignature({ rawBody: send.rawBody, signature, apiToken: 'wrong-token' }), false);
  assert.equal(verifyWebhookSignature({ rawBody: send.rawBody.replace('order', 'money'), signature, apiToken: MASTER }), false);

  const b = send.body;
  assert.equal(b.type, 'MESG');
  assert.equal(b.sdk, 'API');
  assert.equal(b.app_id, emu.appId);
  assert.deepEqual(b.sender, { user_id: 'customer', nickname: 'Jane', profile_url: '', metadata: {} });
  assert.equal((b.payload as { message: string }).message, 'Where is my order?');
  assert.equal(typeof (b.payload as { message_id: unknown }).message_id, 'number');
  assert.deepEqual(Object.keys(b.channel as object).sort(), [
    'channel_url',
    'custom_type',
    'data',
    'is_discoverable',
    'is_distinct',
    'is_ephemeral',
    'is_public',
    'is_super',
    'name',
  ]);
  assert.equal(b.members, undefined, 'members are left out by default');
  const log = emu.webhooks.deliveries();
  assert.ok(log.every((d) => d.status === 'delivered' && d.attempts.length === 1));
});

test('previous-token rotation: a receiver that knows the old token still verifies', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, masterApiToken: 'old-master-token', enabledEvents: ['group_channel:create'] });
  await sb.createGroupChannel({ channel_url: 'case-0002', user_ids: ['customer'] });
  await emu.webhooks.idle();
  const hook = receiver.received[0];
  assert.ok(hook);
  const signature = hook.headers['x-sendbird-signature'] as string;
  assert.equal(verifyWebhookSignature({ rawBody: hook.rawBody, signature, apiToken: MASTER }), false);
  assert.equal(
    verifyWebhookSignature({ rawBody: hook.rawBody, signature, apiToken: MASTER, previousApiTokens: ['old-master-token'] }),
    true,
  );
  assert.equal(emu.webhooks.config().customSigningToken, true);
});

test('a receiver that answers 500 twice then 200 gets exactly 3 tries', async () => {
  receiver = await startReceiver((n) => ({ status: n <= 2 ? 500 : 200 }));
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:create'], retryDelayMs: 10 });
  await sb.createGroupChannel({ channel_url: 'case-0003', user_ids: ['customer'] });
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 3);
  assert.equal(new Set(receiver.received.map((r) => r.rawBody)).size, 1, 'the same POST each time');
  const [d] = emu.webhooks.deliveries();
  assert.equal(d?.status, 'delivered');
  assert.deepEqual(
    d?.attempts.map((a) => a.status),
    [500, 500, 200],
  );
});

test('three failures and the delivery is given up (no 4th try)', async () => {
  receiver = await startReceiver(() => ({ status: 503 }));
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:create'], retryDelayMs: 0 });
  await sb.createGroupChannel({ channel_url: 'case-0004', user_ids: ['customer'] });
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 3);
  assert.equal(emu.webhooks.deliveries()[0]?.status, 'failed');
});

test('retryOn no_response: any answer ends the tries, as "until it receives a response" reads; a timeout is still retried', async () => {
  receiver = await startReceiver(() => ({ status: 503 }));
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:create'], retryDelayMs: 0, retryOn: 'no_response' });
  await sb.createGroupChannel({ channel_url: 'case-0007', user_ids: ['customer'] });
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 1, 'a 503 is an answer: no second try');
  assert.deepEqual(
    emu.webhooks.deliveries().map((d) => [d.status, d.attempts.length]),
    [['failed', 1]],
  );
  assert.equal(emu.webhooks.config().retryOn, 'no_response');
});

test('dropRate 1 is a webhook outage: every try is lost on the way and the webhook is given up after 3; 0 delivers again', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:create'], retryDelayMs: 0, dropRate: 1 });
  await sb.createGroupChannel({ channel_url: 'case-0008', user_ids: ['customer'] });
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 0, 'nothing reached the receiver');
  const [lost] = emu.webhooks.deliveries();
  assert.deepEqual([lost?.status, lost?.attempts.length, lost?.attempts[0]?.error], ['failed', 3, 'dropped on the way (injected fault)']);
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:create'], retryDelayMs: 0 });
  await sb.createGroupChannel({ channel_url: 'case-0009', user_ids: ['customer'] });
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 1, 'delivered once the outage is over');
  assert.throws(() => emu.webhooks.configure({ url: receiver!.url, dropRate: 2 }), /dropRate must be a number from 0 to 1/);
  assert.throws(() => emu.webhooks.configure({ url: receiver!.url, retryOn: 'sometimes' as never }), /retryOn must be/);
});

test('a receiver slower than the timeout is retried; the API answer never waits for it', async () => {
  // The first answer comes 4x past the timeout; the timeout leaves a loaded machine ample room to
  // answer the second try in time, so exactly two tries are made.
  receiver = await startReceiver((n) => (n === 1 ? { status: 200, delayMs: 4000 } : { status: 200 }));
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:create'], timeoutMs: 1000, retryDelayMs: 0 });
  const created = await sb.createGroupChannel({ channel_url: 'case-0005', user_ids: ['customer'] });
  assert.equal(created.channel_url, 'case-0005');
  assert.equal(emu.webhooks.deliveries()[0]?.status, 'pending', 'the API answered before the delivery finished');
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 2);
  const [d] = emu.webhooks.deliveries();
  assert.equal(d?.status, 'delivered');
  assert.match(d?.attempts[0]?.error ?? '', /no answer within 1000 ms/);
  assert.equal(d?.attempts[1]?.status, 200);
});

test('enabledEvents filters categories', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:message_send'] });
  await sb.createGroupChannel({ channel_url: 'case-0006', user_ids: ['customer'] });
  await sb.inviteMembers('case-0006', ['agent']);
  await sb.sendMessage('case-0006', { message_type: 'ADMM', message: 'Agent joined' });
  await sb.leaveMembers('case-0006', ['agent']);
  await emu.webhooks.idle();
  assert.deepEqual(
    receiver.received.map((r) => r.body.category),
    ['group_channel:message_send'],
  );
  assert.equal(receiver.received[0]?.body.type, 'ADMM');
  assert.equal(receiver.received[0]?.body.sender, undefined, 'admin messages have no sender');
});

test('create with members sends create then join (never invite); invite sends invite then join; leave', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, includeMembers: true });
  await sb.createGroupChannel({ channel_url: 'case-0007', user_ids: ['customer'], inviter_id: 'customer' });
  await sb.inviteMembers('case-0007', ['agent'], { inviter_id: 'customer' });
  await sb.leaveMembers('case-0007', ['agent']);
  await sb.freezeChannel('case-0007', true);
  await emu.webhooks.idle();
  const cats = receiver.received.map((r) => r.body.category);
  assert.deepEqual(cats, [
    'group_channel:create',
    'group_channel:join',
    'group_channel:invite',
    'group_channel:join',
    'group_channel:leave',
    'group_channel:freeze_unfreeze',
  ]);
  const [create, join, invite, , leave, freeze] = receiver.received.map((r) => r.body);
  assert.equal(typeof create?.created_at, 'number');
  assert.deepEqual(
    (join?.users as { user_id: string }[]).map((u) => u.user_id),
    ['customer'],
  );
  assert.equal(typeof join?.joined_at, 'number');
  assert.deepEqual(
    (invite?.invitees as { user_id: string }[]).map((u) => u.user_id),
    ['agent'],
  );
  assert.equal((invite?.inviter as { user_id: string }).user_id, 'customer');
  assert.deepEqual(
    (leave?.users as { user_id: string }[]).map((u) => u.user_id),
    ['agent'],
  );
  assert.deepEqual(
    (leave?.members as { user_id: string }[]).map((m) => m.user_id),
    ['customer'],
    'members after the leave',
  );
  assert.equal(freeze?.freeze, true);
});

test('message update and delete have their own categories; deliveries are visible in the admin API', async () => {
  receiver = await startReceiver();
  emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:message_update', 'group_channel:message_delete'] });
  await sb.createGroupChannel({ channel_url: 'case-0008', user_ids: ['customer'] });
  const m = await sb.sendMessage('case-0008', { message_type: 'MESG', user_id: 'customer', message: 'v1' });
  await sb.updateMessage('case-0008', m.message_id, { message: 'v2' });
  await sb.deleteMessage('case-0008', m.message_id);
  await emu.webhooks.idle();
  assert.deepEqual(
    receiver.received.map((r) => r.body.category),
    ['group_channel:message_update', 'group_channel:message_delete'],
  );
  assert.equal((receiver.received[0]?.body.payload as { message: string }).message, 'v2');
  assert.equal((receiver.received[1]?.body.payload as { message_id: number }).message_id, m.message_id);
  const res = await fetch(`${emu.url}/__admin/webhooks/deliveries`);
  const { deliveries } = (await res.json()) as { deliveries: { category: string; status: string; attempts: unknown[] }[] };
  assert.deepEqual(
    deliveries.map((d) => [d.category, d.status, d.attempts.length]),
    [
      ['group_channel:message_update', 'delivered', 1],
      ['group_channel:message_delete', 'delivered', 1],
    ],
  );
});

test('webhooks are configured through the admin API too, with readable errors', async () => {
  receiver = await startReceiver();
  const put = await fetch(`${emu.url}/__admin/webhooks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, enabledEvents: ['group_channel:join'] }),
  });
  assert.equal(put.status, 200);
  const cfg = (await put.json()) as { url: string; maxAttempts: number; timeoutMs: number };
  assert.equal(cfg.url, receiver.url);
  assert.equal(cfg.maxAttempts, 3);
  assert.equal(cfg.timeoutMs, 5000);
  assert.equal(JSON.stringify(cfg).includes(MASTER), false, 'the signing token is never shown');
  await sb.createGroupChannel({ channel_url: 'case-0009', user_ids: ['customer', 'agent'] });
  await waitFor('the join delivery', () => receiver?.received.length === 1);
  const bad = await fetch(`${emu.url}/__admin/webhooks`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'not a url' }),
  });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /webhook\.url must be an absolute URL/);
});

test("the Platform API's webhook settings: GET and a PUT that changes only what it carries; off means no deliveries", async () => {
  const settings = async (method: 'GET' | 'PUT', body?: unknown, query = '') => {
    const res = await fetch(`${emu.url}/v3/applications/settings/webhook${query}`, {
      method,
      headers: { 'Api-Token': MASTER, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  assert.deepEqual((await settings('GET')).body, {
    webhook: { enabled: false, url: '', include_members: false, enabled_events: ['*'], include_unread_count: false },
  });
  receiver = await startReceiver();
  const put = await settings('PUT', { enabled: true, url: receiver.url, enabled_events: ['group_channel:message_send'] });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.webhook.enabled_events, ['group_channel:message_send']);
  assert.equal(emu.webhooks.config().url, receiver.url);
  // include_members alone: the URL and the categories stay.
  const members = await settings('PUT', { include_members: true });
  assert.deepEqual(
    [members.body.webhook.url, members.body.webhook.enabled_events, members.body.webhook.include_members],
    [receiver.url, ['group_channel:message_send'], true],
  );
  const all = await settings('GET', undefined, '?display_all_webhook_categories=true');
  assert.ok(all.body.webhook.all_webhook_categories.includes('group_channel:message_update'));
  await settings('PUT', { enabled: false });
  await sb.createGroupChannel({ channel_url: 'case-0002', user_ids: ['customer'], custom_type: 'sf_case' });
  await sb.sendMessage('case-0002', { message_type: 'MESG', user_id: 'customer', message: 'hello?' });
  await emu.webhooks.idle();
  assert.equal(receiver.received.length, 0, 'turned off: nothing delivered');
  const wrong = await fetch(`${emu.url}/v3/applications/settings/webhook`, { headers: { 'Api-Token': 'not-the-token' } });
  assert.equal(((await wrong.json()) as { code: number }).code, 400401);
});
