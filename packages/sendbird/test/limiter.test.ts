import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAPPED_ROUTES, EndpointLimiter, TokenBucket } from '../src/index.js';

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

test('only the capped endpoints are paced, each with its own bucket', () => {
  const now = 0;
  const limiter = new EndpointLimiter({ perSecond: 1 }, () => now);
  assert.ok(CAPPED_ROUTES.has('POST /v3/group_channels/{channel_url}/messages'));
  assert.equal(limiter.reserve('POST', '/v3/group_channels/{channel_url}/messages'), 0);
  assert.equal(limiter.reserve('POST', '/v3/group_channels/{channel_url}/messages'), 1000);
  assert.equal(limiter.reserve('POST', '/v3/group_channels'), 0, 'another endpoint has its own bucket');
  for (let i = 0; i < 5; i++) assert.equal(limiter.reserve('GET', '/v3/group_channels/{channel_url}'), 0);
  const off = new EndpointLimiter({ perSecond: 1, enabled: false }, () => now);
  assert.equal(off.reserve('POST', '/v3/group_channels'), 0);
  assert.equal(off.reserve('POST', '/v3/group_channels'), 0);
});
