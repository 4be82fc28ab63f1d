/**
 * The store's shared Sendbird pacing contract (`sendbird_pacing`), run by `storeContract` on every
 * store: the slots of a capped endpoint booked by several processes are one interval apart
 * whoever books them, concurrent bookings included; a 429 pause moves the next slot and never
 * shortens; each endpoint has its own slots.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { openHarness, type StoreHarness } from './store-contract.js';

const INVITE = 'POST /v3/group_channels/{channel_url}/invite';
const MESSAGES = 'POST /v3/group_channels/{channel_url}/messages';

export function pacingContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  describe(`${name} store: shared Sendbird pacing`, () => {
    test('slots booked by two processes are one interval apart; an idle endpoint books at once; endpoints are apart', async (t) => {
      const { store, open } = await setup(t);
      const other = await open();
      const t0 = 1_700_000_000_000;
      assert.equal(await store.bookSendbirdSlot(INVITE, t0, 200), t0, 'the first slot is at once');
      assert.equal(await other.bookSendbirdSlot(INVITE, t0 + 10, 200), t0 + 200, 'the other process waits one interval');
      assert.equal(await store.bookSendbirdSlot(INVITE, t0 + 20, 200), t0 + 400);
      assert.equal(await other.bookSendbirdSlot(MESSAGES, t0 + 20, 200), t0 + 20, 'another endpoint has its own slots');
      assert.equal(await store.bookSendbirdSlot(INVITE, t0 + 5_000, 200), t0 + 5_000, 'idle since: at once again');
      assert.equal(await other.bookSendbirdSlot(INVITE, t0 + 5_000.4, 333.3), t0 + 5_200, 'fractions are rounded up');
      assert.equal(await store.bookSendbirdSlot(INVITE, t0 + 5_000, 200), t0 + 5_534);
      assert.deepEqual(await store.listSendbirdPacing(), [
        { endpoint: INVITE, nextAt: t0 + 5_734, booked: 6, pausedUntil: null },
        { endpoint: MESSAGES, nextAt: t0 + 220, booked: 1, pausedUntil: null },
      ]);
    });

    test('concurrent bookings from two processes each get their own slot, one interval apart', async (t) => {
      const { store, open } = await setup(t);
      const other = await open();
      const t0 = 1_700_000_000_000;
      const slots = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).bookSendbirdSlot(MESSAGES, t0, 200)),
      );
      assert.deepEqual(
        [...slots].sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => t0 + i * 200),
      );
      assert.equal((await other.listSendbirdPacing())[0]?.booked, 20);
    });

    test('a 429 pause moves the next slot to its end for every process, and a shorter one never shortens it', async (t) => {
      const { store, open } = await setup(t);
      const other = await open();
      const t0 = 1_700_000_000_000;
      await other.pauseSendbirdEndpoint(INVITE, t0 + 1_500);
      assert.equal(await store.bookSendbirdSlot(INVITE, t0, 200), t0 + 1_500, 'a pause before any booking holds too');
      await store.pauseSendbirdEndpoint(INVITE, t0 + 3_000);
      await other.pauseSendbirdEndpoint(INVITE, t0 + 2_000);
      assert.equal(await other.bookSendbirdSlot(INVITE, t0 + 100, 200), t0 + 3_000);
      assert.equal(await store.bookSendbirdSlot(INVITE, t0 + 100, 200), t0 + 3_200, 'then one per interval');
      assert.deepEqual(await store.listSendbirdPacing(), [{ endpoint: INVITE, nextAt: t0 + 3_400, booked: 3, pausedUntil: t0 + 3_000 }]);
    });
  });
}
