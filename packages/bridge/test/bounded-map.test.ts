import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rememberBounded } from '../src/bounded-map.js';

test('rememberBounded keeps the newest entries, moves a key set again to the newest end, and remembers nothing at max 0', () => {
  const m = new Map<string, number>();
  for (const [i, k] of ['a', 'b', 'c'].entries()) rememberBounded(m, k, i, 3);
  assert.deepEqual(
    [...m],
    [
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ],
  );
  rememberBounded(m, 'a', 10, 3);
  assert.deepEqual(
    [...m],
    [
      ['b', 1],
      ['c', 2],
      ['a', 10],
    ],
    'a set again: newest, nothing forgotten',
  );
  rememberBounded(m, 'd', 3, 3);
  assert.deepEqual(
    [...m],
    [
      ['c', 2],
      ['a', 10],
      ['d', 3],
    ],
    'full: the oldest (b) is forgotten',
  );
  rememberBounded(m, 'e', 4, 2);
  assert.deepEqual(
    [...m],
    [
      ['d', 3],
      ['e', 4],
    ],
    'a smaller max trims down to it',
  );
  const none = new Map<string, number>();
  rememberBounded(none, 'x', 1, 0);
  assert.equal(none.size, 0);
});
