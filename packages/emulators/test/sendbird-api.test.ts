/** The emulated Platform API over raw HTTP: auth, error codes, validation, semantics, faults, admin. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { startSendbirdEmulator, type RunningSendbirdEmulator } from '../src/sendbird/index.js';

const TOKEN = 'api-test-master';
let emu: RunningSendbirdEmulator;

before(async () => {
  emu = await startSendbirdEmulator({
    apiToken: TOKEN,
    seed: { users: [{ user_id: 'seeded', nickname: 'Seeded' }], channels: [{ channel_url: 'seeded-channel', user_ids: ['seeded'] }] },
  });
});
after(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.faults.reset();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { 'Api-Token': TOKEN },
): Promise<Answer> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json; charset=utf8', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const user = (id: string) => call('POST', '/v3/users', { user_id: id, nickname: id, profile_url: '' });

test('Api-Token: any header case works; missing or wrong gives HTTP 400 with 400401', async () => {
  assert.equal((await call('GET', '/v3/users/seeded', undefined, { 'api-token': TOKEN })).status, 200);
  assert.equal((await call('GET', '/v3/users/seeded', undefined, { 'API-TOKEN': TOKEN })).status, 200);
  const missing = await call('GET', '/v3/users/seeded', undefined, {});
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body, { error: true, code: 400401, message: 'Not valid Api-Token. Api-Token is missing.' });
  const wrong = await call('GET', '/v3/users/seeded', undefined, { 'Api-Token': 'nope' });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.code, 400401);
});

test('users: required fields, "" allowed, types, duplicates, not found', async () => {
  const ok = await call('POST', '/v3/users', { user_id: 'u1', nickname: '', profile_url: '' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.nickname, '');
  const noNick = await call('POST', '/v3/users', { user_id: 'u2', profile_url: '' });
  assert.deepEqual([noNick.status, noNick.body.code], [400, 400105]);
  const noUrl = await call('POST', '/v3/users', { user_id: 'u2', nickname: 'x' });
  assert.equal(noUrl.body.code, 400105);
  assert.equal((await call('POST', '/v3/users', { user_id: 5, nickname: 'x', profile_url: '' })).body.code, 400100);
  assert.equal(
    (await call('POST', '/v3/users', { user_id: 'u3', nickname: 'x', profile_url: '', issue_access_token: 'yes' })).body.code,
    400104,
  );
  assert.equal((await call('POST', '/v3/users', { user_id: 'u3', nickname: 'x', profile_url: '', metadata: [] })).body.code, 400103);
  const dup = await call('POST', '/v3/users', { user_id: 'u1', nickname: 'x', profile_url: '' });
  assert.deepEqual([dup.status, dup.body.error, dup.body.code], [400, true, 400202]);
  const nf = await call('GET', '/v3/users/ghost');
  assert.deepEqual(nf, { status: 400, headers: nf.headers, body: { error: true, code: 400201, message: '"User" not found.' } });
  assert.equal((await call('POST', '/v3/users/u1/token', { expires_at: 1 })).body.code, 400111, 'expiry in the past');
});

test('channels: channel_url rules, generated urls, unknown members, is_distinct reuse', async () => {
  await user('a');
  await user('b');
  for (const bad of ['abc', 'has space', 'x'.repeat(101), 'bad/slash']) {
    const r = await call('POST', '/v3/group_channels', { channel_url: bad, user_ids: ['a'] });
    assert.deepEqual([r.status, r.body.code], [400, 400111], bad);
  }
  assert.equal((await call('POST', '/v3/group_channels', { channel_url: 'ok_url-1', user_ids: ['a'] })).status, 200);
  assert.equal((await call('POST', '/v3/group_channels', { channel_url: 'ok_url-1', user_ids: ['a'] })).body.code, 400202);
  assert.equal((await call('POST', '/v3/group_channels', { user_ids: ['ghost'] })).body.code, 400201);
  assert.equal((await call('POST', '/v3/group_channels', { user_ids: 'a' })).body.code, 400102);
  const gen = await call('POST', '/v3/group_channels', { users: [{ user_id: 'a' }] });
  assert.match(String(gen.body.channel_url), /^sendbird_group_channel_\d+_[0-9a-f]{40}$/);

  const d1 = await call('POST', '/v3/group_channels', { user_ids: ['a', 'b'], is_distinct: true });
  const d2 = await call('POST', '/v3/group_channels', { user_ids: ['b', 'a'], is_distinct: true });
  assert.equal(d2.body.channel_url, d1.body.channel_url, 'distinct: the same members reuse the channel');
  const nd1 = await call('POST', '/v3/group_channels', { user_ids: ['a', 'b'], is_distinct: false });
  const nd2 = await call('POST', '/v3/group_channels', { user_ids: ['a', 'b'], is_distinct: false });
  assert.notEqual(nd1.body.channel_url, nd2.body.channel_url, 'not distinct: a new channel each time');
  await user('c');
  const invited = await call('POST', `/v3/group_channels/${String(d1.body.channel_url)}/invite`, { user_ids: ['c'] });
  assert.equal(invited.body.is_distinct, false, 'inviting a new member turns distinct off');
});

test('invite needs user_ids; invitation_status "invited_by_non_friend" leaves the member invited', async () => {
  await user('a');
  await user('b');
  await call('POST', '/v3/group_channels', { channel_url: 'chan-1', user_ids: ['a'] });
  assert.equal((await call('POST', '/v3/group_channels/chan-1/invite', {})).body.code, 400105);
  assert.equal((await call('POST', '/v3/group_channels/missing/invite', { user_ids: ['b'] })).body.code, 400201);
  await call('POST', '/v3/group_channels/chan-1/invite', { user_ids: ['b'], invitation_status: { b: 'invited_by_non_friend' } });
  assert.deepEqual((await call('GET', '/v3/group_channels/chan-1/members/b')).body, { is_member: true, state: 'invited' });
  const ch = await call('GET', '/v3/group_channels/chan-1');
  assert.deepEqual([ch.body.member_count, ch.body.joined_member_count], [2, 1]);
  const joined = await call('GET', '/v3/group_channels/chan-1/members?member_state_filter=joined_only');
  assert.deepEqual(
    (joined.body.members as { user_id: string }[]).map((m) => m.user_id),
    ['a'],
  );
  assert.equal((await call('PUT', '/v3/group_channels/chan-1/leave', {})).body.code, 400105);
});

test('messages: sender rules, frozen channels, dedup_id, list parameters', async () => {
  await user('a');
  await user('outsider');
  await call('POST', '/v3/group_channels', { channel_url: 'chan-1', user_ids: ['a'] });
  const p = '/v3/group_channels/chan-1/messages';
  assert.equal((await call('POST', p, { user_id: 'a', message: 'x' })).body.code, 400105, 'message_type is required');
  assert.equal((await call('POST', p, { message_type: 'TEXT', user_id: 'a', message: 'x' })).body.code, 400111);
  assert.equal((await call('POST', p, { message_type: 'MESG', message: 'x' })).body.code, 400105, 'MESG needs user_id');
  assert.equal((await call('POST', p, { message_type: 'MESG', user_id: 'a' })).body.code, 400105, 'MESG needs message');
  assert.equal((await call('POST', p, { message_type: 'MESG', user_id: 'outsider', message: 'x' })).body.code, 400108);
  assert.equal((await call('POST', p, { message_type: 'FILE', user_id: 'a' })).body.code, 400105, 'FILE needs url');
  assert.equal((await call('POST', p, { message_type: 'MESG', user_id: 'a', message: 'x', dedup_id: 'd1' })).status, 200);
  assert.equal((await call('POST', p, { message_type: 'MESG', user_id: 'a', message: 'x', dedup_id: 'd1' })).body.code, 400202);
  await call('PUT', '/v3/group_channels/chan-1/freeze', { freeze: true });
  assert.equal((await call('POST', p, { message_type: 'MESG', user_id: 'a', message: 'x' })).body.code, 900050);
  assert.equal((await call('POST', p, { message_type: 'ADMM', message: 'system' })).status, 200, 'ADMM goes through a freeze');
  assert.equal((await call('PUT', '/v3/group_channels/chan-1/freeze', {})).body.code, 400105);
  assert.equal((await call('GET', p)).body.code, 400105, 'message_ts or message_id is required');
  assert.equal((await call('GET', `${p}?message_ts=${Date.now() + 10_000}&prev_limit=201`)).body.code, 400111);
  const list = await call('GET', `${p}?message_ts=${Date.now() + 10_000}&reverse=true`);
  assert.deepEqual(
    (list.body.messages as { type: string }[]).map((m) => m.type),
    ['ADMM', 'MESG'],
  );
  for (const replyType of ['NONE', 'ALL', 'ONLY_REPLY_TO_CHANNEL']) {
    const listed = await call('GET', `${p}?message_ts=${Date.now() + 10_000}&include_reply_type=${replyType}`);
    assert.deepEqual(
      (listed.body.messages as { type: string }[] | undefined)?.map((m) => m.type),
      ['MESG', 'ADMM'],
      `include_reply_type=${replyType} is accepted (no thread replies here)`,
    );
  }
  const badReplyType = await call('GET', `${p}?message_ts=${Date.now() + 10_000}&include_reply_type=THREADS`);
  assert.deepEqual(
    [badReplyType.status, badReplyType.body.code],
    [400, 400111],
    'an unknown include_reply_type is refused as an invalid value',
  );
  assert.match(String(badReplyType.body.message), /include_reply_type/, 'naming the parameter');
  assert.deepEqual((await call('GET', `${p}/total_count`)).body, { total: 2 });
  assert.equal((await call('GET', `${p}/999`)).body.code, 400201);
  assert.equal((await call('GET', `${p}/abc`)).body.code, 400111);
});

test('bodiless DELETE with a JSON content type, bad JSON, multipart and unknown routes', async () => {
  await user('a');
  assert.deepEqual((await call('DELETE', '/v3/users/a')).body, {});
  const res = await fetch(`${emu.url}/v3/users`, {
    method: 'POST',
    headers: { 'Api-Token': TOKEN, 'content-type': 'application/json' },
    body: '{',
  });
  assert.deepEqual([res.status, ((await res.json()) as { code: number }).code], [400, 400103]);
  const form = new FormData();
  form.set('message_type', 'FILE');
  const multipart = await fetch(`${emu.url}/v3/group_channels/seeded-channel/messages`, {
    method: 'POST',
    headers: { 'Api-Token': TOKEN },
    body: form,
  });
  assert.equal(((await multipart.json()) as { code: number }).code, 400105, 'a multipart FILE send needs its file part');
  const multipartUser = await fetch(`${emu.url}/v3/users`, { method: 'POST', headers: { 'Api-Token': TOKEN }, body: form });
  assert.equal(((await multipartUser.json()) as { code: number }).code, 400111, 'multipart is for FILE messages only');
  assert.equal((await call('GET', '/v3/open_channels')).status, 404);
});

test('injected faults answer like Sendbird: 500901, and 429 + 500910 with X-RateLimit headers', async () => {
  emu.faults.set({
    rules: [
      { action: 'error', path: '^/v3/users', times: 1 },
      { action: 'rateLimit', path: '^/v3/users', times: 1, retryAfterMs: 1500 },
    ],
  });
  const e = await call('GET', '/v3/users/seeded');
  assert.deepEqual([e.status, e.body.error, e.body.code], [500, true, 500901]);
  const rl = await call('GET', '/v3/users/seeded');
  assert.deepEqual([rl.status, rl.body.code], [429, 500910]);
  assert.equal(rl.headers.get('x-ratelimit-retryafter'), '1.500');
  assert.equal(rl.headers.get('x-ratelimit-limit'), '5;w=1');
  assert.equal(rl.headers.get('x-ratelimit-remaining'), '0');
  assert.ok(rl.headers.get('x-ratelimit-reset'));
  assert.equal((await call('GET', '/v3/users/seeded')).status, 200, 'rules with times are spent');
  const admin = await fetch(`${emu.url}/__admin/state`);
  assert.equal(admin.status, 200, 'the admin API is never faulted');
});

test('optional per-endpoint rate caps: the 6th channel creation within a second gets 429', async () => {
  // A frozen clock, so "within a second" does not depend on how fast this machine is.
  const capped = await startSendbirdEmulator({ apiToken: TOKEN, now: () => 1_700_000_000_000, rateCaps: { enabled: true } });
  try {
    const post = (path: string, body: unknown) =>
      fetch(`${capped.url}${path}`, {
        method: 'POST',
        headers: { 'Api-Token': TOKEN, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('/v3/users', { user_id: 'a', nickname: 'a', profile_url: '' });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await post('/v3/group_channels', { user_ids: ['a'] }));
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 200, 200, 429],
    );
    const last = answers[5];
    assert.equal(((await last?.json()) as { code: number }).code, 500910);
    assert.equal(last?.headers.get('x-ratelimit-retryafter'), '1.000');
    assert.equal((await post('/v3/users', { user_id: 'b', nickname: 'b', profile_url: '' })).status, 200, 'uncapped endpoints pass');
    assert.equal(capped.rateCaps.get().rejected, 1);
  } finally {
    await capped.close();
  }
});

test('admin API: state, stats per route, faults, reset re-applies the seed', async () => {
  await user('a');
  await call('GET', '/v3/users/a');
  await call('GET', '/v3/users/a');
  const stats = (await (await fetch(`${emu.url}/__admin/stats`)).json()) as { total: number; byRoute: Record<string, number> };
  assert.equal(stats.total, 3);
  assert.deepEqual(stats.byRoute, { 'GET /v3/users/:user_id': 2, 'POST /v3/users': 1 });
  await fetch(`${emu.url}/__admin/stats`, { method: 'DELETE' });
  assert.equal(emu.stats.get().total, 0);

  const put = await fetch(`${emu.url}/__admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules: [{ action: 'explode' }] }),
  });
  assert.equal(put.status, 400);
  assert.match(((await put.json()) as { error: string }).error, /action must be one of/);
  await fetch(`${emu.url}/__admin/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules: [{ action: 'error', times: 1 }] }),
  });
  assert.equal((await call('GET', '/v3/users/a')).status, 500);
  await fetch(`${emu.url}/__admin/faults`, { method: 'DELETE' });

  const state = (await (await fetch(`${emu.url}/__admin/state`)).json()) as {
    users: { user_id: string }[];
    channels: { channel_url: string; members: unknown[]; messages: unknown[] }[];
  };
  assert.deepEqual(
    state.users.map((u) => u.user_id),
    ['seeded', 'a'],
  );
  assert.deepEqual(
    state.channels.map((c) => [c.channel_url, c.members.length, c.messages.length]),
    [['seeded-channel', 1, 0]],
  );
  await fetch(`${emu.url}/__admin/reset`, { method: 'POST' });
  const after = (await (await fetch(`${emu.url}/__admin/state`)).json()) as { users: { user_id: string }[] };
  assert.deepEqual(
    after.users.map((u) => u.user_id),
    ['seeded'],
  );
});
