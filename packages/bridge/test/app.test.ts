import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { startBridge } from '../src/app.js';
import type { FeatureFactory } from '../src/context.js';
import { createLogger } from '../src/logger.js';
import { testConfig } from './fixtures.js';

test('startBridge wires a feature: its route enqueues and kicks, its job handler runs, onJobDead hears of failures', async (t) => {
  const config = testConfig(t, { JOB_POLL_MS: '600000', JOB_MAX_ATTEMPTS: '1' });
  const handled: unknown[] = [];
  const deadJobs: string[] = [];
  const feature: FeatureFactory = (ctx) => ({
    name: 'echo',
    routes: async (app) => {
      app.post(
        '/echo',
        { schema: { body: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } } },
        async (request, reply) => {
          const { job } = await ctx.store.enqueue('echo.run', request.body);
          ctx.runner?.kick();
          return reply.status(202).send({ jobId: job.id });
        },
      );
    },
    jobs: {
      'echo.run': async ({ job }) => {
        if ((job.payload as { n: number }).n < 0) throw new Error('negative');
        handled.push(job.payload);
      },
    },
    onJobDead: (job, error) => void deadJobs.push(`${job.kind}: ${error}`),
  });
  const bridge = await startBridge(config, { port: 0, features: [feature], logger: createLogger({ level: 'silent' }) });
  t.after(() => bridge.close());

  const post = (n: number) =>
    fetch(`${bridge.url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
  const accepted = await post(7);
  assert.equal(accepted.status, 202);
  const { jobId } = (await accepted.json()) as { jobId: number };
  // The poll interval is 10 minutes: only kick() can have run it.
  await waitFor('the job to finish', async () => (await bridge.store.getJob(jobId))?.state === 'done');
  assert.deepEqual(handled, [{ n: 7 }]);

  await post(-1);
  await waitFor('the failing job to be dead-lettered', () => deadJobs.length === 1);
  assert.deepEqual(deadJobs, ['echo.run: Error: negative']);

  await bridge.close();
  await bridge.close(); // idempotent
  assert.equal((await bridge.store.health()).ok, false, 'the store is closed');
  await assert.rejects(fetch(`${bridge.url}/healthz`), 'the server no longer listens');
});

test('close() finishes in-flight requests before stopping', async (t) => {
  const config = testConfig(t);
  let entered!: () => void;
  const inRoute = new Promise<void>((r) => (entered = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const feature: FeatureFactory = () => ({
    name: 'slow',
    routes: (app) => {
      app.get('/slow', async () => {
        entered();
        await gate;
        return { finished: true };
      });
    },
  });
  const bridge = await startBridge(config, { port: 0, features: [feature], logger: createLogger({ level: 'silent' }) });
  t.after(() => bridge.close());
  const pending = fetch(`${bridge.url}/slow`);
  await inRoute;
  let closed = false;
  const closing = bridge.close().then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'close waits for the request');
  release();
  const res = await pending;
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { finished: true });
  await closing;
});
