import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Backoff, backoffDelayMs, backoffWindowMs, decideRequestRetry, isTransientStatus, type RetryRules } from '../src/index.js';

const base = { initialDelayMs: 100, maxDelayMs: 1_000 };
const full: Backoff = { ...base, jitter: 'full' };
const equal: Backoff = { ...base, jitter: 'equal' };
const none: Backoff = { ...base, jitter: 'none' };
const low = () => 0;
const high = () => 0.999999;

describe('backoffWindowMs', () => {
  it('doubles from the initial delay and stops at the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((n) => backoffWindowMs(n, base)),
      [100, 200, 400, 800, 1_000, 1_000],
    );
  });
  it('counts attempts below 1 as 1 and stays finite for huge attempt numbers', () => {
    assert.equal(backoffWindowMs(0, base), 100, 'attempt 0');
    assert.equal(backoffWindowMs(-3, base), 100, 'negative attempt');
    assert.equal(backoffWindowMs(1.7, base), 100, 'fractional attempt rounds down');
    assert.equal(backoffWindowMs(10_000, base), 1_000, 'huge attempt is capped');
  });
});

describe('backoffDelayMs', () => {
  it('full jitter spans [0, window]', () => {
    for (let n = 1; n <= 8; n++) {
      const w = backoffWindowMs(n, base);
      assert.equal(backoffDelayMs(n, full, low), 0, `attempt ${n}, random 0`);
      assert.equal(
        backoffDelayMs(n, full, () => 0.5),
        w / 2,
        `attempt ${n}, random 0.5`,
      );
      assert.equal(backoffDelayMs(n, full, high), w, `attempt ${n}, random near 1`);
    }
  });
  it('equal jitter spans [window / 2, window]', () => {
    for (let n = 1; n <= 8; n++) {
      const w = backoffWindowMs(n, base);
      assert.equal(backoffDelayMs(n, equal, low), w / 2, `attempt ${n}, random 0`);
      assert.equal(backoffDelayMs(n, equal, high), w, `attempt ${n}, random near 1`);
    }
  });
  it('no jitter is the window itself and ignores the random source', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, none, () => assert.fail('random called'))),
      [100, 200, 400, 800, 1_000],
    );
  });
  it('never exceeds the cap and is a whole number, whatever the random source says', () => {
    const draws = [0, 0.123456, 0.5, 0.777, 0.999999];
    for (const jitter of ['full', 'equal', 'none'] as const) {
      for (let n = 1; n <= 20; n++) {
        for (const r of draws) {
          const d = backoffDelayMs(n, { initialDelayMs: 333, maxDelayMs: 5_000, jitter }, () => r);
          assert.ok(d >= 0 && d <= 5_000, `${jitter} attempt ${n} random ${r}: ${d} within [0, 5000]`);
          assert.ok(Number.isInteger(d), `${jitter} attempt ${n} random ${r}: ${d} is whole`);
        }
      }
    }
  });
});

describe('isTransientStatus', () => {
  it('is true for 408, 409, 429 and 5xx only', () => {
    for (const s of [408, 409, 429, 500, 502, 503, 504, 599]) assert.equal(isTransientStatus(s), true, `status ${s}`);
    for (const s of [200, 301, 400, 401, 403, 404, 422, 600]) assert.equal(isTransientStatus(s), false, `status ${s}`);
  });
});

describe('decideRequestRetry: rules in order', () => {
  const rules: RetryRules = { backoff: full, maxRetryAfterMs: 60_000 };
  const f = { attempt: 2, maxAttempts: 4 };

  it('1. out of attempts wins over everything else', () => {
    for (const extra of [{ noAnswer: true }, { status: 503 }, { status: 429, retryAfterMs: 10 }]) {
      assert.deepEqual(
        decideRequestRetry({ ...f, attempt: 4, ...extra }, rules, low),
        { retry: false, reason: 'out of attempts' },
        JSON.stringify(extra),
      );
    }
  });
  it('2. no answer retries with backoff, unless the request may have been applied', () => {
    assert.deepEqual(decideRequestRetry({ ...f, noAnswer: true }, rules, high), { retry: true, delayMs: 200, reason: 'no answer' });
    assert.deepEqual(decideRequestRetry({ ...f, noAnswer: true, unsafeToRepeat: true }, rules, high), {
      retry: false,
      reason: 'no answer; may have been applied',
    });
  });
  it('3. a server hint is obeyed, even on a status that would not be retried, unless it is too long', () => {
    assert.deepEqual(decideRequestRetry({ ...f, status: 429, retryAfterMs: 1_500 }, rules, high), {
      retry: true,
      delayMs: 1_500,
      reason: 'server hint',
    });
    assert.deepEqual(decideRequestRetry({ ...f, status: 400, retryAfterMs: 0 }, rules, high), {
      retry: true,
      delayMs: 0,
      reason: 'server hint',
    });
    assert.deepEqual(decideRequestRetry({ ...f, status: 503, retryAfterMs: 60_001 }, rules, high), {
      retry: false,
      reason: 'retry-after too long',
    });
    assert.deepEqual(decideRequestRetry({ ...f, status: 503, retryAfterMs: 10 * 60_001 }, { backoff: full }, high), {
      retry: true,
      delayMs: 10 * 60_001,
      reason: 'server hint',
    });
  });
  it('a hint that is not a finite, non-negative number is ignored', () => {
    for (const retryAfterMs of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      assert.deepEqual(
        decideRequestRetry({ ...f, status: 503, retryAfterMs }, rules, high),
        { retry: true, delayMs: 200, reason: 'status 503' },
        String(retryAfterMs),
      );
    }
  });
  it('4. a retryable status backs off; the caller may narrow the set', () => {
    for (const status of [408, 409, 429, 500, 503]) {
      assert.deepEqual(
        decideRequestRetry({ ...f, status }, rules, () => 0.5),
        { retry: true, delayMs: 100, reason: `status ${status}` },
      );
    }
    const serverErrorsOnly: RetryRules = { ...rules, retryableStatus: (s) => s >= 500 };
    assert.equal(decideRequestRetry({ ...f, status: 409 }, serverErrorsOnly).retry, false, '409 not retryable when narrowed');
    assert.equal(decideRequestRetry({ ...f, status: 502 }, serverErrorsOnly).retry, true, '502 still retryable');
  });
  it('5. anything else is not retried', () => {
    for (const status of [400, 401, 403, 404, 422]) {
      assert.deepEqual(decideRequestRetry({ ...f, status }, rules), { retry: false, reason: 'not retryable' }, `status ${status}`);
    }
    assert.deepEqual(decideRequestRetry({ ...f }, rules), { retry: false, reason: 'not retryable' }, 'no status, no answer flag');
  });
});
