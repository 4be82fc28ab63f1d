/**
 * The admin endpoint of privacy erasure over real HTTP: refused without the ADMIN_TOKEN (404 when
 * the bridge has none), bad input answered with a status, a code and a message, a dry run that
 * changes nothing, an erasure run as a job (202, then its status and receipt), a second request
 * that is a no-op with the same receipt. Then the crash: the bridge as a process, killed while
 * its erasure waits on Sendbird's user delete, restarted: the erasure finishes, nothing is left,
 * and no step that was done is done again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '@sbsf/testkit';
import { openSqliteStore, type OpenedStore } from '../src/open-store.js';
import { assertNoTrace, assertTrace, CUSTOMER_TABLES, customerWithChat, storeText, upstreamText, writeCalls } from './erasure-helpers.js';
import { runMain } from './spawn-bridge.js';
import { call, startWorld } from './world.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef-0123456789';
const WEBHOOKS = { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } } as const;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function finished(base: string, id: string) {
  return waitFor(
    `erasure ${id} done`,
    async () => {
      const res = await call(base, 'GET', `/admin/erasures/${id}`, { headers: admin });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.erasure.state === 'done' ? res.body.erasure : undefined;
    },
    { timeoutMs: 30_000 },
  );
}

test('without ADMIN_TOKEN the admin endpoints do not exist', async (t) => {
  const w = await startWorld(t);
  const res = await w.call('POST', '/admin/erasures', { headers: admin, body: { customer: { sendbirdUserId: 'x' } } });
  assert.equal(res.status, 404);
  assert.equal(res.body.error.code, 'not_found');
});

test('the admin endpoint: auth, bad input, dry run, an erasure as a job with its receipt, and the same request again', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50', ADMIN_TOKEN }, WEBHOOKS);
  const ann = await customerWithChat(w, 'ann-admin', 'Ann Adminsson');
  const bob = await customerWithChat(w, 'bob-admin', 'Bob Remains');
  const body = { customer: { sendbirdUserId: ann.userId } };

  for (const headers of [
    {} as Record<string, string>,
    { authorization: 'Bearer wrong-token-wrong-token-wrong-token' },
    { authorization: `Basic ${ADMIN_TOKEN}` },
  ]) {
    const res = await w.call('POST', '/admin/erasures', { headers, body });
    assert.deepEqual([res.status, res.body.error.code], [401, 'unauthorized'], JSON.stringify(headers));
  }
  const bad = async (b: unknown) => (await w.call('POST', '/admin/erasures', { headers: admin, body: b })).body;
  assert.equal((await bad({ customer: { sendbirdUserId: 'a', email: 'a@b.c' } })).error.code, 'invalid_customer');
  assert.match((await bad({ customer: {} })).error.message, /exactly one of customer.sendbirdUserId and customer.email/);
  assert.equal((await bad({ customer: { email: 'nope' } })).error.code, 'invalid_customer');
  const badAction = await w.call('POST', '/admin/erasures', { headers: admin, body: { ...body, caseAction: 'shred' } });
  assert.equal(badAction.status, 400);
  assert.match(JSON.stringify(badAction.body), /caseAction/);
  const unknown = await w.call('GET', '/admin/erasures/no-such-id', { headers: admin });
  assert.deepEqual([unknown.status, unknown.body.error.code], [404, 'erasure_not_found']);

  const storeBefore = await storeText(w.bridge.store as OpenedStore, CUSTOMER_TABLES);
  const upstreamBefore = upstreamText(w);
  const dry = await w.call('POST', '/admin/erasures', { headers: admin, body: { ...body, dryRun: true } });
  assert.equal(dry.status, 200, JSON.stringify(dry.body));
  assert.deepEqual(
    [
      dry.body.wouldErase.caseIds,
      dry.body.wouldErase.channelUrls,
      dry.body.wouldErase.fileIds,
      dry.body.wouldErase.transcriptRecordIds.length,
    ],
    [[ann.caseId], [ann.caseId], [ann.fileDocId], 3],
  );
  assert.equal(upstreamText(w), upstreamBefore, 'the dry run changed nothing upstream');
  assert.equal(await storeText(w.bridge.store as OpenedStore, CUSTOMER_TABLES), storeBefore, 'nor in the store');

  const started = await w.call('POST', '/admin/erasures', { headers: admin, body: { ...body, caseAction: 'delete' } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.erasure.id as string;
  assert.equal(started.headers.get('location'), `/admin/erasures/${id}`);
  const done = await finished(w.url, id);
  assert.deepEqual(
    done.receipt.map((r: { system: string; action: string; detail: { count: number; requestedBy: string } }) => [
      r.system,
      r.action,
      r.detail.count,
      r.detail.requestedBy,
    ]),
    [
      ['sendbird', 'erasure.channels.delete', 1, 'admin'],
      ['sendbird', 'erasure.users.delete', 1, 'admin'],
      ['salesforce', 'erasure.files.delete', 1, 'admin'],
      ['salesforce', 'erasure.transcript.delete', 3, 'admin'],
      ['salesforce', 'erasure.cases.delete', 1, 'admin'],
    ],
  );
  assertNoTrace(JSON.stringify(done), ann, 'the answer');
  assertNoTrace(upstreamText(w), ann, 'Salesforce and Sendbird');
  assertNoTrace(await storeText(w.bridge.store as OpenedStore), ann, "the bridge's store");
  assertTrace(upstreamText(w), bob, 'the emulators');

  const writes = { sf: writeCalls(w.sf.stats()), sb: writeCalls(w.sb.stats.get()) };
  const again = await w.call('POST', '/admin/erasures', { headers: admin, body });
  assert.equal(again.status, 200, 'the same customer again: the erasure recorded first');
  assert.equal(again.body.erasure.id, id);
  assert.deepEqual(again.body.erasure.receipt, done.receipt, 'with the same receipt');
  const jobs = await (w.bridge.store as OpenedStore).unsafeQuery<{ n: number }>(
    "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'erasure.run'",
  );
  assert.equal(Number(jobs[0]?.n), 1, 'no second job');
  assert.deepEqual({ sf: writeCalls(w.sf.stats()), sb: writeCalls(w.sb.stats.get()) }, writes, 'and no write anywhere');
});

test('a bridge killed halfway through an erasure finishes it after a restart, with nothing left and no step done twice', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '50', ADMIN_TOKEN }, WEBHOOKS);
  const ann = await customerWithChat(w, 'ann-crash', 'Ann Crashley');
  const bob = await customerWithChat(w, 'bob-crash', 'Bob Survives');
  await w.bridge.close();

  // The bridge as operators run it, on the same database; the erasure's job lease is short, so
  // the restarted process takes the job over soon after the first one died.
  const env = { ...w.env, PORT: '0', LOG_LEVEL: 'info', ADMIN_TOKEN, JOB_LEASE_MS: '1000' };
  const first = runMain(env);
  t.after(() => first.child.kill('SIGKILL'));
  const url1 = await first.listening;
  // Step 3 of 7 (the user delete) waits in Sendbird until the process is gone.
  w.sb.faults.set({ rules: [{ action: 'hold', method: 'DELETE', path: '^/v3/users/', times: 1 }] });
  const started = await call(url1, 'POST', '/admin/erasures', { headers: admin, body: { customer: { email: ann.email } } });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.erasure.id as string;
  await waitFor('the user delete held', () => (w.sb.faults.heldCount === 1 ? true : undefined));
  const halfway = await call(url1, 'GET', `/admin/erasures/${id}`, { headers: admin });
  assert.deepEqual(Object.keys(halfway.body.erasure.steps), ['plan', 'sendbird.channels'], 'two steps done when it dies');
  first.child.kill('SIGKILL');
  await first.exited;
  // The killed process's call stays held (it never lands); later calls go through.
  w.sb.faults.set({});

  const second = runMain(env);
  t.after(() => second.child.kill('SIGKILL'));
  const url2 = await second.listening;
  const done = await finished(url2, id);
  assert.deepEqual(Object.keys(done.steps), [
    'plan',
    'sendbird.channels',
    'sendbird.user',
    'salesforce.files',
    'salesforce.transcript',
    'salesforce.case',
    'salesforce.recheck',
    'bridge.rows',
  ]);
  assert.deepEqual(
    done.receipt.map((r: { action: string; detail: { count: number; alreadyGone: number } }) => [
      r.action,
      r.detail.count,
      r.detail.alreadyGone,
    ]),
    [
      ['erasure.channels.delete', 1, 0],
      ['erasure.users.delete', 1, 0],
      ['erasure.files.delete', 1, 0],
      ['erasure.transcript.delete', 3, 0],
      ['erasure.cases.redact', 1, 0],
    ],
    'one entry per step',
  );
  const sb = w.sb.stats.get().byRoute;
  assert.equal(sb['DELETE /v3/group_channels/:channel_url'], 1, 'the channel step, journaled before the crash, did not run again');
  assert.equal(sb['DELETE /v3/users/:user_id'], 2, 'the user step, cut short, ran again');
  assertNoTrace(upstreamText(w), ann, 'Salesforce and Sendbird');
  assertTrace(upstreamText(w), bob, 'the emulators');
  second.child.kill('SIGTERM');
  await second.exited;
  const store = openSqliteStore({ file: w.config.store.kind === 'sqlite' ? w.config.store.file : '' });
  t.after(() => store.close());
  assertNoTrace(await storeText(store), ann, "the bridge's store");
  assertTrace(await storeText(store), bob, "the bridge's store");
});
