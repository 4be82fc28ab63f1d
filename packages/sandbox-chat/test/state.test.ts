/** The pane's reducer: feed frames, REST answers and sends, without a browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedChannelSummary, FeedMessage } from '../src/protocol.js';
import { channelEntry } from '../src/list-entry.js';
import { chatReducer, initialChatState, mergeMessages, sortedChannels, type ChatAction, type ChatState } from '../src/state.js';

const me = { user_id: 'guest-1', nickname: 'Jane', profile_url: '' };
const agent = { user_id: '005000000000001AAA', nickname: 'Alex', profile_url: '' };

function msg(id: number, from: typeof me | undefined, text: string, at = 1_000 * id, extra: Partial<FeedMessage> = {}): FeedMessage {
  return {
    message_id: id,
    type: from ? 'MESG' : 'ADMM',
    message: text,
    channel_url: 'case-1',
    custom_type: '',
    data: '',
    created_at: at,
    updated_at: 0,
    ...(from ? { user: from } : {}),
    ...extra,
  };
}

function channel(url: string, extra: Partial<FeedChannelSummary> = {}): FeedChannelSummary {
  return {
    channel_url: url,
    name: `Case ${url}`,
    custom_type: 'sf_case',
    data: '',
    freeze: false,
    created_at: 1,
    member_count: 1,
    members: [{ ...me, state: 'joined' }],
    my_state: 'joined',
    unread_message_count: 0,
    last_message: null,
    ...extra,
  };
}

const run = (actions: ChatAction[], from: ChatState = initialChatState): ChatState => actions.reduce(chatReducer, from);

const ready: ChatAction = { type: 'frame', frame: { type: 'ready', user: me, expires_at: 9e12, total_unread_count: 2 } };

test('ready sets who I am and the total unread count', () => {
  const s = run([ready]);
  assert.deepEqual(s.me, me);
  assert.equal(s.totalUnread, 2);
});

test('a loaded channel receives feed messages once each, oldest first, edits replace, deletes remove', () => {
  let s = run([
    ready,
    { type: 'channels_loaded', channels: [channel('case-1')] },
    { type: 'messages_loaded', channelUrl: 'case-1', messages: [msg(1, me, 'hi'), msg(2, agent, 'hello')], page: 'latest', pageSize: 50 },
  ]);
  // The same message twice (REST answer and feed frame) and one arriving out of order.
  s = run(
    [
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(4, agent, 'four') } },
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(3, me, 'three') } },
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(4, agent, 'four') } },
    ],
    s,
  );
  assert.deepEqual(
    s.messages['case-1']?.items.map((m) => m.message_id),
    [1, 2, 3, 4],
  );
  s = run(
    [
      {
        type: 'frame',
        frame: { type: 'message', event: 'updated', channel_url: 'case-1', message: msg(2, agent, 'hello!', 2000, { updated_at: 5000 }) },
      },
    ],
    s,
  );
  assert.equal(s.messages['case-1']?.items[1]?.message, 'hello!');
  // A stale copy must not undo the edit.
  s = run([{ type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(2, agent, 'hello') } }], s);
  assert.equal(s.messages['case-1']?.items[1]?.message, 'hello!');
  s = run([{ type: 'frame', frame: { type: 'message', event: 'deleted', channel_url: 'case-1', message: msg(3, me, 'three') } }], s);
  assert.deepEqual(
    s.messages['case-1']?.items.map((m) => m.message_id),
    [1, 2, 4],
  );
});

test("per-channel unread counts grow with others' messages only, and reset when marked read", () => {
  let s = run([ready, { type: 'channels_loaded', channels: [channel('case-1'), channel('case-2')] }]);
  s = run(
    [
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(1, agent, 'a') } },
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(2, undefined, 'Alex joined') } },
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(3, me, 'mine') } },
      { type: 'frame', frame: { type: 'unread', total_unread_count: 2 } },
    ],
    s,
  );
  // My own message means I have read the channel (the server moves my read mark on send).
  assert.equal(s.channels['case-1']?.unread_message_count, 0);
  s = run([{ type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(4, agent, 'b') } }], s);
  assert.equal(s.channels['case-1']?.unread_message_count, 1);
  assert.equal(s.channels['case-1']?.last_message?.message_id, 4);
  assert.equal(s.totalUnread, 2);
  s = run([{ type: 'marked_read', channelUrl: 'case-1', totalUnread: 0 }], s);
  assert.equal(s.channels['case-1']?.unread_message_count, 0);
  assert.equal(s.totalUnread, 0);
  // Messages of a channel whose history is not loaded only touch its summary.
  assert.equal(s.messages['case-1'], undefined);
});

test('channels appear on join or invite and go when I leave or the channel is deleted; latest activity first', () => {
  let s = run([ready, { type: 'channels_loaded', channels: [channel('case-1', { created_at: 10 })] }]);
  s = run(
    [
      {
        type: 'frame',
        frame: {
          type: 'channel',
          event: 'invited',
          channel_url: 'case-2',
          user_ids: [me.user_id],
          channel: channel('case-2', { created_at: 20, my_state: 'invited' }),
        },
      },
    ],
    s,
  );
  assert.deepEqual(
    sortedChannels(s).map((c) => c.channel_url),
    ['case-2', 'case-1'],
  );
  s = run([{ type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(1, agent, 'x', 30) } }], s);
  assert.deepEqual(
    sortedChannels(s).map((c) => c.channel_url),
    ['case-1', 'case-2'],
  );
  s = run(
    [
      {
        type: 'frame',
        frame: {
          type: 'channel',
          event: 'left',
          channel_url: 'case-1',
          user_ids: [me.user_id],
          channel: channel('case-1', { my_state: 'none' }),
        },
      },
    ],
    s,
  );
  s = run(
    [
      {
        type: 'frame',
        frame: { type: 'channel', event: 'frozen', channel_url: 'case-2', user_ids: [], channel: channel('case-2', { freeze: true }) },
      },
    ],
    s,
  );
  assert.deepEqual(Object.keys(s.channels), ['case-2']);
  assert.equal(s.channels['case-2']?.freeze, true);
  s = run(
    [{ type: 'frame', frame: { type: 'channel', event: 'deleted', channel_url: 'case-2', user_ids: [], channel: channel('case-2') } }],
    s,
  );
  assert.deepEqual(s.channels, {});
});

test('a send is pending, then replaced by the confirmed message; a failure is kept for retry or held for a new session', () => {
  let s = run([ready, { type: 'messages_loaded', channelUrl: 'case-1', messages: [], page: 'latest', pageSize: 50 }]);
  s = run([{ type: 'send_started', channelUrl: 'case-1', localId: 'l1', text: 'hello', at: 5 }], s);
  assert.deepEqual(
    s.pending['case-1']?.map((p) => [p.text, p.status]),
    [['hello', 'sending']],
  );
  s = run([{ type: 'send_succeeded', channelUrl: 'case-1', localId: 'l1', message: msg(7, me, 'hello') }], s);
  assert.deepEqual(s.pending['case-1'], []);
  assert.deepEqual(
    s.messages['case-1']?.items.map((m) => m.message),
    ['hello'],
  );

  s = run(
    [
      { type: 'send_started', channelUrl: 'case-1', localId: 'l2', text: 'again', at: 6 },
      { type: 'send_failed', channelUrl: 'case-1', localId: 'l2', error: 'chat service down', waitingForSession: false },
      { type: 'send_started', channelUrl: 'case-1', localId: 'l3', text: 'later', at: 7 },
      { type: 'send_failed', channelUrl: 'case-1', localId: 'l3', error: 'expired', waitingForSession: true },
    ],
    s,
  );
  assert.deepEqual(
    s.pending['case-1']?.map((p) => [p.localId, p.status]),
    [
      ['l2', 'failed'],
      ['l3', 'waiting_session'],
    ],
  );
  // A retry reuses the local id: still one pending entry.
  s = run([{ type: 'send_started', channelUrl: 'case-1', localId: 'l2', text: 'again', at: 8 }], s);
  assert.deepEqual(
    s.pending['case-1']?.map((p) => [p.localId, p.status]),
    [
      ['l3', 'waiting_session'],
      ['l2', 'sending'],
    ],
  );
});

test("my own message arriving on the feed before the send's answer replaces its pending copy (shown once)", () => {
  let s = run([ready, { type: 'messages_loaded', channelUrl: 'case-1', messages: [], page: 'latest', pageSize: 50 }]);
  s = run(
    [
      { type: 'send_started', channelUrl: 'case-1', localId: 'a', text: 'same', at: 1 },
      { type: 'send_started', channelUrl: 'case-1', localId: 'b', text: 'same', at: 2 },
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(9, me, 'same') } },
    ],
    s,
  );
  assert.deepEqual(
    s.pending['case-1']?.map((p) => p.localId),
    ['b'],
    'one pending copy retired per confirmed message',
  );
  assert.deepEqual(
    s.messages['case-1']?.items.map((m) => m.message_id),
    [9],
  );
  // The late answer for `a` changes nothing visible; `b` is confirmed by its own answer.
  s = run(
    [
      { type: 'send_succeeded', channelUrl: 'case-1', localId: 'a', message: msg(9, me, 'same') },
      { type: 'send_succeeded', channelUrl: 'case-1', localId: 'b', message: msg(10, me, 'same') },
    ],
    s,
  );
  assert.deepEqual(s.pending['case-1'], []);
  assert.deepEqual(
    s.messages['case-1']?.items.map((m) => m.message_id),
    [9, 10],
  );
  // Someone else's message with the same text does not touch my pending sends.
  s = run(
    [
      { type: 'send_started', channelUrl: 'case-1', localId: 'c', text: 'hi', at: 3 },
      { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(11, agent, 'hi') } },
    ],
    s,
  );
  assert.deepEqual(
    s.pending['case-1']?.map((p) => p.localId),
    ['c'],
  );
});

test('paging: a full first page means older messages may exist; a short older page ends it; a catch-up page keeps it', () => {
  const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => msg(from + i, agent, `m${from + i}`));
  let s = run([{ type: 'messages_loading', channelUrl: 'c' }]);
  assert.equal(s.messages.c?.loading, true);
  s = run([{ type: 'messages_loaded', channelUrl: 'c', messages: page(11, 10), page: 'latest', pageSize: 10 }], s);
  assert.equal(s.messages.c?.hasMore, true);
  s = run([{ type: 'messages_loaded', channelUrl: 'c', messages: page(21, 3), page: 'latest', pageSize: 10 }], s);
  assert.equal(s.messages.c?.hasMore, true, 'a catch-up after a reconnect says nothing about older messages');
  s = run([{ type: 'messages_loaded', channelUrl: 'c', messages: page(5, 6), page: 'older', pageSize: 10 }], s);
  assert.equal(s.messages.c?.hasMore, false);
  assert.equal(s.messages.c?.items.length, 19);
  assert.equal(s.messages.c?.items[0]?.message_id, 5);
  s = run([{ type: 'messages_failed', channelUrl: 'c', error: 'boom' }], s);
  assert.equal(s.messages.c?.error, 'boom');
  assert.equal(s.messages.c?.items.length, 19, 'a failed load keeps what is shown');
});

test('connection status and channel list loading states', () => {
  let s = run([{ type: 'connection', status: 'reconnecting', detail: { attempt: 2, delayMs: 900 } }]);
  assert.equal(s.connection, 'reconnecting');
  assert.equal(s.connectionDetail?.delayMs, 900);
  s = run([{ type: 'channels_loading' }, { type: 'channels_failed', error: 'down' }], s);
  assert.equal(s.channelsLoading, false);
  assert.equal(s.channelsError, 'down');
  s = run([{ type: 'channels_loading' }, { type: 'channels_loaded', channels: [channel('a'), channel('b', { my_state: 'none' })] }], s);
  assert.equal(s.channelsError, undefined);
  assert.deepEqual(Object.keys(s.channels), ['a']);
});

test('mergeMessages returns the same array when nothing arrives', () => {
  const items = [msg(1, me, 'x')];
  assert.equal(mergeMessages(items, []), items);
});

test('a channel I leave (my Case went to another agent) leaves the list but stays readable; being added again makes it live', () => {
  const url = 'case-1';
  const s = run([
    ready,
    { type: 'channels_loaded', channels: [channel(url)] },
    { type: 'messages_loaded', channelUrl: url, messages: [msg(1, agent, 'hello')], page: 'latest', pageSize: 50 },
    {
      type: 'frame',
      frame: {
        type: 'channel',
        event: 'left',
        channel_url: url,
        user_ids: [me.user_id],
        channel: channel(url, { my_state: 'none', members: [] }),
      },
    },
  ]);
  assert.equal(s.channels[url], undefined, 'gone from the list');
  assert.equal(s.departed[url]?.my_state, 'none', 'kept as departed');
  assert.deepEqual(
    s.messages[url]?.items.map((m) => m.message),
    ['hello'],
    'its messages are kept',
  );
  // Another member leaving is no news about me.
  const other = run([
    ready,
    { type: 'channels_loaded', channels: [channel(url)] },
    { type: 'frame', frame: { type: 'channel', event: 'left', channel_url: url, user_ids: [agent.user_id], channel: channel(url) } },
  ]);
  assert.deepEqual(other.departed, {});
  assert.ok(other.channels[url]);
  const back = run(
    [{ type: 'frame', frame: { type: 'channel', event: 'invited', channel_url: url, user_ids: [me.user_id], channel: channel(url) } }],
    s,
  );
  assert.deepEqual(back.departed, {});
  assert.ok(back.channels[url]);
});

test('a silent message (a notice) is shown but changes neither the unread count nor the last message', () => {
  const url = 'case-1';
  const loud = msg(1, agent, 'hello');
  const s = run([
    ready,
    { type: 'channels_loaded', channels: [channel(url)] },
    { type: 'messages_loaded', channelUrl: url, messages: [], page: 'latest', pageSize: 50 },
    { type: 'frame', frame: { type: 'message', event: 'sent', channel_url: url, message: loud } },
    {
      type: 'frame',
      frame: { type: 'message', event: 'sent', channel_url: url, message: msg(2, undefined, 'Ava Agent joined', 2_000, { silent: true }) },
    },
  ]);
  assert.deepEqual(
    s.messages[url]?.items.map((m) => m.message),
    ['hello', 'Ava Agent joined'],
  );
  assert.equal(s.channels[url]?.unread_message_count, 1);
  assert.equal(s.channels[url]?.last_message?.message_id, 1);
});

test('typing frames say who types per channel; a read receipt moves a member read mark forward only', () => {
  const url = 'case-1';
  const withAgent = channel(url, {
    members: [
      { ...me, state: 'joined' },
      { ...agent, state: 'joined', read_ts: 5_000 },
    ],
  });
  let s = run([ready, { type: 'channels_loaded', channels: [withAgent] }]);
  s = run([{ type: 'frame', frame: { type: 'typing', channel_url: url, user_ids: [agent.user_id] } }], s);
  assert.deepEqual(s.typing[url], [agent.user_id]);
  s = run([{ type: 'frame', frame: { type: 'typing', channel_url: url, user_ids: [] } }], s);
  assert.deepEqual(s.typing[url], []);
  s = run([{ type: 'frame', frame: { type: 'read', channel_url: url, user_id: agent.user_id, read_ts: 9_000 } }], s);
  assert.equal(s.channels[url]?.members.find((m) => m.user_id === agent.user_id)?.read_ts, 9_000);
  s = run([{ type: 'frame', frame: { type: 'read', channel_url: url, user_id: agent.user_id, read_ts: 7_000 } }], s);
  assert.equal(s.channels[url]?.members.find((m) => m.user_id === agent.user_id)?.read_ts, 9_000, 'a late, older receipt changes nothing');
});

test("a channel 'updated' frame replaces the channel's data (the list shows the new status); the latest user message is kept apart from admin messages", () => {
  const data = (status: string, closed: boolean) =>
    JSON.stringify({ caseNumber: '1', subject: 'Refund', customerId: me.user_id, status, closed });
  const c = channel('case-1', { data: data('New', false), created_at: 500 });
  let s = run([ready, { type: 'channels_loaded', channels: [c] }]);
  assert.equal(channelEntry(s.channels['case-1']!).waitingSince, 500, 'nobody wrote yet: waiting since creation');
  s = run([{ type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(1, me, 'Hello?', 2_000) } }], s);
  assert.equal(channelEntry(s.channels['case-1']!).waitingSince, 2_000, 'the customer wrote');
  s = run(
    [{ type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(2, undefined, 'Ben joined', 3_000) } }],
    s,
  );
  assert.equal(s.channels['case-1']!.last_message?.type, 'ADMM');
  assert.equal(channelEntry(s.channels['case-1']!).waitingSince, 2_000, 'an admin message is no answer');
  s = run([{ type: 'frame', frame: { type: 'message', event: 'sent', channel_url: 'case-1', message: msg(3, agent, 'On it', 4_000) } }], s);
  assert.equal(channelEntry(s.channels['case-1']!).waitingSince, undefined, 'an agent answered');

  const updated = { ...s.channels['case-1']!, data: data('Closed', true) };
  s = run([{ type: 'frame', frame: { type: 'channel', event: 'updated', channel_url: 'case-1', user_ids: [], channel: updated } }], s);
  const entry = channelEntry(s.channels['case-1']!);
  assert.deepEqual([entry.title, entry.status, entry.closed], ['Refund', 'Closed', true]);
});

test('list reads: only the newest read is applied, and what the feed said of a channel while it was under way is kept', () => {
  const invited = channel('case-2', { created_at: 20 });
  // Read 1 (before the feed was ready) is under way when read 2 starts; 2 answers first.
  let s = run([
    ready,
    { type: 'channels_loading', load: 1 },
    { type: 'channels_loading', load: 2 },
    { type: 'channels_loaded', channels: [channel('case-1'), invited], load: 2 },
  ]);
  assert.deepEqual(Object.keys(s.channels).sort(), ['case-1', 'case-2']);
  s = run([{ type: 'channels_loaded', channels: [channel('case-1')], load: 1 }], s);
  assert.deepEqual(Object.keys(s.channels).sort(), ['case-1', 'case-2'], 'the older answer, coming late, changes nothing');
  s = run([{ type: 'channels_failed', error: 'late', load: 1 }], s);
  assert.equal(s.channelsError, undefined, 'nor does its failure');

  // During read 3 the feed says case-3 was joined and case-1 left; the read answers without them.
  s = run(
    [
      { type: 'channels_loading', load: 3 },
      {
        type: 'frame',
        frame: { type: 'channel', event: 'joined', channel_url: 'case-3', user_ids: ['guest-1'], channel: channel('case-3') },
      },
      {
        type: 'frame',
        frame: {
          type: 'channel',
          event: 'left',
          channel_url: 'case-1',
          user_ids: ['guest-1'],
          channel: channel('case-1', { my_state: 'none' }),
        },
      },
      { type: 'channels_loaded', channels: [channel('case-1'), invited], load: 3 },
    ],
    s,
  );
  assert.deepEqual(Object.keys(s.channels).sort(), ['case-2', 'case-3'], 'the feed, newer than the read, wins');
  assert.ok(s.departed['case-1'], 'case-1 stays readable as left');

  // Once the read has answered, a later read is applied as it is.
  s = run(
    [
      { type: 'channels_loading', load: 4 },
      { type: 'channels_loaded', channels: [invited], load: 4 },
    ],
    s,
  );
  assert.deepEqual(Object.keys(s.channels), ['case-2']);
});
