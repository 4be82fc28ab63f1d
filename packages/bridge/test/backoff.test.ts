import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKOFF_MULTIPLIER,
  backoffDelayMs,
  decideRetry,
  INITIAL_RETRY_DELAY_MS,
  MAX_HINTED_DELAY_MS,
  MAX_RETRY_DELAY_MS,
} from '../src/jobs/backoff.js';
import { failureHints, PermanentJobError, RetryLaterError } from '../src/jobs/errors.js';

const low = () => 0;
const high = () => 0.999999;

test('backoff doubles from the initial delay, is jittered within [half, full], and is capped', () => {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const full = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * BACKOFF_MULTIPLIER ** (attempt - 1));
    assert.equal(backoffDelayMs(attempt, low), Math.round(full / 2), `attempt ${attempt}, no jitter`);
    assert.equal(backoffDelayMs(attempt, high), Math.round(full / 2 + 0.999999 * (full / 2)), `attempt ${attempt}, most jitter`);
    assert.ok(backoffDelayMs(attempt, high) <= MAX_RETRY_DELAY_MS);
  }
  assert.equal(backoffDelayMs(1, low), INITIAL_RETRY_DELAY_MS / 2);
  assert.equal(backoffDelayMs(30, high), MAX_RETRY_DELAY_MS, 'capped');
  assert.ok(backoffDelayMs(2, low) > backoffDelayMs(1, low));
});

test('decideRetry: permanent, then out of attempts, then the server hint, then backoff', () => {
  assert.deepEqual(decideRetry({ attempts: 1, maxAttempts: 5, permanent: true, retryAfterMs: 10 }, low), {
    retry: false,
    reason: 'permanent error',
  });
  assert.deepEqual(decideRetry({ attempts: 5, maxAttempts: 5, retryAfterMs: 10 }, low), {
    retry: false,
    reason: 'gave up after 5 attempts',
  });
  assert.deepEqual(decideRetry({ attempts: 2, maxAttempts: 5, retryAfterMs: 7_000 }, low), { retry: true, delayMs: 7_000 });
  assert.deepEqual(decideRetry({ attempts: 2, maxAttempts: 5, retryAfterMs: 10 * MAX_HINTED_DELAY_MS }, low), {
    retry: true,
    delayMs: MAX_HINTED_DELAY_MS,
  });
  assert.deepEqual(decideRetry({ attempts: 3, maxAttempts: 5 }, low), { retry: true, delayMs: backoffDelayMs(3, low) });
});

test('failureHints reads our job errors and duck-typed client errors', () => {
  assert.deepEqual(failureHints(new PermanentJobError('bad input')), { permanent: true });
  assert.deepEqual(failureHints(new RetryLaterError('429', 3_000)), { permanent: false, retryAfterMs: 3_000 });
  assert.deepEqual(failureHints(Object.assign(new Error('400 invalid'), { retryable: false })), { permanent: true });
  assert.deepEqual(failureHints(Object.assign(new Error('429'), { retryAfterMs: 1_500 })), { permanent: false, retryAfterMs: 1_500 });
  assert.deepEqual(failureHints(new Error('ECONNRESET')), { permanent: false });
  assert.deepEqual(failureHints('a string'), { permanent: false });
});
