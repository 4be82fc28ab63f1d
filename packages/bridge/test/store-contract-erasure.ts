/**
 * The store's erasure contract (`erasures`, ledger tombstones; migration 12), run by
 * `storeContract` on every store: an erasure is recorded once per customer, its journal takes each
 * step once with its receipt, the customer's tickets are found by user id or email, and finishing
 * it turns their ledger entries into tombstones and deletes their rows, while the database still
 * refuses every other change to the ledger.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { Store } from '../src/store/types.js';
import { openHarness, type StoreHarness } from './store-contract.js';

async function ticketOf(store: Store, user: string, email: string, caseId: string) {
  const t = await store.createTicket({
    id: randomUUID(),
    clientKey: user,
    customerUserId: user,
    customerNickname: `${user} name`,
    caseFields: { SuppliedEmail: email, SuppliedName: `${user} name` },
  });
  await store.updateTicket(t.id, { state: 'case_ready', caseId }, [
    {
      ticketId: t.id,
      caseId,
      system: 'salesforce',
      action: 'case.upsert',
      target: caseId,
      outcome: 'ok',
      detail: { name: `${user} name` },
    },
    { ticketId: t.id, system: 'sendbird', action: 'user.create', target: user, outcome: 'ok' },
  ]);
  await store.appendLedger({
    caseId,
    system: 'salesforce',
    action: 'transcript.file',
    target: '1001',
    outcome: 'ok',
    detail: { name: `${user}.pdf` },
  });
  return t;
}

export function erasureContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  describe(`${name} store: privacy erasure`, () => {
    test('an erasure is recorded once per customer, with its job; its journal takes each step once, with its receipt', async (t) => {
      const { store, open } = await setup(t);
      const other = await open();
      const job = (id: string) => ({ kind: 'erasure.run', payload: { erasureId: id }, dedupeKey: `erasure:${id}`, runAt: 0 });
      const first = await store.startErasure(
        { id: 'e1', subjectHash: 'h1', subject: 'user:ann', caseAction: 'redact', requestedBy: 'admin' },
        { job: job('e1') },
      );
      const again = await other.startErasure(
        { id: 'e2', subjectHash: 'h1', subject: 'user:ann', caseAction: 'delete', requestedBy: 'cli' },
        { job: job('e2') },
      );
      assert.deepEqual([first.created, again.created, again.erasure.id, again.erasure.caseAction], [true, false, 'e1', 'redact']);
      assert.equal((await store.claimJobs('w', 10, 60_000, ['erasure.run'])).length, 1, 'one job, the first request’s');
      assert.equal((await store.getErasureBySubject('h1'))?.id, 'e1');

      const entry = { system: 'sendbird' as const, action: 'erasure.users.delete', outcome: 'ok' as const, detail: { deleted: 1 } };
      assert.equal(await store.recordErasureStep('e1', 'sendbird.user', { at: 5, count: 1 }, [entry]), true);
      assert.equal(await other.recordErasureStep('e1', 'sendbird.user', { at: 6, count: 0 }, [entry]), false, 'a step is journaled once');
      const e = await store.getErasure('e1');
      assert.deepEqual(e?.steps, { 'sendbird.user': { at: 5, count: 1 } });
      const receipt = await store.erasureReceipt('e1');
      assert.deepEqual(
        receipt.map((r) => [r.action, r.erasedBy, r.detail]),
        [['erasure.users.delete', 'e1', { deleted: 1 }]],
      );
    });

    test("finishing turns the customer's ledger entries into tombstones and deletes their rows; the other customer's stay", async (t) => {
      const { store, exec } = await setup(t);
      const ann = await ticketOf(store, 'ann', 'Ann@Example.com', '500A');
      const bob = await ticketOf(store, 'bob', 'bob@example.com', '500B');
      await store.appendLedger({ system: 'sendbird', action: 'member.invite', target: 'ann', outcome: 'ok', detail: { who: 'ann' } });
      assert.deepEqual(
        (await store.findCustomerTickets({ kind: 'email', email: 'ann@example.COM' })).map((x) => x.id),
        [ann.id],
        'by email, without regard to case',
      );
      assert.deepEqual(
        (await store.findCustomerTickets({ kind: 'user', userId: 'bob' })).map((x) => x.id),
        [bob.id],
      );

      // Contact matching remembers Ann's and Bob's Contacts: only Ann's goes.
      await store.rememberCustomerContact({ userId: 'ann', contactId: '003A', accountId: null, matchedBy: 'email' });
      await store.rememberCustomerContact({ userId: 'bob', contactId: '003B', accountId: null, matchedBy: 'email' });

      await store.startErasure({ id: 'e1', subjectHash: 'h', subject: 'user:ann', caseAction: 'redact', requestedBy: 'cli' });
      const counts = await store.finishErasure('e1', { ticketIds: [ann.id], caseIds: ['500A'], userIds: ['ann'] }, 'bridge.rows');
      assert.deepEqual(counts, {
        tombstones: 4,
        tickets: 1,
        idempotencyKeys: 0,
        transcriptMessages: 0,
        transcriptChannels: 0,
        customerContacts: 1,
      });
      assert.equal(await store.getCustomerContact('ann'), null, "Ann's remembered Contact is gone");
      assert.equal((await store.getCustomerContact('bob'))?.contactId, '003B', "Bob's stays");
      assert.equal(await store.getTicket(ann.id), null);
      assert.ok(await store.getTicket(bob.id));
      const annCase = await store.ledgerForCase('500A');
      assert.deepEqual(
        annCase.map((e) => [e.action, e.ticketId, e.target, e.detail, e.erasedBy]),
        [
          ['case.upsert', null, null, {}, 'e1'],
          ['transcript.file', null, null, {}, 'e1'],
        ],
      );
      assert.ok(
        (await store.ledgerForCase('500B')).every((e) => e.erasedBy === null && e.target !== null),
        "Bob's entries are untouched",
      );
      const done = await store.getErasure('e1');
      assert.deepEqual([done?.state, done?.subject, Object.keys(done?.steps ?? {})], ['done', null, ['bridge.rows']]);
      assert.deepEqual(
        await store.finishErasure('e1', { ticketIds: [ann.id], caseIds: ['500A'], userIds: ['ann'] }, 'bridge.rows'),
        { tombstones: 0, tickets: 0, idempotencyKeys: 0, transcriptMessages: 0, transcriptChannels: 0, customerContacts: 0 },
        'finishing again changes nothing',
      );

      // Still append-only: no other update, no delete, no second rewrite of a tombstone.
      await assert.rejects(exec("UPDATE ledger SET outcome = 'error' WHERE case_id = '500B'"), /append-only/);
      await assert.rejects(exec("UPDATE ledger SET detail = '{}', target = NULL WHERE case_id = '500B'"), /append-only/);
      await assert.rejects(
        exec("UPDATE ledger SET erased_by = 'x', detail = '{\"a\":1}', target = NULL, ticket_id = NULL WHERE case_id = '500B'"),
        /append-only/,
      );
      await assert.rejects(exec("UPDATE ledger SET erased_by = 'e2' WHERE case_id = '500A'"), /append-only/);
      await assert.rejects(exec("DELETE FROM ledger WHERE case_id = '500A'"), /append-only/);
    });
  });
}
