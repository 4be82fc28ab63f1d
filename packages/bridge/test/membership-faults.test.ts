/**
 * Membership sync under faults: Sendbird 500s and 429s during invites and leaves, Salesforce 503s
 * on the reads, and the org's callout failing: each ends with every channel matching its owner.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { ledgerLines, makeCase, members, membershipIdle, setOwner, sfClient } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

test('Sendbird 500s on invite and 429s on leave: retried until the channel matches the owner', async (t) => {
  const w = await startWorld(t);
  const { ava, ben } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  await setOwner(w, caseId, ava);
  await waitFor('Ava in', () => members(w, caseId).includes(ava));
  await waitFor('idle', () => membershipIdle(w));

  // More failures than the client's own 4 attempts: the job itself has to retry.
  w.sb.faults.set({
    rules: [
      { action: 'error', method: 'POST', path: '/invite$', times: 6 },
      { action: 'rateLimit', method: 'PUT', path: '/leave$', times: 5, retryAfterMs: 50 },
    ],
  });
  await setOwner(w, caseId, ben);
  await waitFor('Ben in and Ava out', () => JSON.stringify(members(w, caseId)) === JSON.stringify([customer, ben].sort()), {
    timeoutMs: 30_000,
  });
  await waitFor('idle', () => membershipIdle(w));
  assert.equal(w.sb.faults.get().fired.error, 6);
  assert.equal(w.sb.faults.get().fired.rateLimit, 5);
  const lines = await ledgerLines(w, caseId, (e) => e.action.startsWith('member.'));
  assert.ok(lines.includes(`member.invite ${ben} error`), 'the failed invite is in the ledger');
  assert.ok(lines.includes(`member.leave ${ava} error`), 'the failed leave is in the ledger');
  assert.equal(lines.at(-1), `member.leave ${ava} ok`);
  assert.ok(lines.indexOf(`member.invite ${ben} ok`) < lines.indexOf(`member.leave ${ava} ok`), 'invite before leave');
  assert.equal((await w.bridge.store.countJobsByState()).dead, 0);
});

test('random Sendbird faults across a batch: the failed Cases are retried on their own until all converge', async (t) => {
  const w = await startWorld(t, { SENDBIRD_CAPPED_PER_SECOND: '0' });
  const { ava, ben } = w.sf.seed.agents;
  const cases: { caseId: string; customer: string }[] = [];
  for (let i = 0; i < 16; i++) cases.push(await makeCase(w, ava));
  // Sendbird fails often (after the client's own retries, a few calls still fail).
  w.sb.faults.set({ seed: 11, rules: [{ action: 'error', path: '/(invite|leave)$', probability: 0.75 }] });
  // One sObject Collections update: one transaction, one trigger chunk, one subscriber batch.
  const results = await sfClient(w).request<{ success: boolean }[]>('PATCH', '/composite/sobjects', {
    allOrNone: true,
    records: cases.map((c) => ({ attributes: { type: 'Case' }, Id: c.caseId, OwnerId: ben })),
  });
  assert.ok(results.every((r) => r.success));
  await waitFor(
    'every channel to have Ben (and only Ben) as agent',
    () => cases.every((c) => JSON.stringify(members(w, c.caseId)) === JSON.stringify([c.customer, ben].sort())),
    { timeoutMs: 60_000 },
  );
  await waitFor('idle', () => membershipIdle(w), { timeoutMs: 30_000 });
  assert.ok(w.sb.faults.get().fired.error > 0, 'faults fired');
  const retries = await retryJobs(w);
  assert.ok(retries > 0, 'some Cases were handed to retry jobs of their own');
  assert.equal((await w.bridge.store.countJobsByState()).dead, 0);
  assert.equal(w.sf.org.bridgeDeliveries().length, 1, 'one POST for the collections call');
  assert.equal(w.sf.org.eventStats().publishCalls, 1, 'one EventBus.publish for its 16 Cases');
});

test('Salesforce 503s while reading the Cases: the job retries, then reconciles', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  // Enough 503s to outlast the Salesforce client's own retries on the first attempt.
  w.sf.faults.set({ rules: [{ action: 'error', method: 'GET', path: '/query', times: 4 }] });
  w.sf.org.changeCaseOwner(caseId, ava);
  await waitFor('Ava in', () => JSON.stringify(members(w, caseId)) === JSON.stringify([customer, ava].sort()), { timeoutMs: 30_000 });
  assert.equal(w.sf.faults.get().fired.error, 4);
});

test("the org's callout fails twice (bridge 503): the Apex-style retry delivers it", async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, w.sf.seed.queueId);
  // A proxy in front of the bridge that answers 503 twice (a load balancer while the bridge
  // restarts), then passes requests through.
  const { createServer } = await import('node:http');
  let calls = 0;
  const proxy = createServer((req, res) => {
    calls++;
    if (calls <= 2) {
      res.writeHead(503).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fetch(`${w.url}${req.url}`, {
        method: req.method,
        headers: { authorization: String(req.headers.authorization), 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      })
        .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => proxy.close(() => r())));
  const addr = proxy.address() as { port: number };
  w.sf.org.setBridge({ url: `http://127.0.0.1:${addr.port}`, secret: w.config.sharedSecret });

  w.sf.org.changeCaseOwner(caseId, ava);
  await waitFor('Ava in', () => JSON.stringify(members(w, caseId)) === JSON.stringify([customer, ava].sort()));
  await w.sf.org.idle();
  const [d] = w.sf.org.bridgeDeliveries();
  assert.equal(d?.status, 'delivered');
  assert.deepEqual(
    d?.attempts.map((a) => a.status),
    [503, 503, 202],
  );
});

async function retryJobs(w: World): Promise<number> {
  let n = 0;
  for (let id = 1; ; id++) {
    const job = await w.bridge.store.getJob(id);
    if (!job) return n;
    if ((job.payload as { source?: string }).source === 'retry') n++;
  }
}
