/**
 * The satisfaction survey end to end, over real HTTP with both emulators: a Case closed in the
 * Salesforce emulator (its emulated trigger tells the bridge) gets one survey in its chat, before
 * the freeze; the customer's answer is recorded once and lands on the Case once, with the chat's
 * thanks; every refusal has its status and code; an unanswered survey expires; a Case reopened
 * and closed again is not asked again; a repeated or interrupted job posts nothing twice. On
 * SQLite, and the main path on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { requireAvailable, waitFor } from '@sbsf/testkit';
import { parseNotice, type BridgeNotice, type SalesforceEvent } from '@sbsf/wire';
import type { OpenedStore } from '../src/open-store.js';
import { membershipIdle, postEvents, sfClient } from './membership-helpers.js';
import { messageRecords } from './transcript-helpers.js';
import { pgEnv, pgTestSchema, pgUnavailable } from './pg.js';
import { startWorld, type World } from './world.js';

/** A ticket opened by `sub` through the bridge (so the bridge knows the Case is theirs). */
async function openTicket(w: World, sub: string): Promise<{ caseId: string; userId: string }> {
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken(sub, { name: sub })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Printer', Description: 'It smokes', SuppliedName: sub, SuppliedEmail: `${sub}@example.com` } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { caseId: res.body.case.id as string, userId: res.body.sendbird.userId as string };
}

const as = (w: World, sub: string) => ({ authorization: `Bearer ${w.customerToken(sub)}` });
const setStatus = (w: World, caseId: string, Status: string) => sfClient(w).update('Case', caseId, { Status });
const caseRecord = (w: World, caseId: string) => w.sf.records('Case').find((c) => c.Id === caseId)!;
const frozen = (w: World, caseId: string) => w.sb.store.channels.get(caseId)?.freeze;

/** The bridge's notices in the channel, oldest first, with the message text. */
function notices(w: World, caseId: string): { notice: BridgeNotice; text: string }[] {
  const out: { notice: BridgeNotice; text: string }[] = [];
  for (const m of w.sb.store.channels.get(caseId)?.messages ?? []) {
    const notice = parseNotice({ type: m.type, custom_type: m.custom_type, data: m.data });
    if (notice) out.push({ notice, text: m.message });
  }
  return out;
}
const kinds = (w: World, caseId: string) => notices(w, caseId).map((n) => n.notice.sbsf);
const csatLedger = async (w: World, caseId: string) =>
  (await w.bridge.store.ledgerForCase(caseId))
    .filter((e) => e.detail.source === 'csat')
    .map((e) => `${e.action} ${e.outcome}`)
    .sort();
const idle = (w: World) => membershipIdle(w);
/** `status code` of an answer (`200 undefined` for a success). */
const code = async (p: Promise<{ status: number; body: any }>) => {
  const r = await p;
  return `${r.status} ${r.body?.error?.code}`;
};

async function closedWithSurvey(w: World, sub: string) {
  const t = await openTicket(w, sub);
  await setStatus(w, t.caseId, 'Closed');
  await waitFor('the survey in the chat', () => kinds(w, t.caseId).includes('csat.request'));
  await waitFor('the Case to say the survey was sent', () => caseRecord(w, t.caseId).Sendbird_CSAT_Status__c === 'Sent');
  return t;
}

/** The whole answered path; run on SQLite and on PostgreSQL. */
async function answeredOnce(w: World) {
  const { caseId } = await closedWithSurvey(w, 'ann');
  await waitFor('the channel to be frozen', () => frozen(w, caseId) === true);
  const request = notices(w, caseId).find((n) => n.notice.sbsf === 'csat.request')!;
  assert.equal(request.text, w.config.csat.question, 'the message text is the question (what any client shows)');
  const survey = await w.call('GET', `/tickets/${caseId}/csat`, { headers: as(w, 'ann') });
  assert.equal(survey.status, 200, JSON.stringify(survey.body));
  assert.deepEqual(request.notice, {
    sbsf: 'csat.request',
    surveyId: survey.body.csat.surveyId,
    caseId,
    expiresAt: survey.body.csat.expiresAt,
  });
  assert.equal(survey.body.csat.state, 'open');

  const answer = { rating: 4, comment: 'Fixed in minutes 👍' };
  const first = await w.call('POST', `/tickets/${caseId}/csat`, { headers: as(w, 'ann'), body: answer });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual([first.body.csat.state, first.body.csat.rating, first.body.csat.comment], ['answered', 4, 'Fixed in minutes 👍']);
  const again = await w.call('POST', `/tickets/${caseId}/csat`, { headers: as(w, 'ann'), body: answer });
  assert.deepEqual([again.status, again.body], [200, first.body], 'the same answer again: the same survey, nothing new');
  const other = await w.call('POST', `/tickets/${caseId}/csat`, { headers: as(w, 'ann'), body: { rating: 1 } });
  assert.deepEqual([other.status, other.body.error.code], [409, 'csat_already_answered']);

  await waitFor('the answer on the Case', () => caseRecord(w, caseId).Sendbird_CSAT_Status__c === 'Answered');
  await waitFor('the thanks in the chat', () => kinds(w, caseId).includes('csat.answered'));
  await waitFor('every job to finish', () => idle(w));
  const c = caseRecord(w, caseId);
  assert.deepEqual(
    [c.Sendbird_CSAT_Rating__c, c.Sendbird_CSAT_Comment__c, typeof c.Sendbird_CSAT_Answered_At__c, typeof c.Sendbird_CSAT_Sent_At__c],
    [4, 'Fixed in minutes 👍', 'string', 'string'],
  );
  assert.deepEqual(
    kinds(w, caseId).filter((k) => k.startsWith('csat.')),
    ['csat.request', 'csat.answered'],
    'one survey, one thanks',
  );
  assert.deepEqual(await csatLedger(w, caseId), ['case.csat ok', 'case.csat ok', 'csat.answered_notice ok', 'csat.request ok']);
  return caseId;
}

test('a closed Case asks its customer once, before the freeze; the answer lands on the Case once, the chat says thanks', async (t) => {
  const w = await startWorld(t);
  const caseId = await answeredOnce(w);
  // The survey came before the freeze: it is in the log ahead of nothing the customer could send.
  const ledger = (await w.bridge.store.ledgerForCase(caseId)).map((e) => e.action);
  assert.ok(ledger.indexOf('csat.request') < ledger.indexOf('channel.freeze'), `survey then freeze: ${ledger.join(', ')}`);
  // The job that writes the answer, run again (a retry after a crash): the same values, no second thanks.
  const before = { ...caseRecord(w, caseId) };
  await w.bridge.store.enqueue('csat.sync', { caseId }, { dedupeKey: `csat.sync:${caseId}:again` });
  await waitFor('the repeated job', () => idle(w));
  const after = caseRecord(w, caseId);
  for (const f of ['Sendbird_CSAT_Status__c', 'Sendbird_CSAT_Rating__c', 'Sendbird_CSAT_Comment__c', 'Sendbird_CSAT_Answered_At__c']) {
    assert.deepEqual(after[f], before[f], `${f} rewritten with the same value`);
  }
  assert.deepEqual(
    kinds(w, caseId).filter((k) => k === 'csat.answered'),
    ['csat.answered'],
    'one thanks',
  );
  assert.deepEqual(
    (await csatLedger(w, caseId)).filter((l) => l.startsWith('csat.answered_notice')),
    ['csat.answered_notice exists', 'csat.answered_notice ok'],
    'the repeat found its notice posted',
  );
  // The survey, its answer and the thanks are system entries of the transcript.
  assert.ok(
    notices(w, caseId).some((n) => n.notice.sbsf === 'csat.answered' && /rated this support 4 out of 5/.test(n.text)),
    'the thanks says the rating',
  );
});

test('refusals: 400 invalid rating or comment, 401 without auth, 404 not your Case or no survey yet', async (t) => {
  const w = await startWorld(t);
  const { caseId } = await openTicket(w, 'bea');
  const post = (body: unknown, sub = 'bea') => w.call('POST', `/tickets/${caseId}/csat`, { headers: as(w, sub), body });
  assert.equal(await code(post({ rating: 5 })), '404 csat_not_found', 'no survey before the Case closes');
  assert.equal(await code(w.call('GET', `/tickets/${caseId}/csat`, { headers: as(w, 'bea') })), '404 csat_not_found');
  await setStatus(w, caseId, 'Closed');
  await waitFor('the survey', () => kinds(w, caseId).includes('csat.request'));

  for (const rating of [0, 6, 3.5, '5', null]) assert.equal(await code(post({ rating })), '400 invalid_rating', `rating ${String(rating)}`);
  assert.equal(await code(post({})), '400 invalid_rating', 'no rating');
  assert.equal(await code(post({ rating: 5, comment: 7 })), '400 invalid_comment');
  // 1000 UTF-16 units is the limit: 500 emoji fit, 501 do not (each counts as 2).
  assert.equal(await code(post({ rating: 5, comment: '😀'.repeat(501) })), '400 invalid_comment');
  assert.equal(await code(post({ rating: 5, unknown: 1 })), '400 invalid_request', 'unknown fields are refused');
  assert.equal(await code(post({ rating: 5 }, 'someone-else')), '404 ticket_not_found', "another customer's Case is not found");
  assert.equal(
    await code(w.call('POST', '/tickets/500EM0000000999YAA/csat', { headers: as(w, 'bea'), body: { rating: 5 } })),
    '404 ticket_not_found',
  );
  assert.equal(await code(w.call('POST', '/tickets/nope/csat', { headers: as(w, 'bea'), body: { rating: 5 } })), '400 invalid_id');
  assert.equal(await code(w.call('POST', `/tickets/${caseId}/csat`, { body: { rating: 5 } })), '401 auth_required');
  assert.equal((await w.call('GET', `/tickets/${caseId}/csat`, { headers: as(w, 'bea') })).body.csat.state, 'open', 'still open');
  assert.equal(await code(post({ rating: 5, comment: '😀'.repeat(500) })), '200 undefined', '1000 units fit');
});

test('an unanswered survey expires: the Case and the chat say so, and a late answer is 410', async (t) => {
  const w = await startWorld(t, { CSAT_EXPIRY: '1s' });
  const { caseId } = await closedWithSurvey(w, 'bea');
  const post = (body: unknown) => w.call('POST', `/tickets/${caseId}/csat`, { headers: as(w, 'bea'), body });
  // Unanswered, it expires: the Case says so, the chat says so, and the answer is too late.
  await waitFor('the Case to say Expired', () => caseRecord(w, caseId).Sendbird_CSAT_Status__c === 'Expired');
  await waitFor('the chat to say it expired', () => kinds(w, caseId).includes('csat.expired'));
  assert.equal(await code(post({ rating: 5 })), '410 csat_expired');
  assert.equal((await w.call('GET', `/tickets/${caseId}/csat`, { headers: as(w, 'bea') })).body.csat.state, 'expired');
  await waitFor('every job to finish', () => idle(w));
  assert.equal(caseRecord(w, caseId).Sendbird_CSAT_Rating__c ?? null, null, 'no rating on the Case');
  assert.deepEqual(await csatLedger(w, caseId), ['case.csat ok', 'case.csat ok', 'csat.expired_notice ok', 'csat.request ok']);
});

test('a Case reopened and closed again is not asked again, answered or expired', async (t) => {
  // Two worlds: one whose survey is answered, one whose survey expires (CSAT_EXPIRY=1s).
  const w = await startWorld(t);
  const short = await startWorld(t, { CSAT_EXPIRY: '1s' });
  const answered = await closedWithSurvey(w, 'cy');
  const ok = await w.call('POST', `/tickets/${answered.caseId}/csat`, { headers: as(w, 'cy'), body: { rating: 2 } });
  assert.equal(ok.status, 200);
  const expired = await closedWithSurvey(short, 'dee');
  await waitFor('the second survey to expire', () => caseRecord(short, expired.caseId).Sendbird_CSAT_Status__c === 'Expired');
  for (const [world, { caseId }, status] of [
    [w, answered, 'Answered'],
    [short, expired, 'Expired'],
  ] as const) {
    await setStatus(world, caseId, 'Working');
    await waitFor('the chat reopened', () => frozen(world, caseId) === false);
    await setStatus(world, caseId, 'Closed');
    await waitFor('the chat closed again', () => frozen(world, caseId) === true);
    await waitFor('every job to finish', () => idle(world));
    assert.deepEqual(
      kinds(world, caseId).filter((k) => k === 'csat.request'),
      ['csat.request'],
      'one survey per Case',
    );
    assert.equal((await csatLedger(world, caseId)).filter((l) => l.startsWith('csat.request')).length, 1);
    assert.equal(caseRecord(world, caseId).Sendbird_CSAT_Status__c, status);
  }
});

test('a crash between the survey message and its record, and a failing Sendbird: the survey is posted once', async (t) => {
  const w = await startWorld(t);
  const { caseId } = await closedWithSurvey(w, 'eve');
  await waitFor('every job to finish', () => idle(w));
  // As if the process died after Sendbird took the message but before the store said so.
  await (w.bridge.store as OpenedStore).unsafeRun('UPDATE csat_surveys SET request_posted = 0 WHERE case_id = ?', caseId);
  const closed: SalesforceEvent = {
    type: 'case.status_changed',
    caseId,
    previousStatus: 'New',
    status: 'Closed',
    isClosed: true,
    occurredAt: new Date().toISOString(),
  };
  assert.equal((await postEvents(w, { events: [closed] })).status, 202);
  await waitFor('the survey to be recorded as posted', async () => (await w.bridge.store.getCsatSurvey(caseId))?.requestPosted === true);
  assert.deepEqual(await csatLedger(w, caseId).then((l) => l.filter((x) => x.startsWith('csat.request'))), [
    'csat.request exists',
    'csat.request ok',
  ]);

  // Sendbird failing the survey's message twice: tried again (the client, or the job), the channel frozen after.
  const other = await openTicket(w, 'fay');
  w.sb.faults.set({ rules: [{ action: 'error', method: 'POST', path: `^/v3/group_channels/${other.caseId}/messages$`, times: 2 }] });
  await setStatus(w, other.caseId, 'Closed');
  await waitFor('the survey after the retries', () => kinds(w, other.caseId).includes('csat.request'));
  await waitFor('the channel frozen', () => frozen(w, other.caseId) === true);
  await waitFor('every job to finish', () => idle(w));
  for (const c of [caseId, other.caseId]) {
    assert.deepEqual(
      kinds(w, c).filter((k) => k === 'csat.request'),
      ['csat.request'],
      'one survey message',
    );
  }
  assert.equal(w.sb.faults.get().fired.error, 2, 'both failures happened');
});

test('CASE_CLOSED_ACTION=message: the closing message, then the survey; CSAT=off asks nothing', async (t) => {
  const w = await startWorld(t, { CASE_CLOSED_ACTION: 'message' });
  const { caseId } = await closedWithSurvey(w, 'gus');
  assert.deepEqual(kinds(w, caseId), ['ticket.form', 'case.closed', 'csat.request']);

  const off = await startWorld(t, { CSAT: 'off' });
  const { caseId: quiet } = await openTicket(off, 'hal');
  await setStatus(off, quiet, 'Closed');
  await waitFor('the channel frozen', () => frozen(off, quiet) === true);
  await waitFor('every job to finish', () => idle(off));
  assert.deepEqual(kinds(off, quiet), ['ticket.form'], 'no survey');
  assert.equal((await off.call('GET', `/tickets/${quiet}/csat`, { headers: as(off, 'hal') })).status, 404);
});

test('the survey and its answer are system entries of the transcript', async (t) => {
  const w = await startWorld(t, { TRANSCRIPT_FLUSH_MS: '100' }, { webhooks: { timeoutMs: 2_000, retryDelayMs: 20 } });
  const { caseId } = await closedWithSurvey(w, 'ida');
  await w.call('POST', `/tickets/${caseId}/csat`, { headers: as(w, 'ida'), body: { rating: 5, comment: 'Great' } });
  await waitFor('the thanks on the Case', () => messageRecords(w, caseId).some((r) => /rated this support 5/.test(String(r.Body__c))));
  const system = messageRecords(w, caseId)
    .filter((r) => r.Sender_Role__c === 'System')
    .map((r) => String(r.Body__c));
  assert.ok(system.includes(w.config.csat.question), 'the survey');
  assert.ok(!system.some((b) => b.includes('Great')), 'the comment is on the Case, not in the chat');
});

test('PostgreSQL: the survey is asked once and its answer lands on the Case once', { timeout: 60_000 }, async (t) => {
  const unavailable = await pgUnavailable();
  if (!requireAvailable(t, unavailable === null, unavailable ?? '')) return;
  const w = await startWorld(t, pgEnv(await pgTestSchema(t)));
  assert.equal(w.bridge.store.kind, 'postgres');
  await answeredOnce(w);
});
