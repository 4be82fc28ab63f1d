import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir, waitFor } from '@sbsf/testkit';
import { backoffDelayMs } from '../src/jobs/backoff.js';
import { PermanentJobError, RetryLaterError } from '../src/jobs/errors.js';
import { JobRunner, type JobRunnerOptions } from '../src/jobs/runner.js';
import { createLogger, SecretScrubber } from '../src/logger.js';
import { createMetrics } from '../src/metrics.js';
import { openSqliteStore } from '../src/open-store.js';
import type { Job, Store } from '../src/store/index.js';
import { fakeClock } from './store-contract.js';

const silent = createLogger({ level: 'silent' });

function setup(t: TestContext, opts: Partial<JobRunnerOptions> & { realClock?: boolean } = {}) {
  const file = join(tempDir(t), 'bridge.sqlite');
  const clock = fakeClock();
  const now = opts.realClock ? Date.now : () => clock.now;
  const store = openSqliteStore({ file, clock: now });
  const metrics = createMetrics({ store, processMetrics: false });
  const runner = new JobRunner({
    store,
    logger: silent,
    clock: now,
    random: () => 0,
    metrics,
    pollMs: 50,
    leaseMs: 60_000,
    concurrency: 2,
    workerId: 'w1',
    ...opts,
  });
  t.after(async () => {
    await runner.stop({ graceMs: 1_000 });
    await store.close();
  });
  return { file, clock, store, runner, metrics };
}

test('handlers run by kind; a job this process queues runs at once, without a kick or the poll (the store tells the runner)', async (t) => {
  const { store, runner } = setup(t, { realClock: true, pollMs: 600_000 });
  const seen: string[] = [];
  runner.register<{ n: number }>('a', async ({ job, signal }) => {
    assert.ok(!signal.aborted);
    seen.push(`a:${job.payload.n}`);
  });
  runner.register<{ n: number }>('b', async ({ job }) => void seen.push(`b:${job.payload.n}`));
  assert.throws(() => runner.register('a', async () => {}), /already registered/);
  runner.start();
  const { job } = await store.enqueue('a', { n: 1 });
  const other = await store.enqueue('b', { n: 2 });
  const unknown = await store.enqueue('nobody-handles-this', {});
  await waitFor(
    'both jobs done',
    async () => (await store.getJob(job.id))?.state === 'done' && (await store.getJob(other.job.id))?.state === 'done',
  );
  assert.deepEqual(seen.sort(), ['a:1', 'b:2']);
  assert.equal((await store.getJob(unknown.job.id))?.state, 'queued', 'kinds without a handler are left for another worker');
});

test('a job queued just as an empty claim settles is not lost (claim and enqueue share a commit)', async (t) => {
  const { store, runner } = setup(t, { realClock: true, pollMs: 600_000 });
  let ran = 0;
  runner.register('k', async () => void ran++);
  // start() claims at once (nothing is queued yet); the enqueue joins the same SQLite commit group,
  // so both settle in one turn: the claim's empty answer first, then the enqueue and its notice,
  // while the runner is still finishing that look.
  runner.start();
  const { job } = await store.enqueue('k', {});
  // The poll interval is 10 minutes: only the notice can run the job.
  await waitFor('the job to run', async () => (await store.getJob(job.id))?.state === 'done', { timeoutMs: 3_000 });
  assert.equal(ran, 1);
});

test('a job queued for later starts at its due time, not before and not at the next poll: queued here, or elsewhere before a look', async (t) => {
  const { file, store, runner } = setup(t, { realClock: true, pollMs: 600_000 });
  const started = new Map<string, number>();
  runner.register<{ name: string }>('later', async ({ job }) => void started.set(job.payload.name, Date.now()));
  // Queued by another process (a second connection: no notice reaches this runner) before the
  // runner's first look, which reads when the queue's next job is due.
  const elsewhere = openSqliteStore({ file });
  t.after(() => elsewhere.close());
  const otherDue = Date.now() + 300;
  await elsewhere.enqueue('later', { name: 'elsewhere' }, { runAt: otherDue });
  runner.start();
  // Queued by this process after the look: its notice moves the runner's timer forward.
  const hereDue = Date.now() + 200;
  await store.enqueue('later', { name: 'here' }, { runAt: hereDue });
  // The poll interval is 10 minutes: only the due times can start them.
  await waitFor('both jobs to start', () => started.size === 2, { timeoutMs: 5_000 });
  assert.ok(started.get('here')! >= hereDue, 'not before its due time');
  assert.ok(started.get('elsewhere')! >= otherDue, 'not before its due time');
});

test('a failing job is retried after the jittered backoff, then succeeds', async (t) => {
  const { store, runner, clock, metrics } = setup(t);
  let calls = 0;
  runner.register('flaky', async () => {
    calls++;
    if (calls === 1) throw new Error('Sendbird answered 503');
  });
  const { job } = await store.enqueue('flaky', {});
  assert.equal(await runner.runOnce(), 1);
  const retrying = await store.getJob(job.id);
  assert.equal(retrying?.state, 'queued');
  assert.equal(retrying?.runAt, clock.now + backoffDelayMs(1, () => 0));
  assert.equal(retrying?.lastError, 'Error: Sendbird answered 503');
  assert.equal(await runner.runOnce(), 0, 'not due yet');
  clock.advance(backoffDelayMs(1, () => 0));
  assert.equal(await runner.runOnce(), 1);
  assert.equal((await store.getJob(job.id))?.state, 'done');
  const text = await metrics.registry.metrics();
  assert.match(text, /bridge_job_outcomes_total\{kind="flaky",outcome="retry"\} 1/);
  assert.match(text, /bridge_job_outcomes_total\{kind="flaky",outcome="done"\} 1/);
});

test('after max attempts the job is dead-lettered and onDead is told; requeue runs it again', async (t) => {
  const dead: [number, string][] = [];
  const { store, runner, clock } = setup(t, { onDead: (job, error) => void dead.push([job.id, error]) });
  let fail = true;
  runner.register('doomed', async () => {
    if (fail) throw new Error('still broken');
  });
  const { job } = await store.enqueue('doomed', {}, { maxAttempts: 3 });
  for (let i = 0; i < 3; i++) {
    assert.equal(await runner.runOnce(), 1);
    clock.advance(60 * 60_000);
  }
  const after = await store.getJob(job.id);
  assert.equal(after?.state, 'dead');
  assert.equal(after?.attempts, 3);
  assert.deepEqual(dead, [[job.id, 'Error: still broken']]);
  assert.deepEqual(
    (await store.listDeadJobs()).map((j) => j.id),
    [job.id],
  );
  fail = false;
  await store.requeueDead(job.id);
  assert.equal(await runner.runOnce(), 1);
  assert.equal((await store.getJob(job.id))?.state, 'done');
});

test('PermanentJobError dead-letters at once; RetryLaterError waits as long as it says', async (t) => {
  const { store, runner, clock } = setup(t);
  runner.register('permanent', async () => {
    throw new PermanentJobError('Salesforce said REQUIRED_FIELD_MISSING: Subject');
  });
  runner.register('later', async () => {
    throw new RetryLaterError('rate limited', 42_000);
  });
  const p = await store.enqueue('permanent', {});
  const l = await store.enqueue('later', {});
  await runner.runOnce();
  const perm = await store.getJob(p.job.id);
  assert.equal(perm?.state, 'dead');
  assert.equal(perm?.attempts, 1);
  assert.match(perm?.lastError ?? '', /REQUIRED_FIELD_MISSING/);
  const later = await store.getJob(l.job.id);
  assert.equal(later?.state, 'queued');
  assert.equal(later?.runAt, clock.now + 42_000);
});

test("a crashed worker's job is reclaimed by another process once its lease expires", async (t) => {
  const { file, clock, store } = setup(t);
  const { job } = await store.enqueue('ticket.create', { ticketId: 't1' });
  // "Process A" claims the job and dies: its store is closed without completing anything.
  const crashed = openSqliteStore({ file, clock: () => clock.now });
  const [claimed] = await crashed.claimJobs('process-a', 1, 60_000);
  assert.equal(claimed?.id, job.id);
  await crashed.close();

  // "Process B": a new store on the same file, with its own runner.
  const b = openSqliteStore({ file, clock: () => clock.now });
  const runnerB = new JobRunner({
    store: b,
    logger: silent,
    clock: () => clock.now,
    pollMs: 50,
    leaseMs: 60_000,
    concurrency: 1,
    workerId: 'process-b',
  });
  t.after(() => b.close());
  const ran: Job[] = [];
  runnerB.register('ticket.create', async ({ job: j }) => void ran.push(j));
  assert.equal(await runnerB.runOnce(), 0, 'the lease still holds');
  clock.advance(60_000);
  assert.equal(await runnerB.runOnce(), 1);
  assert.equal(ran[0]?.id, job.id);
  assert.equal(ran[0]?.attempts, 2);
  assert.equal((await b.getJob(job.id))?.state, 'done');
});

test('stop() lets in-flight jobs finish, then stops claiming', async (t) => {
  const { store, runner } = setup(t, { realClock: true });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let started = false;
  runner.register('slow', async () => {
    started = true;
    await gate;
  });
  const { job } = await store.enqueue('slow', {});
  runner.start();
  await waitFor('the job to start', () => started);
  let stopped = false;
  const stopping = runner.stop().then(() => (stopped = true));
  await store.enqueue('slow', {});
  await new Promise((r) => setImmediate(r));
  assert.equal(stopped, false, 'stop waits for the in-flight job');
  release();
  await stopping;
  assert.equal((await store.getJob(job.id))?.state, 'done');
  assert.deepEqual(await store.countJobsByState(), { queued: 1, running: 0, done: 1, dead: 0 }, 'nothing new was claimed while stopping');
});

test('stop() gives back jobs claimed but not yet started', async (t) => {
  const { store: real } = setup(t, { realClock: true });
  let openGate!: () => void;
  const gate = new Promise<void>((r) => (openGate = r));
  let claimCalled!: () => void;
  const claiming = new Promise<void>((r) => (claimCalled = r));
  // A store whose claim is held at a gate, so stop() arrives between the claim and the start.
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'claimJobs') {
        return async (...args: Parameters<Store['claimJobs']>) => {
          claimCalled();
          await gate;
          return target.claimJobs(...args);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const runner = new JobRunner({ store, logger: silent, pollMs: 50, leaseMs: 60_000, concurrency: 2, workerId: 'w-stop' });
  let ran = 0;
  runner.register('k', async () => void ran++);
  const { job } = await real.enqueue('k', {});
  runner.start();
  await claiming;
  const stopped = runner.stop();
  openGate();
  await stopped;
  assert.equal(ran, 0);
  const back = await real.getJob(job.id);
  assert.equal(back?.state, 'queued');
  assert.equal(back?.attempts, 0, 'the attempt is not counted');
  assert.equal(back?.lockedBy, null);
});

test('a handler past its lease, or past the stop grace period, sees its signal aborted', async (t) => {
  const { store, runner } = setup(t, { realClock: true, leaseMs: 100 });
  const reasons: string[] = [];
  runner.register('stuck', async ({ signal }) => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    reasons.push(String((signal.reason as Error).message));
    throw signal.reason;
  });
  const { job } = await store.enqueue('stuck', {});
  assert.equal(await runner.runOnce(), 1);
  assert.match(reasons[0] ?? '', /lease \(100 ms\) ran out/);
  const after = await store.getJob(job.id);
  assert.equal(after?.state, 'queued', 'retried later');
  assert.match(after?.lastError ?? '', /lease/);

  const { store: store2, runner: runner2 } = setup(t, { realClock: true, leaseMs: 60_000 });
  const reasons2: string[] = [];
  runner2.register('stuck', async ({ signal }) => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    reasons2.push(String((signal.reason as Error).message));
  });
  await store2.enqueue('stuck', {});
  runner2.start();
  await waitFor('the job to be running', () => runner2.activeCount === 1);
  await runner2.stop({ graceMs: 20 });
  assert.deepEqual(reasons2, ['the job runner is stopping']);
});

test('error text is scrubbed of secrets before it is stored', async (t) => {
  const secret = 'sb-master-token-should-never-be-stored';
  const { store, runner } = setup(t, { scrubber: new SecretScrubber([secret]) });
  runner.register('leaky', async () => {
    throw new Error(`request with Api-Token ${secret} failed`);
  });
  const { job } = await store.enqueue('leaky', {});
  await runner.runOnce();
  const after = await store.getJob(job.id);
  assert.equal(after?.lastError, 'Error: request with Api-Token [REDACTED] failed');
});
