import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageWaitMs, planFlush, type FlushState } from '../src/transcript/flush-plan.js';

const NOW = 1_000_000;
const idle: FlushState = {
  now: NOW,
  budget: 'normal',
  inFlight: 0,
  maxInFlight: 2,
  minWaitMs: 0,
  maxWaitMs: 2_000,
  slowWaitMs: 60_000,
  lastLowCallAt: Number.NEGATIVE_INFINITY,
  lastCallFailed: false,
};

test('nothing being written: whatever is ready is written at once, or after the minimum wait', () => {
  assert.deepEqual(planFlush(idle), { write: true, waitMs: 0, reason: 'idle' });
  assert.deepEqual(planFlush({ ...idle, minWaitMs: 150 }), { write: true, waitMs: 150, reason: 'idle' });
  assert.equal(newMessageWaitMs(idle), 0, 'a new message needs its flush at once');
});

test('a write in flight: another slot takes a full batch only (or one that waited the longest wait); no slot, no write', () => {
  assert.deepEqual(planFlush({ ...idle, inFlight: 1 }), { write: true, waitMs: 2_000, reason: 'beside_a_write' });
  assert.equal(newMessageWaitMs({ ...idle, inFlight: 1 }), 2_000, 'a message arriving meanwhile waits for the write to return');
  assert.deepEqual(planFlush({ ...idle, inFlight: 2 }), { write: false, notBefore: null, waitMs: 2_000, reason: 'slots_full' });
  assert.deepEqual(planFlush({ ...idle, maxInFlight: 1, inFlight: 1 }), {
    write: false,
    notBefore: null,
    waitMs: 2_000,
    reason: 'slots_full',
  });
  assert.equal(newMessageWaitMs({ ...idle, inFlight: 2 }), 2_000);
});

test('after a call that failed as a whole, partial batches wait the longest wait until a call succeeds', () => {
  assert.deepEqual(planFlush({ ...idle, lastCallFailed: true }), { write: true, waitMs: 2_000, reason: 'after_a_failure' });
  assert.equal(newMessageWaitMs({ ...idle, lastCallFailed: true }), 2_000);
});

test('budget low: the slow wait, one write per slow interval, none beside another write; it comes before every other rule', () => {
  const low: FlushState = { ...idle, budget: 'low' };
  assert.deepEqual(planFlush(low), { write: true, waitMs: 60_000, reason: 'budget_low' });
  assert.equal(newMessageWaitMs(low), 60_000, 'a new message waits the slow interval, so batches fill');
  assert.deepEqual(planFlush({ ...low, lastLowCallAt: NOW - 10_000 }), {
    write: false,
    notBefore: NOW + 50_000,
    waitMs: 60_000,
    reason: 'budget_low_interval',
  });
  assert.deepEqual(planFlush({ ...low, lastLowCallAt: NOW - 60_000 }), { write: true, waitMs: 60_000, reason: 'budget_low' });
  assert.deepEqual(planFlush({ ...low, inFlight: 1 }), { write: false, notBefore: NOW, waitMs: 60_000, reason: 'budget_low_interval' });
  assert.equal(planFlush({ ...low, lastCallFailed: true, minWaitMs: 0 }).waitMs, 60_000);
});
