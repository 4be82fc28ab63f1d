/**
 * Graceful shutdown on PostgreSQL: SIGTERM stops taking requests, finishes the request and the
 * job in flight, and leaves no job leased (claimed-but-unstarted ones are given back), then the
 * process exits 0. Also the runner's stop() on the PostgreSQL store directly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { requireAvailable, tempDir, waitFor } from '@sbsf/testkit';
import { signCustomerJwt } from '../src/identity/jwt.js';
import { JobRunner } from '../src/jobs/runner.js';
import { openPostgresStore } from '../src/open-store.js';
import { dbQuery } from './cluster.js';
import { SECRETS } from './fixtures.js';
import { pgEnv, pgTestSchema, pgUnavailable, TEST_DATABASE_URL } from './pg.js';
import { runMain } from './spawn-bridge.js';
import { call, startEmulators, worldEnv } from './world.js';

const CASE = { Subject: 'Shutdown', Description: 'Opened while the bridge stops', SuppliedName: 'Sam', SuppliedEmail: 'sam@example.com' };
const unavailable = await pgUnavailable();

test(
  'SIGTERM on PostgreSQL: no new requests, the request and the job in flight finish, nothing left leased, exit 0',
  { timeout: 60_000 },
  async (t) => {
    if (!requireAvailable(t, unavailable === null, unavailable ?? '')) return;
    const { sf, sb } = await startEmulators(t);
    const schema = await pgTestSchema(t);
    const env = worldEnv(sf, sb, tempDir(t, 'shutdown-'), {
      ...pgEnv(schema),
      PORT: '0',
      LOG_LEVEL: 'info',
      TICKET_SAFETY_DELAY_MS: '200',
    });
    // Ticket B's request fails at the channel (its safety job will finish it); after that every
    // channel creation takes 1.5 s, so B's job and ticket A's request are both in flight at SIGTERM.
    sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: '^/v3/group_channels$', times: 50 }] });
    const bridge = runMain(env);
    t.after(() => bridge.child.kill('SIGKILL'));
    const url = await bridge.listening;
    const headers = (sub: string, key: string) => ({
      authorization: `Bearer ${signCustomerJwt({ sub, exp: Math.floor(Date.now() / 1000) + 600 }, SECRETS.CUSTOMER_JWT_SECRET)}`,
      'idempotency-key': key,
    });

    const b = await call(url, 'POST', '/tickets', { headers: headers('cust-b', 'key-b'), body: { case: CASE } });
    assert.equal(b.status, 503, JSON.stringify(b.body));
    sb.faults.set({ rules: [{ action: 'latency', method: 'POST', path: '^/v3/group_channels$', latencyMs: 1_500 }] });
    const db = { kind: 'postgres', schema } as const;
    await waitFor(
      'ticket B’s job to be running',
      async () => sb.faults.get().fired.latency >= 1 && (await dbQuery(db, "SELECT 1 FROM jobs WHERE state = 'running'")).length === 1,
      {
        timeoutMs: 15_000,
      },
    );
    const a = call(url, 'POST', '/tickets', { headers: headers('cust-a', 'key-a'), body: { case: CASE } });
    await waitFor('ticket A’s channel creation to be in flight', () => sb.faults.get().fired.latency >= 2);

    bridge.child.kill('SIGTERM');
    await waitFor('new connections to be refused', async () => {
      try {
        await fetch(`${url}/healthz`);
        return false;
      } catch {
        return true;
      }
    });
    const answered = await a;
    assert.equal(answered.status, 201, 'the request in flight was finished');
    // The client above keeps its connection alive: the stop must not wait for it to hang up.
    assert.equal(await bridge.exited, 0);
    assert.match(bridge.out(), /"msg":"the bridge stopped"/);

    const tickets = await dbQuery(db, 'SELECT customer_user_id, state FROM tickets ORDER BY customer_user_id');
    assert.deepEqual(
      tickets.map((r) => [r.customer_user_id, r.state]),
      [
        ['cust-a', 'completed'],
        ['cust-b', 'completed'],
      ],
      'the job in flight finished ticket B',
    );
    assert.deepEqual(await dbQuery(db, "SELECT id FROM jobs WHERE state <> 'done'"), [], 'no job left leased or queued');
    assert.equal(sb.store.channels.size, 2);
  },
);

test('runner on PostgreSQL: stop() finishes the jobs in flight and gives the rest back unleased, attempts not counted', async (t) => {
  if (!requireAvailable(t, unavailable === null, unavailable ?? '')) return;
  const schema = await pgTestSchema(t);
  const store = await openPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 3 });
  t.after(() => store.close());
  for (let i = 0; i < 6; i++) await store.enqueue('slow', { i });
  const runner = new JobRunner({ store, logger: pino({ level: 'silent' }), pollMs: 10_000, leaseMs: 60_000, concurrency: 2 });
  const started: number[] = [];
  runner.register<{ i: number }>('slow', async ({ job }) => {
    started.push(job.payload.i);
    await new Promise((r) => setTimeout(r, 300));
  });
  runner.start();
  await waitFor('two jobs in flight', () => runner.activeCount === 2);
  await runner.stop();
  const jobs = await store.unsafeQuery<{ state: string; attempts: number; locked_by: string | null }>(
    'SELECT state, attempts, locked_by FROM jobs ORDER BY id',
  );
  const done = jobs.filter((j) => j.state === 'done');
  assert.ok(done.length >= 2, `the jobs in flight finished (${JSON.stringify(jobs)})`);
  assert.equal(done.length, started.length, 'only started jobs are done');
  assert.ok(
    jobs.every((j) => j.state === 'done' || (j.state === 'queued' && j.attempts === 0 && j.locked_by === null)),
    JSON.stringify(jobs),
  );
});
