// The one validator of the Salesforce -> bridge event batch (used by the bridge on receipt and by
// the Salesforce emulator before sending): accepts what the Apex sends, names the bad field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSalesforceId } from '@sbsf/salesforce';
import { compileBatchValidator, salesforceIdChecksumOk, validateSalesforceEventBatch as validate } from '../src/salesforce-events-validate.js';

const owner = {
  type: 'case.owner_changed',
  caseId: '500EM0000000001YAA',
  previousOwnerId: '00GEM00000000012AA',
  ownerId: '005EM0000000002YAA',
  occurredAt: '2025-01-31T09:15:00.000Z',
};
const accepted = { type: 'agentwork.accepted', caseId: '500EM0000000001YAA', userId: '005EM0000000002YAA', workId: '0BzEM00000000010AA', occurredAt: '2025-01-31T09:15:00.000Z' };
const status = { type: 'case.status_changed', caseId: '500EM0000000001YAA', previousStatus: 'Working', status: 'Closed', isClosed: true, occurredAt: '2025-01-31T09:15:00.000Z' };

test('accepts both event kinds as the Apex serialises them (previousOwnerId may be null)', () => {
  assert.deepEqual(validate({ events: [owner, accepted, { ...owner, previousOwnerId: null }] }), { ok: true, value: { events: [owner, accepted, { ...owner, previousOwnerId: null }] } });
});

test('accepts case.status_changed (previousStatus may be null, isClosed is a boolean)', () => {
  const body = { events: [status, { ...status, previousStatus: null, status: 'Working', isClosed: false }] };
  assert.deepEqual(validate(body), { ok: true, value: body });
});

test('names the first bad field', () => {
  const cases: [unknown, string][] = [
    [[], 'body'],
    [{}, 'events'],
    [{ events: [] }, 'events'],
    [{ events: [owner], more: 1 }, 'more'],
    [{ events: [{ ...owner, type: 'case.closed' }] }, 'events[0].type'],
    [{ events: [owner, { ...owner, ownerId: '001EM0000000001YAA' }] }, 'events[1].ownerId'],
    [{ events: [{ ...owner, previousOwnerId: 'x' }] }, 'events[0].previousOwnerId'],
    [{ events: [{ ...owner, caseId: '500EM000000001' }] }, 'events[0].caseId'],
    [{ events: [{ ...owner, caseId: '500EM0000000001YA' }] }, 'events[0].caseId'],
    [{ events: [{ ...owner, occurredAt: '2025-02-30T25:00:00Z' }] }, 'events[0].occurredAt'],
    [{ events: [{ ...accepted, userId: owner.previousOwnerId }] }, 'events[0].userId'],
    [{ events: [{ ...accepted, workId: undefined }] }, 'events[0].workId'],
    [{ events: [{ ...accepted, extra: true }] }, 'events[0].extra'],
    [{ events: [{ ...status, isClosed: 'true' }] }, 'events[0].isClosed'],
    [{ events: [{ ...status, status: '' }] }, 'events[0].status'],
    [{ events: [{ ...status, previousStatus: 7 }] }, 'events[0].previousStatus'],
    [{ events: [{ ...status, isClosed: undefined }] }, 'events[0].isClosed'],
  ];
  for (const [body, field] of cases) {
    const r = JSON.parse(JSON.stringify(validate(body))) as { ok: boolean; field?: string; message?: string };
    assert.equal(r.ok, false, JSON.stringify(body));
    assert.equal(r.field, field, JSON.stringify(r));
    assert.ok(r.message?.startsWith(field === 'body' ? 'the body' : field), r.message);
  }
});

test('a schema with a keyword or format the validator does not know fails to compile', () => {
  assert.throws(() => compileBatchValidator({ type: 'object', properties: { a: { type: 'string', maxLenght: 3 } } }), /maxLenght/);
  assert.throws(() => compileBatchValidator({ type: 'string', format: 'salesforce-idd' }), /salesforce-idd/);
});

test('messages: wrong JSON types, an unknown event kind, a value two branches accept', () => {
  const message = (body: unknown) => {
    const r = validate(body);
    return r.ok ? 'ok' : `${r.field} ${r.code}: ${r.message}`;
  };
  assert.equal(message([]), 'body invalid_request: the body must be an object (got array)');
  assert.equal(message({ events: [7] }), 'events[0] invalid_request: events[0] must be an object (got number)');
  assert.equal(message({ events: [{ ...owner, isClosed: 1 }] }), 'events[0].isClosed invalid_request: events[0].isClosed is not allowed here');
  assert.equal(
    message({ events: [{ ...owner, type: 7 }] }),
    'events[0].type invalid_request: events[0].type must be one of "case.owner_changed", "agentwork.accepted", "case.status_changed"',
  );
  assert.equal(message({ events: [{ ...status, isClosed: 'yes' }] }), 'events[0].isClosed invalid_request: events[0].isClosed must be true or false (got string)');
  assert.equal(message({ events: [{ ...owner, previousOwnerId: 7 }] }), 'events[0].previousOwnerId invalid_request: events[0].previousOwnerId must be a string (got number)');
  assert.match(message({ events: [{ ...owner, ownerId: 'x' }] }), /^events\[0\]\.ownerId invalid_id: events\[0\]\.ownerId must be a Case owner: a User \(005\) or a queue/);
  const twice = compileBatchValidator({ oneOf: [{ type: 'string' }, { type: 'string', pattern: '^a' }] });
  assert.deepEqual(twice('ab'), { ok: false, field: 'body', code: 'invalid_request', message: 'the body matches more than one allowed form' });
  assert.equal(twice('b').ok, true);
});

test('15-character Ids are accepted wherever an 18-character one is (Apex, reports and Data Loader use both)', () => {
  const body = {
    events: [
      { ...owner, caseId: '500EM0000000001', previousOwnerId: '00GEM0000000001', ownerId: '005EM0000000002' },
      { ...accepted, caseId: '500EM0000000001', userId: '005EM0000000002', workId: '0BzEM0000000001' },
      { ...status, caseId: '500EM0000000001' },
    ],
  };
  assert.equal(validate(body).ok, true, JSON.stringify(validate(body)));
});

test('an 18-character Id with a bad checksum or in the wrong letter case is invalid_id, with the field named', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ ...owner, caseId: '500EM0000000001AAA' }, 'events[0].caseId'], // bad checksum
    [{ ...owner, caseId: '500em0000000001YAA' }, 'events[0].caseId'], // letters lowered, checksum kept
    [{ ...owner, caseId: '500EM0000000001yaa' }, 'events[0].caseId'], // checksum lowered
    [{ ...owner, ownerId: '005EM0000000002YAB' }, 'events[0].ownerId'],
    [{ ...owner, previousOwnerId: '00Gem00000000012AA' }, 'events[0].previousOwnerId'],
    [{ ...accepted, userId: '005EM0000000002yAA' }, 'events[0].userId'],
    [{ ...accepted, workId: '0BZEM0000000001YAA' }, 'events[0].workId'],
  ];
  for (const [event, field] of cases) {
    const r = validate({ events: [event] });
    assert.equal(r.ok, false, `${field}: ${JSON.stringify(event)}`);
    if (r.ok) continue;
    assert.equal(r.field, field, r.message);
    assert.equal(r.code, 'invalid_id', r.message);
  }
  const wrongCase = validate({ events: [{ ...owner, caseId: '500em0000000001YAA' }] });
  assert.ok(!wrongCase.ok && /letter case/.test(wrongCase.message), 'the message says what is wrong');
  const notAnId = validate({ events: [{ ...owner, ownerId: 'x' }] });
  assert.ok(!notAnId.ok && notAnId.code === 'invalid_id');
  const notAString = validate({ events: [{ ...owner, ownerId: 7 }] });
  assert.ok(!notAString.ok && notAString.code === 'invalid_request', 'a wrong JSON type is a plain invalid_request');
});

test("the wire's checksum agrees with @sbsf/salesforce's Id helpers", () => {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let n = 0; n < 2000; n++) {
    let id = '';
    for (let i = 0; i < 15; i++) id += chars[next() % chars.length];
    const suffix = Array.from({ length: 3 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'[next() % 32]).join('');
    for (const candidate of [id, id + suffix]) {
      assert.equal(salesforceIdChecksumOk(candidate), isSalesforceId(candidate), candidate);
    }
  }
});
