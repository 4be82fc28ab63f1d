/** "My tickets" kept per customer in the browser's storage. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_REMEMBERED_TICKETS, MyTickets, describeState, ticketsKey } from '../src/my-tickets.js';
import { MemoryStore } from '../src/storage.js';

const status = (id: string, state: 'completed' | 'failed' = 'completed') => ({
  ticket: { id, state, createdAt: 1 },
  case: { id: '500000000000001AAA', caseNumber: '00001001' },
  channel: { url: '500000000000001AAA' },
  lastError: state === 'failed' ? 'salesforce REQUIRED_FIELD_MISSING' : null,
});

test('tickets are kept per customer, newest first, and updated from the bridge', () => {
  const store = new MemoryStore();
  const a = new MyTickets(store, 'guest-a');
  a.upsert({ ticketId: 't1', subject: 'First', createdAt: 100 });
  a.upsert({ ticketId: 't2', subject: 'Second', createdAt: 200 });
  assert.deepEqual(
    a.list().map((t) => t.ticketId),
    ['t2', 't1'],
  );
  assert.deepEqual(new MyTickets(store, 'guest-b').list(), [], "another customer's list is separate");
  a.applyStatus('t1', status('t1'), 999);
  assert.deepEqual(a.get('t1'), {
    ticketId: 't1',
    subject: 'First',
    createdAt: 100,
    state: 'completed',
    lastError: null,
    checkedAt: 999,
    caseId: '500000000000001AAA',
    caseNumber: '00001001',
    channelUrl: '500000000000001AAA',
  });
  a.markNotFound('t2', 5);
  assert.equal(a.get('t2')?.state, 'not_found');
  assert.equal(describeState(a.get('t1')?.state), 'Open');
  assert.equal(describeState('not_found'), 'Not found');
  assert.equal(describeState('case_ready'), 'Being set up');
});

test('a damaged entry is ignored, and only the newest tickets are remembered', () => {
  const store = new MemoryStore();
  store.setItem(ticketsKey('g'), JSON.stringify([{ ticketId: 'ok', subject: 's', createdAt: 1 }, { nope: true }, 'x']));
  const mine = new MyTickets(store, 'g');
  assert.deepEqual(
    mine.list().map((t) => t.ticketId),
    ['ok'],
  );
  store.setItem(ticketsKey('g'), '{broken');
  assert.deepEqual(mine.list(), []);
  for (let i = 0; i < MAX_REMEMBERED_TICKETS + 5; i++) mine.upsert({ ticketId: `t${i}`, subject: 's', createdAt: i });
  const list = mine.list();
  assert.equal(list.length, MAX_REMEMBERED_TICKETS);
  assert.equal(list[0]?.ticketId, `t${MAX_REMEMBERED_TICKETS + 4}`);
});
