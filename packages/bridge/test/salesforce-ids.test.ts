/**
 * Salesforce Ids at the bridge's edge, over real HTTP against both emulators: 15- and 18-character
 * Ids accepted wherever Salesforce accepts them and used in their 18-character form; a malformed
 * Id (wrong checksum, wrong letter case) answered 400 `invalid_id` naming the field, written to
 * the ledger, never accepted and skipped in silence.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { waitFor } from '@sbsf/testkit';
import { SECRETS } from './fixtures.js';
import { makeCase, members, membershipIdle, ownerChanged, postEvents } from './membership-helpers.js';
import { startWorld, type World } from './world.js';

function refusals(w: World): { target: string; detail: Record<string, unknown> }[] {
  const db = new Database(join(w.env.DATA_DIR as string, 'bridge.sqlite'), { readonly: true });
  try {
    const rows = db.prepare("SELECT target, detail FROM ledger WHERE action = 'events.refused' ORDER BY id").all() as {
      target: string;
      detail: string;
    }[];
    return rows.map((r) => ({ target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

/** Swaps the letter case of the first letter among the first 15 characters. */
function wrongCase(id18: string): string {
  const i = [...id18.slice(0, 15)].findIndex((c) => /[a-zA-Z]/.test(c));
  const c = id18[i]!;
  return id18.slice(0, i) + (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) + id18.slice(i + 1);
}

test('events with 15-character Ids are accepted, stored and acted on in the 18-character form', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const { caseId, customer } = await makeCase(w, ava);
  const res = await postEvents(w, { events: [ownerChanged(caseId.slice(0, 15), w.sf.seed.queueId.slice(0, 15), ava.slice(0, 15))] });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const stored = await w.bridge.store.listSalesforceEvents({ caseId });
  assert.equal(stored.length, 1, 'stored under the 18-character Case Id');
  assert.deepEqual(stored[0]!.payload, {
    type: 'case.owner_changed',
    caseId,
    previousOwnerId: w.sf.seed.queueId,
    ownerId: ava,
    occurredAt: (stored[0]!.payload as { occurredAt: string }).occurredAt,
  });
  await waitFor('Ava in the channel', () => members(w, caseId).includes(ava));
  assert.deepEqual(members(w, caseId), [customer, ava].sort(), 'the agent joined as her 18-character User Id');
  await waitFor('the jobs to finish', () => membershipIdle(w));
});

test('an 18-character Id in the wrong letter case or with a bad checksum is a 400 invalid_id, in the ledger', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const { caseId } = await makeCase(w, ava);
  const badChecksum = `${caseId.slice(0, 15)}${caseId.endsWith('AAA') ? 'AAB' : 'AAA'}`;
  const cases: [unknown, string][] = [
    [{ events: [ownerChanged(wrongCase(caseId), null, ava)] }, 'events[0].caseId'],
    [{ events: [ownerChanged(badChecksum, null, ava)] }, 'events[0].caseId'],
    [{ events: [ownerChanged(caseId, null, ava.toLowerCase())] }, 'events[0].ownerId'],
    [
      {
        events: [
          ownerChanged(caseId, null, ava),
          {
            type: 'agentwork.accepted',
            caseId,
            userId: wrongCase(ava),
            workId: '0BzEM00000000010AA',
            occurredAt: new Date().toISOString(),
          },
        ],
      },
      'events[1].userId',
    ],
  ];
  for (const [body, field] of cases) {
    const res = await postEvents(w, body);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.code, 'invalid_id', res.body.error.message);
    assert.equal(res.body.error.field, field);
  }
  assert.deepEqual(await w.bridge.store.listSalesforceEvents({ caseId }), [], 'nothing stored: the whole batch is refused');
  const ledger = refusals(w);
  assert.deepEqual(
    ledger.map((e) => `${e.target} ${e.detail.code as string}`),
    cases.map(([, field]) => `${field} invalid_id`),
    'every refusal is in the ledger',
  );
  assert.match(String(ledger[0]!.detail.message), /letter case/);
  assert.equal(members(w, caseId).includes(ava), false, 'nothing was acted on');
});

test('a refused batch that is not about Ids is in the ledger too (invalid_request, invalid_json)', async (t) => {
  const w = await startWorld(t);
  const res = await postEvents(w, { events: [{ type: 'case.owner_changed' }] });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'invalid_request');
  const notJson = await w.call('POST', '/salesforce/events', {
    headers: { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}` },
    body: '{"events": [',
  });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.error.code, 'invalid_json');
  assert.deepEqual(
    refusals(w).map((e) => `${e.target} ${e.detail.code as string}`),
    ['events[0].caseId invalid_request', 'body invalid_json'],
  );
  const unauthorized = await postEvents(w, { events: [] }, 'wrong-secret');
  assert.equal(unauthorized.status, 401);
  const unauthorizedJunk = await w.call('POST', '/salesforce/events', { headers: { authorization: 'Bearer wrong' }, body: '{' });
  assert.equal(unauthorizedJunk.status, 401);
  assert.equal(refusals(w).length, 2, 'a caller without the secret writes nothing, not even a refusal');
});

test('agent session: a 15-character User Id is answered in its 18-character form; a wrong-case one is invalid_id', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  const call = (userId: string) =>
    w.call('POST', '/agents/session', {
      headers: { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}` },
      body: { userId, nickname: 'Ava Agent' },
    });
  const short = await call(ava.slice(0, 15));
  assert.equal(short.status, 200, JSON.stringify(short.body));
  assert.equal(short.body.userId, ava);
  assert.ok(w.sb.store.users.has(ava), 'the Sendbird user is the 18-character Id');
  for (const bad of [wrongCase(ava), ava.toUpperCase() === ava ? ava.toLowerCase() : ava.toUpperCase(), `${ava.slice(0, 15)}ZZZ`]) {
    const res = await call(bad);
    assert.equal(res.status, 400, bad);
    assert.equal(res.body.error.code, 'invalid_id');
    assert.equal(res.body.error.field, 'userId');
  }
  const notAUser = await call(w.sf.seed.queueId);
  assert.equal(notAUser.status, 400);
  assert.equal(notAUser.body.error.field, 'userId');
});
