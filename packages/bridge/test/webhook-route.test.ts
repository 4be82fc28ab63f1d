/**
 * `POST /sendbird/webhooks` over real HTTP: the signature matrix and the fixed order of checks
 * (size 413 -> signature missing 401 -> signature wrong 401 -> JSON invalid 400 -> 200), and that
 * nothing is stored unless the signature holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook } from '@sbsf/sendbird';
import { SECRETS } from './fixtures.js';
import { messageWebhook, postWebhook } from './transcript-helpers.js';
import { startWorld } from './world.js';

const LIMIT = 4096;

test('the signature matrix: only the current or a previous master token signing these exact bytes is accepted', async (t) => {
  // A long flush interval: these tests look at what is stored, not at Salesforce.
  const w = await startWorld(t, {
    SENDBIRD_PREVIOUS_API_TOKENS: SECRETS.PREVIOUS_TOKEN,
    SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES: String(LIMIT),
    TRANSCRIPT_FLUSH_MS: '600000',
  });
  const token = w.sb.apiToken;
  const caseId = w.sf.seed.caseIds[0]!;
  let id = 1000;
  const body = () => JSON.stringify(messageWebhook({ caseId, messageId: ++id }));
  const post = (raw: string, signature: string | null, headers?: Record<string, string>) =>
    postWebhook(w.url, raw, { signature, ...(headers ? { headers } : {}) });

  const refused: [string, string, string | null, number, string][] = [];
  const missing = body();
  refused.push(['missing header', missing, null, 401, 'signature_missing']);
  const empty = body();
  refused.push(['empty header', empty, '', 401, 'signature_missing']);
  const wrong = body();
  refused.push(['wrong signature', wrong, 'ab'.repeat(32), 401, 'signature_invalid']);
  const notHex = body();
  refused.push(['not hex', notHex, 'not-a-signature', 401, 'signature_invalid']);
  const other = body();
  refused.push(['another app token', other, signWebhook(other, 'someone-elses-master-token'), 401, 'signature_invalid']);
  const original = body();
  const tampered = original.replace('"message ', '"MESSAGE ');
  assert.notEqual(tampered, original);
  refused.push(['tampered body', tampered, signWebhook(original, token), 401, 'signature_invalid']);
  const reserialised = JSON.stringify(JSON.parse(body()), null, 2);
  refused.push([
    'signature of the compact JSON, body pretty-printed',
    reserialised,
    signWebhook(JSON.stringify(JSON.parse(reserialised)), token),
    401,
    'signature_invalid',
  ]);
  refused.push(['empty body, unsigned', '', null, 401, 'signature_missing']);
  refused.push(['empty body, signed', '', signWebhook('', token), 400, 'invalid_json']);
  refused.push(['not JSON, signed', '{"category":', signWebhook('{"category":', token), 400, 'invalid_json']);

  for (const [what, raw, signature, status, code] of refused) {
    const res = await post(raw, signature);
    assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, code, what);
    assert.ok(String(res.body.error.message).length > 20, `${what}: the message says what to check`);
  }
  assert.deepEqual(await w.bridge.store.countTranscriptMessages(), { pending: 0, synced: 0, dead: 0 }, 'nothing refused was stored');

  const accepted: [string, string, string][] = [];
  const current = body();
  accepted.push(['current token', current, signWebhook(current, token)]);
  const previous = body();
  accepted.push(['previous token (rotation)', previous, signWebhook(previous, SECRETS.PREVIOUS_TOKEN)]);
  const upper = body();
  accepted.push(['upper-case hex', upper, signWebhook(upper, token).toUpperCase()]);
  for (const [what, raw, signature] of accepted) {
    const res = await post(raw, signature);
    assert.equal(res.status, 200, `${what}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(res.body, { ok: true, outcome: 'stored' }, what);
  }
  const again = await post(current, signWebhook(current, token));
  assert.deepEqual([again.status, again.body], [200, { ok: true, outcome: 'duplicate' }], 'a redelivery is acknowledged, not stored again');
  const stored = await w.bridge.store.listTranscriptMessages();
  assert.deepEqual(
    stored.map((m) => m.messageId).sort(),
    [current, previous, upper].map((raw) => String(JSON.parse(raw).payload.message_id)).sort(),
  );
});

test('checks in order: an oversized body is 413 before its signature is looked at', async (t) => {
  const w = await startWorld(t, { SENDBIRD_WEBHOOK_BODY_LIMIT_BYTES: String(LIMIT), TRANSCRIPT_FLUSH_MS: '600000' });
  const big = JSON.stringify(messageWebhook({ caseId: w.sf.seed.caseIds[0]!, messageId: 1, text: 'x'.repeat(LIMIT) }));
  for (const signature of [null, 'ab'.repeat(32), signWebhook(big, w.sb.apiToken)]) {
    const res = await postWebhook(w.url, big, { signature });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.match(res.body.error.message, new RegExp(`${LIMIT}-byte`), 'names the webhook limit');
  }
  // The size limit is the webhook's own, not the API's BODY_LIMIT_BYTES.
  const fits = JSON.stringify(messageWebhook({ caseId: w.sf.seed.caseIds[0]!, messageId: 2, text: 'y'.repeat(LIMIT - 1200) }));
  assert.equal((await postWebhook(w.url, fits, { token: w.sb.apiToken })).status, 200);
  assert.equal((await w.bridge.store.countTranscriptMessages()).pending, 1);
});

test('signed events that are not about support-channel messages are acknowledged and ignored', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '600000' });
  const caseId = w.sf.seed.caseIds[0]!;
  const cases: [string, unknown, string][] = [
    [
      'another category',
      { category: 'group_channel:join', channel: { channel_url: caseId, custom_type: 'sf_case' }, users: [] },
      'category',
    ],
    [
      'a channel that is not a support channel',
      messageWebhook({ caseId, messageId: 1, channelCustomType: 'team_chat' }),
      'not_support_channel',
    ],
    ['a support channel whose URL is no Case Id', messageWebhook({ caseId: 'sendbird_group_channel_1', messageId: 2 }), 'not_a_case'],
    ['an admin message', messageWebhook({ caseId, messageId: 3, type: 'ADMM' }), 'admin_message'],
    ['a message the bridge sent', messageWebhook({ caseId, messageId: 4, customType: 'sbsf_bridge' }), 'bridge_message'],
    ['a JSON array', [], 'malformed'],
  ];
  for (const [what, body, reason] of cases) {
    const res = await postWebhook(w.url, body, { token: w.sb.apiToken });
    assert.deepEqual([res.status, res.body], [200, { ok: true, outcome: 'ignored', reason }], what);
  }
  assert.deepEqual(await w.bridge.store.countTranscriptMessages(), { pending: 0, synced: 0, dead: 0 });
  const metrics = await (await fetch(`${w.url}/metrics`)).text();
  assert.match(metrics, /bridge_sendbird_webhooks_total\{outcome="ignored",detail="admin_message"\} 1/);
});
