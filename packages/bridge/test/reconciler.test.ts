/**
 * The reconciler's own rules: who is an agent and who must leave (plan.ts), and overlapping
 * reconciles of one Case, where an overtaken (older) read must not undo a newer one, whichever
 * reconciler (instance) made either: the order is kept in the store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { AgentDirectory } from '../src/agent-directory.js';
import { createLogger } from '../src/logger.js';
import { agentFor, strayAgents } from '../src/membership/plan.js';
import { agentNotice, isStale, reconcileClass, Reconciler } from '../src/membership/reconciler.js';
import { queueHandoverChecks } from '../src/membership/service.js';
import type { Store } from '../src/store/types.js';
import { makeCase, members, sbClient, sfClient } from './membership-helpers.js';
import { startWorld } from './world.js';

const AVA = '005EM0000000002YAA';
const BEN = '005EM0000000003YAA';
const QUEUE = '00GEM00000000012AA';

test('agentFor: a User owner is the agent (18 characters); a queue or a non-agent User is not', () => {
  assert.equal(agentFor(AVA, new Set()), AVA);
  assert.equal(agentFor(AVA.slice(0, 15), new Set()), AVA);
  assert.equal(agentFor(QUEUE, new Set()), null);
  assert.equal(agentFor(AVA, new Set([AVA])), null);
  assert.equal(agentFor(null, new Set()), null);
  assert.equal(agentFor('not-an-id', new Set()), null);
});

test('strayAgents: agent-like members other than the agent leave; customers never do', () => {
  const m = (...ids: string[]) => ids.map((user_id) => ({ user_id }));
  assert.deepEqual(strayAgents(m('cust', AVA, BEN), AVA, 'cust'), [BEN]);
  assert.deepEqual(
    strayAgents(m('cust', AVA, AVA.slice(0, 15)), AVA, 'cust'),
    [AVA.slice(0, 15)],
    'the 15-character form is another Sendbird user',
  );
  assert.deepEqual(strayAgents(m('cust', AVA, BEN), null, 'cust'), [AVA, BEN], 'a queue: every agent leaves');
  assert.deepEqual(strayAgents(m(BEN, AVA), AVA, BEN), [], 'the Case’s customer stays even if the id looks like a User Id');
  assert.deepEqual(strayAgents(m('cust', '005notanid', 'guest-005'), null, 'cust'), [], 'only real User Ids count');
});

test('isStale: older than the read applied last, or as old with another owner, or unstamped', () => {
  const applied = { version: 2_000, ownerId: AVA };
  assert.equal(isStale({ version: 1_000, ownerId: AVA }, null), false, 'nothing applied yet');
  assert.equal(isStale({ version: 1_999, ownerId: BEN }, applied), true, 'older');
  assert.equal(isStale({ version: 2_000, ownerId: AVA }, applied), false, 'the same read');
  assert.equal(isStale({ version: 2_000, ownerId: BEN }, applied), true, 'same stamp, another owner: which save came last is unknown');
  assert.equal(isStale({ version: 2_001, ownerId: BEN }, applied), false, 'newer');
  assert.equal(isStale({ version: null, ownerId: AVA }, applied), true, 'no stamp');
});

/** A reconciler as another instance would have it: its own clients, the shared store. */
function reconcilerOf(w: Awaited<ReturnType<typeof startWorld>>, salesforce = sfClient(w), store: Store = w.bridge.store) {
  return new Reconciler({
    salesforce,
    sendbird: sbClient(w),
    store,
    agents: new AgentDirectory(sbClient(w), store),
    logger: createLogger({ level: 'silent' }),
    removePreviousAgent: true,
    nonAgentUserIds: [],
  });
}

test('reconcileClass: the first agent of a Case is membership_waiting, a hand-over membership, the sweep last', () => {
  const none = new Set<string>();
  const applied = (ownerId: string | null) => ({ ownerId });
  assert.equal(reconcileClass('event', AVA, null, none), 'membership_waiting', 'never applied: no agent in as far as we know');
  assert.equal(reconcileClass('event', AVA, applied(QUEUE), none), 'membership_waiting', 'from a queue');
  assert.equal(reconcileClass('retry', AVA, applied(AVA), new Set([AVA])), 'membership_waiting', 'the owner applied last was no agent');
  assert.equal(reconcileClass('event', BEN, applied(AVA), none), 'membership', 'a hand-over: Ava is there');
  assert.equal(reconcileClass('cli', AVA, applied(AVA), none), 'membership', 'a repair');
  assert.equal(reconcileClass('event', null, applied(AVA), none), 'membership', 'to a queue: agents leave');
  assert.equal(reconcileClass('sweep', AVA, null, none), 'sweep', 'whatever the sweep finds');
});

test('overlapping reconciles of one Case: an overtaken, older read is not acted on', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  const real = sfClient(w);
  // The first reconcile's Case read is held after it returned (owner: Ava) until released.
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  let first = true;
  let readDone: () => void = () => undefined;
  const firstReadDone = new Promise<void>((r) => (readDone = r));
  const gated = Object.create(real) as typeof real;
  gated.query = async <T>(soql: string) => {
    const res = await real.query<T>(soql);
    if (first) {
      first = false;
      readDone();
      await held;
    }
    return res;
  };
  const store = w.bridge.store;
  const reconciler = new Reconciler({
    salesforce: gated,
    sendbird: sbClient(w),
    store,
    agents: new AgentDirectory(sbClient(w), store),
    logger: createLogger({ level: 'silent' }),
    removePreviousAgent: true,
    nonAgentUserIds: [],
  });

  const older = reconciler.reconcile([caseId], { source: 'event' });
  await firstReadDone;
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(caseId, ben);
  const newer = await reconciler.reconcile([caseId], { source: 'event' });
  assert.deepEqual(
    newer.map((o) => [o.status, o.invited]),
    [['ok', [ben]]],
  );
  release();
  const overtaken = await older;
  assert.deepEqual(
    overtaken.map((o) => [o.status, o.note, o.agent]),
    [['ok', 'reread', ben]],
    'the stale read (Ava) was read again under the lease: Ben',
  );
  assert.deepEqual(members(w, caseId), [customer, ben].sort(), 'Ben stays; Ava is not put back');
  const applied = await store.getMembershipApplied(caseId);
  assert.equal(applied?.ownerId, ben, 'the read applied last names Ben');
});

test('a reconcile that finds the Case being applied by another instance hands over: the holder reads again and applies the newer owner', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  // Instance A is held inside its apply (its invite of Ava waits) while Instance B reconciles.
  const sb = sbClient(w);
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  let inviting: () => void = () => undefined;
  const invitingNow = new Promise<void>((r) => (inviting = r));
  const gatedSb = Object.create(sb) as typeof sb;
  gatedSb.inviteMembers = async (...args: Parameters<typeof sb.inviteMembers>) => {
    inviting();
    await held;
    return sb.inviteMembers(...args);
  };
  const a = new Reconciler({
    salesforce: sfClient(w),
    sendbird: gatedSb,
    store: w.bridge.store,
    agents: new AgentDirectory(sb, w.bridge.store),
    logger: createLogger({ level: 'silent' }),
    removePreviousAgent: true,
    nonAgentUserIds: [],
  });
  const b = reconcilerOf(w);
  const first = a.reconcile([caseId], { source: 'event' });
  await invitingNow;
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(caseId, ben);
  const second = await b.reconcile([caseId], { source: 'event' });
  assert.deepEqual(
    second.map((o) => [o.status, o.note]),
    [['ok', 'handed_over']],
    'B does nothing while A holds the Case',
  );
  assert.deepEqual(members(w, caseId), [customer], 'B made no Sendbird call');
  release();
  const done = await first;
  assert.deepEqual(
    done.map((o) => [o.status, o.agent]),
    [['ok', ben]],
    'A applied Ava, then read again for the hand-over and applied Ben',
  );
  assert.deepEqual(members(w, caseId), [customer, ben].sort());
  assert.equal((await w.bridge.store.getMembershipApplied(caseId))?.ownerId, ben);
  const calls = w.sf.stats().total;
  assert.deepEqual(
    (await b.reconcile([caseId], { source: 'handover' })).map((o) => [o.status, o.note]),
    [['ok', 'handover.applied']],
    'the hand-over check finds the mark applied',
  );
  assert.equal(w.sf.stats().total, calls, 'and makes no Salesforce call');
});

test('a holder that dies mid-apply with a hand-over waiting: the hand-over check applies it when the lease runs out', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  // Instance A claims the Case and never comes back from its invite: a process killed mid-apply.
  const sb = sbClient(w);
  let inviting: () => void = () => undefined;
  const invitingNow = new Promise<void>((r) => (inviting = r));
  const stuckSb = Object.create(sb) as typeof sb;
  stuckSb.inviteMembers = () => {
    inviting();
    return new Promise<never>(() => undefined);
  };
  const a = new Reconciler({
    salesforce: sfClient(w),
    sendbird: stuckSb,
    store: w.bridge.store,
    agents: new AgentDirectory(sb, w.bridge.store),
    logger: createLogger({ level: 'silent' }),
    removePreviousAgent: true,
    nonAgentUserIds: [],
    applyLeaseMs: 3_000,
  });
  void a.reconcile([caseId], { source: 'event' });
  await invitingNow;
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(caseId, ben);
  const handed = await reconcilerOf(w).reconcile([caseId], { source: 'event' });
  assert.deepEqual(
    handed.map((o) => [o.status, o.note]),
    [['ok', 'handed_over']],
  );
  assert.ok(handed[0]!.recheckAt! > Date.now(), 'the hand-over says when the holder’s lease runs out');
  assert.equal(await queueHandoverChecks(w.bridge.store, handed, 10), 1, 'a check is queued for then');
  await waitFor('Ben applied, by the hand-over check', async () => (await w.bridge.store.getMembershipApplied(caseId))?.ownerId === ben);
  assert.deepEqual(members(w, caseId), [customer, ben].sort(), 'Ava, never invited by the dead holder, is not there');
  assert.deepEqual(await w.bridge.store.wantedMembershipCases([caseId]), [], 'no hand-over left waiting');
});

test('a Sendbird failure mid-apply records nothing: the Case is failed, the read applied last is unchanged, and the next reconcile applies it', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  const r = reconcilerOf(w);
  assert.deepEqual(
    (await r.reconcile([caseId], { source: 'event' })).map((o) => o.status),
    ['ok'],
  );
  const before = await w.bridge.store.getMembershipApplied(caseId);
  assert.equal(before?.ownerId, ava);
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(caseId, ben);
  // Ben is invited, then Ava's leave fails: half applied.
  w.sb.faults.set({ rules: [{ action: 'error', method: 'PUT', path: '/leave$', times: 1 }] });
  const failed = await r.reconcile([caseId], { source: 'event' });
  assert.deepEqual(
    failed.map((o) => [o.status, o.error?.kind]),
    [['failed', 'retryable']],
  );
  assert.deepEqual(members(w, caseId), [customer, ava, ben].sort(), 'half applied');
  const after = await w.bridge.store.getMembershipApplied(caseId);
  assert.deepEqual([after?.ownerId, after?.version], [ava, before?.version], 'the failed apply is not recorded');
  assert.deepEqual(
    (await r.reconcile([caseId], { source: 'retry' })).map((o) => [o.status, o.left]),
    [['ok', [ava]]],
  );
  assert.deepEqual(members(w, caseId), [customer, ben].sort());
  assert.equal((await w.bridge.store.getMembershipApplied(caseId))?.ownerId, ben);
});

test('agentNotice: a new owner is news (joined, took over, left); the same owner, or drift repaired, is not', () => {
  const ava = '005000000000001AAA';
  const ben = '005000000000002AAA';
  const names = new Map([
    [ava, 'Ava Agent'],
    [ben, 'Ben Agent'],
  ]);
  const members = [
    { user_id: 'cust', nickname: 'Kim' },
    { user_id: ava, nickname: 'Ava A.' },
    { user_id: '005000000000009AAA', nickname: 'Stray' },
  ];
  assert.deepEqual(agentNotice(ben, names, [ava], members, true, true), {
    sbsf: 'agent.handover',
    agent: { id: ben, name: 'Ben Agent' },
    previous: [{ id: ava, name: 'Ava Agent' }],
  });
  assert.deepEqual(agentNotice(ava, names, [], members, true, true), { sbsf: 'agent.joined', agent: { id: ava, name: 'Ava Agent' } });
  assert.deepEqual(agentNotice(null, names, [ava], members, true, false), {
    sbsf: 'agent.left',
    previous: [{ id: ava, name: 'Ava Agent' }],
  });
  // A name the Case read did not give comes from the member's nickname.
  assert.deepEqual(agentNotice(null, new Map(), ['005000000000009AAA'], members, true, false), {
    sbsf: 'agent.left',
    previous: [{ id: '005000000000009AAA', name: 'Stray' }],
  });
  assert.equal(agentNotice(ava, names, ['005000000000009AAA'], members, false, true), null, 'drift repaired under the same owner');
  assert.equal(agentNotice(ava, names, [], members, false, false), null, 'nothing changed');
  assert.equal(agentNotice(null, names, [], members, true, false), null, 'a queue owned it before and owns it now: nobody left');
  // Never applied before (a new bridge database): what this apply changed decides.
  assert.deepEqual(agentNotice(ava, names, [], members, undefined, true), { sbsf: 'agent.joined', agent: { id: ava, name: 'Ava Agent' } });
  assert.equal(agentNotice(ava, names, [], members, undefined, false), null);
});
