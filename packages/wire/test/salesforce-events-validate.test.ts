// The one validator of the Salesforce -> bridge event batch (used by the bridge on receipt and by
// the Salesforce emulator before sending): accepts what the Apex sends, names the bad field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSupported, SALESFORCE_EVENTS_SCHEMA, validateSalesforceEventBatch as validate } from '../src/salesforce-events-validate.js';

const owner = {
  type: 'case.owner_changed',
  caseId: '500EM0000000001YAA',
  previousOwnerId: '00GEM00000000012AA',
  ownerId: '005EM0000000002YAA',
  occurredAt: '2025-01-31T09:15:00.000Z',
};
const accepted = { type: 'agentwork.accepted', caseId: '500EM0000000001YAA', userId: '005EM0000000002YAA', workId: '0BzEM0000000001YAA', occurredAt: '2025-01-31T09:15:00.000Z' };
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
    [{ events: [{ ...owner, caseId: '500EM0000000001' }] }, 'events[0].caseId'],
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

test('the validator refuses a schema keyword it does not implement', () => {
  assert.doesNotThrow(() => checkSupported(SALESFORCE_EVENTS_SCHEMA));
  assert.throws(() => checkSupported({ type: 'object', properties: { a: { type: 'string', maxLength: 3 } as never } }), /maxLength/);
  assert.throws(() => checkSupported({ type: 'integer' as never }), /integer/);
});
