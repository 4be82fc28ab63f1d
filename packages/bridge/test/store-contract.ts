/**
 * The store's behaviour, written once against the `Store` interface so every implementation
 * (SQLite now, PostgreSQL later) runs the very same suite: `storeContract('sqlite', harness)`.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { TicketStateError, type Store } from '../src/store/index.js';
import { catchupContract } from './store-contract-catchup.js';
import { cdcContract } from './store-contract-cdc.js';
import { contactsContract } from './store-contract-contacts.js';
import { erasureContract } from './store-contract-erasure.js';
import { csatContract } from './store-contract-csat.js';
import { pacingContract } from './store-contract-pacing.js';

export interface FakeClock {
  now: number;
  advance(ms: number): void;
}

export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  return {
    now: start,
    advance(ms: number) {
      this.now += ms;
    },
  };
}

export interface StoreHarness {
  clock: FakeClock;
  /** Opens a new connection to the same fresh database (each call is another "process"). */
  open(): Promise<Store>;
  /** Runs raw SQL on the database, as an operator's script would. */
  exec(sql: string): Promise<void>;
}

/** A harness and one open store; every store it opens is closed when the test ends. */
export async function openHarness(t: TestContext, makeHarness: (t: TestContext) => StoreHarness) {
  const h = makeHarness(t);
  const opened: Store[] = [];
  const open = async () => {
    const s = await h.open();
    opened.push(s);
    return s;
  };
  t.after(async () => {
    for (const s of opened) await s.close();
  });
  return { ...h, open, store: await open() };
}

export function storeContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  catchupContract(name, makeHarness);
  cdcContract(name, makeHarness);
  pacingContract(name, makeHarness);
  erasureContract(name, makeHarness);
  csatContract(name, makeHarness);
  contactsContract(name, makeHarness);
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  const newTicket = (overrides: Record<string, unknown> = {}) => ({
    id: randomUUID(),
    clientKey: 'cust-1',
    customerUserId: 'cust-1',
    customerNickname: 'Jo',
    caseFields: { Subject: 'Broken', Description: 'It broke' },
    ...overrides,
  });

  describe(`${name} store: tickets`, () => {
    test("a Case's customer is its ticket's (the customer history's lookup); a Case without a ticket has none", async (t) => {
      const { store } = await setup(t);
      const a = await store.createTicket(newTicket({ customerUserId: 'dana' }));
      await store.updateTicket(a.id, { state: 'case_ready', caseId: '500000000000078AAA' });
      await store.createTicket(newTicket({ customerUserId: 'eli' }));
      assert.equal((await store.getTicketByCase('500000000000078AAA'))?.customerUserId, 'dana');
      assert.equal(await store.getTicketByCase('500000000000079AAA'), null);
    });

    test('a Case belongs to one ticket; tickets without a Case are not limited; open and finished tickets are listed by state', async (t) => {
      const { store } = await setup(t);
      const a = await store.createTicket(newTicket());
      const b = await store.createTicket(newTicket());
      const c = await store.createTicket(newTicket());
      await store.updateTicket(a.id, { state: 'completed', caseId: '500000000000077AAA', channelUrl: '500000000000077AAA' });
      await assert.rejects(store.updateTicket(b.id, { state: 'case_ready', caseId: '500000000000077AAA' }), /unique|duplicate/i);
      assert.equal((await store.getTicket(b.id))?.state, 'received', 'the refused update changed nothing');
      await store.updateTicket(c.id, { state: 'failed', lastError: 'refused' });
      assert.deepEqual(
        (await store.listTickets({ state: 'completed' })).map((x) => x.id),
        [a.id],
      );
      assert.deepEqual(
        (await store.listTickets({ state: 'received' })).map((x) => x.id),
        [b.id],
      );
      assert.deepEqual(
        (await store.listTickets({ state: 'failed' })).map((x) => x.id),
        [c.id],
      );
    });

    test('a write with many ledger entries keeps them all, in order', async (t) => {
      const { store } = await setup(t);
      const ticket = await store.createTicket(newTicket());
      const entries = Array.from({ length: 40 }, (_, i) => ({
        ticketId: ticket.id,
        system: 'sendbird' as const,
        action: `step.${i}`,
        outcome: 'ok' as const,
        detail: { i },
      }));
      await store.updateTicket(ticket.id, { attempts: 1 }, entries);
      const ledger = await store.ledgerForTicket(ticket.id);
      assert.deepEqual(
        ledger.map((e) => e.action),
        entries.map((e) => e.action),
      );
      assert.deepEqual(
        ledger.map((e) => e.detail),
        entries.map((e) => e.detail),
      );
      assert.ok(
        ledger.every((e, i) => i === 0 || e.id > ledger[i - 1]!.id),
        'ids ascend in the given order',
      );
    });

    test('create, get, update and list by state', async (t) => {
      const { store, clock } = await setup(t);
      const created = await store.createTicket(newTicket());
      assert.equal(created.state, 'received');
      assert.equal(created.attempts, 0);
      assert.equal(created.createdAt, clock.now);
      assert.deepEqual(await store.getTicket(created.id), created);
      assert.equal(await store.getTicket(randomUUID()), null);

      clock.advance(1000);
      const updated = await store.updateTicket(created.id, {
        state: 'case_ready',
        caseId: '500000000000001AAA',
        caseNumber: '00001001',
        attempts: 1,
      });
      assert.equal(updated.state, 'case_ready');
      assert.equal(updated.caseId, '500000000000001AAA');
      assert.equal(updated.caseNumber, '00001001');
      assert.equal(updated.updatedAt, clock.now);
      assert.deepEqual(updated.caseFields, { Subject: 'Broken', Description: 'It broke' }, 'untouched fields stay');

      const other = await store.createTicket(newTicket({ clientKey: 'cust-2', customerUserId: 'cust-2' }));
      assert.deepEqual(
        (await store.listTickets({ state: 'case_ready' })).map((x) => x.id),
        [created.id],
      );
      assert.deepEqual(
        (await store.listTickets({ state: 'received' })).map((x) => x.id),
        [other.id],
      );
      assert.equal((await store.listTickets()).length, 2);
      await assert.rejects(store.updateTicket(randomUUID(), { lastError: 'x' }), /not found/);
    });

    test('state only moves forward; failed can be resumed; completed is final', async (t) => {
      const { store } = await setup(t);
      const { id } = await store.createTicket(newTicket());
      await store.updateTicket(id, { state: 'case_ready' });
      await assert.rejects(store.updateTicket(id, { state: 'user_ready' }), (err: unknown) => {
        assert.ok(err instanceof TicketStateError);
        assert.equal(err.from, 'case_ready');
        assert.equal(err.to, 'user_ready');
        return true;
      });
      await assert.rejects(store.updateTicket(id, { state: 'received' }), TicketStateError);
      assert.equal((await store.getTicket(id))?.state, 'case_ready', 'a refused update changes nothing');
      await store.updateTicket(id, { state: 'case_ready', lastError: 'Sendbird 503' });
      await store.updateTicket(id, { state: 'failed', lastError: 'gave up' });
      await assert.rejects(store.updateTicket(id, { state: 'received' }), TicketStateError);
      await store.updateTicket(id, { state: 'channel_ready', lastError: null });
      await store.updateTicket(id, { state: 'completed' });
      for (const to of ['failed', 'channel_ready', 'received'] as const) {
        await assert.rejects(store.updateTicket(id, { state: to }), TicketStateError, `completed -> ${to}`);
      }
    });

    test("a step's result and its ledger entries are written together, or neither", async (t) => {
      const { store } = await setup(t);
      const { id } = await store.createTicket(newTicket());
      const entry = {
        ticketId: id,
        caseId: '500000000000001AAA',
        system: 'salesforce' as const,
        action: 'case.upsert',
        target: '500000000000001AAA',
        outcome: 'ok' as const,
      };
      await store.updateTicket(id, { state: 'case_ready', caseId: '500000000000001AAA' }, [
        entry,
        { ...entry, system: 'sendbird', action: 'user.create', target: 'c1' },
      ]);
      assert.deepEqual(
        (await store.ledgerForTicket(id)).map((e) => e.action),
        ['case.upsert', 'user.create'],
      );
      await assert.rejects(store.updateTicket(id, { state: 'received' }, [{ ...entry, action: 'should.not.exist' }]), TicketStateError);
      assert.deepEqual(
        (await store.ledgerForTicket(id)).map((e) => e.action),
        ['case.upsert', 'user.create'],
        'a refused update appends nothing',
      );
    });

    test('a ticket is created with its job, and finishing it settles that job, each in one transaction', async (t) => {
      const { store } = await setup(t);
      const job = { kind: 'ticket.finish', payload: { ticketId: 'tj' }, dedupeKey: 'ticket:tj', runAt: Date.now() + 60_000 };
      await store.createTicket(newTicket({ id: 'tj' }), { job });
      await assert.rejects(store.createTicket(newTicket({ id: 'tj' }), { job }));
      assert.deepEqual(
        await store.countJobsByState(),
        { queued: 1, running: 0, done: 0, dead: 0 },
        'a failed create enqueues nothing more',
      );
      await store.updateTicket('tj', { state: 'completed' }, [], { settleJob: 'ticket:tj' });
      assert.deepEqual(await store.countJobsByState(), { queued: 0, running: 0, done: 1, dead: 0 });
    });

    test('a failed step is written with the job that finishes the ticket, once per ticket', async (t) => {
      const { store } = await setup(t);
      await store.createTicket(newTicket({ id: 'tf' }));
      const job = { kind: 'ticket.finish', payload: { ticketId: 'tf' }, dedupeKey: 'ticket:tf', runAt: Date.now() + 60_000 };
      await store.updateTicket('tf', { state: 'case_ready', caseId: '500000000000009AAA', attempts: 1, lastError: 'sendbird 500' }, [], {
        job,
      });
      await store.updateTicket('tf', { attempts: 2, lastError: 'sendbird 500' }, [], { job });
      assert.deepEqual(
        await store.countJobsByState(),
        { queued: 1, running: 0, done: 0, dead: 0 },
        'the second failure finds the job queued',
      );
      await assert.rejects(
        store.updateTicket('tf', { state: 'received' }, [], { job: { ...job, dedupeKey: 'ticket:other' } }),
        TicketStateError,
      );
      assert.deepEqual(await store.countJobsByState(), { queued: 1, running: 0, done: 0, dead: 0 }, 'a refused update enqueues nothing');
    });

    test('the sweep queues one job per unfinished, stale ticket that has none', async (t) => {
      const { store, clock } = await setup(t);
      const sweep = () =>
        store.queueUnfinishedTickets(clock.now - 30_000, 2, { kind: 'ticket.finish', dedupePrefix: 'ticket:', runAt: clock.now });
      await store.createTicket(newTicket({ id: 'old-1' }));
      await store.createTicket(newTicket({ id: 'old-2' }));
      await store.createTicket(newTicket({ id: 'old-done' }));
      await store.updateTicket('old-done', { state: 'completed' });
      await store.createTicket(newTicket({ id: 'old-failed' }));
      await store.updateTicket('old-failed', { state: 'failed' });
      await store.createTicket(newTicket({ id: 'old-has-job' }));
      await store.updateTicket('old-has-job', { state: 'case_ready', caseId: '500000000000010AAA' }, [], {
        job: { kind: 'ticket.finish', payload: { ticketId: 'old-has-job' }, dedupeKey: 'ticket:old-has-job', runAt: clock.now },
      });
      clock.advance(31_000);
      await store.createTicket(newTicket({ id: 'fresh' }));
      assert.deepEqual(await sweep(), ['old-1', 'old-2'], 'oldest first, at most the limit');
      assert.deepEqual(await sweep(), [], 'a ticket with a job is not queued again');
      const queued = await store.claimJobs('w', 10, 60_000, ['ticket.finish']);
      assert.deepEqual(
        queued.map((j) => j.payload).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [{ ticketId: 'old-1' }, { ticketId: 'old-2' }, { ticketId: 'old-has-job' }],
      );
      clock.advance(30_000);
      assert.deepEqual(await sweep(), ['fresh'], 'a ticket becomes stale after the delay');
    });
  });

  describe(`${name} store: idempotency keys`, () => {
    test('20 concurrent claims of one key over 4 connections: exactly one wins', async (t) => {
      const { store, open } = await setup(t);
      const conns = [store, await open(), await open(), await open()];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (conns[i % conns.length] as Store).claimIdempotencyKey('tickets:cust-1', 'key-1', 'hash-a', `ticket-${i}`),
        ),
      );
      const winners = results.filter((r) => r.claimed);
      assert.equal(winners.length, 1);
      const winner = winners[0];
      assert.ok(winner?.claimed);
      for (const r of results) {
        if (r.claimed) continue;
        assert.equal(r.existing.ticketId, winner.record.ticketId, "losers see the winner's ticket");
        assert.equal(r.existing.requestHash, 'hash-a');
        assert.equal(r.existing.responseStatus, null, 'not final yet');
      }
    });

    test('a claim can record the ticket and its job atomically; losers find that ticket', async (t) => {
      const { store } = await setup(t);
      const create = (id: string) => ({
        ticket: newTicket({ id }),
        job: { kind: 'ticket.finish', payload: { ticketId: id }, dedupeKey: `ticket:${id}`, runAt: Date.now() + 60_000 },
      });
      const claims = await Promise.all(
        ['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => store.claimIdempotencyKey('cust', 'k-atomic', 'h', id, { create: create(id) })),
      );
      const winners = claims.filter((c) => c.claimed);
      assert.equal(winners.length, 1);
      const ticketId = winners[0]!.record.ticketId!;
      for (const c of claims)
        assert.equal(c.claimed ? c.record.ticketId : c.existing.ticketId, ticketId, 'every caller is pointed at the one ticket');
      assert.ok(await store.getTicket(ticketId), 'the ticket exists as soon as the key does');
      const winner = winners[0]!;
      assert.ok(winner.claimed);
      assert.deepEqual(winner.ticket, await store.getTicket(ticketId), 'the winner is handed the ticket it recorded');
      for (const c of claims) if (!c.claimed) assert.equal('ticket' in c, false);
      for (const id of ['c1', 'c2', 'c3', 'c4', 'c5'].filter((i) => i !== ticketId))
        assert.equal(await store.getTicket(id), null, 'losers record nothing');
      assert.deepEqual(await store.countJobsByState(), { queued: 1, running: 0, done: 0, dead: 0 });
    });

    test('the final answer is recorded once; scopes are separate; expired and released keys can be claimed again', async (t) => {
      const { store, clock } = await setup(t);
      assert.ok((await store.claimIdempotencyKey('s', 'k', 'h1', 't1', { ttlMs: 60_000 })).claimed);
      assert.ok((await store.claimIdempotencyKey('other-scope', 'k', 'h1', 't9')).claimed, 'same key, other scope');
      const done = await store.completeIdempotencyKey('s', 'k', 201, { caseId: '500x' });
      assert.equal(done.responseStatus, 201);
      assert.deepEqual(done.responseBody, { caseId: '500x' });
      const again = await store.completeIdempotencyKey('s', 'k', 500, { error: 'late' });
      assert.equal(again.responseStatus, 201, 'a final answer is never overwritten');
      const replay = await store.claimIdempotencyKey('s', 'k', 'h1', 't2');
      assert.ok(!replay.claimed);
      assert.deepEqual(replay.existing.responseBody, { caseId: '500x' });
      assert.equal(replay.existing.ticketId, 't1');

      clock.advance(60_001);
      assert.equal(await store.getIdempotencyKey('s', 'k'), null, 'expired');
      const fresh = await store.claimIdempotencyKey('s', 'k', 'h2', 't3');
      assert.ok(fresh.claimed, 'an expired key is claimable');
      assert.equal(fresh.record.ticketId, 't3');

      await store.releaseIdempotencyKey('s', 'k');
      assert.ok((await store.claimIdempotencyKey('s', 'k', 'h4', 't4')).claimed, 'a released (unfinished) key is claimable');
      clock.advance(25 * 60 * 60 * 1000);
      assert.equal(await store.purgeExpiredIdempotencyKeys(), 2);
    });
  });

  describe(`${name} store: jobs`, () => {
    test('enqueue, claim (once), complete; run_at, kinds and counts are honoured', async (t) => {
      const { store, clock } = await setup(t);
      const { job, created } = await store.enqueue('ticket.create', { ticketId: 't1' });
      assert.ok(created);
      assert.equal(job.state, 'queued');
      assert.equal(job.maxAttempts, 10);
      const later = await store.enqueue('ticket.create', { ticketId: 't2' }, { runAt: clock.now + 5_000, maxAttempts: 3 });
      await store.enqueue('other.kind', { x: 1 });

      const claimed = await store.claimJobs('w1', 10, 30_000, ['ticket.create']);
      assert.deepEqual(
        claimed.map((j) => j.id),
        [job.id],
        'only due jobs of the asked kinds',
      );
      const [c] = claimed;
      assert.equal(c?.state, 'running');
      assert.equal(c?.attempts, 1);
      assert.equal(c?.lockedBy, 'w1');
      assert.equal(c?.lockedUntil, clock.now + 30_000);
      assert.deepEqual(c?.payload, { ticketId: 't1' });
      assert.deepEqual(await store.claimJobs('w2', 10, 30_000, ['ticket.create']), [], 'a leased job is not claimed twice');

      assert.equal(await store.completeJob(job.id, 'w2'), false, 'only the lease holder completes');
      assert.equal(await store.completeJob(job.id, 'w1'), true);
      assert.equal((await store.getJob(job.id))?.state, 'done');

      clock.advance(5_000);
      assert.deepEqual(
        (await store.claimJobs('w1', 10, 30_000, ['ticket.create'])).map((j) => j.id),
        [later.job.id],
      );
      assert.deepEqual(await store.countJobsByState(), { queued: 1, running: 1, done: 1, dead: 0 });
    });

    test('a dedupe key enqueues once, whatever state the first job is in', async (t) => {
      const { store } = await setup(t);
      const first = await store.enqueue('webhook.message', { messageId: 42 }, { dedupeKey: 'sendbird:message:42' });
      const second = await store.enqueue('webhook.message', { messageId: 42, again: true }, { dedupeKey: 'sendbird:message:42' });
      assert.ok(first.created);
      assert.ok(!second.created);
      assert.equal(second.job.id, first.job.id);
      assert.deepEqual(second.job.payload, { messageId: 42 }, 'the first payload stands');
      const [claimed] = await store.claimJobs('w', 1, 1_000);
      assert.ok(claimed);
      await store.completeJob(claimed.id, 'w');
      assert.ok(!(await store.enqueue('webhook.message', {}, { dedupeKey: 'sendbird:message:42' })).created, 'still deduped after it ran');
      assert.ok((await store.enqueue('webhook.message', {}, { dedupeKey: 'sendbird:message:43' })).created);
      assert.ok(
        (await store.enqueue('webhook.message', {})).created && (await store.enqueue('webhook.message', {})).created,
        'no key, no dedupe',
      );
    });

    test('settling a queued job marks it done unrun; running and finished jobs are left alone', async (t) => {
      const { store } = await setup(t);
      const a = await store.enqueue('ticket.finish', { ticketId: 'a' }, { dedupeKey: 'ticket:a', runAt: Date.now() + 60_000 });
      assert.equal(await store.settleQueuedJob('ticket:a'), true);
      assert.equal((await store.getJob(a.job.id))?.state, 'done');
      assert.equal(await store.settleQueuedJob('ticket:a'), false, 'only once');
      assert.equal(await store.settleQueuedJob('ticket:none'), false);
      await store.enqueue('ticket.finish', { ticketId: 'b' }, { dedupeKey: 'ticket:b' });
      const [running] = await store.claimJobs('w', 1, 10_000);
      assert.ok(running);
      assert.equal(await store.settleQueuedJob('ticket:b'), false, 'a running job is for its worker to finish');
      assert.equal((await store.getJob(running.id))?.state, 'running');
    });

    test('failures: retry at the given time, dead letter, requeue; release gives back an unstarted job', async (t) => {
      const { store, clock } = await setup(t);
      const { job } = await store.enqueue('k', {}, { maxAttempts: 2 });
      await store.claimJobs('w', 1, 10_000);
      assert.equal(await store.failJob(job.id, 'w', 'Sendbird 503', clock.now + 2_000), true);
      const retrying = await store.getJob(job.id);
      assert.equal(retrying?.state, 'queued');
      assert.equal(retrying?.lastError, 'Sendbird 503');
      assert.equal(retrying?.lockedBy, null);
      assert.deepEqual(await store.claimJobs('w', 1, 10_000), [], 'not before its retry time');
      clock.advance(2_000);
      const [second] = await store.claimJobs('w', 1, 10_000);
      assert.equal(second?.attempts, 2);
      assert.equal(await store.failJob(job.id, 'w', 'Sendbird 503 again', 'dead'), true);
      assert.deepEqual(
        (await store.listDeadJobs()).map((j) => [j.id, j.lastError]),
        [[job.id, 'Sendbird 503 again']],
      );
      assert.deepEqual(await store.claimJobs('w', 1, 10_000), [], 'a dead job is not claimed');

      assert.equal(await store.requeueDead(job.id), true);
      assert.equal(await store.requeueDead(job.id), false, 'only dead jobs are requeued');
      const [revived] = await store.claimJobs('w', 1, 10_000);
      assert.equal(revived?.id, job.id);
      assert.equal(revived?.attempts, 1, 'a requeued job gets a fresh attempt budget');

      assert.equal(await store.releaseJob(job.id, 'w'), true);
      const released = await store.getJob(job.id);
      assert.equal(released?.state, 'queued');
      assert.equal(released?.attempts, 0, 'a released job did not use an attempt');
    });

    test('a crash mid-job: the lease expires and another connection reclaims the job', async (t) => {
      const { store, open, clock } = await setup(t);
      const { job } = await store.enqueue('ticket.create', { ticketId: 't1' });
      const [mine] = await store.claimJobs('worker-a', 5, 60_000);
      assert.equal(mine?.id, job.id);
      await store.close(); // worker A dies without completing or failing the job

      const survivor = await open();
      assert.deepEqual(await survivor.claimJobs('worker-b', 5, 60_000), [], 'the lease still holds');
      clock.advance(60_000);
      const [reclaimed] = await survivor.claimJobs('worker-b', 5, 60_000);
      assert.equal(reclaimed?.id, job.id);
      assert.equal(reclaimed?.attempts, 2, 'the crashed attempt counts');
      assert.equal(reclaimed?.lockedBy, 'worker-b');
      assert.equal(await survivor.completeJob(job.id, 'worker-a'), false, 'the dead worker lost its lease');
      assert.equal(await survivor.completeJob(job.id, 'worker-b'), true);
    });

    test('a job whose lease expires on its last attempt is dead-lettered, not run again', async (t) => {
      const { store, clock } = await setup(t);
      const { job } = await store.enqueue('poison', {}, { maxAttempts: 1 });
      await store.claimJobs('w', 1, 1_000);
      clock.advance(1_000);
      assert.deepEqual(await store.claimJobs('w2', 1, 1_000), []);
      const dead = await store.getJob(job.id);
      assert.equal(dead?.state, 'dead');
      assert.match(dead?.lastError ?? '', /lease expired on attempt 1 of 1/);
    });
  });

  describe(`${name} store: ledger`, () => {
    test('append and read by Case and by ticket, oldest first; secret-named fields are masked', async (t) => {
      const { store, clock } = await setup(t);
      const ticket = await store.createTicket(newTicket());
      const caseId = '500000000000001AAA';
      const a = await store.appendLedger({
        ticketId: ticket.id,
        system: 'sendbird',
        action: 'user.create',
        target: 'cust-1',
        outcome: 'ok',
      });
      clock.advance(10);
      await store.appendLedger({
        ticketId: ticket.id,
        caseId,
        system: 'salesforce',
        action: 'case.upsert',
        target: caseId,
        outcome: 'ok',
        detail: { caseNumber: '00001001' },
      });
      await store.appendLedger({
        caseId,
        system: 'sendbird',
        action: 'member.invite',
        target: '005000000000001AAA',
        outcome: 'exists',
        detail: { access_token: 'should-not-be-kept', nested: { password: 'nope' }, code: 400202 },
      });
      assert.equal(a.at, clock.now - 10);
      assert.deepEqual(a.detail, {});
      assert.deepEqual(
        (await store.ledgerForTicket(ticket.id)).map((e) => e.action),
        ['user.create', 'case.upsert'],
      );
      const forCase = await store.ledgerForCase(caseId);
      assert.deepEqual(
        forCase.map((e) => [e.system, e.action, e.outcome]),
        [
          ['salesforce', 'case.upsert', 'ok'],
          ['sendbird', 'member.invite', 'exists'],
        ],
      );
      assert.deepEqual(forCase[1]?.detail, { access_token: '[REDACTED]', nested: { password: '[REDACTED]' }, code: 400202 });
    });

    test('the ledger is append-only: UPDATE and DELETE are refused by the database', async (t) => {
      const { store, exec } = await setup(t);
      await store.appendLedger({ caseId: '500x', system: 'salesforce', action: 'case.upsert', outcome: 'ok' });
      await assert.rejects(exec("UPDATE ledger SET outcome = 'error'"), /append-only/);
      await assert.rejects(exec('DELETE FROM ledger'), /append-only/);
      assert.equal((await store.ledgerForCase('500x'))[0]?.outcome, 'ok');
    });
  });

  describe(`${name} store: Salesforce events and membership reconciles`, () => {
    const opts = (source = 'event', batchSize = 2) => ({ kind: 'membership.reconcile', batchSize, source });
    const ev = (caseId: string) => ({
      type: 'case.owner_changed',
      caseId,
      occurredAt: '2026-01-01T00:00:00.000Z',
      payload: { type: 'case.owner_changed', caseId },
    });

    test('events are stored with their reconciles; Cases are batched and each queued once', async (t) => {
      const { store } = await setup(t);
      const r = await store.recordSalesforceEvents([ev('500A'), ev('500B'), ev('500A'), ev('500C')], opts());
      assert.deepEqual({ ...r, jobIds: r.jobIds.length }, { stored: 4, requested: 3, queued: 3, coalesced: 0, jobIds: 2 });
      const payloads = await Promise.all(r.jobIds.map(async (id) => (await store.getJob(id))?.payload));
      assert.deepEqual(payloads, [
        { caseIds: ['500A', '500B'], source: 'event' },
        { caseIds: ['500C'], source: 'event' },
      ]);
      assert.equal(await store.countSalesforceEvents(), 4);
      assert.deepEqual(
        (await store.listSalesforceEvents({ caseId: '500A' })).map((e) => e.payload.caseId),
        ['500A', '500A'],
      );
    });

    test('a Case already waiting in a queued job joins it; once the job starts, a new request queues a new job', async (t) => {
      const { store, clock } = await setup(t);
      const first = await store.requestReconcile(['500A'], opts());
      const again = await store.requestReconcile(['500A', '500B'], opts('sweep'));
      assert.deepEqual([again.queued, again.coalesced], [1, 1]);
      const [claimed] = await store.claimJobs('w1', 1, 60_000, ['membership.reconcile']);
      assert.equal(claimed?.id, first.jobIds[0]);
      assert.equal(await store.startReconcile(claimed!.id), 1);
      const later = await store.requestReconcile(['500A'], opts());
      assert.deepEqual([later.queued, later.coalesced], [1, 0], 'the running job may have read Salesforce already');
      assert.deepEqual((await store.listPendingReconciles()).map((p) => p.caseId).sort(), ['500A', '500B']);
      const runAt = clock.now + 10_000;
      const delayed = await store.requestReconcile(['500Z'], { ...opts('retry'), runAt });
      assert.equal((await store.getJob(delayed.jobIds[0]!))?.runAt, runAt, 'a retry can be due later');
      const check = await store.requestReconcile(['500Y'], { ...opts('handover'), runAt, unshared: true });
      const change = await store.requestReconcile(['500Y'], opts());
      assert.deepEqual([change.queued, change.coalesced], [1, 0], 'nothing is folded into an unshared job');
      assert.notDeepEqual(change.jobIds, check.jobIds);
    });

    test('Cases requested one at a time fill the queued job of their source up to the batch size', async (t) => {
      const { store, clock } = await setup(t);
      const a = await store.requestReconcile(['500A'], opts());
      const b = await store.requestReconcile(['500B'], opts());
      assert.deepEqual(b.jobIds, a.jobIds, 'joins the queued job');
      const c = await store.requestReconcile(['500C', '500D', '500E'], opts());
      assert.notDeepEqual(c.jobIds[0], a.jobIds[0], 'full: a new job');
      const sweep = await store.requestReconcile(['500F'], opts('sweep'));
      assert.ok(!c.jobIds.includes(sweep.jobIds[0]!), 'another source gets its own job');
      const later = await store.requestReconcile(['500G'], { ...opts('event'), runAt: clock.now + 5_000 });
      const payloads = async (ids: number[]) =>
        Promise.all(ids.map(async (id) => ((await store.getJob(id))?.payload as { caseIds: string[] }).caseIds));
      assert.deepEqual(await payloads(a.jobIds), [['500A', '500B']]);
      assert.deepEqual(await payloads(c.jobIds), [['500C', '500D'], ['500E']]);
      assert.deepEqual(await payloads(later.jobIds), [['500G']], 'a delayed retry is not mixed into a due job');
      const [claimed] = await store.claimJobs('w1', 1, 60_000, ['membership.reconcile']);
      assert.equal(claimed?.id, a.jobIds[0]);
      const next = await store.requestReconcile(['500H'], opts());
      assert.ok(!next.jobIds.includes(a.jobIds[0]!), 'a running job takes no more Cases');
    });

    test('a pending mark whose job is no longer queued (it died unstarted) does not swallow new requests', async (t) => {
      const { store } = await setup(t);
      const first = await store.requestReconcile(['500Q'], opts());
      const [claimed] = await store.claimJobs('w1', 1, 60_000, ['membership.reconcile']);
      assert.equal(claimed?.id, first.jobIds[0]);
      await store.failJob(claimed!.id, 'w1', 'crashed before it started', 'dead');
      const again = await store.requestReconcile(['500Q'], opts());
      assert.deepEqual([again.queued, again.coalesced], [1, 0]);
      assert.deepEqual(await store.listPendingReconciles(), [{ caseId: '500Q', jobId: again.jobIds[0] }]);
    });

    test('events older than the retention are purged', async (t) => {
      const { store, clock } = await setup(t);
      await store.recordSalesforceEvents([ev('500A')], opts());
      clock.advance(1_000);
      await store.recordSalesforceEvents([ev('500B')], opts());
      assert.equal(await store.purgeSalesforceEvents(clock.now - 500), 1);
      assert.deepEqual(
        (await store.listSalesforceEvents()).map((e) => e.caseId),
        ['500B'],
      );
    });

    test('a membership apply is claimed by one holder at a time, across connections; a loser hands over and the holder is told to apply again', async (t) => {
      const { store, clock, open } = await setup(t);
      const others = [await open(), await open()];
      const stores = [store, ...others];
      const claims = await Promise.all(Array.from({ length: 9 }, (_, i) => stores[i % 3]!.claimMembershipApply('500M', `h${i}`, 60_000)));
      const winners = claims.map((c, i) => (c.claimed ? i : -1)).filter((i) => i >= 0);
      assert.equal(winners.length, 1, `exactly one claim wins: ${JSON.stringify(claims)}`);
      const w = winners[0]!;
      assert.deepEqual(
        claims[w],
        { claimed: true, applied: null, wanted: false, first: true },
        'nothing applied yet, no hand-over waiting, the first claim',
      );
      const holder = `h${w}`;
      assert.equal(
        await store.finishMembershipApply('500M', holder, { version: 1_000, ownerId: '005A' }, { leaseMs: 60_000, keepIfWanted: true }),
        'again',
        'the losers handed over',
      );
      assert.deepEqual(
        await others[0]!.claimMembershipApply('500M', 'late', 60_000),
        { claimed: false, lockedUntil: clock.now + 60_000 },
        'the holder kept the lease to apply again (renewed), and says until when',
      );
      assert.equal(
        await store.finishMembershipApply('500M', holder, { version: 2_000, ownerId: '005B' }, { leaseMs: 60_000, keepIfWanted: true }),
        'again',
        'the late one handed over too',
      );
      assert.equal(
        await store.finishMembershipApply('500M', holder, { version: 3_000, ownerId: '005C' }, { leaseMs: 60_000, keepIfWanted: true }),
        'released',
      );
      const applied = await others[1]!.getMembershipApplied('500M');
      assert.deepEqual(
        applied && { version: applied.version, ownerId: applied.ownerId },
        { version: 3_000, ownerId: '005C' },
        'the read applied last, seen from another connection',
      );
      assert.deepEqual(await others[1]!.claimMembershipApply('500M', 'next', 60_000), {
        claimed: true,
        applied: { version: 3_000, ownerId: '005C' },
        wanted: false,
        first: false,
      });
    });

    test('a failed apply records nothing; a lease that ran out is taken over and its holder learns it lost', async (t) => {
      const { store, clock, open } = await setup(t);
      const other = await open();
      assert.equal((await store.claimMembershipApply('500N', 'a', 1_000)).claimed, true);
      assert.equal(
        await store.finishMembershipApply('500N', 'a', { version: 5, ownerId: '005A' }, { leaseMs: 1_000, keepIfWanted: true }),
        'released',
      );
      assert.equal((await store.claimMembershipApply('500N', 'b', 1_000)).claimed, true);
      assert.equal(
        await store.finishMembershipApply('500N', 'b', null, { leaseMs: 1_000, keepIfWanted: true }),
        'released',
        'a failed apply lets go',
      );
      assert.equal((await other.getMembershipApplied('500N'))?.version, 5, 'and records nothing');

      assert.equal((await store.claimMembershipApply('500N', 'c', 1_000)).claimed, true);
      assert.deepEqual(await other.claimMembershipApply('500N', 'd', 1_000), { claimed: false, lockedUntil: clock.now + 1_000 }, 'leased');
      assert.deepEqual(await store.wantedMembershipCases(['500N', '500M', '500X']), ['500N'], 'the refused claim left its mark');
      clock.advance(1_001);
      const taken = await other.claimMembershipApply('500N', 'd', 1_000);
      assert.deepEqual(
        taken,
        { claimed: true, applied: { version: 5, ownerId: '005A' }, wanted: true, first: false },
        'an expired lease is taken over, with the hand-over still waiting',
      );
      assert.equal(
        await store.finishMembershipApply('500N', 'c', { version: 9, ownerId: '005Z' }, { leaseMs: 1_000, keepIfWanted: true }),
        'lost',
      );
      assert.equal((await other.getMembershipApplied('500N'))?.version, 5, 'the holder that lost its lease records nothing');
      assert.equal(
        await other.finishMembershipApply('500N', 'd', { version: 7, ownerId: '005B' }, { leaseMs: 1_000, keepIfWanted: true }),
        'released',
      );
      assert.deepEqual(await store.wantedMembershipCases(['500N']), [], 'taken over and applied: no hand-over waits');
      assert.deepEqual(
        await other.appliedMembershipOwners(['500N', '500Z']),
        new Map([['500N', '005B']]),
        'the owner applied last, for the Cases that have one',
      );
    });

    test('a sweep mark moves its stamp forward only, and keeps the last full sweep', async (t) => {
      const { store, open } = await setup(t);
      const other = await open();
      assert.equal(await store.getSweepMark('membership'), null);
      assert.deepEqual(await store.advanceSweepMark('membership', { changedSince: 5_000, fullAt: 100 }), {
        changedSince: 5_000,
        fullAt: 100,
      });
      assert.deepEqual(
        await other.advanceSweepMark('membership', { changedSince: 4_000 }),
        { changedSince: 5_000, fullAt: 100 },
        'never back',
      );
      assert.deepEqual(await other.advanceSweepMark('membership', { changedSince: null }), { changedSince: 5_000, fullAt: 100 });
      assert.deepEqual(await other.advanceSweepMark('membership', { changedSince: 6_000, fullAt: 200 }), {
        changedSince: 6_000,
        fullAt: 200,
      });
      assert.deepEqual(await store.getSweepMark('membership'), { changedSince: 6_000, fullAt: 200 }, 'seen from another connection');
      assert.equal(await store.getSweepMark('other'), null);
    });

    test('a holder that stops taking hand-overs lets go with the mark kept, so the next claim reads again; old unleased Cases are forgotten', async (t) => {
      const { store, clock } = await setup(t);
      assert.equal((await store.claimMembershipApply('500P', 'a', 60_000)).claimed, true);
      assert.deepEqual(await store.claimMembershipApply('500P', 'b', 60_000), { claimed: false, lockedUntil: clock.now + 60_000 });
      assert.equal(
        await store.finishMembershipApply('500P', 'a', { version: 1, ownerId: '005A' }, { leaseMs: 60_000, keepIfWanted: false }),
        'again',
      );
      assert.deepEqual(await store.claimMembershipApply('500P', 'c', 60_000), {
        claimed: true,
        applied: { version: 1, ownerId: '005A' },
        wanted: true,
        first: false,
      });
      assert.equal(
        await store.finishMembershipApply('500P', 'c', { version: null, ownerId: null }, { leaseMs: 60_000, keepIfWanted: true }),
        'released',
      );
      assert.deepEqual(
        await store.getMembershipApplied('500P'),
        { version: null, ownerId: null, appliedAt: clock.now },
        'a read without a stamp or owner is kept as such',
      );
      assert.equal((await store.claimMembershipApply('500Q', 'x', 60_000)).claimed, true);
      clock.advance(10_000);
      assert.equal(await store.purgeMembershipCases(clock.now - 5_000), 1, 'the leased Case is kept');
      assert.equal(await store.getMembershipApplied('500P'), null);
    });
  });

  describe(`${name} store: transcript`, () => {
    const FLUSH = { kind: 'transcript.flush', delayMs: 2_000, batchSize: 3 };
    const msg = (body: string, extra: Record<string, unknown> = {}) => ({
      type: 'MESG' as const,
      body,
      senderId: 'customer-1',
      senderName: 'Dana',
      senderRole: 'Customer' as const,
      sentAt: Date.UTC(2026, 0, 1),
      editedAt: null,
      file: null,
      ...extra,
    });
    const sent = (id: string, body = `text ${id}`) => ({
      messageId: id,
      caseId: '500A',
      channelUrl: '500A',
      version: 0,
      message: msg(body),
      deleted: false,
    });
    const edited = (id: string, at: number, body: string) => ({ ...sent(id, body), version: at, message: msg(body, { editedAt: at }) });
    const deleted = (id: string) => ({ messageId: id, caseId: '500A', channelUrl: '500A', version: -1, message: null, deleted: true });
    /** Claims (and so takes out of the queue) the flush jobs due now; returns how many. */
    const flushJobs = async (store: Store) => (await store.claimJobs('peek', 100, 3_600_000, ['transcript.flush'])).length;

    test('a message is stored once: redeliveries are duplicates; edits and deletes merge, whatever their order', async (t) => {
      const { store, clock } = await setup(t);
      assert.equal((await store.recordTranscriptEvent(sent('1'), FLUSH)).outcome, 'stored');
      assert.equal((await store.recordTranscriptEvent(sent('1'), FLUSH)).outcome, 'duplicate', 'a redelivery changes nothing');
      const first = await store.getTranscriptMessage('1');
      assert.deepEqual(
        [first?.state, first?.rev, first?.version, first?.message?.body, first?.receivedAt],
        ['pending', 1, 0, 'text 1', clock.now],
      );

      // An edit, then an older redelivery of the send: the edit's text stays.
      assert.equal((await store.recordTranscriptEvent(edited('1', 5_000, 'fixed'), FLUSH)).outcome, 'stored');
      assert.equal((await store.recordTranscriptEvent(sent('1'), FLUSH)).outcome, 'duplicate', 'older news than stored');
      assert.equal((await store.recordTranscriptEvent(edited('1', 4_000, 'older edit'), FLUSH)).outcome, 'duplicate');
      // A delete is sticky; the text is kept for the record.
      assert.equal((await store.recordTranscriptEvent(deleted('1'), FLUSH)).outcome, 'stored');
      assert.equal((await store.recordTranscriptEvent(deleted('1'), FLUSH)).outcome, 'duplicate');
      assert.equal((await store.recordTranscriptEvent(edited('1', 6_000, 'after delete'), FLUSH)).outcome, 'stored');
      const merged = await store.getTranscriptMessage('1');
      assert.deepEqual(
        [merged?.rev, merged?.version, merged?.message?.body, merged?.message?.editedAt, merged?.deleted],
        [4, 6_000, 'after delete', 6_000, true],
      );

      // A delete that arrives before the send: the send fills in the text, the delete stands.
      await store.recordTranscriptEvent(deleted('2'), FLUSH);
      assert.equal((await store.getTranscriptMessage('2'))?.message, null);
      assert.equal((await store.recordTranscriptEvent(sent('2'), FLUSH)).outcome, 'stored');
      const late = await store.getTranscriptMessage('2');
      assert.deepEqual([late?.message?.body, late?.deleted, late?.pendingSince], ['text 2', true, clock.now]);
      assert.equal(await store.getTranscriptMessage('none'), null);
      assert.deepEqual(await store.countTranscriptMessages(), { pending: 2, synced: 0, dead: 0 });
    });

    test('the first pending message queues one flush job due after the delay; a full batch makes it due at once', async (t) => {
      const { store, clock } = await setup(t);
      const start = clock.now;
      assert.equal((await store.recordTranscriptEvent(sent('1'), FLUSH)).flushAt, start + 2_000);
      clock.advance(500);
      assert.equal((await store.recordTranscriptEvent(sent('2'), FLUSH)).flushAt, start + 2_000, 'the first message sets the deadline');
      assert.equal((await store.recordTranscriptEvent(sent('3'), FLUSH)).flushAt, clock.now, 'batchSize pending: due now');
      assert.equal(await flushJobs(store), 1, 'one queued flush job');
      // The job is running now; the next message queues the next one.
      assert.equal((await store.recordTranscriptEvent(sent('4'), FLUSH)).flushAt, clock.now, 'still 3+ pending');
      await store.scheduleTranscriptFlush('transcript.flush', clock.now + 60_000);
      assert.equal(await flushJobs(store), 1, 'scheduling never adds a second queued job, nor delays the queued one');
      await store.scheduleTranscriptFlush('transcript.flush', clock.now + 60_000);
      assert.equal(await flushJobs(store), 0, 'with none queued, scheduling queues one at the given time');
      clock.advance(60_000);
      assert.equal(await flushJobs(store), 1);
    });

    test('claims: full batches at once, partial ones only when due; leased and backed-off messages wait; a lapsed lease is reclaimed', async (t) => {
      const { store, clock } = await setup(t);
      const opts = { limit: 3, leaseMs: 10_000, maxWaitMs: 2_000 };
      for (const id of ['1', '2']) await store.recordTranscriptEvent(sent(id), FLUSH);
      assert.deepEqual(await store.claimTranscriptBatch('w1', opts), [], 'two of three, not due yet');
      assert.equal(await store.nextTranscriptFlushAt(2_000), clock.now + 2_000);
      clock.advance(1_000);
      for (const id of ['3', '4']) await store.recordTranscriptEvent(sent(id), FLUSH);
      const full = await store.claimTranscriptBatch('w1', opts);
      assert.deepEqual(
        full.map((m) => m.messageId),
        ['1', '2', '3'],
        'a full batch, oldest first',
      );
      assert.deepEqual(await store.claimTranscriptBatch('w2', opts), [], 'the leased ones are not ready; one left is not due');
      assert.equal(await store.nextTranscriptFlushAt(2_000), clock.now + 2_000, 'leased messages do not count');
      clock.advance(2_000);
      assert.deepEqual(
        (await store.claimTranscriptBatch('w2', opts)).map((m) => m.messageId),
        ['4'],
        'a partial batch once due',
      );
      clock.advance(10_000);
      const again = await store.claimTranscriptBatch('w3', opts);
      assert.deepEqual(
        again.map((m) => m.messageId),
        ['1', '2', '3', '4'].slice(0, 3),
        'lapsed leases are taken over',
      );
      await store.settleTranscriptBatch(
        'w1',
        full.map((m) => ({ messageId: m.messageId, rev: m.rev, outcome: 'synced' as const, salesforceId: 'a01x' })),
      );
      assert.equal((await store.getTranscriptMessage('1'))?.state, 'pending', 'a worker whose lease lapsed settles nothing');
    });

    test('settling: a message changed during its write stays pending with its Id; retries back off; refusals are dead, with their ledger', async (t) => {
      const { store, clock } = await setup(t);
      const opts = { limit: 10, leaseMs: 10_000, maxWaitMs: 0 };
      for (const id of ['1', '2', '3']) await store.recordTranscriptEvent(sent(id), FLUSH);
      const batch = await store.claimTranscriptBatch('w1', opts);
      assert.equal(batch.length, 3);
      clock.advance(100);
      // Message 1 is edited while the write is in flight.
      await store.recordTranscriptEvent(edited('1', 9_000, 'edited in flight'), FLUSH);
      const rev = (id: string) => batch.find((m) => m.messageId === id)!.rev;
      await store.settleTranscriptBatch(
        'w1',
        [
          { messageId: '1', rev: rev('1'), outcome: 'synced', salesforceId: 'a01000000000001AAA' },
          { messageId: '2', rev: rev('2'), outcome: 'retry', retryAt: clock.now + 5_000, error: 'SERVER_UNAVAILABLE' },
          { messageId: '3', rev: rev('3'), outcome: 'dead', error: 'INVALID_CROSS_REFERENCE_KEY: the Case was deleted' },
        ],
        [
          {
            caseId: '500A',
            system: 'salesforce',
            action: 'transcript.write',
            target: '3',
            outcome: 'error',
            detail: { code: 'INVALID_CROSS_REFERENCE_KEY' },
          },
        ],
      );
      const one = await store.getTranscriptMessage('1');
      assert.deepEqual([one?.state, one?.salesforceId, one?.message?.body], ['pending', 'a01000000000001AAA', 'edited in flight']);
      const two = await store.getTranscriptMessage('2');
      assert.deepEqual(
        [two?.state, two?.attempts, two?.nextAttemptAt, two?.lastError],
        ['pending', 1, clock.now + 5_000, 'SERVER_UNAVAILABLE'],
      );
      const three = await store.getTranscriptMessage('3');
      assert.deepEqual([three?.state, three?.lastError], ['dead', 'INVALID_CROSS_REFERENCE_KEY: the Case was deleted']);
      assert.deepEqual(
        (await store.ledgerForCase('500A')).map((e) => `${e.action} ${e.target} ${e.outcome}`),
        ['transcript.write 3 error'],
      );

      assert.deepEqual(
        (await store.claimTranscriptBatch('w1', opts)).map((m) => m.messageId),
        ['1'],
        'message 2 waits out its backoff',
      );
      assert.equal(await store.nextTranscriptFlushAt(0), clock.now + 5_000);
      clock.advance(5_000);
      const retry = await store.claimTranscriptBatch('w1', opts);
      assert.deepEqual(
        retry.map((m) => m.messageId),
        ['2'],
      );
      await store.settleTranscriptBatch('w1', [{ messageId: '2', rev: retry[0]!.rev, outcome: 'synced', salesforceId: null }]);
      const synced = await store.getTranscriptMessage('2');
      assert.deepEqual([synced?.state, synced?.attempts, synced?.syncedAt, synced?.lastError], ['synced', 0, clock.now, null]);
      assert.deepEqual(await store.countTranscriptMessages(), { pending: 1, synced: 1, dead: 1 });
      assert.deepEqual(
        (await store.listTranscriptMessages({ caseId: '500A', state: 'dead' })).map((m) => m.messageId),
        ['3'],
      );
      assert.equal((await store.listTranscriptMessages()).length, 3);

      // An edit of a written message makes it pending again, as a fresh change.
      clock.advance(1_000);
      await store.recordTranscriptEvent(edited('2', 20_000, 'later edit'), FLUSH);
      const reopened = await store.getTranscriptMessage('2');
      assert.deepEqual(
        [reopened?.state, reopened?.pendingSince, reopened?.attempts, reopened?.salesforceId],
        ['pending', clock.now, 0, null],
      );

      // Written messages are forgotten after the retention; pending and dead ones are kept.
      await store.recordTranscriptEvent(sent('9'), FLUSH);
      const written = await store.claimTranscriptBatch('w1', opts);
      assert.deepEqual(
        written.map((m) => m.messageId),
        ['2', '9'],
        'message 1 is still leased',
      );
      await store.settleTranscriptBatch(
        'w1',
        written.map((m) => ({ messageId: m.messageId, rev: m.rev, outcome: 'synced' as const, salesforceId: null })),
      );
      clock.advance(1);
      assert.equal(await store.purgeTranscript(clock.now), 2);
      assert.deepEqual(await store.countTranscriptMessages(), { pending: 1, synced: 0, dead: 1 });
      assert.equal(await store.getTranscriptMessage('9'), null);
    });
  });

  describe(`${name} store: health`, () => {
    test('healthy when open and migrated; not healthy once closed', async (t) => {
      const { store } = await setup(t);
      const ok = await store.health();
      assert.equal(ok.ok, true);
      assert.equal(ok.schemaVersion, ok.latestVersion);
      await store.close();
      const down = await store.health();
      assert.equal(down.ok, false);
      assert.match(down.reason ?? '', /unreachable/);
    });
  });
}
