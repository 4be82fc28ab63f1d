/** Message layout: day separators, admin messages apart, sender groups. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GROUP_GAP_MS, groupMessages, senderName } from '../src/grouping.js';
import type { FeedMessage } from '../src/protocol.js';

const jane = { user_id: 'guest-1', nickname: 'Jane', profile_url: '' };
const alex = { user_id: '005000000000001AAA', nickname: 'Alex', profile_url: '' };
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const T = Date.UTC(2025, 0, 15, 9, 0, 0);

function m(id: number, from: typeof jane | undefined, at: number): FeedMessage {
  return {
    message_id: id,
    type: from ? 'MESG' : 'ADMM',
    message: `m${id}`,
    channel_url: 'c',
    custom_type: '',
    data: '',
    created_at: at,
    updated_at: 0,
    ...(from ? { user: from } : {}),
  };
}

test('consecutive messages of one sender within the gap share a group; mine are marked', () => {
  const rows = groupMessages([m(1, jane, T), m(2, jane, T + 60_000), m(3, alex, T + 120_000), m(4, jane, T + 180_000)], {
    myUserId: jane.user_id,
    dayOf: day,
  });
  assert.deepEqual(
    rows.map((r) => (r.kind === 'group' ? [r.kind, r.senderName, r.mine, r.messages.map((x) => x.message_id)] : [r.kind])),
    [['day'], ['group', 'Jane', true, [1, 2]], ['group', 'Alex', false, [3]], ['group', 'Jane', true, [4]]],
  );
});

test('a long pause, an admin message or a new day starts a new group', () => {
  const rows = groupMessages(
    [
      m(1, alex, T),
      m(2, alex, T + GROUP_GAP_MS + 1),
      m(3, undefined, T + GROUP_GAP_MS + 2),
      m(4, alex, T + GROUP_GAP_MS + 3),
      m(5, alex, T + 86_400_000),
    ],
    { myUserId: jane.user_id, dayOf: day },
  );
  assert.deepEqual(
    rows.map(
      (r) =>
        `${r.kind}:${r.kind === 'group' ? r.messages.map((x) => x.message_id).join(',') : r.kind === 'admin' ? r.message.message_id : r.day}`,
    ),
    ['day:2025-01-15', 'group:1', 'group:2', 'admin:3', 'group:4', 'day:2025-01-16', 'group:5'],
  );
  // Keys are unique, so React can keep rows apart.
  assert.equal(new Set(rows.map((r) => r.key)).size, rows.length);
});

test('an empty list has no rows; a sender without a nickname is shown by id', () => {
  assert.deepEqual(groupMessages([], { myUserId: 'x' }), []);
  assert.equal(senderName(m(1, { ...alex, nickname: ' ' }, T)), alex.user_id);
});
