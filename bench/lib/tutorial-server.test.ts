/**
 * The model of the tutorial's server that `npm run bench -- baseline` compares the bridge with:
 * run as its own process against both emulators over HTTP, it answers a ticket with the channel
 * named after the new Case, logs in to Salesforce for every ticket, and turns away a wrong token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSalesforceEmulator, startSendbirdEmulator } from '../../packages/emulators/src/index.js';
import { SendbirdClient } from '../../packages/sendbird/src/index.js';
import { startTutorialProcess } from './tutorial-process.js';

const CASE = { Subject: 'Aircon rattles', Description: 'Since Tuesday', SuppliedName: 'Lee', SuppliedEmail: 'lee@example.com' };

test("the tutorial's server: one ticket is a Sendbird user read, a Salesforce login, the Case and its channel", async (t) => {
  const sf = await startSalesforceEmulator({ port: 0 });
  t.after(() => sf.close());
  const sb = await startSendbirdEmulator({ port: 0 });
  t.after(() => sb.close());
  const sbc = new SendbirdClient({ appId: sb.appId, apiToken: sb.apiToken, baseUrl: sb.url });
  const user = await sbc.createUser({ user_id: 'lee', nickname: 'Lee', issue_access_token: true });
  const token = user.access_token;
  assert.ok(token, 'the customer has an access token (token_type 0: the emulator lists no session tokens on a user)');
  const server = await startTutorialProcess(sf, sb);
  t.after(() => server.stop());
  const seeded = new Set(sf.seed.caseIds);
  const newCases = () => sf.records('Case').filter((c) => !seeded.has(c.Id as string));
  const ticket = async (token: string) => {
    const res = await fetch(`${server.url}/createticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', user: 'lee', token },
      body: JSON.stringify({ token_type: 0, case: CASE }),
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  sf.resetStats();
  sb.stats.reset();

  const first = await ticket(token);
  assert.equal(first.status, 200, first.text);
  const channel = JSON.parse(first.text);
  const [created] = newCases();
  assert.ok(created, 'a Case was created');
  assert.equal(created.Subject, CASE.Subject);
  assert.equal(channel.channel_url, created.Id, 'the answer is the group channel named after the Case');
  assert.deepEqual(
    channel.members.map((m: { user_id: string }) => m.user_id),
    ['lee'],
  );
  assert.ok(sb.store.channels.has(created.Id as string), 'the channel exists in Sendbird');

  const second = await ticket(token);
  assert.equal(second.status, 200, second.text);
  assert.equal(newCases().length, 2);
  // No token kept: a login per ticket.
  assert.equal(sf.stats().byRoute['POST /services/oauth2/token'], 2);
  assert.equal(sf.stats().total, 4, 'per ticket: the login and the Case');
  assert.equal(sb.stats.get().byRoute['GET /v3/users/:user_id'], 2);
  assert.equal(sb.stats.get().total, 4, 'per ticket: the user read and the channel');

  const wrong = await ticket('f'.repeat(40));
  assert.deepEqual(wrong, { status: 400, text: 'Not authorized' });
  assert.equal(newCases().length, 2, 'no Case for a customer whose token does not match');
});
