/**
 * The store's satisfaction-survey and chat-end contract (`csat_surveys`, `chat_ends`; migration
 * 14), run by `storeContract` on every store: a Case gets one survey, recorded with its job; an
 * answer is taken once (the same one again is `same`, another `conflict`), never after the expiry;
 * the expiry moves each open survey once, even with two stores at it; a chat end is recorded once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import type { Store, TicketJob } from '../src/store/types.js';
import { openHarness, type StoreHarness } from './store-contract.js';

const job = (caseId: string, state: string): TicketJob => ({
  kind: 'csat.sync',
  payload: { caseId },
  dedupeKey: `csat.sync:${caseId}:${state}`,
  runAt: 0,
});
const jobs = (caseId: string) => ({ answered: job(caseId, 'answered'), expired: job(caseId, 'expired') });
const newCase = () => `500${randomUUID().replace(/-/g, '').slice(0, 15)}`;

async function queuedKeys(store: Store, kind: string): Promise<string[]> {
  const out: string[] = [];
  for (let id = 1; ; id++) {
    const j = await store.getJob(id);
    if (!j) return out.sort();
    if (j.kind === kind && j.state === 'queued') out.push(j.dedupeKey ?? '');
  }
}

export function csatContract(name: string, makeHarness: (t: TestContext) => StoreHarness): void {
  const setup = (t: TestContext) => openHarness(t, makeHarness);

  describe(`${name} store: satisfaction surveys and chat ends`, () => {
    test('a Case gets one survey, recorded with its job; a second open keeps the first', async (t) => {
      const { store, clock } = await setup(t);
      const caseId = newCase();
      const first = await store.openCsatSurvey(
        { id: 's1', caseId, customerUserId: 'ann', expiresAt: clock.now + 1000 },
        job(caseId, 'open'),
      );
      assert.equal(first.created, true);
      assert.deepEqual(
        [first.survey.id, first.survey.state, first.survey.requestPosted, first.survey.customerUserId],
        ['s1', 'open', false, 'ann'],
      );
      const again = await store.openCsatSurvey({ id: 's2', caseId, customerUserId: 'ann', expiresAt: clock.now + 5000 }, job(caseId, 'x'));
      assert.equal(again.created, false);
      assert.equal(again.survey.id, 's1', 'the first survey stays');
      assert.equal(again.survey.expiresAt, clock.now + 1000);
      assert.deepEqual(await queuedKeys(store, 'csat.sync'), [`csat.sync:${caseId}:open`], 'the second open queued nothing');
      await store.markCsatRequestPosted(caseId);
      assert.equal((await store.getCsatSurvey(caseId))?.requestPosted, true);
      assert.equal(await store.getCsatSurvey(newCase()), null);
    });

    test('an answer is taken once: the same again is `same`, another `conflict`; none without a survey', async (t) => {
      const { store, clock } = await setup(t);
      const caseId = newCase();
      await store.openCsatSurvey({ id: 's1', caseId, customerUserId: 'ann', expiresAt: clock.now + 1000 }, job(caseId, 'open'));
      clock.advance(10);
      const first = await store.answerCsatSurvey(caseId, { rating: 4, comment: 'Quick, thanks 👍' }, jobs(caseId));
      assert.equal(first.outcome, 'answered');
      assert.deepEqual(
        [first.survey?.state, first.survey?.rating, first.survey?.comment, first.survey?.answeredAt],
        ['answered', 4, 'Quick, thanks 👍', clock.now],
      );
      assert.equal((await store.answerCsatSurvey(caseId, { rating: 4, comment: 'Quick, thanks 👍' }, jobs(caseId))).outcome, 'same');
      assert.equal((await store.answerCsatSurvey(caseId, { rating: 5, comment: 'Quick, thanks 👍' }, jobs(caseId))).outcome, 'conflict');
      assert.equal((await store.answerCsatSurvey(caseId, { rating: 4, comment: null }, jobs(caseId))).outcome, 'conflict');
      assert.equal((await store.getCsatSurvey(caseId))?.rating, 4, 'the first answer stays');
      assert.deepEqual(await queuedKeys(store, 'csat.sync'), [`csat.sync:${caseId}:answered`, `csat.sync:${caseId}:open`]);
      assert.deepEqual(await store.answerCsatSurvey(newCase(), { rating: 3, comment: null }, jobs(caseId)), {
        outcome: 'missing',
        survey: null,
      });
    });

    test('an answer after the expiry is refused and expires the survey; the expiry moves each survey once', async (t) => {
      const { store, open, clock } = await setup(t);
      const other = await open();
      const late = newCase();
      const due = [newCase(), newCase(), newCase()];
      const notYet = newCase();
      for (const caseId of [late, ...due]) {
        await store.openCsatSurvey({ id: randomUUID(), caseId, customerUserId: 'ann', expiresAt: clock.now + 100 }, job(caseId, 'open'));
      }
      await store.openCsatSurvey(
        { id: randomUUID(), caseId: notYet, customerUserId: 'bo', expiresAt: clock.now + 10_000 },
        job(notYet, 'open'),
      );
      clock.advance(100);
      const refused = await store.answerCsatSurvey(late, { rating: 2, comment: null }, jobs(late));
      assert.equal(refused.outcome, 'expired');
      assert.deepEqual([refused.survey?.state, refused.survey?.rating, refused.survey?.expiredAt], ['expired', null, clock.now]);
      const [a, b] = await Promise.all([
        store.expireCsatSurveys(2, (c) => job(c, 'expired')),
        other.expireCsatSurveys(10, (c) => job(c, 'expired')),
      ]);
      assert.deepEqual([...a, ...b].sort(), [...due].sort(), 'each due survey expired once, by one store');
      assert.deepEqual(await store.expireCsatSurveys(10, (c) => job(c, 'expired')), [], 'nothing left');
      assert.equal((await store.getCsatSurvey(notYet))?.state, 'open');
      assert.equal((await store.answerCsatSurvey(due[0]!, { rating: 5, comment: null }, jobs(due[0]!))).outcome, 'expired');
      const expiredJobs = (await queuedKeys(store, 'csat.sync')).filter((k) => k.endsWith(':expired'));
      assert.deepEqual(expiredJobs, [late, ...due].map((c) => `csat.sync:${c}:expired`).sort());
    });

    test('a chat end is recorded once per Case, with its job', async (t) => {
      const { store, open, clock } = await setup(t);
      const other = await open();
      const caseId = newCase();
      const endJob = { kind: 'chat.end', payload: { caseId }, dedupeKey: `chat.end:${caseId}`, runAt: 0 };
      const [x, y] = await Promise.all([
        store.recordChatEnd({ caseId, customerUserId: 'ann', action: 'mark', requestedAt: clock.now }, endJob),
        other.recordChatEnd({ caseId, customerUserId: 'ann', action: 'close', requestedAt: clock.now + 5 }, endJob),
      ]);
      assert.deepEqual([x.created, y.created].sort(), [false, true], 'one of two at once records it');
      assert.deepEqual(x.end, y.end, 'both see the one recorded');
      assert.deepEqual(await store.getChatEnd(caseId), x.end);
      assert.deepEqual(await queuedKeys(store, 'chat.end'), [`chat.end:${caseId}`]);
      assert.equal(await store.getChatEnd(newCase()), null);
    });

    test('a ticket is found by its Case', async (t) => {
      const { store } = await setup(t);
      const caseId = newCase();
      const ticket = await store.createTicket({ id: randomUUID(), clientKey: 'ann', customerUserId: 'ann', caseFields: {} });
      await store.updateTicket(ticket.id, { state: 'case_ready', caseId });
      assert.equal((await store.getTicketByCase(caseId))?.id, ticket.id);
      assert.equal(await store.getTicketByCase(newCase()), null);
    });
  });
}
