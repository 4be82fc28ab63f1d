/**
 * `POST /agents/session`: the agent's Sendbird user is made with the agent's name (and renamed
 * when the name changed), the token works against the Sendbird emulator, 15-character Ids become
 * 18, and the Salesforce emulator's `getAgentSession` action gets the same answer as our Apex.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_SESSION_KEYS, AGENT_SESSION_UNAVAILABLE, AgentSessionError } from '@sbsf/emulators';
import { SendbirdError, type SendbirdClient } from '@sbsf/sendbird';
import type { AgentDirectory } from '../src/agent-directory.js';
import { AgentSessionService } from '../src/agents/service.js';
import { AppError } from '../src/errors.js';
import { SECRETS } from './fixtures.js';
import { nicknameOf } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

const session = (w: World, body: unknown, secret: string | null = SECRETS.BRIDGE_SHARED_SECRET) =>
  w.call('POST', '/agents/session', { body, headers: secret === null ? {} : { authorization: `Bearer ${secret}` } });

/** Who the Sendbird emulator says the token belongs to (its sandbox REST API takes session tokens). */
async function whoAmI(w: World, token: string): Promise<{ status: number; userId?: string }> {
  const res = await fetch(`${w.sb.url}/sandbox/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { user_id?: string };
  return { status: res.status, ...(body.user_id ? { userId: body.user_id } : {}) };
}

test('creates the agent with the name and answers a session whose token works', async (t) => {
  const w = await startWorld(t);
  const ava = w.sf.seed.agents.ava;
  const res = await session(w, { userId: ava, nickname: 'Ava Agent' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['accessToken', 'apiHost', 'appId', 'expiresAt', 'nickname', 'userId']);
  assert.equal(res.body.userId, ava);
  assert.equal(res.body.nickname, 'Ava Agent');
  assert.equal(res.body.appId, w.sb.appId);
  assert.equal(res.body.apiHost, w.sb.url);
  assert.ok(res.body.expiresAt > Date.now() + 3_600_000, 'the token lives SENDBIRD_SESSION_TTL_SECONDS');
  assert.equal(nicknameOf(w, ava), 'Ava Agent');
  assert.deepEqual(await whoAmI(w, res.body.accessToken), { status: 200, userId: ava });
});

test('a changed name updates the nickname; the same name again costs only the token call', async (t) => {
  const w = await startWorld(t);
  const ben = w.sf.seed.agents.ben;
  assert.equal((await session(w, { userId: ben, nickname: 'Ben Old' })).status, 200);
  assert.equal(nicknameOf(w, ben), 'Ben Old');
  // The User was renamed in Salesforce.
  const renamed = await session(w, { userId: ben, nickname: 'Ben Agent' });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.nickname, 'Ben Agent');
  assert.equal(nicknameOf(w, ben), 'Ben Agent');
  w.sb.stats.reset();
  const again = await session(w, { userId: ben, nickname: 'Ben Agent' });
  assert.equal(again.status, 200);
  assert.deepEqual(
    { total: w.sb.stats.get().total, byRoute: w.sb.stats.get().byRoute },
    { total: 1, byRoute: { 'POST /v3/users/:user_id/token': 1 } },
    'a known agent with the same name: no user call',
  );
});

test('an existing Sendbird user with another nickname is renamed (create -> 400202 -> update)', async (t) => {
  const w = await startWorld(t, {}, { sb: { seed: { users: [{ user_id: '005EM0000000004YAA', nickname: 'Old Cara' }] } } });
  const res = await session(w, { userId: '005EM0000000004YAA', nickname: 'Cara Agent' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(nicknameOf(w, '005EM0000000004YAA'), 'Cara Agent');
  const calls = Object.keys(w.sb.stats.get().byRoute);
  assert.deepEqual(calls, ['GET /v3/users/:user_id', 'POST /v3/users', 'POST /v3/users/:user_id/token', 'PUT /v3/users/:user_id']);
});

test('a 15-character User Id is answered (and used in Sendbird) in its 18-character form', async (t) => {
  const w = await startWorld(t);
  const cara18 = w.sf.seed.agents.cara;
  const res = await session(w, { userId: cara18.slice(0, 15), nickname: 'Cara Agent' });
  assert.equal(res.status, 200);
  assert.equal(res.body.userId, cara18);
  assert.ok(w.sb.store.users.has(cara18));
  assert.ok(!w.sb.store.users.has(cara18.slice(0, 15)));
});

test('401 without the secret; 400 naming the field for a bad body', async (t) => {
  const w = await startWorld(t);
  const ok = { userId: w.sf.seed.agents.ava, nickname: 'Ava Agent' };
  for (const secret of [null, 'wrong']) {
    const res = await session(w, ok, secret);
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'unauthorized');
  }
  const cases: [unknown, string][] = [
    [{ nickname: 'x' }, 'userId'],
    [{ userId: ok.userId }, 'nickname'],
    [{ ...ok, userId: w.sf.seed.queueId }, 'userId'],
    [{ ...ok, userId: `${ok.userId.slice(0, 15)}AAA` }, 'userId'],
    [{ ...ok, userId: 'short' }, 'userId'],
    [{ ...ok, nickname: '   ' }, 'nickname'],
    [{ ...ok, extra: 1 }, 'extra'],
  ];
  for (const [body, field] of cases) {
    const res = await session(w, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error.field, field, JSON.stringify(res.body));
  }
  assert.equal(w.sb.store.users.size, 0, 'nothing reached Sendbird');
});

test('503 sendbird_unavailable with Retry-After while Sendbird fails to issue the token', async (t) => {
  const w = await startWorld(t);
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '^/v3/users/[^/]+/token$' }] });
  const res = await session(w, { userId: w.sf.seed.agents.ava, nickname: 'Ava Agent' });
  assert.equal(res.status, 503, JSON.stringify(res.body));
  assert.equal(res.body.error.code, 'sendbird_unavailable');
  assert.equal(res.headers.get('retry-after'), '5');
});

test('a session Sendbird refuses is a 502 sendbird_refused naming its code', async () => {
  const refusal = new SendbirdError({ status: 400, code: 400111, message: 'invalid value' });
  const service = new AgentSessionService({
    sendbird: { issueSessionToken: async () => Promise.reject(refusal) } as unknown as SendbirdClient,
    agents: { ensure: async () => undefined } as unknown as AgentDirectory,
    appId: 'APP',
    apiHost: 'http://127.0.0.1',
    sessionTtlSeconds: 60,
  });
  const err = await service.session('005000000000001AAA', 'Ava Agent').then(
    () => assert.fail('no session'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AppError);
  assert.equal(err.status, 502);
  assert.equal(err.code, 'sendbird_refused');
  assert.equal(err.message, 'Sendbird refused the agent session (code 400111)');
  assert.equal(err.cause, refusal);
});

test("the Salesforce emulator's getAgentSession action: the Apex's keys, or its safe error", async (t) => {
  const w = await startWorld(t);
  const ava = w.sf.seed.agents.ava;
  const s = await w.sf.org.getAgentSession(ava);
  assert.deepEqual(Object.keys(s).sort(), [...AGENT_SESSION_KEYS].sort(), 'only the keys the Apex keeps');
  assert.equal(s.nickname, 'Ava Agent', "the User's Name, as UserInfo.getName()");
  assert.deepEqual(await whoAmI(w, s.accessToken), { status: 200, userId: ava });

  const viaAdmin = await fetch(`${w.sf.url}/__admin/agent-session`, { method: 'POST', body: JSON.stringify({ userId: ava }) });
  assert.equal(viaAdmin.status, 200);

  w.sf.org.setBridge({ url: w.url, secret: 'not-the-secret' });
  await assert.rejects(w.sf.org.getAgentSession(ava), (err: unknown) => {
    assert.ok(err instanceof AgentSessionError);
    assert.equal(err.message, AGENT_SESSION_UNAVAILABLE);
    assert.match(err.reason, /401/);
    return true;
  });
  const refused = await fetch(`${w.sf.url}/__admin/agent-session`, { method: 'POST', body: JSON.stringify({ userId: ava }) });
  assert.equal(refused.status, 502);
  assert.deepEqual(await refused.json(), { error: AGENT_SESSION_UNAVAILABLE });
});
