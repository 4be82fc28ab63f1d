import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTicketId } from '../src/tickets/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('ticket ids are UUID version 7: the time first, then randomness', () => {
  const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
  const id = newTicketId(at);
  assert.match(id, UUID_V7);
  assert.equal(parseInt(id.replace(/-/g, '').slice(0, 12), 16), at, 'the first 48 bits are the millisecond');

  // Later ids sort after earlier ones, whatever their random part.
  const ids = Array.from({ length: 200 }, (_, i) => newTicketId(at + i * 7));
  assert.deepEqual([...ids].sort(), ids);

  // Within one millisecond they differ in their 74 random bits.
  const same = new Set(Array.from({ length: 10_000 }, () => newTicketId(at)));
  assert.equal(same.size, 10_000);
  for (const x of same) assert.match(x, UUID_V7);
  assert.match(newTicketId(), UUID_V7);
});
