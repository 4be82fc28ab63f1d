/**
 * The store's contact-matching contract (`customer_contacts`, `tickets.customer_verified`;
 * migration 13), run by `storeContract` on every store: a customer's Contact is remembered and
 * forgotten with its ledger entries, and of any number of tickets (or instances) of one new
 * customer exactly one holds the claim to create the Contact, until it runs out.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { openHarness, type StoreHarness } from './store-contract.js';

const entry = (action: string) => ({ system: 'salesforce' as const, action, caseId: '500C', target: '003X', outcome: 'ok' as const });

export function contactsContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  describe(`${name} store: contact matching`, () => {
    test("a ticket keeps what the customer's authentication proved", async (t) => {
      const { store, open } = await setup(t);
      const base = { clientKey: 'c', customerUserId: 'c', caseFields: {} };
      const jwt = await store.createTicket({ ...base, id: randomUUID(), customerVerified: { via: 'jwt', email: 'jo@example.com' } });
      const old = await store.createTicket({ ...base, id: randomUUID() });
      assert.deepEqual(jwt.customerVerified, { via: 'jwt', email: 'jo@example.com' });
      const other = await open();
      assert.deepEqual((await other.getTicket(jwt.id))?.customerVerified, { via: 'jwt', email: 'jo@example.com' });
      assert.equal((await other.getTicket(old.id))?.customerVerified, null, 'none recorded');
    });

    test('a Contact is remembered (replacing the last) and forgotten only while it is still the one remembered', async (t) => {
      const { store, clock } = await setup(t);
      assert.equal(await store.getCustomerContact('ann'), null);
      const first = await store.rememberCustomerContact({ userId: 'ann', contactId: '003A', accountId: '001A', matchedBy: 'email' }, [
        entry('contact.link'),
      ]);
      assert.deepEqual(first, { userId: 'ann', contactId: '003A', accountId: '001A', matchedBy: 'email', matchedAt: clock.now });
      assert.deepEqual(await store.getCustomerContact('ann'), first);
      assert.deepEqual(
        (await store.ledgerForCase('500C')).map((e) => e.action),
        ['contact.link'],
        'written with its ledger entry',
      );
      clock.advance(1000);
      await store.rememberCustomerContact({ userId: 'ann', contactId: '003B', accountId: null, matchedBy: 'created_contact' });
      assert.equal(await store.forgetCustomerContact('ann', '003A', [entry('contact.stale')]), false, 'not the one remembered now');
      assert.deepEqual(await store.getCustomerContact('ann'), {
        userId: 'ann',
        contactId: '003B',
        accountId: null,
        matchedBy: 'created_contact',
        matchedAt: clock.now,
      });
      assert.equal(await store.forgetCustomerContact('ann', '003B', [entry('contact.stale')]), true);
      assert.equal(await store.getCustomerContact('ann'), null);
      assert.deepEqual(
        (await store.ledgerForCase('500C')).map((e) => e.action),
        ['contact.link', 'contact.stale', 'contact.stale'],
      );
    });

    test('one claim to create a Contact per customer: held, run out, taken over, given back, or answered by the Contact', async (t) => {
      const { store, open, clock } = await setup(t);
      const other = await open();
      const claims = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).claimContactCreation('bo', `t${i}`, 60_000)),
      );
      const winners = claims.map((c, i) => (c.claimed ? `t${i}` : null)).filter(Boolean);
      assert.equal(winners.length, 1, `exactly one claim wins: ${JSON.stringify(claims)}`);
      const winner = winners[0]!;
      assert.deepEqual(claims[Number(winner.slice(1))], { claimed: true, fresh: true });
      const loser = winner === 't0' ? 't1' : 't0';
      assert.deepEqual(await store.claimContactCreation('bo', loser, 60_000), { claimed: false, until: clock.now + 60_000 });
      assert.equal(await store.getCustomerContact('bo'), null, 'a claim is no Contact');
      assert.deepEqual(
        await store.claimContactCreation('bo', winner, 60_000),
        { claimed: true, fresh: false },
        'its holder may claim again',
      );

      clock.advance(60_001);
      assert.deepEqual(
        await other.claimContactCreation('bo', loser, 60_000),
        { claimed: true, fresh: false },
        'a claim that ran out is taken over',
      );
      await store.releaseContactClaim('bo', winner, [entry('contact.ambiguous')]);
      assert.deepEqual((await store.claimContactCreation('bo', winner, 60_000)).claimed, false, "only the holder's release counts");
      await store.releaseContactClaim('bo', loser);
      assert.deepEqual(await store.claimContactCreation('bo', winner, 60_000), { claimed: true, fresh: true }, 'given back: a fresh claim');

      const c = await store.rememberCustomerContact({ userId: 'bo', contactId: '003C', accountId: null, matchedBy: 'created_contact' });
      assert.deepEqual(await other.claimContactCreation('bo', loser, 60_000), { claimed: false, contact: c }, 'made: the Contact answers');
      await store.releaseContactClaim('bo', winner);
      assert.deepEqual(await store.getCustomerContact('bo'), c, 'a release never removes a Contact');
      assert.equal((await store.ledgerForCase('500C')).length, 1, "the release's ledger entry is written even when it released nothing");
    });
  });
}
