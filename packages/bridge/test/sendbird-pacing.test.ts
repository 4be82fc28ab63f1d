/**
 * Sendbird pacing by priority, over real HTTP with the Sendbird emulator's rate caps on: a new
 * ticket opened while a sweep's calls queue for the same capped endpoint goes ahead of them, and
 * so does the invite of a Case whose customer waits for a first agent.
 *
 * The bridge's Sendbird client waits through a gate the test holds: while it is closed, calls
 * that find a free slot go, and every other one queues (the pacing's sleep does not end). So what
 * waits where is known before the gate opens, and the test asserts on the order in which the
 * emulator accepted the calls, never on how long anything took.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { SendbirdClient } from '@sbsf/sendbird';
import { waitFor } from '@sbsf/testkit';
import { BRIDGE_MESSAGE_CUSTOM_TYPE } from '@sbsf/wire';
import { createClients, type Clients } from '../src/clients.js';
import type { BridgeConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { SWEEP_JOB, sweepJobKey } from '../src/membership/service.js';
import { makeCase, members, membershipIdle, sbClient, setOwner } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

const MESSAGES = 'POST /v3/group_channels/{channel_url}/messages';
const INVITE = 'POST /v3/group_channels/{channel_url}/invite';

/** A sleep that does not end while the gate is closed; opening it lets every held sleep run. */
function gate() {
  let open = false;
  const held: (() => void)[] = [];
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  return {
    sleep: (ms: number): Promise<void> =>
      open ? sleep(ms) : new Promise<void>((resolve) => held.push(() => void sleep(ms).then(resolve))),
    open(): void {
      open = true;
      for (const wake of held.splice(0)) wake();
    },
  };
}

/** The bridge's clients, with its Sendbird client waiting through `sleep`; `sendbird()` is that client. */
function bridgeClients(sleep?: (ms: number) => Promise<void>) {
  let sendbird: SendbirdClient | undefined;
  const build = (config: BridgeConfig): Clients => {
    sendbird = new SendbirdClient({
      appId: config.sendbird.appId,
      apiToken: config.sendbird.apiToken,
      baseUrl: config.sendbird.apiUrl,
      limiter: { perSecond: config.sendbird.cappedPerSecond },
      ...(sleep ? { sleep } : {}),
    });
    return { ...createClients(config, createLogger({ level: config.logLevel })), sendbird };
  };
  return {
    build,
    sendbird: (): SendbirdClient => {
      if (!sendbird) throw new Error('the bridge is not started');
      return sendbird;
    },
  };
}

/** `bridge_sendbird_queue_depth` of an endpoint and class, as /metrics shows it. */
async function queueDepth(w: World, endpoint: string, cls: string): Promise<number> {
  const res = await fetch(`${w.url}/metrics`);
  const text = await res.text();
  const line = text.split('\n').find((l) => l.startsWith(`bridge_sendbird_queue_depth{endpoint="${endpoint}",class="${cls}"}`));
  return line ? Number(line.split(' ').at(-1)) : NaN;
}

/** Every message the emulator accepted, in the order it accepted them (message ids ascend). */
function acceptedMessages(w: World): { channel: string; kind: string }[] {
  const all: { id: number; channel: string; kind: string }[] = [];
  for (const [url, ch] of w.sb.store.channels) {
    for (const m of ch.messages) {
      const kind = m.custom_type === BRIDGE_MESSAGE_CUSTOM_TYPE ? String((JSON.parse(m.data || '{}') as { sbsf?: string }).sbsf) : 'other';
      all.push({ id: m.message_id, channel: url, kind });
    }
  }
  return all.sort((a, b) => a.id - b.id).map(({ channel, kind }) => ({ channel, kind }));
}

test("a new ticket's first message goes ahead of the sweep's queued notices on the capped messages endpoint", async (t) => {
  const held = gate();
  const w = await startWorld(
    t,
    { SWEEP_INTERVAL_MS: '0', SENDBIRD_CAPPED_PER_SECOND: '5', RECONCILE_BATCH_SIZE: '4', JOB_CONCURRENCY: '8' },
    { clients: bridgeClients(held.sleep).build },
  );
  const { ava } = w.sf.seed.agents;
  // 24 open Cases owned by Ava, each as a reconcile that died after its invite left it (its claim
  // run out, Ava in the channel, the channel never told): each sweep reconcile posts one notice
  // ("Ava joined"), a capped call.
  const sb = sbClient(w);
  await sb.createUser({ user_id: ava, nickname: 'Ava Agent', profile_url: '' });
  const swept: string[] = [];
  for (let i = 0; i < 24; i++) {
    const { caseId } = await makeCase(w, ava);
    assert.equal((await w.bridge.store.claimMembershipApply(caseId, 'died', 1)).claimed, true);
    await sb.inviteMembers(caseId, [ava]);
    swept.push(caseId);
  }
  // The caps go on once the setup (unpaced) is done.
  w.sb.rateCaps.set({ enabled: true, perSecond: 5 });

  await w.bridge.store.enqueue(SWEEP_JOB, { period: 1 }, { dedupeKey: sweepJobKey(0, 1) });
  w.bridge.runner.kick();
  // 8 jobs of 4 Cases at once: the first notices take the free slots, the rest queue.
  await waitFor('the sweep queued behind the cap', async () => (await queueDepth(w, MESSAGES, 'sweep')) >= 10);
  // An idle endpoint answers its first call at once (no burst after it): that one is answered, the rest wait.
  await waitFor('the call that found the free slot answered', () => acceptedMessages(w).length === 1);
  const acceptedBefore = acceptedMessages(w).length;
  const channelsBefore = w.sb.store.channels.size;

  const ticket = w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken('cust-pacing', { name: 'Pat Customer' })}`, 'idempotency-key': randomUUID() },
    body: {
      case: { Subject: 'Locked out', Description: 'Cannot sign in', SuppliedName: 'Pat Customer', SuppliedEmail: 'pat@example.com' },
    },
  });
  await waitFor('the ticket form queued', async () => (await queueDepth(w, MESSAGES, 'ticket')) === 1);
  assert.equal(w.sb.store.channels.size, channelsBefore + 1, "the ticket's channel was made while the sweep's calls waited");
  const queuedSweep = await queueDepth(w, MESSAGES, 'sweep');
  assert.equal(acceptedMessages(w).length, acceptedBefore, 'nothing went while the gate was closed');

  held.open();
  const res = await ticket;
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const caseId = res.body.case.id as string;
  await waitFor('every swept Case told', () => swept.every((id) => w.sb.store.channels.get(id)?.messages.length === 1), {
    timeoutMs: 30_000,
  });
  await waitFor('membership idle', () => membershipIdle(w));

  const after = acceptedMessages(w).slice(acceptedBefore);
  assert.deepEqual(after[0], { channel: caseId, kind: 'ticket.form' }, 'the first message accepted once the gate opened');
  const sweepAfter = after.filter((m) => m.kind === 'agent.joined').length;
  assert.ok(sweepAfter >= queuedSweep, `the ${queuedSweep} notices queued before the ticket went after it (${sweepAfter} did)`);
  assert.equal(acceptedMessages(w).filter((m) => m.kind === 'agent.joined').length, swept.length, 'each swept Case told once');
});

test("a reconcile paces its calls in the Case's class: the first agent of a waiting customer, then a hand-over", async (t) => {
  const clients = bridgeClients();
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0', SENDBIRD_CAPPED_PER_SECOND: '5' }, { clients: clients.build });
  const { ava, ben } = w.sf.seed.agents;
  const granted: string[] = [];
  clients.sendbird().pacing.onGranted((g) => granted.push(`${g.endpoint} ${g.class}`));
  const { caseId } = await makeCase(w, w.sf.seed.queueId);

  await setOwner(w, caseId, ava);
  await waitFor('Ava in', () => members(w, caseId).includes(ava));
  await waitFor('idle', () => membershipIdle(w));
  assert.deepEqual(
    granted.filter((g) => g.startsWith('POST /v3/group_channels/{channel_url}/')),
    [
      'POST /v3/group_channels/{channel_url}/invite membership_waiting',
      'POST /v3/group_channels/{channel_url}/messages membership_waiting',
    ],
    'the customer had no agent: the invite and its notice are membership_waiting',
  );

  granted.length = 0;
  await setOwner(w, caseId, ben);
  await waitFor('Ben in, Ava out', () => members(w, caseId).includes(ben) && !members(w, caseId).includes(ava));
  await waitFor('idle', () => membershipIdle(w));
  assert.deepEqual(
    granted.filter((g) => g.startsWith('POST /v3/group_channels/{channel_url}/')),
    ['POST /v3/group_channels/{channel_url}/invite membership', 'POST /v3/group_channels/{channel_url}/messages membership'],
    'a hand-over: Ava was there, so membership',
  );
});

test("a Case whose customer waits for a first agent is invited ahead of the sweep's queued invites", async (t) => {
  const held = gate();
  const clients = bridgeClients(held.sleep);
  const w = await startWorld(
    t,
    { SWEEP_INTERVAL_MS: '0', SENDBIRD_CAPPED_PER_SECOND: '5', RECONCILE_BATCH_SIZE: '4', JOB_CONCURRENCY: '8' },
    { clients: clients.build },
  );
  let invitesGranted = 0;
  clients.sendbird().pacing.onGranted((g) => {
    if (g.endpoint === INVITE) invitesGranted++;
  });
  const { ava, ben } = w.sf.seed.agents;
  // 24 Cases owned by Ava whose channels lack her (the sweep invites her), and one in the queue.
  const swept: string[] = [];
  for (let i = 0; i < 24; i++) swept.push((await makeCase(w, ava)).caseId);
  const waiting = (await makeCase(w, w.sf.seed.queueId)).caseId;
  w.sb.rateCaps.set({ enabled: true, perSecond: 5 });

  await w.bridge.store.enqueue(SWEEP_JOB, { period: 1 }, { dedupeKey: sweepJobKey(0, 1) });
  w.bridge.runner.kick();
  await waitFor('the sweep queued behind the cap', async () => (await queueDepth(w, INVITE, 'sweep')) >= 10);
  // An invite granted its slot just before the gate closed may still be on its way: counted once it lands.
  await waitFor('the invites that found a slot done', () => swept.filter((id) => members(w, id).includes(ava)).length === invitesGranted);
  const invitedBefore = invitesGranted;
  // An agent takes the queued Case: the event's reconcile invites Ben into a channel with no agent.
  await setOwner(w, waiting, ben);
  await waitFor('the first agent queued', async () => (await queueDepth(w, INVITE, 'membership_waiting')) === 1);
  assert.equal(swept.filter((id) => members(w, id).includes(ava)).length, invitedBefore, 'nothing was invited while the gate was closed');

  held.open();
  await waitFor('every Case with its agent', () => members(w, waiting).includes(ben) && swept.every((id) => members(w, id).includes(ava)), {
    timeoutMs: 30_000,
  });
  await waitFor('membership idle', () => membershipIdle(w));
  const joined = (caseId: string, userId: string) => w.sb.store.channels.get(caseId)?.members.get(userId)?.joined_ts ?? NaN;
  const benAt = joined(waiting, ben);
  // The invites that found a free slot joined before Ben; every one that had to wait, after him.
  const later = swept.map((id) => joined(id, ava)).filter((at) => at >= benAt);
  assert.equal(later.length, swept.length - invitedBefore, 'every sweep invite that waited joined after Ben');
  assert.ok(
    later.every((at) => at > benAt),
    'Ben joined first',
  );
});
