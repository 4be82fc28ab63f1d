import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANGE_EVENT_HEADER_SCHEMA, encodeFieldBitmap, replayIdOf, type ChangeType, type ConsumerEvent } from '@sbsf/salesforce/pubsub';
import avro from 'avsc';
import { ChangeEventDecoder, planChanges, type CaseChange } from '../src/membership/cdc-events.js';

const nullable = (name: string, type = 'string') => ({ name, type: ['null', type], default: null });
const SCHEMA = {
  type: 'record',
  name: 'CaseChangeEvent',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'ChangeEventHeader', type: CHANGE_EVENT_HEADER_SCHEMA },
    nullable('OwnerId'),
    nullable('Status'),
    nullable('Subject'),
    nullable('Sendbird_Ticket_Id__c'),
  ],
};
const type = avro.Type.forSchema(SCHEMA as avro.Schema);
const POS = { OwnerId: 1, Status: 2, Subject: 3, Sendbird_Ticket_Id__c: 4 } as const;

function event(
  changeType: ChangeType,
  recordIds: string[],
  changed: (keyof typeof POS)[],
  values: Record<string, string> = {},
  n = 1n,
): ConsumerEvent {
  const payload = type.toBuffer({
    ChangeEventHeader: {
      entityName: 'Case',
      recordIds,
      changeType,
      changeOrigin: 'com/salesforce/api/rest/62.0',
      transactionKey: 'tx-1',
      sequenceNumber: 1,
      commitTimestamp: Date.UTC(2026, 0, 1),
      commitNumber: 1,
      commitUser: '005000000000001AAA',
      nulledFields: [],
      diffFields: [],
      changedFields: changed.length ? [encodeFieldBitmap(changed.map((f) => POS[f]))] : [],
    },
    OwnerId: values.OwnerId ?? null,
    Status: values.Status ?? null,
    Subject: null,
    Sendbird_Ticket_Id__c: values.Sendbird_Ticket_Id__c ?? null,
  });
  return { event: { id: `e${n}`, schemaId: 'schema-1', payload, headers: [] }, replayId: replayIdOf(n) };
}

test('events decode with their schema, fetched once per schema id; record ids come out in 18 characters', async () => {
  let fetched = 0;
  const decoder = new ChangeEventDecoder(async (id) => {
    fetched++;
    assert.equal(id, 'schema-1');
    return JSON.stringify(SCHEMA);
  });
  const a = await decoder.decode(
    event('UPDATE', ['500000000000001'], ['OwnerId', 'Status'], { OwnerId: '005000000000002AAA', Status: 'Working' }),
  );
  const b = await decoder.decode(event('CREATE', ['500000000000002AAA'], [], { Sendbird_Ticket_Id__c: 'tk-1' }));
  assert.equal(fetched, 1);
  assert.deepEqual(a.header.recordIds, ['500000000000001AAA']);
  assert.deepEqual(a.changed, ['OwnerId', 'Status']);
  assert.equal(a.ticketId, null);
  assert.equal(b.ticketId, 'tk-1');
});

test('a schema that could not be fetched is asked for again with the next event', async () => {
  let calls = 0;
  const decoder = new ChangeEventDecoder(async () => {
    if (++calls === 1) throw new Error('unavailable');
    return JSON.stringify(SCHEMA);
  });
  await assert.rejects(decoder.decode(event('UPDATE', ['500000000000001AAA'], ['OwnerId'])), /unavailable/);
  assert.deepEqual((await decoder.decode(event('UPDATE', ['500000000000001AAA'], ['OwnerId']))).changed, ['OwnerId']);
});

const change = (
  changeType: ChangeType,
  recordIds: string[],
  changed: string[] = [],
  ticketId: string | null = null,
  entityName = 'Case',
): CaseChange => ({
  header: {
    entityName,
    recordIds,
    changeType,
    changeOrigin: '',
    transactionKey: 't',
    sequenceNumber: 1,
    commitTimestamp: 0,
    commitNumber: 0,
    commitUser: '',
    nulledFields: [],
    diffFields: [],
    changedFields: [],
  },
  changed,
  ticketId,
});

test('owner changes ask for a membership reconcile, status changes for the status job, other fields for nothing', () => {
  const plan = planChanges([
    change('UPDATE', ['500A', '500B'], ['OwnerId', 'LastModifiedDate']),
    change('UPDATE', ['500B'], ['Status']),
    change('UPDATE', ['500C'], ['Subject']),
    change('CREATE', ['500D'], [], 'tk-d'),
    change('DELETE', ['500E']),
    change('UPDATE', ['001X'], ['OwnerId'], null, 'Account'),
  ]);
  assert.deepEqual(plan.membership, ['500A', '500B']);
  assert.deepEqual(plan.status, ['500B']);
  assert.deepEqual(plan.chat, ['500D']);
  assert.equal(plan.overflow, false);
  assert.deepEqual(plan.byType, { UPDATE: 4, CREATE: 1, DELETE: 1 });
});

test('gap events and undeletes ask for both; an overflow event asks for a sweep', () => {
  const plan = planChanges([
    change('GAP_UPDATE', ['500A']),
    change('UNDELETE', ['500B']),
    change('GAP_DELETE', ['500C']),
    change('GAP_OVERFLOW', []),
  ]);
  assert.deepEqual(plan.membership, ['500A', '500B']);
  assert.deepEqual(plan.status, ['500A', '500B']);
  assert.equal(plan.overflow, true);
});

test('a subscription the org refuses names what the admin must fix; a passing failure names nothing', async () => {
  const { setupFix } = await import('../src/membership/cdc-subscriber.js');
  const grpc = await import('@grpc/grpc-js');
  const notFound = setupFix(
    { code: grpc.status.NOT_FOUND, errorCode: 'sfdc.platform.eventbus.grpc.topic.not.found', message: 'x' },
    '/data/CaseChangeEvent',
  );
  assert.match(notFound ?? '', /Change Data Capture/);
  assert.match(
    setupFix({ code: grpc.status.PERMISSION_DENIED, errorCode: undefined, message: 'x' }, '/data/CaseChangeEvent') ?? '',
    /View All on Case/,
  );
  assert.equal(
    setupFix({ code: grpc.status.UNAVAILABLE, errorCode: undefined, message: 'RST_STREAM' }, '/data/CaseChangeEvent'),
    undefined,
  );
});
