/** When the container tells Aura about unread messages (the utility bar's "Chat (N)"). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnreadSignal } from '../src/lcc/unread-signal.js';

function signal() {
  const sent: number[] = [];
  return { sent, s: new UnreadSignal((n) => sent.push(n)) };
}

test('a rising total is sent while the agent is not looking', () => {
  const { sent, s } = signal();
  s.update(0);
  s.update(1);
  s.update(3);
  assert.deepEqual(sent, [1, 3]);
  assert.equal(s.shownCount, 3);
});

test('looking at the panel sends 0 once, and nothing while looking', () => {
  const { sent, s } = signal();
  s.update(2);
  s.setAttention(true);
  s.setAttention(true);
  s.update(5);
  assert.deepEqual(sent, [2, 0]);
});

test('after looking, a new message raises the count again; a fall does not', () => {
  const { sent, s } = signal();
  s.update(4);
  s.setAttention(true);
  s.setAttention(false);
  s.update(3); // read one elsewhere: the bar shows 0, nothing to do
  s.update(4); // a new message
  assert.deepEqual(sent, [4, 0, 4]);
});

test('a fall below what the bar shows is sent (all read on another device)', () => {
  const { sent, s } = signal();
  s.update(3);
  s.update(1);
  s.update(0);
  assert.deepEqual(sent, [3, 1, 0]);
});

test('nothing is sent twice in a row, and bad numbers are ignored', () => {
  const { sent, s } = signal();
  s.setAttention(true); // the bar already shows 0
  s.setAttention(false);
  s.update(Number.NaN);
  s.update(-1);
  s.update(1);
  s.update(1);
  assert.deepEqual(sent, [1]);
});
