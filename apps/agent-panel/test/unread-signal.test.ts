/** What the container tells Aura about unread messages (the utility bar's "Chat (N)" and highlight). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnreadSignal } from '../src/lcc/unread-signal.js';

function signal() {
  const sent: [number, boolean][] = [];
  return { sent, s: new UnreadSignal((n, h) => sent.push([n, h])) };
}

test('a rising total is sent, highlighted, while the agent is not looking', () => {
  const { sent, s } = signal();
  s.update(0);
  s.update(1);
  s.update(3);
  assert.deepEqual(sent, [
    [1, true],
    [3, true],
  ]);
  assert.deepEqual(s.shown, { count: 3, highlighted: true });
});

test('looking at the panel clears the highlight but keeps the total of ALL conversations', () => {
  const { sent, s } = signal();
  s.update(2); // one unread in each of two conversations
  s.setAttention(true);
  s.setAttention(true);
  s.update(1); // the agent reads one: the other one still counts
  assert.deepEqual(sent, [
    [2, true],
    [2, false],
    [1, false],
  ]);
  assert.deepEqual(s.shown, { count: 1, highlighted: false }, 'not "Chat" while a conversation has unread messages');
});

test('a new message while looking raises the count without the highlight; after looking away, the next one highlights', () => {
  const { sent, s } = signal();
  s.setAttention(true);
  s.update(1);
  s.setAttention(false);
  s.update(1); // no change
  s.update(2);
  assert.deepEqual(sent, [
    [1, false],
    [2, true],
  ]);
});

test('a fall keeps the highlight until 0 or a look (read on another device)', () => {
  const { sent, s } = signal();
  s.update(3);
  s.update(1);
  s.update(0);
  s.update(1);
  assert.deepEqual(sent, [
    [3, true],
    [1, true],
    [0, false],
    [1, true],
  ]);
});

test('nothing is sent twice in a row, and bad numbers are ignored', () => {
  const { sent, s } = signal();
  s.setAttention(true); // the bar already shows 0
  s.setAttention(false);
  s.update(Number.NaN);
  s.update(-1);
  s.update(1);
  s.update(1);
  assert.deepEqual(sent, [[1, true]]);
});
