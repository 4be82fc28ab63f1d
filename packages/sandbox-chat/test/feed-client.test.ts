/**
 * The feed client against the real Sendbird emulator (WebSocket from `ws`, since Node 20 has no
 * global one): auth in the first frame, frames delivered, reconnect after a drop, a clear
 * `session_expired` stop on an expired token and a reconnect once a new token is set; and why the
 * pane reads its list again when the feed opens (catch-up.ts).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { startSendbirdEmulator, type RunningSendbirdEmulator } from '@sbsf/emulators/sendbird';
import { waitFor } from '@sbsf/testkit';
import { WebSocket } from 'ws';
import { backoffDelay, INITIAL_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS } from '../src/backoff.js';
import { catchUpAfter } from '../src/catch-up.js';
import { closeAction, FeedClient, type FeedStatusEvent, type WebSocketLike } from '../src/feed-client.js';
import { feedUrlFor, FeedCloseCode, type FeedServerFrame } from '../src/protocol.js';
import { SandboxRestClient } from '../src/rest-client.js';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from '../src/state.js';

let emu: RunningSendbirdEmulator;
let sb: SendbirdClient;

before(async () => {
  emu = await startSendbirdEmulator({});
  sb = new SendbirdClient({ appId: emu.appId, apiToken: emu.apiToken, baseUrl: emu.url, limiter: { enabled: false } });
});
after(() => emu.close());
beforeEach(async () => {
  emu.reset();
  await sb.createUser({ user_id: 'guest-1', nickname: 'Jane', profile_url: '' });
  await sb.createUser({ user_id: 'agent', nickname: 'Alex', profile_url: '' });
  await sb.createGroupChannel({ channel_url: 'case-1', user_ids: ['guest-1', 'agent'], name: 'Case 1' });
});

const token = async (userId = 'guest-1'): Promise<string> =>
  (await sb.issueSessionToken(userId, { expiresAt: Date.now() + 3600_000 })).token;

/** Remembers every URL it opened, to prove the token never travels in one. */
function recordingFactory(urls: string[]) {
  return (url: string): WebSocketLike => {
    urls.push(url);
    return new WebSocket(url) as unknown as WebSocketLike;
  };
}

function harness(tok: string, urls: string[] = []) {
  const frames: FeedServerFrame[] = [];
  const statuses: FeedStatusEvent[] = [];
  const feed = new FeedClient({
    url: feedUrlFor(emu.url),
    token: tok,
    createSocket: recordingFactory(urls),
    onFrame: (f) => frames.push(f),
    onStatus: (e) => statuses.push(e),
    // Keeps the reconnect waits short without changing the rules.
    random: () => 0,
  });
  const seen = (s: FeedStatusEvent['status'], from = 0) => waitFor(`status ${s}`, () => statuses.slice(from).find((e) => e.status === s));
  return { feed, frames, statuses, seen };
}

test('pure rules: which close codes reconnect, and the capped jittered backoff', () => {
  assert.equal(closeAction(FeedCloseCode.TokenExpired), 'session_expired');
  assert.equal(closeAction(FeedCloseCode.InvalidToken), 'session_expired');
  assert.equal(closeAction(FeedCloseCode.ProtocolError), 'fatal');
  for (const code of [1001, 1006, 1011, FeedCloseCode.AuthTimeout]) assert.equal(closeAction(code), 'reconnect');
  assert.equal(
    backoffDelay(1, () => 0),
    INITIAL_RETRY_DELAY_MS / 2,
  );
  assert.equal(
    backoffDelay(1, () => 0.999999),
    INITIAL_RETRY_DELAY_MS,
  );
  assert.equal(
    backoffDelay(2, () => 0.999999),
    INITIAL_RETRY_DELAY_MS * 2,
  );
  assert.equal(
    backoffDelay(50, () => 0.999999),
    MAX_RETRY_DELAY_MS,
  );
  assert.equal(
    backoffDelay(50, () => 0),
    MAX_RETRY_DELAY_MS / 2,
  );
  assert.equal(feedUrlFor('http://127.0.0.1:8081'), 'ws://127.0.0.1:8081/sandbox/feed');
  assert.equal(feedUrlFor('https://sandbox.example.com/'), 'wss://sandbox.example.com/sandbox/feed');
});

test('authenticates in the first frame (never in the URL) and delivers messages sent through the Platform API', async (t) => {
  const tok = await token();
  const urls: string[] = [];
  const h = harness(tok, urls);
  t.after(() => h.feed.stop());
  h.feed.start();
  await h.seen('open');
  const ready = h.frames.find((f) => f.type === 'ready');
  assert.equal(ready?.type === 'ready' && ready.user.user_id, 'guest-1');
  assert.ok(
    urls.every((u) => !u.includes(tok)),
    'the token is not in the URL',
  );
  await sb.sendMessage('case-1', { message_type: 'MESG', user_id: 'agent', message: 'Hello from the agent' });
  const m = await waitFor('the message frame', () => h.frames.find((f) => f.type === 'message'));
  assert.equal(m.type === 'message' && m.message.message, 'Hello from the agent');
  assert.equal(m.type === 'message' && m.message.user?.nickname, 'Alex');
});

test('a dropped connection is reconnected with backoff, on the same token', async (t) => {
  const h = harness(await token());
  t.after(() => h.feed.stop());
  h.feed.start();
  await h.seen('open');
  const mark = h.statuses.length;
  emu.feed.disconnectAll(); // closes with 1001, as a restart would; tokens stay valid
  const rec = await h.seen('reconnecting', mark);
  assert.equal(rec.closeCode, 1001);
  assert.equal(rec.attempt, 1);
  await h.seen('open', mark);
  assert.equal(h.feed.currentStatus, 'open');
});

test('an expired token stops with session_expired; a new token reconnects at once', async (t) => {
  const h = harness(await token());
  t.after(() => h.feed.stop());
  h.feed.start();
  await h.seen('open');
  const mark = h.statuses.length;
  emu.expireSessions('guest-1');
  const expired = await h.seen('session_expired', mark);
  assert.equal(expired.closeCode, FeedCloseCode.TokenExpired);
  assert.ok(!h.statuses.slice(mark).some((s) => s.status === 'reconnecting'), 'no blind reconnect on a dead token');
  const mark2 = h.statuses.length;
  h.feed.setToken(await token());
  await h.seen('open', mark2);
});

test('a token renewed while connected is used by the reconnect when the old one runs out', async (t) => {
  // A short-lived token the emulator itself expires while the socket is open (close 4002).
  const short = (await sb.issueSessionToken('guest-1', { expiresAt: Date.now() + 1500 })).token;
  const h = harness(short);
  t.after(() => h.feed.stop());
  h.feed.start();
  await h.seen('open');
  const mark = h.statuses.length;
  h.feed.setToken(await token());
  const rec = await h.seen('reconnecting', mark);
  assert.equal(rec.closeCode, FeedCloseCode.TokenExpired);
  await h.seen('open', mark);
  assert.ok(!h.statuses.slice(mark).some((s) => s.status === 'session_expired'));
});

test('an unknown token is a session_expired stop too; stop() ends everything', async (t) => {
  const h = harness('not-a-token');
  t.after(() => h.feed.stop());
  h.feed.start();
  const e = await h.seen('session_expired');
  assert.equal(e.closeCode, FeedCloseCode.InvalidToken);
  h.feed.stop();
  assert.equal(h.feed.currentStatus, 'stopped');
  assert.throws(() => new FeedClient({ url: 'http://x', token: 't', onFrame: () => {}, onStatus: () => {} }), /ws:\/\/ or wss:\/\//);
});

test('a channel the agent joins between the list read and the feed being ready is in no frame; the read after open brings it', async (t) => {
  const tok = await token('agent');
  const rest = new SandboxRestClient({ apiHost: emu.url, token: tok });
  let state: ChatState = initialChatState;
  const readList = async (load: number): Promise<void> => {
    for (const a of [
      { type: 'channels_loading', load },
      { type: 'channels_loaded', channels: await rest.channels(), load },
    ] as ChatAction[])
      state = chatReducer(state, a);
  };

  // The panel reads the list while its feed is still connecting; meanwhile the bridge puts the
  // agent in a second Case's channel.
  await readList(1);
  assert.deepEqual(Object.keys(state.channels), ['case-1']);
  await sb.createUser({ user_id: 'guest-2', nickname: 'Kim', profile_url: '' });
  await sb.createGroupChannel({ channel_url: 'case-2', user_ids: ['guest-2'], name: 'Case 2' });
  await sb.inviteMembers('case-2', ['agent']);

  const h = harness(tok);
  t.after(() => h.feed.stop());
  h.feed.start();
  await h.seen('open');
  for (const frame of h.frames) state = chatReducer(state, { type: 'frame', frame });
  assert.equal(
    h.frames.some((f) => 'channel_url' in f && f.channel_url === 'case-2'),
    false,
    'the join came before the feed was ready: no frame tells of it',
  );
  assert.equal(state.channels['case-2'], undefined, 'so the feed alone leaves the list without it');
  const plans = h.statuses.map((e) => catchUpAfter(e.status, { list: true, openChannels: [] })).filter((p) => p !== null);
  assert.deepEqual(plans, [{ channels: true, channelUrls: [] }], 'the first open reads the list again, once');
  await readList(2);
  assert.deepEqual(Object.keys(state.channels).sort(), ['case-1', 'case-2']);
});
