/**
 * Privacy erasure over real HTTP against both emulators: two customers with tickets, chats
 * mirrored to their Cases and a file each; one is erased (`npm run erase`'s code path) and nothing
 * of theirs is left in Salesforce, Sendbird or any table of the bridge's store, while the other
 * customer is untouched; the receipt is in the ledger without personal data; a second request
 * changes nothing and shows the same receipt; a dry run lists what would go and changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireAvailable, waitFor } from '@sbsf/testkit';
import { runErase, parseEraseArgs } from '../src/cli/erase.js';
import type { OpenedStore } from '../src/open-store.js';
import { assertNoTrace, assertTrace, CUSTOMER_TABLES, customerWithChat, storeText, upstreamText, writeCalls } from './erasure-helpers.js';
import { sbClient, sfClient } from './membership-helpers.js';
import { messageRecords } from './transcript-helpers.js';
import { pgEnv, pgTestSchema, pgUnavailable } from './pg.js';
import { startWorld, type World } from './world.js';

const WORLD = [{ TRANSCRIPT_FLUSH_MS: '50' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } }] as const;

async function erase(w: World, argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io = { out: { write: (s: string) => (out += s) }, err: { write: () => true } };
  const code = await runErase(parseEraseArgs(argv), w.config, io);
  return { code, out };
}

const store = (w: World) => w.bridge.store as OpenedStore;

test('erasing a customer removes them from Sendbird, Salesforce and the bridge, and leaves the other customer as they were', async (t) => {
  const w = await startWorld(t, ...WORLD);
  const ann = await customerWithChat(w, 'ann-erased', 'Ann Erasedottir');
  const bob = await customerWithChat(w, 'bob-kept', 'Bob Keeper');
  // Contact matching remembered each customer's Contact (which Salesforce record is theirs).
  for (const [c, contactId] of [
    [ann, '003000000000001AAA'],
    [bob, '003000000000002AAA'],
  ] as const) {
    await w.bridge.store.rememberCustomerContact({ userId: c.userId, contactId, accountId: null, matchedBy: 'external_id' });
  }
  assertTrace(upstreamText(w), ann, 'before: the emulators');
  assertTrace(await storeText(store(w)), ann, 'before: the store');

  // A dry run lists what would go, and changes nothing anywhere.
  const upstreamBefore = upstreamText(w);
  const storeBefore = await storeText(store(w), CUSTOMER_TABLES);
  const dry = await erase(w, ['--user', ann.userId, '--dry-run']);
  assert.equal(dry.code, 0, dry.out);
  assert.match(dry.out, /dry run: nothing was changed/);
  assert.match(dry.out, new RegExp(`1 channel\\(s\\) with their messages: ${ann.caseId}`));
  assert.match(dry.out, new RegExp(`1 file\\(s\\): ${ann.fileDocId}`));
  assert.match(dry.out, /3 transcript record\(s\)/);
  assert.match(dry.out, new RegExp(`1 case\\(s\\) to redact: ${ann.caseId}`));
  assert.match(dry.out, /1 ticket\(s\)/);
  assert.equal(upstreamText(w), upstreamBefore, 'the dry run changed nothing upstream');
  assert.equal(await storeText(store(w), CUSTOMER_TABLES), storeBefore, 'the dry run changed nothing in the store');

  const run = await erase(w, ['--user', ann.userId]);
  assert.equal(run.code, 0, run.out);
  assert.match(run.out, /erasure \S+ done \(redact cases\)/);

  // Nothing of Ann's is left, anywhere.
  assertNoTrace(upstreamText(w), ann, 'Salesforce and Sendbird');
  assertNoTrace(await storeText(store(w)), ann, "the bridge's store");
  assert.equal(w.sb.store.channels.has(ann.caseId), false, "Ann's channel is deleted with its messages");
  assert.equal(w.sb.store.users.has(ann.userId), false, "Ann's Sendbird user is deleted");
  assert.equal(messageRecords(w, ann.caseId).length, 0, "Ann's transcript records are deleted");
  assert.equal(w.sf.records('ContentDocument').filter((d) => d.Id === ann.fileDocId).length, 0, "Ann's File is deleted");
  const annCase = w.sf.records('Case').find((c) => c.Id === ann.caseId)!;
  assert.deepEqual(
    [annCase.Subject, annCase.Description, annCase.SuppliedName, annCase.SuppliedEmail, annCase.SuppliedPhone, annCase.Sendbird_User_Id__c],
    ['[erased]', null, null, null, null, null],
    'the Case stays (redact), without personal data',
  );
  assert.equal(await w.bridge.store.getTicket(ann.ticketId), null, "Ann's ticket is deleted");
  assert.equal(await w.bridge.store.getCustomerContact(ann.userId), null, "Ann's remembered Contact is forgotten");
  assert.equal((await w.bridge.store.getCustomerContact(bob.userId))?.contactId, '003000000000002AAA', "Bob's is kept");
  const annLedger = await w.bridge.store.ledgerForCase(ann.caseId);
  assert.ok(annLedger.length > 0, "Ann's Case still has its ledger entries, as tombstones");
  for (const e of annLedger) {
    assert.ok(e.erasedBy, `entry ${e.id} (${e.action}) is a tombstone`);
    assert.deepEqual([e.ticketId, e.target, e.detail], [null, null, {}], `entry ${e.id} keeps no personal data`);
  }
  // The database refuses any other rewrite of the ledger, tombstones included.
  await assert.rejects(store(w).unsafeRun("UPDATE ledger SET action = 'x' WHERE id = ?", annLedger[0]!.id), /append-only/);
  await assert.rejects(store(w).unsafeRun('DELETE FROM ledger WHERE id = ?', annLedger[0]!.id), /append-only/);

  // Bob is untouched.
  assertTrace(upstreamText(w), bob, 'the emulators');
  assertTrace(await storeText(store(w)), bob, 'the store');
  assert.ok(w.sb.store.channels.get(bob.caseId)?.messages.length, "Bob's channel and messages are there");
  assert.equal(messageRecords(w, bob.caseId).length, 3, "Bob's transcript records are there");
  assert.ok(await w.bridge.store.getTicket(bob.ticketId), "Bob's ticket is there");
  assert.ok(
    (await w.bridge.store.ledgerForCase(bob.caseId)).every((e) => e.erasedBy === null),
    "Bob's ledger is as it was",
  );

  // The receipt: what was erased where, when and by whom; no personal data.
  const erasure = (
    await store(w).unsafeQuery<{ id: string; subject: string | null; state: string }>('SELECT id, subject, state FROM erasures')
  )[0]!;
  assert.deepEqual([erasure.subject, erasure.state], [null, 'done'], 'a done erasure forgets whom it erased');
  const receipt = await w.bridge.store.erasureReceipt(erasure.id);
  assert.deepEqual(
    receipt.map((e) => [e.system, e.action, e.detail.requestedBy]),
    [
      ['sendbird', 'erasure.channels.delete', 'cli'],
      ['sendbird', 'erasure.users.delete', 'cli'],
      ['salesforce', 'erasure.files.delete', 'cli'],
      ['salesforce', 'erasure.transcript.delete', 'cli'],
      ['salesforce', 'erasure.cases.redact', 'cli'],
    ],
  );
  assert.deepEqual(
    receipt.map((e) => [e.detail.count, e.detail.alreadyGone]),
    [
      [1, 0],
      [1, 0],
      [1, 0],
      [3, 0],
      [1, 0],
    ],
  );
  assertNoTrace(JSON.stringify(receipt), ann, 'the receipt');

  // A second request is a no-op with the same receipt.
  const calls = { sf: writeCalls(w.sf.stats()), sb: writeCalls(w.sb.stats.get()) };
  const again = await erase(w, ['--user', ann.userId]);
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /recorded before \(done\): nothing to do/);
  assert.deepEqual(await w.bridge.store.erasureReceipt(erasure.id), receipt, 'the same receipt');
  assert.deepEqual(writeCalls(w.sf.stats()), calls.sf, 'no Salesforce write');
  assert.deepEqual(writeCalls(w.sb.stats.get()), calls.sb, 'no Sendbird write');
});

const pgMissing = await pgUnavailable();

for (const db of ['sqlite', 'postgres'] as const) {
  test(`erasing by email with caseAction delete deletes the Cases, and the transcript goes with them (${db})`, async (t) => {
    if (db === 'postgres' && !requireAvailable(t, !pgMissing, pgMissing ?? '')) return;
    const database = db === 'postgres' ? pgEnv(await pgTestSchema(t), 4) : {};
    const w = await startWorld(t, { ...WORLD[0], ...database }, WORLD[1]);
    assert.equal(store(w).kind, db);
    const ann = await customerWithChat(w, 'ann-mail', 'Ann Mailer');
    const bob = await customerWithChat(w, 'bob-mail', 'Bob Stays');
    // Someone already deleted Ann's Sendbird user: that step finds nothing to do, and says so.
    await sbClient(w).deleteUser(ann.userId);
    const run = await erase(w, ['--email', ann.email.toUpperCase(), '--case-action', 'delete']);
    assert.equal(run.code, 0, run.out);
    const [erasure] = await store(w).unsafeQuery<{ id: string }>('SELECT id FROM erasures');
    const users = (await w.bridge.store.erasureReceipt(erasure!.id)).find((e) => e.action === 'erasure.users.delete');
    assert.deepEqual([users?.detail.count, users?.detail.alreadyGone], [1, 1]);
    assert.equal(
      w.sf.records('Case').some((c) => c.Id === ann.caseId),
      false,
      "Ann's Case is deleted",
    );
    assertNoTrace(upstreamText(w), ann, 'Salesforce and Sendbird');
    assertNoTrace(await storeText(store(w)), ann, "the bridge's store");
    assertTrace(upstreamText(w), bob, 'the emulators');
    assertTrace(await storeText(store(w)), bob, "the bridge's store");
  });
}

test('a transcript record written to the Case while the erasure runs is found and deleted before it ends', async (t) => {
  const w = await startWorld(t, ...WORLD);
  const ann = await customerWithChat(w, 'ann-late', 'Ann Late');
  // The redaction waits; meanwhile a transcript write that was under way lands on the Case.
  w.sf.faults.set({ rules: [{ action: 'hold', method: 'PATCH', path: `/sobjects/Case/${ann.caseId}`, times: 1 }] });
  const running = erase(w, ['--user', ann.userId]);
  await waitFor('the redaction held', () => (w.sf.faults.heldCount === 1 ? true : undefined));
  const late = await sfClient(w).upsert('Sendbird_Message__c', 'Sendbird_Message_Id__c', '999999', {
    Case__c: ann.caseId,
    Channel_Url__c: ann.caseId,
    Body__c: `late words of ${ann.name}`,
    Sender_Id__c: ann.userId,
  });
  w.sf.faults.set({});
  w.sf.faults.release();
  const run = await running;
  assert.equal(run.code, 0, run.out);
  assert.equal(messageRecords(w, ann.caseId).length, 0, 'the late record is deleted too');
  assertNoTrace(upstreamText(w), ann, 'Salesforce and Sendbird');
  const [erasure] = await store(w).unsafeQuery<{ id: string }>('SELECT id FROM erasures');
  const receipt = await w.bridge.store.erasureReceipt(erasure!.id);
  assert.deepEqual(
    receipt.filter((e) => e.action === 'erasure.late.delete').map((e) => [e.detail.count, e.detail.ids]),
    [[1, [late.id]]],
    'the receipt names it',
  );
});

test('bad requests are refused with a clear message', () => {
  assert.throws(() => parseEraseArgs([]), /exactly one of --user and --email/);
  assert.throws(() => parseEraseArgs(['--user', 'a', '--email', 'a@b.c']), /exactly one of --user and --email/);
  assert.throws(() => parseEraseArgs(['--email', 'not-an-address']), /not an email address/);
  assert.throws(() => parseEraseArgs(['--user', 'a', '--case-action', 'shred']), /caseAction must be "redact" or "delete"/);
  assert.throws(() => parseEraseArgs(['--user']), /--user needs a value/);
});
