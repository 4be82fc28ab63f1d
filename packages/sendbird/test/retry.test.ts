import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelay,
  decideRetry,
  DEFAULT_RETRY_POLICY,
  MAX_RETRY_AFTER_MS,
  SendbirdAlreadyExistsError,
  SendbirdAuthError,
  SendbirdConnectionError,
  SendbirdError,
  SendbirdNotFoundError,
  SendbirdRateLimitError,
} from '../src/index.js';

const policy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 1000 };
const err = (status: number, code: number) => new SendbirdError({ status, code, message: 'x' });

test('backoff grows exponentially, is capped and jittered within [0, base] (full jitter)', () => {
  assert.equal(
    backoffDelay(1, policy, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(1, policy, () => 0),
    0,
  );
  assert.equal(
    backoffDelay(1, policy, () => 0.5),
    50,
  );
  assert.equal(
    backoffDelay(3, policy, () => 1),
    400,
  );
  assert.equal(
    backoffDelay(10, policy, () => 1),
    1000,
    'capped at maxDelayMs',
  );
  assert.equal(
    backoffDelay(10, policy, () => 0.5),
    500,
  );
});

test('connection errors and server errors are retried with backoff', () => {
  const conn = new SendbirdConnectionError({ status: 0, code: 0, message: 'reset' });
  assert.deepEqual(
    decideRetry(conn, 1, policy, () => 1),
    { retry: true, delayMs: 100, reason: 'no answer' },
  );
  assert.equal(decideRetry(err(500, 500901), 2, policy, () => 1).retry, true);
  assert.equal(decideRetry(err(503, 0), 1, policy).retry, true);
  assert.equal(decideRetry(err(400, 500901), 1, policy).retry, true, 'code 500901 counts even on another status');
});

test('rate limits obey X-RateLimit-RetryAfter, else back off; a huge hint is not waited out', () => {
  const hinted = new SendbirdRateLimitError({ status: 429, code: 500910, message: 'slow', retryAfterMs: 1500 });
  assert.deepEqual(decideRetry(hinted, 1, policy), { retry: true, delayMs: 1500, reason: 'server hint' });
  const bare = new SendbirdRateLimitError({ status: 429, code: 500910, message: 'slow' });
  assert.deepEqual(
    decideRetry(bare, 2, policy, () => 1),
    { retry: true, delayMs: 200, reason: 'status 429' },
  );
  const huge = new SendbirdRateLimitError({ status: 429, code: 500910, message: 'slow', retryAfterMs: MAX_RETRY_AFTER_MS + 1 });
  assert.equal(decideRetry(huge, 1, policy).retry, false);
});

test('4xx errors fail fast, and nothing is retried past maxAttempts', () => {
  for (const e of [
    new SendbirdNotFoundError({ status: 400, code: 400201, message: 'nf' }),
    new SendbirdAlreadyExistsError({ status: 400, code: 400202, message: 'ex' }),
    new SendbirdAuthError({ status: 400, code: 400401, message: 'auth' }),
    err(400, 400105),
    new Error('programming error'),
  ]) {
    assert.equal(decideRetry(e, 1, policy).retry, false, String(e));
  }
  assert.deepEqual(decideRetry(err(500, 500901), 4, policy), { retry: false, reason: 'out of attempts' });
  assert.equal(DEFAULT_RETRY_POLICY.maxAttempts >= 3, true);
});
