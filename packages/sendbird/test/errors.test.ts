import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseRetryAfter,
  SendbirdAlreadyExistsError,
  SendbirdAuthError,
  SendbirdError,
  SendbirdNotFoundError,
  SendbirdRateLimitError,
  sendbirdErrorFromResponse,
} from '../src/index.js';

const headers = (h: Record<string, string> = {}) => new Headers(h);

test('the factory picks the class from the Sendbird code, not the HTTP status', () => {
  const nf = sendbirdErrorFromResponse({
    status: 400,
    body: { error: true, code: 400201, message: '"User" not found.' },
    headers: headers(),
  });
  assert.ok(nf instanceof SendbirdNotFoundError);
  assert.equal(nf.status, 400);
  assert.equal(nf.code, 400201);
  assert.match(nf.message, /^\[sendbird\] "User" not found\. \[code 400201\]/);
  const ex = sendbirdErrorFromResponse({ status: 400, body: { error: true, code: 400202, message: 'exists' }, headers: headers() });
  assert.ok(ex instanceof SendbirdAlreadyExistsError);
  const auth = sendbirdErrorFromResponse({
    status: 400,
    body: { error: true, code: 400401, message: 'Not valid Api-Token.' },
    headers: headers(),
  });
  assert.ok(auth instanceof SendbirdAuthError);
  assert.match(auth.message, /check apiToken/);
  const other = sendbirdErrorFromResponse({ status: 400, body: { error: true, code: 400105, message: 'missing' }, headers: headers() });
  assert.equal(other.constructor, SendbirdError);
});

test('429 or 500910 is a rate-limit error carrying X-RateLimit-RetryAfter in ms', () => {
  const rl = sendbirdErrorFromResponse({
    status: 429,
    body: { error: true, code: 500910, message: 'Too many requests' },
    headers: headers({ 'X-RateLimit-RetryAfter': '1.5' }),
  });
  assert.ok(rl instanceof SendbirdRateLimitError);
  assert.equal((rl as SendbirdRateLimitError).retryAfterMs, 1500);
  const byCode = sendbirdErrorFromResponse({ status: 500, body: { error: true, code: 500910, message: 'x' }, headers: headers() });
  assert.ok(byCode instanceof SendbirdRateLimitError);
  assert.equal((byCode as SendbirdRateLimitError).retryAfterMs, undefined);
});

test('a body without code (a proxy page) still gives a SendbirdError with the status', () => {
  const e = sendbirdErrorFromResponse({ status: 502, body: { message: 'non-JSON answer (HTTP 502)' }, headers: headers() });
  assert.equal(e.status, 502);
  assert.equal(e.code, 0);
});

test('parseRetryAfter reads (fractional) seconds and ignores junk', () => {
  assert.equal(parseRetryAfter('0.0697'), 70);
  assert.equal(parseRetryAfter('2'), 2000);
  assert.equal(parseRetryAfter(''), undefined);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter('-1'), undefined);
});
