/** The capped endpoints' scheduler, on a clock moved by hand: order by class, turns, pacing, 429 pauses. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CappedScheduler,
  EndpointScheduler,
  SHARED_JITTER_MS,
  SHARED_RETRY_MS,
  type Granted,
  type PriorityClass,
  type SharedSlots,
} from '../src/index.js';
import { manualClock, settle } from './manual-clock.js';

/** Starts acquiring and records, in order, who got a slot and when. */
function recorder(s: CappedScheduler, clock: { now: () => number }) {
  const granted: { name: string; at: number }[] = [];
  const acquire = (name: string, cls: PriorityClass, key = name) =>
    s.acquire(cls, key).then(() => {
      granted.push({ name, at: clock.now() });
    });
  return { granted, acquire, names: () => granted.map((g) => g.name) };
}

test('each slot goes to the highest class waiting, whatever the arrival order', async () => {
  const clock = manualClock(10_000);
  const s = new CappedScheduler('POST /v3/group_channels/{channel_url}/invite', 1, clock);
  const r = recorder(s, clock);
  void r.acquire('first', 'sweep');
  await settle();
  assert.deepEqual(r.names(), ['first'], 'a free slot is taken at once');
  // All of these arrive while the next slot is a second away.
  void r.acquire('sweep-1', 'sweep');
  void r.acquire('sweep-2', 'sweep');
  void r.acquire('membership', 'membership');
  void r.acquire('catchup', 'catchup');
  void r.acquire('ticket', 'ticket');
  void r.acquire('waiting', 'membership_waiting');
  assert.deepEqual(s.depth(), { ticket: 1, membership_waiting: 1, membership: 1, catchup: 1, sweep: 2 });
  await clock.advance(999);
  assert.deepEqual(r.names(), ['first'], 'nothing before the next slot');
  await clock.advance(6_000);
  assert.deepEqual(r.names(), ['first', 'ticket', 'waiting', 'membership', 'catchup', 'sweep-1', 'sweep-2']);
  assert.deepEqual(
    r.granted.map((g) => g.at - 10_000),
    [0, 1000, 2000, 3000, 4000, 5000, 6000],
    'one a second: the priority changes the order, not the pace',
  );
});

test('within a class the keys take turns: one bulk change does not starve a single Case', async () => {
  const clock = manualClock();
  const s = new CappedScheduler('POST /v3/group_channels/{channel_url}/invite', 1, clock);
  const r = recorder(s, clock);
  void r.acquire('blocker', 'membership');
  for (let i = 1; i <= 4; i++) void r.acquire(`bulk-${i}`, 'membership', 'bulk');
  void r.acquire('case-b', 'membership', 'case-b');
  void r.acquire('case-c', 'membership', 'case-c');
  void r.acquire('bulk-5', 'membership', 'bulk');
  await clock.advance(10_000);
  assert.deepEqual(r.names(), ['blocker', 'bulk-1', 'case-b', 'case-c', 'bulk-2', 'bulk-3', 'bulk-4', 'bulk-5']);
});

test('paced to the cap: one every 1000/perSecond ms, never more than perSecond in a one-second window', async () => {
  const clock = manualClock();
  const s = new CappedScheduler('POST /v3/group_channels', 5, clock);
  const r = recorder(s, clock);
  for (let i = 0; i < 9; i++) void r.acquire(`c${i}`, 'membership', `case-${i}`);
  await clock.advance(0);
  assert.equal(r.granted.length, 1, 'an idle endpoint answers its first call at once, and only it');
  await clock.advance(2_000);
  assert.deepEqual(
    r.granted.map((g) => g.at),
    [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600],
  );
  for (let i = 0; i < r.granted.length; i++) {
    const inWindow = r.granted.filter((g) => g.at > r.granted[i]!.at - 1000 && g.at <= r.granted[i]!.at).length;
    assert.ok(inWindow <= 5, `at most 5 in the second before ${r.granted[i]!.at} ms`);
  }
  // Idle again: the next call goes at once.
  await clock.advance(1_000);
  void r.acquire('d0', 'ticket', 'case-0');
  await clock.advance(0);
  assert.equal(r.granted.length, 10);
});

test('after a 429 the endpoint waits until the hint, then goes one slot at a time: no burst of retries', async () => {
  const clock = manualClock();
  const s = new CappedScheduler('POST /v3/group_channels/{channel_url}/messages', 5, clock);
  const r = recorder(s, clock);
  await clock.advance(10_000); // idle long enough for a full bucket
  s.pauseUntil(clock.now() + 1_500);
  for (let i = 0; i < 5; i++) void r.acquire(`retry-${i}`, 'membership', `case-${i}`);
  await clock.advance(1_499);
  assert.deepEqual(r.names(), [], 'nothing during the pause, not even with a full bucket');
  await clock.advance(1);
  assert.deepEqual(r.names(), ['retry-0'], 'one at the end of the pause');
  await clock.advance(800);
  assert.deepEqual(
    r.granted.map((g) => g.at - 10_000),
    [1500, 1700, 1900, 2100, 2300],
    'then one per slot',
  );
});

test('a 429 that arrives while the next slot is awaited moves that slot', async () => {
  const clock = manualClock();
  const s = new CappedScheduler('POST /v3/group_channels/{channel_url}/messages', 1, clock);
  const r = recorder(s, clock);
  void r.acquire('a', 'membership');
  void r.acquire('b', 'membership');
  await clock.advance(500); // b waits for the slot at 1000
  s.pauseUntil(3_000);
  await clock.advance(2_499);
  assert.deepEqual(r.names(), ['a']);
  await clock.advance(1);
  assert.deepEqual(r.granted, [
    { name: 'a', at: 0 },
    { name: 'b', at: 3_000 },
  ]);
});

test('the endpoint scheduler paces only the capped endpoints, each on its own, and reports depths and waits', async () => {
  const clock = manualClock();
  const pacing = new EndpointScheduler({ perSecond: 1 }, clock);
  const seen: Granted[] = [];
  const stop = pacing.onGranted((g) => seen.push(g));
  const inviteRoute = '/v3/group_channels/{channel_url}/invite';
  assert.equal(pacing.paces('GET', '/v3/group_channels/{channel_url}'), false);
  assert.equal(await pacing.acquire('GET', '/v3/group_channels/{channel_url}', 'sweep', 'x'), 0);
  assert.equal(await pacing.acquire('POST', inviteRoute, 'sweep', 'case-1'), 0);
  assert.equal(await pacing.acquire('POST', '/v3/group_channels', 'ticket', 'case-2'), 0, 'another endpoint has its own pace');
  const later = pacing.acquire('POST', inviteRoute, 'membership_waiting', 'case-3');
  const depth = (cls: PriorityClass) => pacing.depths().find((d) => d.endpoint === `POST ${inviteRoute}` && d.class === cls)?.depth;
  assert.equal(depth('membership_waiting'), 1);
  assert.equal(depth('sweep'), 0);
  await clock.advance(1_000);
  assert.equal(await later, 1_000, 'resolves with its wait');
  assert.equal(depth('membership_waiting'), 0);
  assert.deepEqual(
    seen.map((g) => [g.endpoint, g.class, g.waitMs]),
    [
      ['POST /v3/group_channels/{channel_url}/invite', 'sweep', 0],
      ['POST /v3/group_channels', 'ticket', 0],
      ['POST /v3/group_channels/{channel_url}/invite', 'membership_waiting', 1_000],
    ],
    'every capped call is reported as it gets its slot; reads are not',
  );
  stop();
  assert.equal(pacing.depths().length, 5 * 5, 'every capped endpoint and class');

  const off = new EndpointScheduler({ perSecond: 1, enabled: false }, clock);
  assert.equal(off.paces('POST', '/v3/group_channels'), false);
  assert.equal(await off.acquire('POST', '/v3/group_channels', 'sweep', 'a'), 0);
  assert.equal(await off.acquire('POST', '/v3/group_channels', 'sweep', 'b'), 0);
  assert.deepEqual(off.depths(), []);
});

/** Shared slots as the bridge's store keeps them (one next slot per endpoint), in memory; `down` makes them fail. */
function memorySlots() {
  const next = new Map<string, number>();
  const state = { down: false, booked: 0 };
  const slots: SharedSlots = {
    async book(endpoint, notBefore, intervalMs) {
      if (state.down) throw new Error('the store is down');
      const at = Math.max(next.get(endpoint) ?? 0, notBefore);
      next.set(endpoint, at + intervalMs);
      state.booked += 1;
      return at;
    },
    async pause(endpoint, untilMs) {
      if (state.down) throw new Error('the store is down');
      next.set(endpoint, Math.max(next.get(endpoint) ?? 0, untilMs));
    },
  };
  return { slots, state };
}

const MESSAGES = 'POST /v3/group_channels/{channel_url}/messages';
/** The shared slots' spacing at 5/s: a second and SHARED_JITTER_MS over five. */
const SLOT = Math.ceil((1000 + SHARED_JITTER_MS) / 5);
const slotTimes = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * SLOT);

test('shared slots: an instance alone takes every slot; two busy ones take turns and together stay at the cap', async () => {
  const clock = manualClock(10_000);
  const { slots } = memorySlots();
  const a = new CappedScheduler(MESSAGES, 5, clock, undefined, slots);
  const b = new CappedScheduler(MESSAGES, 5, clock, undefined, slots);
  const ra = recorder(a, clock);
  const rb = recorder(b, clock);
  for (let i = 0; i < 6; i++) void ra.acquire(`a${i}`, 'membership', `case-${i}`);
  await clock.advance(2_000);
  assert.equal(SLOT, 205);
  assert.deepEqual(
    ra.granted.map((g) => g.at - 10_000),
    slotTimes(6),
    'B books nothing, so A takes every slot: the whole cap',
  );

  ra.granted.length = 0;
  for (let i = 0; i < 5; i++) {
    void ra.acquire(`a${i}`, 'membership', `case-${i}`);
    void rb.acquire(`b${i}`, 'membership', `case-${i}`);
  }
  await clock.advance(3_000);
  const all = [...ra.granted, ...rb.granted].sort((x, y) => x.at - y.at);
  assert.deepEqual(
    all.map((g) => g.at - 12_000),
    slotTimes(10),
    'one slot every 205 ms between them: under 5 a second in all, not 5 each',
  );
  for (const g of all) {
    assert.ok(all.filter((o) => o.at > g.at - 1000 && o.at <= g.at).length <= 5, `at most 5 in the second before ${g.at} ms`);
  }
  assert.deepEqual(
    all.map((g) => g.name[0]),
    ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'],
    'each books one slot at a time, so busy instances take turns',
  );
});

test('shared slots: each instance still gives its slot to the highest class waiting there', async () => {
  const clock = manualClock();
  const { slots } = memorySlots();
  const a = new CappedScheduler(MESSAGES, 1, clock, undefined, slots);
  const b = new CappedScheduler(MESSAGES, 1, clock, undefined, slots);
  const ra = recorder(a, clock);
  const rb = recorder(b, clock);
  void ra.acquire('a-sweep-1', 'sweep');
  void ra.acquire('a-sweep-2', 'sweep');
  void rb.acquire('b-sweep-1', 'sweep');
  void rb.acquire('b-sweep-2', 'sweep');
  await settle();
  void ra.acquire('a-ticket', 'ticket');
  await clock.advance(10_000);
  assert.deepEqual(
    [...ra.granted, ...rb.granted].sort((x, y) => x.at - y.at).map((g) => g.name),
    ['a-sweep-1', 'b-sweep-1', 'a-ticket', 'b-sweep-2', 'a-sweep-2'],
  );
});

test('shared slots: a 429 seen by one instance pauses the others', async () => {
  const clock = manualClock();
  const { slots } = memorySlots();
  const a = new CappedScheduler(MESSAGES, 5, clock, undefined, slots);
  const b = new CappedScheduler(MESSAGES, 5, clock, undefined, slots);
  const rb = recorder(b, clock);
  a.pauseUntil(1_500);
  await settle();
  for (let i = 0; i < 3; i++) void rb.acquire(`b${i}`, 'membership', `case-${i}`);
  await clock.advance(3_000);
  assert.deepEqual(
    rb.granted.map((g) => g.at),
    slotTimes(3, 1500),
    'B sends nothing before the end of the pause A was told, then one per slot',
  );
});

test('shared slots: when they cannot be booked, the instance paces itself alone, then books again', async () => {
  const clock = manualClock();
  const { slots, state } = memorySlots();
  const a = new CappedScheduler(MESSAGES, 5, clock, undefined, slots);
  const ra = recorder(a, clock);
  state.down = true;
  for (let i = 0; i < 3; i++) void ra.acquire(`a${i}`, 'membership', `case-${i}`);
  await clock.advance(1_000);
  assert.deepEqual(
    ra.granted.map((g) => g.at),
    [0, 200, 400],
    'its own pace, nothing lost',
  );
  state.down = false;
  void ra.acquire('a3', 'membership');
  await clock.advance(1_000);
  assert.equal(ra.granted.length, 4);
  assert.equal(state.booked, 0, 'alone for a few seconds after a failed booking, not trying the store at every call');
  await clock.advance(SHARED_RETRY_MS);
  void ra.acquire('a4', 'membership');
  await clock.advance(1_000);
  assert.equal(ra.granted.length, 5);
  assert.equal(state.booked, 1, 'booked in the shared slots again once they answer');
});
