/** The sandbox feed: WebSocket push and the /sandbox/v1 REST API, authenticated by session tokens. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { FeedCloseCode, startSendbirdEmulator, type RunningSendbirdEmulator } from '../src/sendbird/index.js';
import { connectFeed, startReceiver } from './sendbird-helpers.js';

let clock = Date.now();
let emu: RunningSendbirdEmulator;
let sb: SendbirdClient;

before(async () => {
  emu = await startSendbirdEmulator({ now: () => clock });
  sb = new SendbirdClient({ appId: emu.appId, apiToken: emu.apiToken, baseUrl: emu.url, limiter: { enabled: false } });
});
after(() => emu.close());
beforeEach(async () => {
  clock = Date.now();
  emu.reset();
  emu.webhooks.configure({});
  await sb.createUser({ user_id: 'customer', nickname: 'Jane', profile_url: '' });
  await sb.createUser({ user_id: 'agent', nickname: 'Alex', profile_url: '' });
  await sb.createGroupChannel({ channel_url: 'case-1', user_ids: ['customer', 'agent'], name: 'Case 1', custom_type: 'sf_case' });
});

const token = async (userId: string, ttlMs = 3600_000): Promise<string> =>
  (await sb.issueSessionToken(userId, { expiresAt: clock + ttlMs })).token;

async function api(
  path: string,
  tok: string | undefined,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(init.headers);
  if (tok) headers.set('authorization', `Bearer ${tok}`);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(`${emu.url}/sandbox/v1${path}`, { ...init, headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('two users connect with session tokens; one sends, the other receives, unread follows', async () => {
  const jane = await connectFeed(emu.feedUrl, await token('customer'));
  const alexToken = await token('agent');
  const alex = await connectFeed(emu.feedUrl, alexToken);
  const ready = await alex.next('ready');
  assert.deepEqual(ready.user, { user_id: 'agent', nickname: 'Alex', profile_url: '' });
  assert.equal(ready.total_unread_count, 0);
  await jane.next('ready');

  const janeToken = await token('customer');
  const sent = await api('/channels/case-1/messages', janeToken, { method: 'POST', body: JSON.stringify({ message: 'Hi, I need help' }) });
  assert.equal(sent.status, 200);
  assert.equal(sent.body.message, 'Hi, I need help');

  const got = await alex.next('message');
  assert.equal(got.event, 'sent');
  assert.equal(got.channel_url, 'case-1');
  assert.equal((got.message as { message: string }).message, 'Hi, I need help');
  assert.equal((got.message as { user: { user_id: string } }).user.user_id, 'customer');
  assert.equal((await alex.next('unread')).total_unread_count, 1);
  await jane.next('message');

  const channels = await api('/channels', alexToken);
  const [summary] = channels.body.channels as { channel_url: string; unread_message_count: number; my_state: string }[];
  assert.equal(summary?.channel_url, 'case-1');
  assert.equal(summary?.unread_message_count, 1);
  assert.equal(summary?.my_state, 'joined');
  assert.equal((await api('/unread', alexToken)).body.total_unread_count, 1);
  const read = await api('/channels/case-1/read', alexToken, { method: 'PUT' });
  assert.deepEqual(read.body, { unread_message_count: 0, total_unread_count: 0 });
  assert.equal((await alex.next('unread')).total_unread_count, 0);
  const msgs = await api('/channels/case-1/messages', alexToken);
  assert.deepEqual(
    (msgs.body.messages as { message: string }[]).map((m) => m.message),
    ['Hi, I need help'],
  );
  jane.close();
  alex.close();
});

test('a silent send (is_silent) is delivered and listed, but counts as unread nowhere and is not the last message', async () => {
  const alexToken = await token('agent');
  await sb.sendMessage('case-1', { message_type: 'MESG', user_id: 'customer', message: 'Hello' });
  const notice = await sb.sendMessage('case-1', { message_type: 'ADMM', message: 'Alex joined', is_silent: true });
  assert.equal(notice.silent, true);
  const [summary] = (await api('/channels', alexToken)).body.channels as {
    unread_message_count: number;
    last_message: { message: string };
  }[];
  assert.equal(summary?.unread_message_count, 1, 'only the customer message');
  assert.equal(summary?.last_message.message, 'Hello');
  assert.equal((await api('/unread', alexToken)).body.total_unread_count, 1);
  const channel = await sb.getGroupChannel('case-1', { showMember: false });
  assert.equal((channel.last_message as { message: string } | undefined)?.message, 'Hello', 'the Platform API agrees');
  const msgs = await api('/channels/case-1/messages', alexToken);
  assert.deepEqual(
    (msgs.body.messages as { message: string }[]).map((m) => m.message),
    ['Hello', 'Alex joined'],
  );
});

test('typing and read receipts: a member typing is told to the others until they send or stop; a read mark reaches the others', async () => {
  await sb.createUser({ user_id: 'outsider', nickname: 'Out', profile_url: '' });
  const jane = await connectFeed(emu.feedUrl, await token('customer'));
  const alex = await connectFeed(emu.feedUrl, await token('agent'));
  const out = await connectFeed(emu.feedUrl, await token('outsider'));
  await Promise.all([jane.next('ready'), alex.next('ready'), out.next('ready')]);

  jane.send({ type: 'typing', channel_url: 'case-1', typing: true });
  assert.deepEqual((await alex.next('typing')).user_ids, ['customer']);
  assert.deepEqual((await jane.next('typing')).user_ids, [], 'never told about herself');
  jane.send({ type: 'typing', channel_url: 'case-1', typing: true });
  const janeToken = await token('customer');
  await api('/channels/case-1/messages', janeToken, { method: 'POST', body: JSON.stringify({ message: 'Hi' }) });
  assert.deepEqual((await alex.next('typing')).user_ids, [], 'a message ends its sender typing (the repeat changed nothing)');
  alex.send({ type: 'typing', channel_url: 'case-1', typing: true });
  assert.deepEqual((await jane.next('typing', (f) => (f.user_ids as string[]).length > 0)).user_ids, ['agent']);
  alex.send({ type: 'typing', channel_url: 'case-1', typing: false });
  assert.deepEqual((await jane.next('typing', (f) => (f.user_ids as string[]).length === 0)).user_ids, []);

  out.send({ type: 'typing', channel_url: 'case-1', typing: true });
  assert.equal((await out.next('error')).code, 400108, 'only members may type in a channel');
  out.send({ type: 'typing', channel_url: 'case-1' });
  assert.equal((await out.next('error')).code, 400111);

  await api('/channels/case-1/read', await token('agent'), { method: 'PUT' });
  const receipt = await jane.next('read');
  assert.equal(receipt.channel_url, 'case-1');
  assert.equal(receipt.user_id, 'agent');
  assert.equal(typeof receipt.read_ts, 'number');
  const channel = (await api('/channels/case-1', janeToken)).body as { members: { user_id: string; read_ts: number }[] };
  assert.equal(channel.members.find((m) => m.user_id === 'agent')?.read_ts, receipt.read_ts, 'the summary carries the read mark');
  assert.equal(alex.frames.filter((f) => f.type === 'read').length, 0, 'the reader is not told of their own read');
  jane.close();
  alex.close();
  out.close();
});

test('feed sends fire group_channel:message_send with sdk "JavaScript"', async () => {
  const receiver = await startReceiver();
  try {
    emu.webhooks.configure({ url: receiver.url, enabledEvents: ['group_channel:message_send'] });
    await api('/channels/case-1/messages', await token('customer'), { method: 'POST', body: JSON.stringify({ message: 'from the pane' }) });
    await emu.webhooks.idle();
    assert.equal(receiver.received.length, 1);
    assert.equal(receiver.received[0]?.body.sdk, 'JavaScript');
    assert.equal((receiver.received[0]?.body.sender as { user_id: string }).user_id, 'customer');
  } finally {
    emu.webhooks.configure({});
    await receiver.close();
  }
});

test('ADMM and other Platform API sends reach the feed; membership changes and freezes too', async () => {
  await sb.createUser({ user_id: 'agent2', nickname: 'Bea', profile_url: '' });
  const jane = await connectFeed(emu.feedUrl, await token('customer'));
  const bea = await connectFeed(emu.feedUrl, await token('agent2'));
  await jane.next('ready');
  await bea.next('ready');
  await sb.sendMessage('case-1', { message_type: 'ADMM', message: 'An agent will be with you shortly' });
  const admm = await jane.next('message');
  assert.equal((admm.message as { type: string }).type, 'ADMM');
  await sb.inviteMembers('case-1', ['agent2']);
  const joined = await bea.next('channel', (f) => f.event === 'joined');
  assert.deepEqual(joined.user_ids, ['agent2']);
  assert.equal((joined.channel as { my_state: string }).my_state, 'joined');
  await jane.next('channel', (f) => f.event === 'joined');
  await sb.leaveMembers('case-1', ['agent2']);
  const left = await bea.next('channel', (f) => f.event === 'left');
  assert.equal((left.channel as { my_state: string }).my_state, 'none');
  await sb.freezeChannel('case-1', true);
  await jane.next('channel', (f) => f.event === 'frozen');
  const frozenSend = await api('/channels/case-1/messages', await token('customer'), {
    method: 'POST',
    body: JSON.stringify({ message: 'x' }),
  });
  assert.equal(frozenSend.status, 403);
  assert.equal(frozenSend.body.code, 900050);
  jane.close();
  bea.close();
});

test("a channel update (PUT /v3/group_channels/{url}, e.g. its data) reaches every member as a channel frame 'updated'; the summary names the latest user message", async () => {
  const jane = await connectFeed(emu.feedUrl, await token('customer'));
  const alex = await connectFeed(emu.feedUrl, await token('agent'));
  await jane.next('ready');
  await alex.next('ready');
  await api('/channels/case-1/messages', await token('customer'), { method: 'POST', body: JSON.stringify({ message: 'Hello?' }) });
  await sb.sendMessage('case-1', { message_type: 'ADMM', message: 'An agent will be with you shortly' });
  const data = JSON.stringify({ caseNumber: '00001001', status: 'Closed', closed: true });
  await sb.updateGroupChannel('case-1', { data });
  for (const feed of [alex, jane]) {
    const updated = await feed.next('channel', (f) => f.event === 'updated');
    assert.equal(updated.channel_url, 'case-1');
    assert.deepEqual(updated.user_ids, []);
    const channel = updated.channel as {
      data: string;
      my_state: string;
      last_message: { type: string };
      last_user_message: { message: string };
    };
    assert.equal(channel.data, data, 'the new data');
    assert.equal(channel.my_state, 'joined');
    assert.equal(channel.last_message.type, 'ADMM');
    assert.equal(channel.last_user_message.message, 'Hello?', 'who wrote last, past the admin message');
  }
  jane.close();
  alex.close();
});

test('an expired token is refused with 400302: REST 401, socket closed with 4002', async () => {
  const short = await token('customer', 1000);
  clock += 2000;
  const rest = await api('/channels', short);
  assert.equal(rest.status, 401);
  assert.equal(rest.body.code, 400302);
  assert.match(String(rest.body.message), /expired/i);
  const feed = await connectFeed(emu.feedUrl, short);
  const err = await feed.next('error');
  assert.equal(err.code, 400302);
  assert.deepEqual((await feed.closed).code, FeedCloseCode.TokenExpired);
});

test('a connected socket is closed with 4002 once its token expires', async () => {
  const tok = (await sb.issueSessionToken('customer', { expiresAt: Date.now() + 300 })).token;
  clock = Date.now();
  const feed = await connectFeed(emu.feedUrl, tok);
  await feed.next('ready');
  clock = Date.now() + 1000;
  assert.equal((await feed.closed).code, FeedCloseCode.TokenExpired);
  assert.equal((await feed.next('error')).code, 400302);
});

test("POST /__admin/sessions/expire expires a user's tokens now: feed closed with 4002, REST 401, a new token works", async () => {
  const tok = await token('customer');
  const other = await token('agent');
  const feed = await connectFeed(emu.feedUrl, tok);
  await feed.next('ready');
  const res = await fetch(`${emu.url}/__admin/sessions/expire`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user_id: 'customer' }),
  });
  assert.deepEqual(await res.json(), { tokens: 1, closed: 1 });
  assert.equal((await feed.closed).code, FeedCloseCode.TokenExpired);
  assert.equal((await feed.next('error')).code, 400302);
  const rest = await api('/channels', tok);
  assert.equal(rest.status, 401);
  assert.match(String(rest.body.message), /expired/i);
  assert.equal((await api('/channels', other)).status, 200, "another user's token is untouched");
  assert.equal((await api('/channels', await token('customer'))).status, 200, 'a token issued afterwards is valid');
  const bad = await fetch(`${emu.url}/__admin/sessions/expire`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(bad.status, 400);
});

test('unknown tokens, missing tokens, bad first frames and foreign origins are refused', async () => {
  assert.equal((await api('/channels', undefined)).status, 401);
  assert.equal((await api('/channels', 'made-up')).body.code, 400302);
  const unknown = await connectFeed(emu.feedUrl, 'made-up');
  assert.equal((await unknown.closed).code, FeedCloseCode.InvalidToken);
  const noAuth = await connectFeed(emu.feedUrl, null);
  noAuth.send({ type: 'ping' });
  assert.equal((await noAuth.closed).code, FeedCloseCode.ProtocolError);
  await assert.rejects(connectFeed(emu.feedUrl, 'x', 'https://evil.example.com'), /403/);
  const notMember = await sb.createUser({ user_id: 'stranger', nickname: 'S', profile_url: '' });
  const res = await api('/channels/case-1/messages', await token(notMember.user_id));
  assert.equal(res.status, 403);
  assert.equal(res.body.code, 400108);
});

test('the sandbox API answers CORS for localhost origins only', async () => {
  const pre = await fetch(`${emu.url}/sandbox/v1/channels`, {
    method: 'OPTIONS',
    headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  const foreign = await fetch(`${emu.url}/sandbox/v1/unread`, { headers: { origin: 'https://evil.example.com' } });
  assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  const platform = await fetch(`${emu.url}/v3/users/customer`, { headers: { origin: 'http://localhost:5173', 'api-token': emu.apiToken } });
  assert.equal(platform.headers.get('access-control-allow-origin'), null, 'the Platform API is server-to-server');
});
