/**
 * The store's transcript catch-up contract (`transcript_channels`), run by `storeContract` on every
 * store: channels registered from tickets and webhooks, made due, leased to one process at a time,
 * given back with how far they were read; closed Cases read once more, then never; the messages a
 * channel's transcript holds by sent time (what catch-up compares with the history it re-reads).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { Store } from '../src/store/index.js';
import { openHarness, type StoreHarness } from './store-contract.js';

const FLUSH = { kind: 'transcript.flush', delayMs: 2_000, batchSize: 200 };

export function catchupContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  /** A completed ticket with its channel, as the ticket flow leaves it. */
  async function ticketWithChannel(store: Store, caseId: string) {
    const tk = await store.createTicket({ id: randomUUID(), clientKey: 'c', customerUserId: 'c', caseFields: {} });
    await store.updateTicket(tk.id, { state: 'completed', caseId, channelUrl: caseId });
    return tk;
  }

  describe(`${name} store: transcript catch-up`, () => {
    test('ticket channels are registered once, from the ticket time; a webhook registers an unknown channel from its start, due at once', async (t) => {
      const { store, clock } = await setup(t);
      const created = clock.now;
      await ticketWithChannel(store, '500000000000001AAA');
      clock.advance(1_000);
      assert.equal(await store.registerTicketChannels(0, clock.now + 60_000), 1);
      assert.equal(await store.registerTicketChannels(0, clock.now + 60_000), 0, 'registered once');
      const ch = await store.getTranscriptChannel('500000000000001AAA');
      assert.deepEqual(
        ch && [ch.caseId, ch.open, ch.checkedId, ch.checkedAt, ch.nextCatchupAt, ch.dueReason],
        ['500000000000001AAA', true, null, created, clock.now + 60_000, 'new'],
        'read from the ticket creation, due at the time given',
      );
      assert.equal(await store.registerTicketChannels(clock.now + 1, clock.now), 0, 'tickets updated before `since` are not looked at');

      await store.recordTranscriptEvent(
        { messageId: '9', caseId: '500000000000002AAA', channelUrl: '500000000000002AAA', version: 0, deleted: false, message: null },
        FLUSH,
      );
      const fromWebhook = await store.getTranscriptChannel('500000000000002AAA');
      assert.deepEqual(
        fromWebhook && [fromWebhook.checkedAt, fromWebhook.nextCatchupAt, fromWebhook.dueReason],
        [0, clock.now, 'new'],
        'from its start, at once',
      );
    });

    test('due channels are leased to one process at a time; the lease is given back with the mark, and the channel is due at its next time', async (t) => {
      const { store, clock, open } = await setup(t);
      const other = await open();
      for (const id of ['500000000000001AAA', '500000000000002AAA', '500000000000003AAA']) await ticketWithChannel(store, id);
      await store.registerTicketChannels(0, clock.now + 60_000);
      assert.deepEqual(await store.claimTranscriptCatchups('a', { limit: 10, leaseMs: 5_000 }), [], 'nothing is due yet');
      assert.equal(await store.dueTranscriptCatchup(clock.now, 'start'), 3);
      const [a, b] = await Promise.all([
        store.claimTranscriptCatchups('a', { limit: 2, leaseMs: 5_000 }),
        other.claimTranscriptCatchups('b', { limit: 2, leaseMs: 5_000 }),
      ]);
      const urls = [...a, ...b].map((c) => c.channelUrl);
      assert.equal(urls.length, 3, 'every due channel leased');
      assert.equal(new Set(urls).size, 3, 'none of them twice');
      assert.ok([...a, ...b].every((c) => c.dueReason === 'start'));

      const mine = a[0]!;
      const owner = 'a';
      assert.equal(
        await other.finishTranscriptCatchup('b', mine.channelUrl, { nextAt: clock.now + 1 }),
        false,
        'only the holder gives the lease back',
      );
      const ledger = [
        {
          caseId: mine.caseId,
          system: 'sendbird' as const,
          action: 'transcript.catchup',
          target: mine.channelUrl,
          outcome: 'ok' as const,
          detail: { added: 2 },
        },
      ];
      assert.equal(
        await store.finishTranscriptCatchup(owner, mine.channelUrl, {
          checked: { messageId: '42', at: clock.now - 5 },
          nextAt: clock.now + 300_000,
          ledger,
        }),
        true,
      );
      const after = await other.getTranscriptChannel(mine.channelUrl);
      assert.deepEqual(after && [after.checkedId, after.checkedAt, after.nextCatchupAt, after.dueReason, after.lastCatchupAt], [
        '42',
        clock.now - 5,
        clock.now + 300_000,
        'schedule',
        clock.now,
      ]);
      assert.deepEqual(
        (await store.ledgerForCase(mine.caseId)).map((e) => e.action),
        ['transcript.catchup'],
        'the ledger entry is written with it',
      );
      assert.equal(await store.finishTranscriptCatchup(owner, mine.channelUrl, { nextAt: clock.now }), false, 'given back once');

      // A lease that ran out (its process died) is taken over.
      const held = b[0]!;
      clock.advance(5_001);
      const taken = await store.claimTranscriptCatchups('c', { limit: 10, leaseMs: 5_000 });
      assert.ok(
        taken.some((c) => c.channelUrl === held.channelUrl),
        'the dead holder lost its channel',
      );
      assert.equal(
        await other.finishTranscriptCatchup('b', held.channelUrl, { checked: { messageId: '1', at: 1 }, nextAt: clock.now }),
        false,
        'and cannot move its mark',
      );
    });

    test('made due while leased: due again as soon as it is given back; a closed Case is read once more, then never; reopened, at once', async (t) => {
      const { store, clock } = await setup(t);
      await ticketWithChannel(store, '500000000000001AAA');
      await store.registerTicketChannels(0, clock.now);
      const [ch] = await store.claimTranscriptCatchups('a', { limit: 1, leaseMs: 5_000 });
      assert.ok(ch);
      assert.equal(await store.dueTranscriptCatchup(clock.now, 'late_webhook', [ch.channelUrl]), 1);
      await store.finishTranscriptCatchup('a', ch.channelUrl, { nextAt: clock.now + 300_000 });
      assert.equal((await store.getTranscriptChannel(ch.channelUrl))?.nextCatchupAt, clock.now, 'due again at once');
      const [again] = await store.claimTranscriptCatchups('a', { limit: 1, leaseMs: 5_000 });
      assert.equal(again?.dueReason, 'late_webhook');
      await store.finishTranscriptCatchup('a', ch.channelUrl, { nextAt: clock.now + 300_000 });

      assert.equal(await store.setTranscriptChannelOpen(ch.caseId, false), true);
      assert.equal(await store.setTranscriptChannelOpen(ch.caseId, false), false, 'closing a closed Case changes nothing');
      const [last] = await store.claimTranscriptCatchups('a', { limit: 1, leaseMs: 5_000 });
      assert.deepEqual(last && [last.open, last.dueReason], [false, 'closing'], 'read once more');
      await store.finishTranscriptCatchup('a', ch.channelUrl, { nextAt: clock.now + 300_000 });
      assert.equal((await store.getTranscriptChannel(ch.channelUrl))?.nextCatchupAt, null, 'then never');
      assert.equal(await store.dueTranscriptCatchup(clock.now, 'start'), 0, 'a start does not read closed Cases');
      assert.equal(await store.setTranscriptChannelOpen(ch.caseId, true), true);
      const [reopened] = await store.claimTranscriptCatchups('a', { limit: 1, leaseMs: 5_000 });
      assert.equal(reopened?.dueReason, 'reopened');
    });

    test("a channel's messages by sent time: both bounds inclusive, oldest first, deleted ones flagged; other channels and deletion-only rows left out", async (t) => {
      const { store } = await setup(t);
      const A = '500000000000001AAA';
      const B = '500000000000002AAA';
      const send = (messageId: string, channel: string, sentAt: number) =>
        store.recordTranscriptEvent(
          {
            messageId,
            caseId: channel,
            channelUrl: channel,
            version: 0,
            deleted: false,
            message: {
              type: 'MESG',
              body: messageId,
              senderId: 'cust',
              senderName: 'Cu',
              senderRole: 'Customer',
              sentAt,
              editedAt: null,
              file: null,
            },
          },
          FLUSH,
        );
      const remove = (messageId: string, channel: string) =>
        store.recordTranscriptEvent({ messageId, caseId: channel, channelUrl: channel, version: -1, deleted: true, message: null }, FLUSH);
      // Inserted out of order: the answer is ordered by sent time, then id.
      await send('30', A, 3_000);
      await send('10', A, 1_000);
      await send('21', A, 2_000);
      await send('20', A, 2_000);
      await send('05', A, 999);
      await send('40', A, 3_001);
      await send('22', B, 2_000);
      await remove('21', A);
      await remove('99', A); // a deletion of a message the transcript never held: no sent time
      // An edit keeps the sent time.
      await store.recordTranscriptEvent(
        {
          messageId: '30',
          caseId: A,
          channelUrl: A,
          version: 5_000,
          deleted: false,
          message: {
            type: 'MESG',
            body: 'edited',
            senderId: 'cust',
            senderName: 'Cu',
            senderRole: 'Customer',
            sentAt: 3_000,
            editedAt: 5_000,
            file: null,
          },
        },
        FLUSH,
      );

      assert.deepEqual(
        await store.listTranscriptSent({ caseId: A, channelUrl: A }, 1_000, 3_000),
        [
          { messageId: '10', sentAt: 1_000, deleted: false },
          { messageId: '20', sentAt: 2_000, deleted: false },
          { messageId: '21', sentAt: 2_000, deleted: true },
          { messageId: '30', sentAt: 3_000, deleted: false },
        ],
        'from 1000 to 3000, inclusive: not 999 nor 3001, not the other channel, not the deletion-only row',
      );
      assert.deepEqual(
        (await store.listTranscriptSent({ caseId: A, channelUrl: A }, 0, Number.MAX_SAFE_INTEGER)).map((r) => r.messageId),
        ['05', '10', '20', '21', '30', '40'],
        'from the beginning',
      );
      assert.deepEqual(await store.listTranscriptSent({ caseId: A, channelUrl: A }, 2_001, 2_999), [], 'an empty stretch');
      assert.deepEqual(
        await store.listTranscriptSent({ caseId: B, channelUrl: B }, 2_000, 2_000),
        [{ messageId: '22', sentAt: 2_000, deleted: false }],
        'one millisecond',
      );

      // A NUL in a message's text (a chat may hold any character): the channel's list still reads.
      await send('50', A, 4_000);
      await store.recordTranscriptEvent(
        {
          messageId: '50',
          caseId: A,
          channelUrl: A,
          version: 6_000,
          deleted: false,
          message: {
            type: 'MESG',
            body: 'a\u0000b',
            senderId: 'cust',
            senderName: 'Cu',
            senderRole: 'Customer',
            sentAt: 4_000,
            editedAt: 6_000,
            file: null,
          },
        },
        FLUSH,
      );
      assert.deepEqual(
        await store.listTranscriptSent({ caseId: A, channelUrl: A }, 3_500, 4_500),
        [{ messageId: '50', sentAt: 4_000, deleted: false }],
        'a NUL in a text',
      );
    });

    test('making named channels due counts each channel once, however often it is named', async (t) => {
      const { store, clock } = await setup(t);
      await ticketWithChannel(store, '500000000000001AAA');
      await ticketWithChannel(store, '500000000000002AAA');
      await store.registerTicketChannels(0, clock.now + 60_000);
      const urls = ['500000000000001AAA', '500000000000002AAA', '500000000000001AAA', 'no-such-channel'];
      assert.equal(await store.dueTranscriptCatchup(clock.now, 'late_webhook', urls), 2);
      assert.equal(await store.dueTranscriptCatchup(clock.now, 'late_webhook', []), 0, 'no channel named, none made due');
    });
  });
}
