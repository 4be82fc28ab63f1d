/**
 * The tutorial's `POST /createticket`, kept compatible: headers `user` + `token` (the customer's
 * Sendbird id and token), body `{token_type, case}` or the first version's `{user_id}`; answers
 * the Sendbird group channel object, and the tutorial's validation answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { startWorld, ticketCases, type World } from './world.js';

const CASE = {
  Subject: 'Aircon rattles',
  Description: 'Since Tuesday',
  SuppliedName: 'Lee',
  SuppliedEmail: 'lee@example.com',
  Type: 'Mechanical',
};

async function customerWithAccessToken(w: World, userId: string): Promise<string> {
  const sb = new SendbirdClient({ appId: w.sb.appId, apiToken: w.sb.apiToken, baseUrl: w.sb.url });
  const user = await sb.createUser({ user_id: userId, nickname: 'Lee', issue_access_token: true });
  assert.ok(user.access_token);
  return user.access_token;
}

test('v2: headers user + token and {token_type, case} answer the channel named after the Case', async (t) => {
  const w = await startWorld(t, { CUSTOMER_AUTH_MODE: 'sendbird_token' });
  const token = await customerWithAccessToken(w, 'lee-1');
  const res = await w.call('POST', '/createticket', { headers: { user: 'lee-1', token }, body: { token_type: 0, case: CASE } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const cases = ticketCases(w);
  assert.equal(cases.length, 1);
  assert.equal(res.body.channel_url, cases[0]!.Id, 'the answer is the Sendbird group channel, its URL the Case Id');
  assert.equal(res.body.custom_type, 'sf_case');
  assert.equal(res.body.is_distinct, false);
  assert.ok(res.body.members.some((m: { user_id: string }) => m.user_id === 'lee-1'));
  assert.equal(cases[0]!.Type, 'Mechanical');
  assert.equal(cases[0]!.Sendbird_User_Id__c, 'lee-1');
  assert.equal(w.sb.store.channels.size, 1);
});

test("v2: the tutorial's header and token answers", async (t) => {
  const w = await startWorld(t, { CUSTOMER_AUTH_MODE: 'sendbird_token' });
  const token = await customerWithAccessToken(w, 'lee-2');
  const noToken = await w.call('POST', '/createticket', { headers: { user: 'lee-2' }, body: { token_type: 0, case: CASE } });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.body.message, "Not Authorized! -- 'token' not supplied");
  assert.equal(noToken.body.error, true);
  const noUser = await w.call('POST', '/createticket', { headers: { token }, body: { token_type: 0, case: CASE } });
  assert.equal(noUser.status, 401);
  assert.equal(noUser.body.message, "Not Authorized! -- 'user' not supplied");
  const wrong = await w.call('POST', '/createticket', {
    headers: { user: 'lee-2', token: 'f'.repeat(40) },
    body: { token_type: 0, case: CASE },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.message, 'Not authorized');
  const unknownUser = await w.call('POST', '/createticket', { headers: { user: 'nobody', token }, body: { token_type: 0, case: CASE } });
  assert.equal(unknownUser.status, 401);
  // token_type 1 means "session tokens only": an access token does not count.
  const sessionOnly = await w.call('POST', '/createticket', { headers: { user: 'lee-2', token }, body: { token_type: 1, case: CASE } });
  assert.equal(sessionOnly.status, 401);
  const badBody = await w.call('POST', '/createticket', {
    headers: { user: 'lee-2', token },
    body: { token_type: 0, case: { Subject: 'x' } },
  });
  assert.equal(badBody.status, 400);
  assert.equal(badBody.body.message, 'Missing required case key(s)! See attached example');
  assert.equal(badBody.body.case.Subject, 'Inadequate headroom with installation of aircon unit - REQUIRED');
  assert.equal(ticketCases(w).length, 0, 'nothing written');
  assert.equal(w.sb.store.channels.size, 0);
});

test('v1: {user_id} opens a ticket with default Case fields (guest mode, sandbox)', async (t) => {
  const w = await startWorld(t, { SANDBOX: 'true', CUSTOMER_AUTH_MODE: 'guest' });
  const res = await w.call('POST', '/createticket', { body: { user_id: 'walk-in-7' } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const cases = ticketCases(w);
  assert.equal(cases.length, 1);
  assert.equal(res.body.channel_url, cases[0]!.Id);
  assert.match(String(cases[0]!.Subject), /walk-in-7/);
  const missing = await w.call('POST', '/createticket', { body: { user_id: '' } });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.message, 'No user_id');
});

test('an Idempotency-Key on /createticket makes retries safe', async (t) => {
  const w = await startWorld(t, { CUSTOMER_AUTH_MODE: 'sendbird_token' });
  const token = await customerWithAccessToken(w, 'lee-3');
  const headers = { user: 'lee-3', token, 'idempotency-key': 'ct-1' };
  const [a, b] = await Promise.all([
    w.call('POST', '/createticket', { headers, body: { token_type: 0, case: CASE } }),
    w.call('POST', '/createticket', { headers, body: { token_type: 0, case: CASE } }),
  ]);
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.equal(a.body.channel_url, b.body.channel_url);
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 1);
});
