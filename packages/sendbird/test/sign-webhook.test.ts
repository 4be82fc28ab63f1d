import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signWebhook } from '../src/index.js';

test('signWebhook is the lowercase hex HMAC-SHA256 of the raw bytes keyed by the API token', () => {
  const body = '{"category":"group_channel:message_send","payload":{"message":"héllo"}}';
  const expected = createHmac('sha256', 'master-token').update(Buffer.from(body, 'utf8')).digest('hex');
  assert.equal(signWebhook(body, 'master-token'), expected);
  assert.equal(signWebhook(Buffer.from(body), 'master-token'), expected, 'string and Buffer sign the same bytes');
  assert.match(expected, /^[0-9a-f]{64}$/);
  assert.notEqual(signWebhook(body, 'other-token'), expected);
});
