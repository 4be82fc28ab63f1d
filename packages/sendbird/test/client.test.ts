/** SendbirdClient against the Sendbird emulator over real HTTP (port 0). */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSendbirdEmulator, type RunningSendbirdEmulator } from '@sbsf/emulators/sendbird';
import {
  SendbirdAlreadyExistsError,
  SendbirdAuthError,
  SendbirdClient,
  type SendbirdClientOptions,
  SendbirdConnectionError,
  SendbirdError,
  SendbirdNotFoundError,
  SendbirdRateLimitError,
  withSendbirdPriority,
  type PriorityClass,
} from '../src/index.js';
import { manualClock } from './manual-clock.js';

let emu: RunningSendbirdEmulator;
/** Every wait the client asked for; the client never really sleeps in these tests. */
let sleeps: number[];

function client(extra: Partial<SendbirdClientOptions> = {}): SendbirdClient {
  return new SendbirdClient({
    appId: emu.appId,
    apiToken: emu.apiToken,
    baseUrl: emu.url,
    limiter: { enabled: false },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...extra,
  });
}

const calls = (key: string): number => emu.stats.get().byRoute[key] ?? 0;

before(async () => {
  emu = await startSendbirdEmulator({ apiToken: 'test-master-token', secondaryApiTokens: ['test-secondary'] });
});
after(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.faults.reset();
  sleeps = [];
});

async function seed(c: SendbirdClient): Promise<void> {
  await c.createUser({ user_id: 'customer-1', nickname: 'Jane', profile_url: '' });
  await c.createUser({ user_id: '005000000000001AAA', nickname: 'Agent A' });
  await c.createUser({ user_id: '005000000000002AAA', nickname: 'Agent B' });
}

describe('users and session tokens', () => {
  test('create, get, update, delete a user', async () => {
    const c = client();
    const created = await c.createUser({ user_id: 'u1', nickname: 'Una', metadata: { tier: 'gold' } });
    assert.equal(created.user_id, 'u1');
    assert.equal(created.profile_url, '', 'profile_url defaults to "" (required by Sendbird)');
    assert.deepEqual(created.metadata, { tier: 'gold' });
    assert.equal((await c.getUser('u1')).nickname, 'Una');
    const updated = await c.updateUser('u1', { nickname: 'Una B', profile_url: 'https://example.com/u1.png' });
    assert.equal(updated.nickname, 'Una B');
    assert.equal(updated.profile_url, 'https://example.com/u1.png');
    assert.deepEqual(await c.deleteUser('u1'), {});
    await assert.rejects(c.getUser('u1'), SendbirdNotFoundError);
  });

  test('issueSessionToken returns a token of a realistic length and the asked expiry', async () => {
    const c = client();
    await c.createUser({ user_id: 'u1', nickname: '' });
    const expiresAt = Date.now() + 3600_000;
    const t = await c.issueSessionToken('u1', { expiresAt });
    assert.equal(t.expires_at, expiresAt);
    assert.ok(t.token.length >= 119 && t.token.length <= 168, `length ${t.token.length}`);
    const dflt = await c.issueSessionToken('u1');
    assert.ok(dflt.expires_at > Date.now() + 6 * 24 * 3600_000, 'default lifetime is about 7 days');
    await assert.rejects(c.issueSessionToken('ghost'), SendbirdNotFoundError);
  });

  test('sends Api-Token and the documented Content-Type on every call', async () => {
    const seen: Headers[] = [];
    const c = client({
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers));
        return fetch(input, init);
      },
    });
    await c.createUser({ user_id: 'u1', nickname: 'x' });
    await c.getUser('u1');
    assert.equal(seen.length, 2);
    for (const h of seen) {
      assert.equal(h.get('api-token'), 'test-master-token');
      assert.equal(h.get('content-type'), 'application/json; charset=utf8');
    }
  });

  test('a secondary API token works too', async () => {
    const c = client({ apiToken: 'test-secondary' });
    await c.createUser({ user_id: 'u1', nickname: 'x' });
    assert.equal((await c.getUser('u1')).user_id, 'u1');
  });
});

describe('group channels and membership', () => {
  test('create, get, update, freeze, list and delete a channel', async () => {
    const c = client();
    await seed(c);
    const ch = await c.createGroupChannel({
      channel_url: '500000000000001AAA',
      user_ids: ['customer-1'],
      name: 'Case 00001001',
      custom_type: 'sf_case',
      data: '{"caseNumber":"00001001"}',
      is_distinct: false,
    });
    assert.equal(ch.channel_url, '500000000000001AAA');
    assert.equal(ch.members?.[0]?.user_id, 'customer-1');
    assert.equal(ch.is_distinct, false);
    const got = await c.getGroupChannel(ch.channel_url, { showMember: true });
    assert.equal(got.members?.length, 1);
    assert.equal((await c.getGroupChannel(ch.channel_url)).members, undefined, 'members only with show_member');
    assert.equal((await c.updateGroupChannel(ch.channel_url, { name: 'Renamed' })).name, 'Renamed');
    assert.equal((await c.freezeChannel(ch.channel_url, true)).freeze, true);
    assert.equal((await c.freezeChannel(ch.channel_url, false)).freeze, false);

    await c.createGroupChannel({
      channel_url: '500000000000002AAA',
      user_ids: ['customer-1', '005000000000001AAA'],
      custom_type: 'sf_case',
    });
    await c.createGroupChannel({ channel_url: 'other-channel', user_ids: ['005000000000002AAA'], custom_type: 'other' });
    const first = await c.listGroupChannels({ custom_types: ['sf_case'], limit: 1, show_member: true });
    assert.equal(first.channels.length, 1);
    assert.ok(first.next, 'a next token while more remain');
    const second = await c.listGroupChannels({ custom_types: ['sf_case'], limit: 1, token: first.next });
    assert.equal(second.channels.length, 1);
    assert.equal(second.next, '');
    assert.notEqual(first.channels[0]?.channel_url, second.channels[0]?.channel_url);
    const byUrl = await c.listGroupChannels({ channel_urls: ['other-channel', '500000000000001AAA'] });
    assert.deepEqual(byUrl.channels.map((x) => x.channel_url).sort(), ['500000000000001AAA', 'other-channel']);
    const withAgent = await c.listGroupChannels({ members_include_in: ['005000000000001AAA'] });
    assert.deepEqual(
      withAgent.channels.map((x) => x.channel_url),
      ['500000000000002AAA'],
    );

    assert.deepEqual(await c.deleteGroupChannel('other-channel'), {});
    await assert.rejects(c.getGroupChannel('other-channel'), SendbirdNotFoundError);
  });

  test('invite, check membership, list members, leave', async () => {
    const c = client();
    await seed(c);
    const url = '500000000000001AAA';
    await c.createGroupChannel({ channel_url: url, user_ids: ['customer-1'] });
    assert.deepEqual(await c.isMember(url, '005000000000001AAA'), { is_member: false, state: 'none' });
    const after = await c.inviteMembers(url, ['005000000000001AAA', '005000000000002AAA']);
    assert.equal(after.member_count, 3);
    assert.deepEqual(await c.isMember(url, '005000000000001AAA'), { is_member: true, state: 'joined' });
    const page1 = await c.listMembers(url, { limit: 2 });
    assert.equal(page1.members.length, 2);
    const page2 = await c.listMembers(url, { limit: 2, token: page1.next });
    assert.deepEqual(
      [...page1.members, ...page2.members].map((m) => m.user_id),
      ['customer-1', '005000000000001AAA', '005000000000002AAA'],
    );
    assert.deepEqual(await c.leaveMembers(url, ['005000000000001AAA']), {});
    assert.deepEqual(await c.isMember(url, '005000000000001AAA'), { is_member: false, state: 'none' });
    assert.equal((await c.listMembers(url)).members.length, 2);
  });
});

describe('messages', () => {
  test('send MESG, ADMM and FILE, list them by time and id, get, update, delete', async () => {
    const c = client();
    await seed(c);
    const url = '500000000000001AAA';
    await c.createGroupChannel({ channel_url: url, user_ids: ['customer-1', '005000000000001AAA'] });
    const m1 = await c.sendMessage(url, {
      message_type: 'MESG',
      user_id: 'customer-1',
      message: 'Hello',
      custom_type: 'chat',
      data: '{"a":1}',
    });
    assert.equal(m1.type, 'MESG');
    assert.equal(m1.user?.user_id, 'customer-1');
    assert.equal(m1.data, '{"a":1}');
    const m2 = await c.sendMessage(url, { message_type: 'ADMM', message: 'Agent A joined' });
    assert.equal(m2.type, 'ADMM');
    assert.equal(m2.user, undefined, 'admin messages have no sender');
    const m3 = await c.sendMessage(url, {
      message_type: 'FILE',
      user_id: '005000000000001AAA',
      url: 'https://example.com/invoice.pdf',
      file_name: 'invoice.pdf',
      file_type: 'application/pdf',
      file_size: 1234,
    });
    assert.deepEqual(m3.file, {
      url: 'https://example.com/invoice.pdf',
      name: 'invoice.pdf',
      type: 'application/pdf',
      size: 1234,
      data: '',
    });

    const all = await c.listMessages(url, { message_ts: m3.created_at, prev_limit: 10, next_limit: 10 });
    assert.deepEqual(
      all.messages.map((m) => m.message_id),
      [m1.message_id, m2.message_id, m3.message_id],
    );
    const before = await c.listMessages(url, { message_id: m2.message_id, prev_limit: 1, next_limit: 0, include: false });
    assert.deepEqual(
      before.messages.map((m) => m.message_id),
      [m1.message_id],
    );
    const afterIt = await c.listMessages(url, { message_ts: m1.created_at, prev_limit: 0, next_limit: 1 });
    assert.deepEqual(
      afterIt.messages.map((m) => m.message_id),
      [m2.message_id],
    );
    await assert.rejects(c.listMessages(url, {}), /message_ts or message_id/);

    assert.equal((await c.getMessage(url, m1.message_id)).message, 'Hello');
    const edited = await c.updateMessage(url, m1.message_id, { message: 'Hello!' });
    assert.equal(edited.message, 'Hello!');
    assert.ok(edited.updated_at > 0);
    assert.deepEqual(await c.deleteMessage(url, m1.message_id), {});
    await assert.rejects(c.getMessage(url, m1.message_id), SendbirdNotFoundError);
  });
});

describe('errors', () => {
  test('each Sendbird code maps to its class, and 4xx fail fast (one attempt, no wait)', async () => {
    const c = client();
    await seed(c);
    await c.createGroupChannel({ channel_url: 'channel-1', user_ids: ['customer-1'] });
    emu.stats.reset();

    const nf = await c.getUser('ghost').catch((e: unknown) => e);
    assert.ok(nf instanceof SendbirdNotFoundError);
    assert.equal(nf.status, 400);
    assert.equal(nf.code, 400201);

    const dupUser = await c.createUser({ user_id: 'customer-1', nickname: 'again' }).catch((e: unknown) => e);
    assert.ok(dupUser instanceof SendbirdAlreadyExistsError);
    assert.equal(dupUser.code, 400202);
    const dupChannel = await c.createGroupChannel({ channel_url: 'channel-1', user_ids: ['customer-1'] }).catch((e: unknown) => e);
    assert.ok(dupChannel instanceof SendbirdAlreadyExistsError);

    const missing = await c.createUser({ user_id: 'x' } as never).catch((e: unknown) => e);
    assert.ok(missing instanceof SendbirdError);
    assert.equal(missing.code, 400105);
    const badUrl = await c.createGroupChannel({ channel_url: 'bad url!', user_ids: [] }).catch((e: unknown) => e);
    assert.ok(badUrl instanceof SendbirdError);
    assert.equal(badUrl.code, 400111);

    const bad = client({ apiToken: 'not-the-token' });
    const auth = await bad.getUser('customer-1').catch((e: unknown) => e);
    assert.ok(auth instanceof SendbirdAuthError);
    assert.equal(auth.code, 400401);
    assert.doesNotMatch(auth.message, /not-the-token/, 'the token never appears in errors');

    assert.equal(emu.stats.get().total, 6, 'one call each: nothing was retried');
    assert.deepEqual(sleeps, []);
  });
});

describe('retries', () => {
  test('429 with X-RateLimit-RetryAfter ends in success after waiting what the header says', async () => {
    const c = client();
    await seed(c);
    await c.createGroupChannel({ channel_url: 'channel-1', user_ids: ['customer-1'] });
    emu.faults.set({ rules: [{ action: 'rateLimit', method: 'POST', path: '/messages$', times: 2, retryAfterMs: 1500 }] });
    emu.stats.reset();
    const m = await c.sendMessage('channel-1', { message_type: 'MESG', user_id: 'customer-1', message: 'hi' });
    assert.equal(m.message, 'hi');
    assert.equal(calls('POST /v3/group_channels/:channel_url/messages'), 3, 'two 429s, then the message');
    assert.deepEqual(sleeps, [1500, 1500], 'waited exactly X-RateLimit-RetryAfter each time');
    assert.equal(emu.store.channels.get('channel-1')?.messages.length, 1, 'sent once');
  });

  test('a rate limit that outlasts the attempts surfaces as SendbirdRateLimitError', async () => {
    const c = client({ retry: { maxAttempts: 2 } });
    emu.faults.set({ rules: [{ action: 'rateLimit', path: '^/v3/users', retryAfterMs: 250 }] });
    const e = await c.getUser('x').catch((err: unknown) => err);
    assert.ok(e instanceof SendbirdRateLimitError);
    assert.equal(e.retryAfterMs, 250);
    assert.equal(e.status, 429);
    assert.equal(e.code, 500910);
  });

  test('a share of 500s and dropped connections still ends in success', async () => {
    const c = client({ retry: { maxAttempts: 10 } });
    emu.faults.set({
      seed: 7,
      rules: [
        { action: 'error', path: '^/v3/users', probability: 0.3 },
        { action: 'drop', path: '^/v3/users', probability: 0.2 },
      ],
    });
    for (let i = 0; i < 20; i++) await c.createUser({ user_id: `user-${i}`, nickname: `User ${i}` });
    const fired = emu.faults.get().fired;
    assert.ok(fired.error > 0 && fired.drop > 0, `faults fired: ${JSON.stringify(fired)}`);
    assert.equal(emu.store.users.size, 20, 'every user exists once');
    assert.equal(calls('POST /v3/users'), 20 + fired.error + fired.drop, 'one retry per fault');
    assert.equal(sleeps.length, fired.error + fired.drop);
  });

  test('server errors are retried up to maxAttempts, then thrown', async () => {
    const c = client({ retry: { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 150 } });
    emu.faults.set({ rules: [{ action: 'error', path: '^/v3/users' }] });
    const e = await c.getUser('x').catch((err: unknown) => err);
    assert.ok(e instanceof SendbirdError);
    assert.equal(e.status, 500);
    assert.equal(e.code, 500901);
    assert.equal(calls('GET /v3/users/:user_id'), 3);
    assert.deepEqual(sleeps, [100, 150], 'capped exponential backoff');
  });

  test('no answer within timeoutMs is a connection error, retried', async () => {
    const c = client({ timeoutMs: 150 });
    await c.createUser({ user_id: 'u1', nickname: 'x' });
    emu.faults.set({ rules: [{ action: 'timeout', path: '^/v3/users/u1$', times: 1, timeoutMs: 2000 }] });
    assert.equal((await c.getUser('u1')).user_id, 'u1');
    assert.equal(calls('GET /v3/users/:user_id'), 2);
    emu.faults.set({ rules: [{ action: 'drop', path: '^/v3/users/u1$' }] });
    const once = client({ retry: { maxAttempts: 1 } });
    await assert.rejects(once.getUser('u1'), SendbirdConnectionError);
  });
});

describe('client-side pacing', () => {
  test('spreads capped calls at perSecond and leaves other calls alone', async () => {
    let now = 0;
    const waits: number[] = [];
    const c = client({
      limiter: { perSecond: 5 },
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await seed(c);
    await c.createGroupChannel({ channel_url: 'channel-1', user_ids: ['customer-1'] });
    now = 10_000;
    waits.length = 0;
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => c.sendMessage('channel-1', { message_type: 'MESG', user_id: 'customer-1', message: `m${i}` })),
    );
    assert.deepEqual(waits, [200, 400, 600, 800, 1000, 1200, 1400], 'the first at once, then one every 200 ms: never 6 in one second');
    assert.equal(emu.store.channels.get('channel-1')?.messages.length, 8);
    waits.length = 0;
    await Promise.all(Array.from({ length: 8 }, () => c.getGroupChannel('channel-1')));
    assert.deepEqual(waits, [], 'reads are not capped');
  });

  test('a 429 on a capped endpoint pauses its scheduler until X-RateLimit-RetryAfter; the retry waits for its slot there', async () => {
    let now = 10_000;
    const c = client({
      limiter: { perSecond: 5 },
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    await seed(c);
    await c.createGroupChannel({ channel_url: 'channel-1', user_ids: ['customer-1'] });
    now += 10_000;
    sleeps = [];
    emu.faults.set({ rules: [{ action: 'rateLimit', method: 'POST', path: '/messages$', times: 2, retryAfterMs: 1500 }] });
    const m = await c.sendMessage('channel-1', { message_type: 'MESG', user_id: 'customer-1', message: 'hi' });
    assert.equal(m.message, 'hi');
    assert.equal(calls('POST /v3/group_channels/:channel_url/messages'), 3, 'two 429s, then the message');
    assert.deepEqual(sleeps, [1500, 1500], 'the pauses, and no backoff on top of them');
  });

  test('a capped call takes the class of the work it runs in (withSendbirdPriority)', async () => {
    const clock = manualClock(1_000_000);
    const c = client({ limiter: { perSecond: 1 }, now: clock.now, sleep: clock.sleep });
    await client().createUser({ user_id: 'customer-1', nickname: 'Jane', profile_url: '' });
    const order: PriorityClass[] = [];
    c.pacing.onGranted((g) => order.push(g.class));
    const create = (url: string, cls?: PriorityClass) => {
      const call = () => c.createGroupChannel({ channel_url: url, user_ids: ['customer-1'] });
      return cls ? withSendbirdPriority({ class: cls }, call) : call();
    };
    await create('first', 'sweep');
    // Both wait for the next slot; the sweep's asked first.
    const sweep = create('swept', 'sweep');
    const unset = create('no-class');
    const ticket = create('ticket', 'ticket');
    // One slot a second; each call is answered before the next slot comes.
    await clock.advance(1_000);
    await ticket;
    await clock.advance(1_000);
    await unset;
    await clock.advance(1_000);
    await sweep;
    assert.deepEqual(order, ['sweep', 'ticket', 'membership', 'sweep'], 'ticket, then the default class, then the sweep');
    assert.deepEqual([...emu.store.channels.keys()], ['first', 'ticket', 'no-class', 'swept'], 'the order Sendbird saw');
  });

  test('can be turned off', async () => {
    const now = 0;
    const waits: number[] = [];
    const c = client({ limiter: { perSecond: 1, enabled: false }, now: () => now, sleep: async (ms) => void waits.push(ms) });
    await seed(c);
    await c.createGroupChannel({ channel_url: 'channel-1', user_ids: ['customer-1'] });
    await c.createGroupChannel({ channel_url: 'channel-2', user_ids: ['customer-1'] });
    assert.deepEqual(waits, []);
  });
});

describe('options', () => {
  test('are validated with actionable messages', () => {
    assert.throws(() => new SendbirdClient({ appId: '', apiToken: 't' }), /\[sendbird\] appId is required/);
    assert.throws(() => new SendbirdClient({ appId: 'A1', apiToken: '' }), /\[sendbird\] apiToken is required/);
    assert.throws(() => new SendbirdClient({ appId: 'bad/app', apiToken: 't' }), /\[sendbird\] appId may only hold/);
    assert.throws(() => new SendbirdClient({ appId: 'A1', apiToken: 't', baseUrl: 'nope' }), /\[sendbird\] baseUrl must be/);
    assert.throws(() => new SendbirdClient({ appId: 'A1', apiToken: 't', timeoutMs: 0 }), /timeoutMs must be/);
    assert.throws(() => new SendbirdClient({ appId: 'A1', apiToken: 't', limiter: { perSecond: 0 } }), /limiter\.perSecond/);
    assert.throws(
      () => new SendbirdClient({ appId: 'A1', apiToken: 'secret-xyz', retry: { maxAttempts: 0 } }),
      (e: Error) => /retry\.maxAttempts/.test(e.message) && !e.message.includes('secret-xyz'),
    );
  });

  test('baseUrl defaults to the application host', () => {
    assert.equal(new SendbirdClient({ appId: 'ABC-123', apiToken: 't' }).baseUrl, 'https://api-ABC-123.sendbird.com');
    assert.equal(new SendbirdClient({ appId: 'A', apiToken: 't', baseUrl: 'http://127.0.0.1:9/v3/' }).baseUrl, 'http://127.0.0.1:9');
  });
});
