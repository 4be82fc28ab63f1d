/**
 * Text cut for length is cut where a character ends, everywhere the bridge cuts: agent and
 * customer nicknames (Sendbird keeps 80 UTF-16 units), stored errors, transcript fields. An emoji
 * is put at every position around each limit; nothing stored or sent holds half of one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { hasLoneSurrogate } from '@sbsf/wire';
import { sendbirdNickname } from '../src/agent-directory.js';
import { LIMITS, messageRecord } from '../src/transcript/records.js';
import { SECRETS } from './fixtures.js';
import { startWorld } from './world.js';

const GRIN = '\u{1F600}';
const validUtf8 = (s: string) => !hasLoneSurrogate(s) && Buffer.from(s, 'utf8').toString('utf8') === s;

test('agent nicknames: an emoji across the 80-unit limit is dropped whole, over HTTP', async (t) => {
  const w = await startWorld(t);
  const { ava } = w.sf.seed.agents;
  for (const lead of [78, 79, 80]) {
    const name = `${'a'.repeat(lead)}${GRIN}b`;
    const res = await w.call('POST', '/agents/session', {
      headers: { authorization: `Bearer ${SECRETS.BRIDGE_SHARED_SECRET}` },
      body: { userId: ava, nickname: name },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const stored = w.sb.store.users.get(ava)!.nickname;
    assert.ok(validUtf8(stored), `no half emoji with ${lead} letters first`);
    assert.ok(stored.length <= 80);
    assert.equal(stored, lead <= 78 ? `${'a'.repeat(lead)}${GRIN}` : 'a'.repeat(lead), `${lead} letters then the emoji`);
    assert.equal(res.body.nickname, stored, 'the answer names the nickname Sendbird has');
  }
  for (let n = 0; n <= 82; n++) assert.ok(validUtf8(sendbirdNickname('x'.repeat(n) + GRIN.repeat(50))), `cut after ${n} letters`);
});

test("a customer's long name becomes a Sendbird nickname cut on a character boundary", async (t) => {
  const w = await startWorld(t);
  const name = `${'c'.repeat(79)}${GRIN}`;
  const res = await w.call('POST', '/tickets', {
    headers: { authorization: `Bearer ${w.customerToken('long-name', { name })}`, 'idempotency-key': randomUUID() },
    body: { case: { Subject: 'Hi', Description: 'Hello', SuppliedName: 'C', SuppliedEmail: 'c@example.com' } },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(w.sb.store.users.get('long-name')?.nickname, 'c'.repeat(79), 'the emoji that would not fit is left out whole');
});

test("a ticket's stored error keeps whole characters whatever the cut", async (t) => {
  const w = await startWorld(t);
  const store = w.bridge.store;
  for (const lead of [1996, 1997, 1998]) {
    const ticket = await store.createTicket({
      id: randomUUID(),
      clientKey: 'k',
      customerUserId: 'k',
      customerNickname: 'k',
      caseFields: {},
    });
    const updated = await store.updateTicket(ticket.id, { lastError: `${'e'.repeat(lead)}${GRIN.repeat(20)}` });
    const back = (await store.getTicket(updated.id))!.lastError!;
    assert.ok(validUtf8(back), `stored whole with ${lead} letters first`);
    assert.ok(back.endsWith('...'), 'marked as cut');
  }
});

test('transcript fields are cut to their lengths on a character boundary', () => {
  const long = `${'m'.repeat(LIMITS.body - 1)}${GRIN}${GRIN}`;
  const record = messageRecord({
    messageId: '1',
    caseId: '500000000000001AAA',
    channelUrl: '500000000000001AAA',
    deleted: false,
    message: {
      type: 'MESG',
      body: long,
      senderId: `${'s'.repeat(LIMITS.senderId - 1)}${GRIN}`,
      senderName: `${'n'.repeat(LIMITS.senderName - 1)}${GRIN}`,
      senderRole: 'Customer',
      sentAt: 0,
      editedAt: null,
      file: null,
    },
  } as never);
  assert.equal(record.Body__c, 'm'.repeat(LIMITS.body - 1), 'the body was cut before the emoji');
  assert.equal(record.Sender_Name__c, 'n'.repeat(LIMITS.senderName - 1));
  for (const [field, value] of Object.entries(record)) {
    if (typeof value === 'string') assert.ok(validUtf8(value), `${field} holds whole characters`);
  }
});
