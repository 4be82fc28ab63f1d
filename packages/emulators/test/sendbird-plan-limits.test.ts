/**
 * Sendbird's plan-based rate limits over real HTTP: the limit of every plan for GET and for
 * writes, one window per endpoint, the stricter of plan and endpoint cap answering, the 429's
 * headers and body, the 429 counters, and the admin switch. The emulator's clock is driven by the
 * test, so "within a second" never depends on how fast this machine is.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import {
  PLAN_RATES,
  createSendbirdEmulator,
  startSendbirdEmulator,
  type PlanName,
  type RunningSendbirdEmulator,
} from '../src/sendbird/index.js';

const TOKEN = 'plan-limits-master';
const T0 = 1_700_000_000_000;
let clock = T0;
let emu: RunningSendbirdEmulator;

before(async () => {
  emu = await startSendbirdEmulator({
    apiToken: TOKEN,
    now: () => clock,
    seed: {
      users: [
        { user_id: 'alice', nickname: 'Alice' },
        { user_id: 'bob', nickname: 'Bob' },
      ],
      channels: [{ channel_url: 'case-channel', user_ids: ['alice'] }],
    },
  });
});
after(() => emu.close());
beforeEach(() => {
  clock = T0;
  emu.reset();
  emu.faults.reset();
  emu.rateCaps.set({ enabled: false, perSecond: 5 });
  emu.planLimits.set({ enabled: false, plan: 'trial', per: 'endpoint' });
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { 'Api-Token': TOKEN, 'Content-Type': 'application/json; charset=utf8' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${emu.url}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Statuses of `n` calls made one after the other, all at the same instant of the emulator's clock. */
async function statuses(n: number, make: (i: number) => Promise<Answer>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await make(i)).status);
  return out;
}

/** `n` times 200, then one 429. */
function admittedThenRefused(n: number): number[] {
  return [...Array<number>(n).fill(200), 429];
}

let userSeq = 0;
const newUser = (): Promise<Answer> => {
  userSeq += 1;
  return call('POST', '/v3/users', { user_id: `u${userSeq}`, nickname: `U${userSeq}`, profile_url: '' });
};

test("each plan's GET limit and write limit, as Sendbird's table gives them", async () => {
  const expected: Record<PlanName, [number, number]> = {
    trial: [10, 5],
    '5k': [60, 10],
    '10k': [100, 20],
    '25k': [200, 40],
    '50k': [400, 100],
    '100k': [600, 200],
  };
  for (const [plan, [get, write]] of Object.entries(expected) as [PlanName, [number, number]][]) {
    assert.deepEqual(PLAN_RATES[plan], { getPerSecond: get, writePerSecond: write }, plan);
    clock += 10_000; // a new second for every plan, so no window carries over
    const state = await admin('PUT', '/plan-limits', { plan });
    assert.deepEqual(state.body, {
      enabled: true,
      plan,
      getPerSecond: get,
      writePerSecond: write,
      per: 'endpoint',
      rejected: state.body.rejected,
    });

    const gets = await statuses(get + 1, () => call('GET', '/v3/users/alice'));
    assert.deepEqual(gets, admittedThenRefused(get), `${plan}: GET`);
    const refusedGet = await call('GET', '/v3/users/alice');
    assert.equal(refusedGet.headers.get('x-ratelimit-limit'), `${get};w=1`, `${plan}: GET limit header`);

    const posts = await statuses(write + 1, newUser);
    assert.deepEqual(posts, admittedThenRefused(write), `${plan}: POST`);
    const refusedPost = await newUser();
    assert.equal(refusedPost.headers.get('x-ratelimit-limit'), `${write};w=1`, `${plan}: POST limit header`);

    // PUT and DELETE take the write limit too, each in its own window.
    const puts = await statuses(write + 1, () => call('PUT', '/v3/users/bob', { nickname: 'Bob' }));
    assert.deepEqual(puts, admittedThenRefused(write), `${plan}: PUT`);
    const deletes = await statuses(write + 1, () => call('DELETE', '/v3/users/nobody'));
    assert.deepEqual(
      deletes.map((s) => (s === 429 ? 429 : 'answered')),
      [...Array<string>(write).fill('answered'), 429],
      `${plan}: DELETE (400201 for an unknown user, but counted)`,
    );
  }
});

test('one window per endpoint: another endpoint still answers, the same route with another id does not', async () => {
  await admin('PUT', '/plan-limits', { plan: 'trial' });
  assert.deepEqual(await statuses(10, () => call('GET', '/v3/users/alice')), Array<number>(10).fill(200));
  assert.equal((await call('GET', '/v3/users/bob')).status, 429, '/v3/users/alice and /v3/users/bob are one endpoint');
  assert.equal((await call('GET', '/v3/group_channels/case-channel')).status, 200, 'another GET endpoint has its own window');
  assert.equal((await call('GET', '/v3/group_channels/case-channel/members')).status, 200);
  assert.equal((await newUser()).status, 200, 'writes have their own windows');

  // The admin API is not the Platform API: never limited.
  for (let i = 0; i < 12; i++) assert.equal((await admin('GET', '/plan-limits')).status, 200);
});

test("per 'method': one window per HTTP method across endpoints", async () => {
  await admin('PUT', '/plan-limits', { plan: { getPerSecond: 3, writePerSecond: 2 }, per: 'method' });
  assert.equal((await call('PUT', '/v3/users/alice', { nickname: 'A' })).status, 200);
  assert.equal((await call('PUT', '/v3/group_channels/case-channel', { name: 'n' })).status, 200);
  assert.equal((await call('PUT', '/v3/users/bob', { nickname: 'B' })).status, 429, 'the third PUT, whatever the endpoint');
  assert.equal((await newUser()).status, 200, 'POST is another method');
  assert.deepEqual(
    [
      await call('GET', '/v3/users/alice'),
      await call('GET', '/v3/group_channels/case-channel'),
      await call('GET', '/v3/users/bob'),
      await call('GET', '/v3/group_channels'),
    ].map((a) => a.status),
    [200, 200, 200, 429],
  );
});

test('the window slides on the emulator clock; the 429 carries the headers and body of the endpoint caps', async () => {
  await admin('PUT', '/plan-limits', { plan: 'trial' });
  assert.equal((await call('GET', '/v3/users/alice')).status, 200);
  clock += 250;
  assert.deepEqual(await statuses(9, () => call('GET', '/v3/users/alice')), Array<number>(9).fill(200));
  const refused = await call('GET', '/v3/users/alice');
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('x-ratelimit-limit'), '10;w=1');
  assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(refused.headers.get('x-ratelimit-reset'), '0.750', 'the first call leaves the window 750 ms later');
  assert.equal(refused.headers.get('x-ratelimit-retryafter'), '0.750');
  assert.deepEqual(refused.body, {
    error: true,
    code: 500910,
    message: 'Too many requests (scope: app, limit: 10;w=1, remaining: 0, retry_after: 0.750s, reset: 0.750s)',
  });

  clock += 749;
  assert.equal((await call('GET', '/v3/users/alice')).status, 429, '1 ms before the first call leaves the window');
  assert.equal((await call('GET', '/v3/users/alice')).headers.get('x-ratelimit-retryafter'), '0.001');
  clock += 1;
  assert.equal((await call('GET', '/v3/users/alice')).status, 200, 'one place freed');
  const again = await call('GET', '/v3/users/alice');
  assert.equal(again.status, 429);
  assert.equal(again.headers.get('x-ratelimit-retryafter'), '0.250', 'the next place frees when the 2nd call leaves');
  clock += 1000;
  assert.deepEqual(
    await statuses(11, () => call('GET', '/v3/users/alice')),
    admittedThenRefused(10),
    'a quiet second: the whole limit again',
  );
});

test('layered with the endpoint caps: the stricter limit answers', async () => {
  const capsBefore = emu.rateCaps.get().rejected;
  const planBefore = emu.planLimits.get().rejected;
  // A generous plan and the 5/s cap: the cap answers channel creation, the plan does not.
  emu.rateCaps.set({ enabled: true, perSecond: 5 });
  await admin('PUT', '/plan-limits', { plan: '100k' });
  const creations = [];
  for (let i = 0; i < 6; i++) creations.push(await call('POST', '/v3/group_channels', { user_ids: ['alice'] }));
  assert.deepEqual(
    creations.map((a) => a.status),
    admittedThenRefused(5),
  );
  const byCap = creations[5];
  assert.equal(byCap?.headers.get('x-ratelimit-limit'), '5;w=1');
  assert.match(String(byCap?.body.message), /^Too many requests \(scope: endpoint, limit: 5;w=1,/);
  assert.equal((await newUser()).status, 200, 'an uncapped write goes by the plan');

  // A plan stricter than the cap: the plan answers, on the capped endpoint too.
  clock += 10_000;
  await admin('PUT', '/plan-limits', { plan: { getPerSecond: 10, writePerSecond: 3 } });
  const strict = [];
  for (let i = 0; i < 4; i++) strict.push(await call('POST', '/v3/group_channels', { user_ids: ['alice'] }));
  assert.deepEqual(
    strict.map((a) => a.status),
    admittedThenRefused(3),
  );
  assert.equal(strict[3]?.headers.get('x-ratelimit-limit'), '3;w=1');
  assert.match(String(strict[3]?.body.message), /^Too many requests \(scope: app, limit: 3;w=1,/);

  // Both full: the lower limit answers; plan full alone: the plan answers.
  clock += 10_000;
  emu.rateCaps.set({ perSecond: 1 });
  await admin('PUT', '/plan-limits', { plan: { getPerSecond: 10, writePerSecond: 2 }, per: 'method' });
  assert.equal((await call('POST', '/v3/group_channels', { user_ids: ['alice'] })).status, 200);
  assert.equal((await newUser()).status, 200, 'the second POST fills the plan window');
  clock += 500;
  const both = await call('POST', '/v3/group_channels', { user_ids: ['alice'] });
  assert.equal(both.status, 429);
  assert.match(String(both.body.message), /scope: endpoint, limit: 1;w=1/, 'both full, the cap lower: the cap answers');
  const planOnly = await newUser();
  assert.equal(planOnly.status, 429);
  assert.match(String(planOnly.body.message), /scope: app, limit: 2;w=1/, 'plan full, no cap on this endpoint: the plan answers');
  // A refused call counts in no window: a second after the admitted ones, both have room again.
  clock += 500;
  assert.equal((await call('POST', '/v3/group_channels', { user_ids: ['alice'] })).status, 200);
  assert.equal((await newUser()).status, 200);
  assert.equal((await newUser()).status, 429);

  assert.deepEqual(
    [emu.rateCaps.get().rejected - capsBefore, emu.planLimits.get().rejected - planBefore],
    [2, 3],
    'each limit counts the refusals it answered',
  );
});

test('429 counters per endpoint in the stats, whatever answered 429; reset with the stats', async () => {
  const planBefore = emu.planLimits.get().rejected;
  await admin('PUT', '/plan-limits', { plan: { getPerSecond: 1, writePerSecond: 1 } });
  await call('GET', '/v3/users/alice');
  await call('GET', '/v3/users/alice');
  await call('GET', '/v3/users/bob');
  await newUser();
  await newUser();
  await call('GET', '/v3/group_channels/case-channel');
  // An injected 429 is a 429 the client received too.
  emu.faults.set({ rules: [{ action: 'rateLimit', method: 'GET', path: '/members$', times: 1 }] });
  await call('GET', '/v3/group_channels/case-channel/members');

  const stats = await admin('GET', '/stats');
  assert.deepEqual(stats.body.rateLimited, {
    total: 4,
    byRoute: {
      'GET /v3/group_channels/:channel_url/members': 1,
      'GET /v3/users/:user_id': 2,
      'POST /v3/users': 1,
    },
  });
  assert.equal(stats.body.total, 7, 'refused calls are calls too');
  assert.equal((await admin('GET', '/plan-limits')).body.rejected, planBefore + 3, 'the fault is not the plan');

  await admin('DELETE', '/stats');
  assert.deepEqual(emu.stats.get().rateLimited, { total: 0, byRoute: {} });
});

test('admin API: off by default, a plan turns it on, enabled:false turns it off, bad settings are refused', async () => {
  const initial = await admin('GET', '/plan-limits');
  assert.deepEqual(initial.body, {
    enabled: false,
    plan: 'trial',
    getPerSecond: 10,
    writePerSecond: 5,
    per: 'endpoint',
    rejected: initial.body.rejected,
  });
  assert.deepEqual(await statuses(12, () => call('GET', '/v3/users/alice')), Array<number>(12).fill(200), 'off: no limit');

  const on = await admin('PUT', '/plan-limits', { plan: '5k' });
  assert.deepEqual([on.status, on.body.enabled, on.body.getPerSecond, on.body.writePerSecond], [200, true, 60, 10]);
  assert.deepEqual(await statuses(11, newUser), admittedThenRefused(10));

  const off = await admin('PUT', '/plan-limits', { enabled: false });
  assert.deepEqual([off.body.enabled, off.body.plan], [false, '5k'], 'the plan is kept while off');
  assert.equal((await newUser()).status, 200);
  const back = await admin('PUT', '/plan-limits', { enabled: true });
  assert.deepEqual([back.body.enabled, back.body.plan], [true, '5k']);

  const custom = await admin('PUT', '/plan-limits', { plan: { getPerSecond: 2, writePerSecond: 1 } });
  assert.deepEqual([custom.body.plan, custom.body.getPerSecond, custom.body.writePerSecond], ['custom', 2, 1]);

  for (const bad of [
    { plan: '1m' },
    { plan: { getPerSecond: 0, writePerSecond: 1 } },
    { plan: { getPerSecond: 2 } },
    { per: 'user' },
    { enabled: 'yes' },
  ]) {
    const refused = await admin('PUT', '/plan-limits', bad);
    assert.equal(refused.status, 400, JSON.stringify(bad));
    assert.match(String(refused.body.error), /^planLimits\./);
  }
  assert.deepEqual((await admin('GET', '/plan-limits')).body.plan, 'custom', 'a refused setting changes nothing');
});

test('the planLimits option: a named plan starts enabled', async () => {
  const other = await startSendbirdEmulator({
    apiToken: TOKEN,
    now: () => T0,
    planLimits: { plan: '10k' },
    seed: { users: [{ user_id: 'x' }] },
  });
  try {
    assert.deepEqual(other.planLimits.get(), {
      enabled: true,
      plan: '10k',
      getPerSecond: 100,
      writePerSecond: 20,
      per: 'endpoint',
      rejected: 0,
    });
    const answers: number[] = [];
    for (let i = 0; i < 101; i++) {
      const res = await fetch(`${other.url}/v3/users/x`, { headers: { 'Api-Token': TOKEN } });
      await res.arrayBuffer();
      answers.push(res.status);
    }
    assert.deepEqual(answers, admittedThenRefused(100));
  } finally {
    await other.close();
  }
  assert.throws(() => createSendbirdEmulator({ planLimits: { plan: 'gold' as PlanName } }), /planLimits\.plan must be one of/);
});
