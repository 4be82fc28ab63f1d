/**
 * The store's Change Data Capture contract (`case_change_subscriptions`), run by `storeContract`
 * on every store: one holder of a channel's lease at a time, a takeover after it runs out that
 * resumes from the stored replay id, and a batch (reconciles, status job, ledger, replay id)
 * recorded all together and only by the holder.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { openHarness, type StoreHarness } from './store-contract.js';

const TOPIC = '/data/CaseChangeEvent';
const LEASE = 30_000;
const reconcile = { kind: 'membership.reconcile', batchSize: 200, source: 'event' };

export function cdcContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  describe(`${name} store: Change Data Capture subscription`, () => {
    test('one holder at a time; after its lease runs out another takes over and resumes from its replay id', async (t) => {
      const { store, clock } = await setup(t);
      assert.deepEqual(await store.claimCaseChanges(TOPIC, 'a', LEASE), { held: true, replayId: null });
      assert.deepEqual(await store.claimCaseChanges(TOPIC, 'b', LEASE), { held: false, holder: 'a', leaseUntil: clock.now + LEASE });
      const r = await store.recordCaseChanges({
        topic: TOPIC,
        holder: 'a',
        replayId: '00000000000000ff',
        membershipCaseIds: [],
        statusCaseIds: [],
        reconcile,
      });
      assert.equal(r.held, true);
      clock.advance(LEASE / 2);
      assert.equal(await store.renewCaseChanges(TOPIC, 'a', LEASE), true);
      assert.equal(await store.renewCaseChanges(TOPIC, 'b', LEASE), false, 'only the holder renews');
      clock.advance(LEASE + 1);
      assert.equal(await store.renewCaseChanges(TOPIC, 'a', LEASE), false, 'a lease that ran out is not renewed');
      assert.deepEqual(await store.claimCaseChanges(TOPIC, 'b', LEASE), { held: true, replayId: '00000000000000ff', tookOverFrom: 'a' });
      const late = await store.recordCaseChanges({
        topic: TOPIC,
        holder: 'a',
        replayId: '0000000000000100',
        membershipCaseIds: ['500A'],
        statusCaseIds: ['500A'],
        reconcile,
      });
      assert.deepEqual(late, { held: false }, 'the old holder writes nothing');
      assert.equal((await store.getCaseChanges(TOPIC))?.replayId, '00000000000000ff');
      assert.deepEqual(await store.listPendingReconciles(), []);
      assert.equal(await store.releaseCaseChanges(TOPIC, 'a'), false);
      assert.equal(await store.releaseCaseChanges(TOPIC, 'b'), true);
      assert.deepEqual(
        await store.claimCaseChanges(TOPIC, 'c', LEASE),
        { held: true, replayId: '00000000000000ff' },
        'a released lease is free at once',
      );
    });

    test('a batch queues its reconciles, its status job and its ledger entries with its replay id; null forgets the replay id', async (t) => {
      const { store, clock } = await setup(t);
      await store.claimCaseChanges(TOPIC, 'a', LEASE);
      const r = await store.recordCaseChanges({
        topic: TOPIC,
        holder: 'a',
        replayId: '0000000000000001',
        membershipCaseIds: ['500A', '500B', '500A'],
        statusCaseIds: ['500B', '500B'],
        reconcile,
        ledger: [{ caseId: null, system: 'salesforce', action: 'cdc.overflow', target: TOPIC, outcome: 'ok', detail: {} }],
      });
      assert.ok(r.held);
      assert.equal(r.reconciles.queued, 2);
      const job = await store.getJob(r.reconciles.jobIds[0]!);
      assert.deepEqual(job?.payload, { caseIds: ['500A', '500B'], source: 'event' });
      const status = await store.getJob(r.statusJobId!);
      assert.deepEqual([status?.kind, status?.payload], ['lifecycle.case_status', { caseIds: ['500B'] }]);
      const sub = await store.getCaseChanges(TOPIC);
      assert.deepEqual([sub?.replayId, sub?.replayAt, sub?.holder], ['0000000000000001', clock.now, 'a']);
      const none = await store.recordCaseChanges({ topic: TOPIC, holder: 'a', membershipCaseIds: [], statusCaseIds: [], reconcile });
      assert.ok(none.held && none.statusJobId === null && none.reconciles.requested === 0);
      assert.equal((await store.getCaseChanges(TOPIC))?.replayId, '0000000000000001', 'no replay id given: the stored one stays');
      await store.recordCaseChanges({ topic: TOPIC, holder: 'a', replayId: null, membershipCaseIds: [], statusCaseIds: [], reconcile });
      assert.deepEqual([(await store.getCaseChanges(TOPIC))?.replayId, (await store.getCaseChanges(TOPIC))?.replayAt], [null, null]);
      assert.equal(await store.getCaseChanges('/data/Other__chn'), null);
    });

    test('the chat Cases the bridge knows are those it opened a ticket for', async (t) => {
      const { store } = await setup(t);
      const tk = await store.createTicket({ id: randomUUID(), clientKey: 'c', customerUserId: 'c', caseFields: {} });
      await store.updateTicket(tk.id, { state: 'completed', caseId: '500000000000001AAA', channelUrl: '500000000000001AAA' });
      const ids = ['500000000000001AAA', '500000000000002AAA', '500000000000001AAA'];
      assert.deepEqual(await store.knownChatCases(ids), ['500000000000001AAA']);
      assert.deepEqual(await store.knownChatCases([]), []);
      const many = Array.from({ length: 450 }, (_, i) => `500${String(i).padStart(12, '0')}AAA`);
      assert.deepEqual(await store.knownChatCases([...many, '500000000000001AAA']), ['500000000000001AAA'], 'more than one IN list');
    });
  });
}
