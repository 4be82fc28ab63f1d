/**
 * The periodic sweep: drift made directly in the Sendbird emulator (the agent removed, a stray
 * agent added) is repaired by a full sweep without any event, and the ledger says so; in steady
 * state a full sweep reads the channels 100 per call and changes nothing; between full sweeps a
 * sweep reads only the Cases saved since and queues only those whose owner changed; one sweep
 * per period across instances.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { createLogger } from '../src/logger.js';
import { MembershipService, SWEEP_JOB, SWEEP_MARK, SWEEP_OVERLAP_MS, sweepJobKey } from '../src/membership/service.js';
import { makeCase, members, membershipIdle, sbClient, setOwner, sfClient } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

async function sweepNow(w: World, period: number): Promise<void> {
  await w.bridge.store.enqueue(SWEEP_JOB, { period }, { dedupeKey: sweepJobKey(0, period) });
  w.bridge.runner.kick();
  await waitFor('the sweep job to finish', async () => (await w.bridge.store.countJobsByState()).queued === 0 && (await membershipIdle(w)));
}

test('drift made in Sendbird is repaired by the periodic sweep, and the ledger shows it', async (t) => {
  // Every sweep full: the drift is in Sendbird only, which only a full sweep reads.
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '1000', SWEEP_FULL_INTERVAL_MS: '0' });
  const { ava, ben } = w.sf.seed.agents;
  const owned = await makeCase(w, w.sf.seed.queueId);
  const queued = await makeCase(w, w.sf.seed.queueId);
  await setOwner(w, owned.caseId, ava);
  await waitFor('Ava in', () => members(w, owned.caseId).includes(ava));
  // Not "idle": with a sweep every second a loaded machine may never be seen idle.
  await waitFor('Ava applied', async () => (await w.bridge.store.getMembershipApplied(owned.caseId))?.ownerId === ava);
  // What the sweeps did before the drift (one of them may have been first to put Ava in) is not
  // part of the repair.
  const driftAt = Date.now();

  // Drift, behind the bridge's back: Ava removed, a stray agent added, an agent in a queue's Case.
  const sb = sbClient(w);
  const stray = '005EM000000STRY'; // a 15-character User Id: agent-like, and not the owner
  await sb.createUser({ user_id: stray, nickname: 'Stray', profile_url: '' });
  await sb.leaveMembers(owned.caseId, [ava]);
  await sb.inviteMembers(owned.caseId, [stray]);
  await sb.createUser({ user_id: ben, nickname: 'Ben Agent', profile_url: '' }).catch(() => undefined);
  await sb.inviteMembers(queued.caseId, [ben]);
  // No check of the drifted state here: a sweep due meanwhile may already be repairing it (the
  // runner starts a job at its due time); the ledger below shows what the sweeps changed.

  await waitFor(
    'the sweep to repair both channels',
    () =>
      JSON.stringify(members(w, owned.caseId)) === JSON.stringify([owned.customer, ava].sort()) &&
      JSON.stringify(members(w, queued.caseId)) === JSON.stringify([queued.customer]),
    { timeoutMs: 15_000 },
  );

  const sweepLines = async (caseId: string) =>
    (await w.bridge.store.ledgerForCase(caseId))
      .filter((e) => e.at >= driftAt && e.detail.source === 'sweep' && e.action.startsWith('member.'))
      .map((e) => `${e.action} ${e.target} ${e.outcome}`);
  // The ledger rows follow each Sendbird call; the last may land just after the channel changed.
  await waitFor('the repair in the ledger', async () => (await sweepLines(owned.caseId)).length >= 2);
  assert.deepEqual(await sweepLines(owned.caseId), [`member.invite ${ava} ok`, `member.leave ${stray} ok`]);
  assert.deepEqual(await sweepLines(queued.caseId), [`member.leave ${ben} ok`]);
  assert.equal(w.sf.org.bridgeDeliveries().length, 1, 'no event was involved in the repair');
});

test('a full sweep in steady state: the channels read 100 per call, nothing changed, closed Cases left out', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0', SENDBIRD_CAPPED_PER_SECOND: '0' });
  const { ava, ben } = w.sf.seed.agents;
  const cases: { caseId: string; customer: string }[] = [];
  for (let i = 0; i < 6; i++) cases.push(await makeCase(w, w.sf.seed.queueId));
  for (const [i, c] of cases.entries()) w.sf.org.changeCaseOwner(c.caseId, i % 2 ? ava : ben);
  await waitFor('every agent in', () => cases.every((c, i) => members(w, c.caseId).includes(i % 2 ? ava : ben)));
  await waitFor('idle', () => membershipIdle(w));
  // A closed Case is not swept. (Closing it freezes its chat: the Case lifecycle feature's one
  // Sendbird call, made before the sweep is measured.)
  await sfClient(w).update('Case', cases[0]!.caseId, { Status: 'Closed' });
  await waitFor('the closed Case frozen', () => w.sb.store.channels.get(cases[0]!.caseId)?.freeze === true);
  await waitFor('idle again', () => membershipIdle(w));

  const before = await w.bridge.store.countJobsByState();
  w.sb.stats.reset();
  const ledgerBefore = (await Promise.all(cases.map((c) => w.bridge.store.ledgerForCase(c.caseId)))).flat().length;
  await sweepNow(w, 2);
  const calls = w.sb.stats.get();
  // Open Cases with a ticket id: our 5 open ones plus the two open seed Cases. One list call reads
  // the channels of all 7; the seed Cases have none, so each reads its own (and finds it missing).
  assert.deepEqual(calls.byRoute, { 'GET /v3/group_channels': 1, 'GET /v3/group_channels/:channel_url': 2 });
  const ledgerAfter = (await Promise.all(cases.map((c) => w.bridge.store.ledgerForCase(c.caseId)))).flat().length;
  assert.equal(ledgerAfter, ledgerBefore, 'nothing to do, nothing recorded');
  assert.ok((await w.bridge.store.countJobsByState()).done > before.done);
});

test('one sweep per period: the dedupe key names the period', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0' });
  const key = sweepJobKey(60_000, 42);
  const first = await w.bridge.store.enqueue(SWEEP_JOB, { period: 42 }, { dedupeKey: key });
  const second = await w.bridge.store.enqueue(SWEEP_JOB, { period: 42 }, { dedupeKey: key });
  assert.equal(first.created, true);
  assert.equal(second.created, false, 'a second instance queueing the same period gets the first job');
  assert.equal(second.job.id, first.job.id);
});

/** The bridge's membership service over the world's store, for sweeps called directly. */
function serviceOf(w: World, sweepFullIntervalMs: number): MembershipService {
  return new MembershipService({
    store: w.bridge.store,
    salesforce: sfClient(w),
    reconciler: undefined as never, // the sweep only queues reconciles; the bridge's jobs run them
    logger: createLogger({ level: 'silent' }),
    batchSize: 200,
    sweepFullIntervalMs,
  });
}

test('between full sweeps a sweep reads only the Cases saved since, and queues only those whose owner is not the one applied', async (t) => {
  const w = await startWorld(t, { SWEEP_INTERVAL_MS: '0', SENDBIRD_CAPPED_PER_SECOND: '0' });
  const { ava, ben } = w.sf.seed.agents;
  const cases: { caseId: string; customer: string }[] = [];
  for (let i = 0; i < 4; i++) cases.push(await makeCase(w, w.sf.seed.queueId));
  for (const c of cases) w.sf.org.changeCaseOwner(c.caseId, ava);
  await waitFor('Ava in every channel', () => cases.every((c) => members(w, c.caseId).includes(ava)));
  await waitFor('idle', () => membershipIdle(w));
  const service = serviceOf(w, 3_600_000);
  const idle = () => waitFor('the sweep’s reconciles to finish', () => membershipIdle(w));

  // The first sweep is full: every open chat Case (ours and the two open seed Cases).
  const first = await service.sweep();
  assert.deepEqual([first.mode, first.cases, first.inStep, first.queued], ['full', 6, 0, 6]);
  await idle();
  const mark = await w.bridge.store.getSweepMark(SWEEP_MARK);
  const stamps = [...w.sf.state.table('Case').values()]
    .filter((c) => c.IsClosed !== true && c.Sendbird_Ticket_Id__c)
    .map((c) => Date.parse(String(c.SystemModstamp)));
  assert.equal(mark?.changedSince, Math.max(...stamps), 'the mark is the newest SystemModstamp read');

  // An owner change whose event is lost, and drift made in Sendbird alone.
  w.sf.org.setBridge(null);
  w.sf.org.changeCaseOwner(cases[0]!.caseId, ben);
  await sbClient(w).leaveMembers(cases[1]!.caseId, [ava]);
  w.sb.stats.reset();
  const second = await service.sweep();
  // Every Case was saved within the overlap, so all are read; Cases 1 to 3 are in step (Ava
  // applied, Ava the owner); Case 0 changed hands, and the seed Cases were never applied.
  assert.deepEqual([second.mode, second.cases, second.inStep, second.queued], ['changed', 6, 3, 3]);
  await waitFor('Ben in, Ava out of the Case whose event was lost', () => {
    const m = members(w, cases[0]!.caseId);
    return m.includes(ben) && !m.includes(ava);
  });
  await idle();
  assert.ok(!members(w, cases[1]!.caseId).includes(ava), 'drift made in Sendbird alone waits for the next full sweep');

  // Nothing saved since the mark (less the overlap): nothing read, nothing queued.
  await w.bridge.store.advanceSweepMark(SWEEP_MARK, { changedSince: Date.now() + SWEEP_OVERLAP_MS + 60_000 });
  const quiet = await service.sweep();
  assert.deepEqual([quiet.mode, quiet.cases, quiet.queued], ['changed', 0, 0]);

  // The full sweep is due again: it reads every channel and repairs the drift.
  await w.bridge.store.advanceSweepMark(SWEEP_MARK, { fullAt: Date.now() - 3_600_001 });
  const third = await service.sweep();
  assert.equal(third.mode, 'full');
  await waitFor('Ava back in, by the full sweep', () => members(w, cases[1]!.caseId).includes(ava));
});
