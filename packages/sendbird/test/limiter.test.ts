import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../src/index.js';

test('the bucket lets perSecond calls through at once, then one every 1000/perSecond ms', () => {
  const now = 0;
  const bucket = new TokenBucket(5, () => now);
  const waits = Array.from({ length: 8 }, () => bucket.reserve());
  assert.deepEqual(waits, [0, 0, 0, 0, 0, 200, 400, 600]);
});

test('tokens refill as the clock moves', () => {
  let now = 0;
  const bucket = new TokenBucket(5, () => now);
  for (let i = 0; i < 5; i++) assert.equal(bucket.reserve(), 0);
  now = 1000;
  for (let i = 0; i < 5; i++) assert.equal(bucket.reserve(), 0, `call ${i} after a full second`);
  assert.equal(bucket.reserve(), 200);
});
