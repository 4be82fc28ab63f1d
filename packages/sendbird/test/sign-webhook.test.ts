import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { signWebhook, verifyWebhookSignature } from '../src/index.js';

test('signWebhook is the lowercase hex HMAC-SHA256 of the raw bytes keyed by the API token', () => {
  const body = '{"category":"group_channel:message_send","payload":{"message":"héllo"}}';
  const expected = createHmac('sha256', 'master-token').update(Buffer.from(body, 'utf8')).digest('hex');
  assert.equal(signWebhook(body, 'master-token'), expected);
  assert.equal(signWebhook(Buffer.from(body), 'master-token'), expected, 'string and Buffer sign the same bytes');
  assert.match(expected, /^[0-9a-f]{64}$/);
  assert.notEqual(signWebhook(body, 'other-token'), expected);
});

test('signWebhook and verifyWebhookSignature agree with independent test vectors (fixtures/webhook-signature-vectors.json)', () => {
  const file = JSON.parse(readFileSync(new URL('./fixtures/webhook-signature-vectors.json', import.meta.url), 'utf8')) as {
    vectors: { name: string; apiToken: string; rawBody: string; signature: string }[];
  };
  assert.ok(file.vectors.length >= 2, 'the vectors are there');
  for (const v of file.vectors) {
    assert.equal(signWebhook(v.rawBody, v.apiToken), v.signature, v.name);
    assert.equal(
      verifyWebhookSignature({ rawBody: Buffer.from(v.rawBody, 'utf8'), signature: v.signature.toUpperCase(), apiToken: v.apiToken }),
      true,
      `${v.name}: verified`,
    );
    if (v.rawBody.startsWith('{')) {
      // The same JSON re-serialised (slashes and \u escapes undone) is other bytes: it must not verify.
      const reserialised = JSON.stringify(JSON.parse(v.rawBody));
      assert.notEqual(reserialised, v.rawBody, 'the fixture has escapes a re-serialisation undoes');
      assert.equal(
        verifyWebhookSignature({ rawBody: reserialised, signature: v.signature, apiToken: v.apiToken }),
        false,
        `${v.name}: re-serialised body refused`,
      );
    }
  }
});
