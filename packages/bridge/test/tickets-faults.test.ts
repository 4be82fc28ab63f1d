/**
 * Tickets under faults: Sendbird 500s and 429s during channel creation, Salesforce 503s, and the
 * bridge killed between steps and restarted. Each ends with exactly one Case and one channel.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { tempDir, waitFor } from '@sbsf/testkit';
import { parseSupportChannelData } from '@sbsf/wire';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { SECRETS } from './fixtures.js';
import { sfClient } from './membership-helpers.js';
import { runMain } from './spawn-bridge.js';
import { call, startEmulators, startWorld, ticketCases, type World, worldEnv } from './world.js';

const CASE = { Subject: 'Order stuck', Description: 'Order 42 has not shipped', SuppliedName: 'Kim', SuppliedEmail: 'kim@example.com' };
const auth = (w: World, sub = 'cust-f') => ({ authorization: `Bearer ${w.customerToken(sub)}` });

test('Sendbird 500s during channel creation: 503 with the ticket id, then the job finishes it', async (t) => {
  const w = await startWorld(t, { TICKET_SAFETY_DELAY_MS: '300' });
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '^/v3/group_channels$', times: 50 }] });
  const key = randomUUID();
  const first = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(first.status, 503, JSON.stringify(first.body));
  assert.equal(first.body.error.code, 'ticket_pending');
  assert.equal(first.body.error.state, 'case_ready', 'the Case is recorded, the channel is not');
  assert.ok(Number(first.headers.get('retry-after')) > 0);
  const ticketId = first.body.error.ticketId as string;
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 0);
  // Meanwhile an agent starts working on the Case (its trigger's event goes nowhere): the run that
  // finishes the ticket reads the status, which it did not read back itself.
  w.sf.org.setBridge(null);
  await sfClient(w).update('Case', ticketCases(w)[0]!.Id as string, { Status: 'Working' });

  w.sb.faults.reset();
  const done = await waitFor('the job to finish the ticket', async () => {
    const tk = await w.bridge.store.getTicket(ticketId);
    return tk?.state === 'completed' ? tk : null;
  });
  assert.equal(done.channelUrl, done.caseId);
  const again = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(again.status, 201);
  assert.equal(again.body.ticket.id, ticketId, 'a retry with the same key returns the finished ticket');
  assert.equal(ticketCases(w).length, 1, 'exactly one Case');
  assert.equal(w.sb.store.channels.size, 1, 'exactly one channel');
  assert.deepEqual([...w.sb.store.channels.get(done.caseId!)!.members.keys()], ['cust-f']);
  assert.deepEqual(
    parseSupportChannelData(w.sb.store.channels.get(done.caseId!)!.data),
    {
      caseId: done.caseId,
      caseNumber: done.caseNumber,
      ticketId,
      subject: CASE.Subject,
      customerName: 'Kim',
      customerId: 'cust-f',
      status: 'Working',
      closed: false,
    },
    'the channel data has the status as Salesforce has it now',
  );
});

test('the ticket form is posted once, first, even when posting it failed the first time', async (t) => {
  const w = await startWorld(t, { TICKET_SAFETY_DELAY_MS: '600000' });
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '^/v3/group_channels/[^/]+/messages$', times: 50 }] });
  const key = randomUUID();
  const first = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(first.status, 503, JSON.stringify(first.body));
  assert.equal(first.body.error.code, 'ticket_pending');
  const ticketId = first.body.error.ticketId as string;
  const [channel] = [...w.sb.store.channels.values()];
  assert.ok(channel, 'the channel was made before the form failed');
  assert.equal(channel.messages.length, 0);
  w.sb.faults.reset();
  const second = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const third = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(third.status, 201);
  assert.deepEqual(
    channel.messages.map((m) => [m.type, JSON.parse(m.data).sbsf]),
    [['ADMM', 'ticket.form']],
    'one form message, nothing before it',
  );
  const ledger = await w.bridge.store.ledgerForTicket(ticketId);
  assert.deepEqual(
    ledger.filter((e) => e.action.startsWith('channel.')).map((e) => `${e.action} ${e.outcome}`),
    ['channel.create ok', 'channel.ticket_form error', 'channel.create exists', 'channel.ticket_form ok'],
  );
});

test('a client retry with the same key finishes a pending ticket (no waiting for the job)', async (t) => {
  const w = await startWorld(t, { TICKET_SAFETY_DELAY_MS: '600000' });
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '^/v3/group_channels$', times: 50 }] });
  const key = randomUUID();
  const first = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(first.status, 503);
  w.sb.faults.reset();
  const second = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': key }, body: { case: CASE } });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  assert.equal(second.body.ticket.id, first.body.error.ticketId);
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 1);
  const ledger = await w.bridge.store.ledgerForTicket(second.body.ticket.id);
  assert.deepEqual(
    ledger.filter((e) => e.action === 'channel.create').map((e) => e.outcome),
    ['error', 'ok'],
    'the ledger shows the failed and the successful attempt',
  );
});

test('Sendbird 429 with a retry header during channel creation is waited out within the request', async (t) => {
  const w = await startWorld(t);
  w.sb.faults.set({ rules: [{ action: 'rateLimit', method: 'POST', path: '^/v3/group_channels$', times: 2, retryAfterMs: 200 }] });
  const res = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': randomUUID() }, body: { case: CASE } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(w.sb.faults.get().fired.rateLimit, 2);
  assert.equal(w.sb.stats.get().byRoute['POST /v3/group_channels'], 3, 'two refused, one created');
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 1);
});

test('Salesforce 503s on the composite call are retried; one Case', async (t) => {
  const w = await startWorld(t);
  w.sf.faults.set({ rules: [{ action: 'error', method: 'POST', path: '/composite$', status: 503, times: 2 }] });
  const res = await w.call('POST', '/tickets', { headers: { ...auth(w), 'idempotency-key': randomUUID() }, body: { case: CASE } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(ticketCases(w).length, 1);
  assert.equal(w.sb.store.channels.size, 1);
});

test('the bridge killed between steps and restarted finishes the ticket', async (t) => {
  const { sf, sb } = await startEmulators(t);
  const env = worldEnv(sf, sb, tempDir(t, 'crash-'), { PORT: '0', LOG_LEVEL: 'info', TICKET_SAFETY_DELAY_MS: '500' });
  // Channel creation hangs, so the bridge is killed after the Case step and before the channel.
  sb.faults.set({ rules: [{ action: 'timeout', method: 'POST', path: '^/v3/group_channels$', timeoutMs: 60_000 }] });
  const first = runMain(env);
  t.after(() => first.child.kill('SIGKILL'));
  const url1 = await first.listening;
  const token = signCustomerJwt({ sub: 'cust-crash', exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET);
  const pending = call(url1, 'POST', '/tickets', {
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'crash-key' },
    body: { case: CASE },
  }).catch((e: unknown) => e);
  await waitFor('the Case to be written', () => sf.records('Case').some((c) => c.Sendbird_User_Id__c === 'cust-crash'));
  await waitFor('channel creation to be attempted', () => sb.faults.get().fired.timeout >= 1);
  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok((await pending) instanceof Error, 'the first request died with the process');
  assert.equal(sb.store.channels.size, 0);

  sb.faults.reset();
  const second = runMain(env);
  t.after(() => second.child.kill('SIGKILL'));
  const url2 = await second.listening;
  // Nobody retries yet: the restarted bridge's sweep finds the unfinished ticket and a job
  // finishes it (the channel appears without any request).
  await waitFor('the sweep and its job to create the channel', () => sb.store.channels.size === 1, { timeoutMs: 20_000 });
  const finished = await waitFor(
    'the retry to return the finished ticket',
    async () => {
      const res = await call(url2, 'POST', '/tickets', {
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'crash-key' },
        body: { case: CASE },
      });
      return res.status === 201 ? res.body : null;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  const cases = sf.records('Case').filter((c) => c.Sendbird_User_Id__c === 'cust-crash');
  assert.equal(cases.length, 1, 'exactly one Case');
  assert.equal(finished.case.id, cases[0]!.Id);
  assert.equal(sb.store.channels.size, 1, 'exactly one channel');
  assert.ok(sb.store.channels.has(cases[0]!.Id as string));
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0);
});

test('a step that fails after another run finished the ticket answers with the finished ticket', async (t) => {
  const w = await startWorld(t, { TICKET_SAFETY_DELAY_MS: '600000' });
  // Channel creation hangs, then the connection drops: the request's run will fail.
  w.sb.faults.set({ rules: [{ action: 'timeout', method: 'POST', path: '^/v3/group_channels$', timeoutMs: 500, times: 10 }] });
  const pending = w.call('POST', '/tickets', {
    headers: { ...auth(w, 'cust-race'), 'idempotency-key': randomUUID() },
    body: { case: CASE },
  });
  await waitFor('channel creation to be attempted', () => w.sb.faults.get().fired.timeout >= 1);
  // Meanwhile another run (a job on another instance, say) finishes the ticket.
  const [tk] = await w.bridge.store.listTickets();
  assert.ok(tk);
  const caseId = ticketCases(w)[0]!.Id as string;
  await w.bridge.store.updateTicket(tk.id, { state: 'completed', caseId, caseNumber: '00001000', channelUrl: caseId });
  const res = await pending;
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.ticket.id, tk.id);
  assert.equal(res.body.ticket.state, 'completed');
  const actions = (await w.bridge.store.ledgerForTicket(tk.id)).map((e) => `${e.action}:${e.outcome}`);
  assert.ok(
    actions.includes('case.upsert:ok') && actions.includes('channel.create:error'),
    `this run's calls are in the ledger: ${actions.join(', ')}`,
  );
  assert.deepEqual(await w.bridge.store.countJobsByState(), { queued: 0, running: 0, done: 0, dead: 0 }, 'no job for a finished ticket');
});
