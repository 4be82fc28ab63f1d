/**
 * The reconciler's own rules: who is an agent and who must leave (plan.ts), and overlapping
 * reconciles of one Case, where an overtaken (older) read must not undo a newer one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentDirectory } from '../src/agents/directory.js';
import { createLogger } from '../src/logger.js';
import { agentFor, strayAgents } from '../src/membership/plan.js';
import { Reconciler } from '../src/membership/reconciler.js';
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
  assert.deepEqual(strayAgents(m('cust', AVA, AVA.slice(0, 15)), AVA, 'cust'), [AVA.slice(0, 15)], 'the 15-character form is another Sendbird user');
  assert.deepEqual(strayAgents(m('cust', AVA, BEN), null, 'cust'), [AVA, BEN], 'a queue: every agent leaves');
  assert.deepEqual(strayAgents(m(BEN, AVA), AVA, BEN), [], 'the Case’s customer stays even if the id looks like a User Id');
  assert.deepEqual(strayAgents(m('cust', '005notanid', 'guest-005'), null, 'cust'), [], 'only real User Ids count');
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
  assert.deepEqual(newer.map((o) => [o.status, o.invited]), [['ok', [ben]]]);
  release();
  const overtaken = await older;
  assert.deepEqual(overtaken.map((o) => [o.status, o.note]), [['ok', 'superseded']]);
  assert.deepEqual(members(w, caseId), [customer, ben].sort(), 'Ben stays; Ava is not put back');
});
