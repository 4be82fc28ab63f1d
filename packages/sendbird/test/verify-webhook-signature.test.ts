import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhookSignature } from '../src/index.js';

const body = '{"category":"group_channel:message_send","payload":{"message_id":1}}';
const token = 'current-master-token';
const sig = signWebhook(body, token);

test('accepts the right signature, in lower or upper case, string or Buffer body', () => {
  assert.equal(verifyWebhookSignature({ rawBody: body, signature: sig, apiToken: token }), true);
  assert.equal(verifyWebhookSignature({ rawBody: Buffer.from(body), signature: sig.toUpperCase(), apiToken: token }), true);
});

test('rejects a tampered body, a wrong token and malformed signatures', () => {
  assert.equal(verifyWebhookSignature({ rawBody: body.replace('1', '2'), signature: sig, apiToken: token }), false);
  assert.equal(verifyWebhookSignature({ rawBody: body, signature: sig, apiToken: 'wrong' }), false);
  for (const bad of [undefined, null, '', 'abc', sig.slice(0, 63), `${sig}00`, 'z'.repeat(64)]) {
    assert.equal(verifyWebhookSignature({ rawBody: body, signature: bad, apiToken: token }), false, String(bad));
  }
});

test('tries previous tokens so a token rotation loses no delivery', () => {
  const old = signWebhook(body, 'old-token');
  assert.equal(verifyWebhookSignature({ rawBody: body, signature: old, apiToken: token }), false);
  assert.equal(verifyWebhookSignature({ rawBody: body, signature: old, apiToken: token, previousApiTokens: ['old-token'] }), true);
  assert.equal(verifyWebhookSignature({ rawBody: body, signature: old, apiToken: token, previousApiTokens: [''] }), false);
});
