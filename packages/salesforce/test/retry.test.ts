import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  INITIAL_RETRY_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  SalesforceConnectionError,
  SalesforceError,
  errorFromResponse,
  retryDelayMs,
  shouldRetry,
} from '../src/index.js';

const sent = new SalesforceConnectionError('x', { requestSent: true, timedOut: false });
const notSent = new SalesforceConnectionError('x', { requestSent: false, timedOut: false });
const base = { attempt: 1, maxAttempts: 3, retrySafe: true };

describe('shouldRetry', () => {
  it('retries 5xx, including 503 SERVER_UNAVAILABLE', () => {
    assert.equal(shouldRetry({ ...base, error: errorFromResponse(503, [{ errorCode: 'SERVER_UNAVAILABLE', message: '' }]) }), true);
    assert.equal(shouldRetry({ ...base, error: errorFromResponse(500, [{ errorCode: 'UNKNOWN_EXCEPTION', message: '' }]) }), true);
    // A 5xx was answered by the server after it decided not to act: safe even for a create.
    assert.equal(shouldRetry({ ...base, retrySafe: false, error: errorFromResponse(503, 'busy') }), true);
  });

  it('never retries 4xx', () => {
    for (const [status, code] of [
      [400, 'MALFORMED_ID'],
      [401, 'INVALID_SESSION_ID'],
      [403, 'REQUEST_LIMIT_EXCEEDED'],
      [404, 'NOT_FOUND'],
      [429, 'REQUEST_LIMIT_EXCEEDED'],
    ] as const) {
      assert.equal(shouldRetry({ ...base, error: errorFromResponse(status, [{ errorCode: code, message: '' }]) }), false, code);
    }
  });

  it('retries connection errors unless a non-idempotent request may have been sent', () => {
    assert.equal(shouldRetry({ ...base, error: sent }), true);
    assert.equal(shouldRetry({ ...base, retrySafe: false, error: sent }), false);
    assert.equal(shouldRetry({ ...base, retrySafe: false, error: notSent }), true);
  });

  it('stops when out of attempts, and for unknown errors', () => {
    assert.equal(shouldRetry({ ...base, attempt: 3, error: sent }), false);
    assert.equal(shouldRetry({ ...base, error: new Error('bug') }), false);
    assert.equal(shouldRetry({ ...base, error: new SalesforceError('x', { status: 302, errorCode: 'X' }) }), false);
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially, is capped, and jitters over the whole window (full jitter)', () => {
    assert.equal(
      retryDelayMs(1, {}, () => 0),
      0,
    );
    assert.equal(
      retryDelayMs(1, {}, () => 0.5),
      INITIAL_RETRY_DELAY_MS / 2,
    );
    assert.equal(
      retryDelayMs(1, {}, () => 1),
      INITIAL_RETRY_DELAY_MS,
    );
    assert.equal(
      retryDelayMs(3, {}, () => 1),
      INITIAL_RETRY_DELAY_MS * 4,
    );
    assert.equal(
      retryDelayMs(30, {}, () => 1),
      MAX_RETRY_DELAY_MS,
    );
    assert.equal(
      retryDelayMs(30, {}, () => 0.5),
      MAX_RETRY_DELAY_MS / 2,
    );
    assert.equal(
      retryDelayMs(2, { initialDelayMs: 10, maxDelayMs: 15 }, () => 1),
      15,
    );
  });
});
