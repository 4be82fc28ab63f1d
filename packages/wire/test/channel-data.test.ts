/** The support channel's `data` contract and the list entry made from it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHANNEL_DATA_MAX_UNITS,
  SUBJECT_MAX_UNITS,
  encodeSupportChannelData,
  parseSupportChannelData,
  withChannelStatus,
  type SupportChannelData,
} from '../src/channel-data.js';
import { describeSupportChannel, supportChannelLabel, waitingSpoken, waitingText } from '../src/support-channel.js';
import { hasLoneSurrogate, utf16Length } from '../src/text.js';

const CASE_ID = '500000000000001AAA';
const AGENT = '005000000000001AAA';
const OLD = JSON.stringify({ caseId: CASE_ID, caseNumber: '00001004', ticketId: 't-1' });
const GRIN = '\u{1F600}';

/** Every field of a new channel's data. */
const FULL: SupportChannelData = {
  caseId: CASE_ID,
  caseNumber: '00001005',
  ticketId: 't-2',
  subject: 'Cannot log in',
  customerName: 'Dana Diaz',
  customerId: 'cust-dana',
  status: 'New',
  closed: false,
};

test('the data parses to what it says: an old channel, a new one with every field, a closed one, blanks left out', () => {
  const cases: [what: string, data: string, parsed: SupportChannelData][] = [
    ['an old channel (caseId, caseNumber, ticketId only)', OLD, { caseId: CASE_ID, caseNumber: '00001004', ticketId: 't-1' }],
    ['a new channel', encodeSupportChannelData(FULL), FULL],
    ['a closed Case', encodeSupportChannelData({ ...FULL, status: 'Closed', closed: true }), { ...FULL, status: 'Closed', closed: true }],
    [
      'blank and untrimmed fields',
      encodeSupportChannelData({ caseId: CASE_ID, subject: '  Refund  ', customerName: ' ', status: '' }),
      { caseId: CASE_ID, subject: 'Refund' },
    ],
  ];
  for (const [what, data, parsed] of cases) assert.deepEqual(parseSupportChannelData(data), parsed, what);
});

test('anything else parses to what has the right type, never throws', () => {
  for (const bad of [undefined, null, 42, '', 'not json', '[1,2]', 'null', '"text"', '{']) {
    assert.deepEqual(parseSupportChannelData(bad), {}, String(bad));
  }
  assert.deepEqual(parseSupportChannelData(JSON.stringify({ caseNumber: 7, subject: '  ', status: 'Working', closed: 'yes', extra: 1 })), {
    status: 'Working',
  });
});

test('a long subject is cut to 255 units on a character boundary, with an ellipsis', () => {
  const data = encodeSupportChannelData({ caseId: CASE_ID, caseNumber: '1', subject: GRIN.repeat(300) });
  const subject = parseSupportChannelData(data).subject!;
  assert.ok(utf16Length(subject) <= SUBJECT_MAX_UNITS, `${utf16Length(subject)} units`);
  assert.ok(subject.endsWith('…'));
  assert.equal(hasLoneSurrogate(subject), false, 'no emoji cut in half');
});

test('the whole data stays within the ceiling even when JSON escapes make it longer than its fields', () => {
  // A quote is 1 unit in the subject and 2 in the JSON; control characters are 6.
  const nasty = '"\u0001'.repeat(200);
  const data = encodeSupportChannelData(
    { caseId: CASE_ID, caseNumber: '1', ticketId: 't', subject: nasty, customerName: 'x'.repeat(200), status: 'New' },
    400,
  );
  assert.ok(utf16Length(data) <= 400, `${utf16Length(data)} units`);
  const parsed = parseSupportChannelData(data);
  assert.equal(parsed.caseId, CASE_ID, 'ids are never cut');
  assert.equal(parsed.customerName, `${'x'.repeat(79)}…`);
  assert.ok(parsed.subject!.startsWith('"\u0001'));
  assert.ok(utf16Length(encodeSupportChannelData({ caseId: CASE_ID, subject: nasty })) <= CHANNEL_DATA_MAX_UNITS);
});

test('withChannelStatus: undefined when nothing changes, otherwise the data with the new status and every other key kept', () => {
  const data = JSON.stringify({ caseId: CASE_ID, status: 'New', closed: false, theirs: 'kept' });
  assert.equal(withChannelStatus(data, 'New', false), undefined);
  assert.deepEqual(JSON.parse(withChannelStatus(data, 'Closed', true)!), {
    caseId: CASE_ID,
    status: 'Closed',
    closed: true,
    theirs: 'kept',
  });
  assert.deepEqual(JSON.parse(withChannelStatus(OLD, 'Working', false)!), {
    ...(JSON.parse(OLD) as object),
    status: 'Working',
    closed: false,
  });
  assert.deepEqual(JSON.parse(withChannelStatus('not json', 'New', false)!), { status: 'New', closed: false });
});

test('the list entry: subject, customer, status; "Case <number>" on an old channel', () => {
  const data = encodeSupportChannelData({
    caseNumber: '00001005',
    subject: 'Refund',
    customerName: 'Eli',
    customerId: 'cust-eli',
    status: 'New',
  });
  const entry = describeSupportChannel({ channelUrl: CASE_ID, name: 'Case 00001005', data, createdAt: 1000, lastUserMessage: null });
  assert.deepEqual(entry, {
    title: 'Refund',
    caseNumber: '00001005',
    customerName: 'Eli',
    status: 'New',
    closed: false,
    waitingSince: 1000,
  });
  const old = describeSupportChannel({ channelUrl: CASE_ID, name: 'x', data: OLD, createdAt: 1, lastUserMessage: undefined });
  assert.equal(old.title, 'Case 00001004');
  assert.equal(
    describeSupportChannel({ channelUrl: CASE_ID, name: '', data: '', createdAt: 1, lastUserMessage: undefined }).title,
    CASE_ID,
  );
});

test('waiting: since the customer wrote last, absent when an agent did, when closed, or when unknown', () => {
  const data = encodeSupportChannelData({ caseNumber: '1', customerId: 'cust-a', status: 'New', closed: false });
  const at = (lastUserMessage: { senderId: string; createdAt: number } | null | undefined, d = data) =>
    describeSupportChannel({ channelUrl: CASE_ID, name: '', data: d, createdAt: 100, lastUserMessage }).waitingSince;
  assert.equal(at(null), 100, 'nobody wrote yet: since creation');
  assert.equal(at({ senderId: 'cust-a', createdAt: 500 }), 500);
  assert.equal(at({ senderId: AGENT, createdAt: 500 }), undefined, 'an agent answered last');
  assert.equal(at({ senderId: 'bot-or-other-agent', createdAt: 500 }), undefined, 'anyone but the customer answers');
  assert.equal(at(undefined), undefined);
  assert.equal(at(null, withChannelStatus(data, 'Closed', true)), undefined, 'a closed Case waits for nobody');
  // Old channels do not name the customer: agents are Salesforce User Ids.
  assert.equal(at({ senderId: 'cust-a', createdAt: 7 }, OLD), 7);
  assert.equal(at({ senderId: AGENT, createdAt: 7 }, OLD), undefined);
});

test('waiting text and its spoken form', () => {
  const min = 60_000;
  assert.equal(waitingText(0, 30_000), 'waiting <1 min');
  assert.equal(waitingText(0, 12 * min + 59_000), 'waiting 12 min');
  assert.equal(waitingText(0, 65 * min), 'waiting 1 h 5 min');
  assert.equal(waitingText(0, 120 * min), 'waiting 2 h');
  assert.equal(waitingText(0, (2 * 1440 + 180) * min), 'waiting 2 d 3 h');
  assert.equal(waitingText(1000, 0), 'waiting <1 min', 'a clock behind the server is not negative');
  assert.equal(waitingSpoken(0, 30_000), 'waiting less than a minute');
  assert.equal(waitingSpoken(0, min), 'waiting 1 minute');
  assert.equal(waitingSpoken(0, 61 * min), 'waiting 1 hour 1 minute');
  const entry = { title: 'Refund', customerName: 'Eli', status: 'New', closed: false, waitingSince: 0 };
  assert.equal(supportChannelLabel(entry, 2, 12 * min), 'Refund, Eli, New, waiting 12 minutes, 2 unread messages');
  assert.equal(supportChannelLabel({ title: 'Case 1', closed: true }, 0, 0), 'Case 1');
});
