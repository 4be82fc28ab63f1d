/**
 * The SOQL the customer history reads with, over real HTTP: a child relationship subquery
 * (`(SELECT ... FROM Sendbird_Messages__r ...)`, nested as Salesforce nests it, following the
 * running user's sharing) and UserRecordAccess answered from the emulated sharing model (owner,
 * queue members, the integration user's View All), with the object's required filters.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { SalesforceClient, SalesforceError } from '@sbsf/salesforce';
import { EMULATOR_DEFAULTS } from '../src/salesforce/options.js';
import { clientFor, startSf, V } from './salesforce-helpers.js';

const MSG = 'Sendbird_Message__c';
const AVA = 'ava.agent@sbsf.example';
const PASSWORD = 'agent-password';

interface Row {
  Id: string;
  Sendbird_Messages__r: { totalSize: number; done: boolean; records: { Body__c: string; attributes: { type: string } }[] } | null;
}

async function world(t: TestContext) {
  const emu = await startSf(t, {
    passwordUsers: [
      { username: EMULATOR_DEFAULTS.integrationUsername, password: EMULATOR_DEFAULTS.integrationPassword },
      { username: AVA, password: PASSWORD },
    ],
  });
  const admin = clientFor(emu);
  const ava = new SalesforceClient({
    loginUrl: emu.url,
    apiVersion: V,
    auth: { kind: 'password', clientId: emu.options.clientId, clientSecret: emu.options.clientSecret, username: AVA, password: PASSWORD },
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
  });
  const [queueCase, avaCase, benCase] = emu.seed.caseIds as [string, string, string];
  const message = async (caseId: string, id: string, sentAt: string, type = 'MESG') =>
    admin.upsert(MSG, 'Sendbird_Message_Id__c', id, {
      Case__c: caseId,
      Channel_Url__c: caseId,
      Sender_Role__c: type === 'ADMM' ? 'System' : 'Customer',
      Body__c: `body ${id}`,
      Message_Type__c: type,
      Sent_At__c: sentAt,
    });
  await message(avaCase, 'a1', '2024-05-01T10:00:00.000Z');
  await message(avaCase, 'a2', '2024-05-01T10:05:00.000Z');
  await message(avaCase, 'a3', '2024-05-01T10:06:00.000Z', 'ADMM');
  await message(benCase, 'b1', '2024-05-02T09:00:00.000Z');
  return { emu, admin, ava, queueCase, avaCase, benCase };
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; errorCode: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SalesforceError) return { status: err.status, errorCode: err.errorCode, message: err.message };
    throw err;
  }
  throw new Error('the query succeeded');
}

const LAST_MESSAGE =
  "SELECT Id, (SELECT Body__c FROM Sendbird_Messages__r WHERE Message_Type__c != 'ADMM' ORDER BY Sent_At__c DESC LIMIT 1) FROM Case";

describe('child relationship subquery', () => {
  it('nests the newest matching child per Case, null where there is none', async (t) => {
    const w = await world(t);
    const res = await w.admin.query<Row>(`${LAST_MESSAGE} ORDER BY CaseNumber`);
    const byId = new Map(res.records.map((r) => [r.Id, r.Sendbird_Messages__r]));
    const ava = byId.get(w.avaCase)!;
    assert.deepEqual([ava.totalSize, ava.done, ava.records.length], [1, true, 1]);
    assert.equal(ava.records[0]!.Body__c, 'body a2', 'the newest message that is not a system entry');
    assert.equal(ava.records[0]!.attributes.type, MSG);
    assert.equal(byId.get(w.benCase)?.records[0]?.Body__c, 'body b1');
    assert.equal(byId.get(w.queueCase), null, 'a Case without messages has null, not an empty list');
  });

  it('without LIMIT every child comes, in the order asked; the relationship name is case-insensitive', async (t) => {
    const w = await world(t);
    const res = await w.admin.query<Row>(
      `SELECT Id, (SELECT Body__c FROM sendbird_messages__R ORDER BY Sent_At__c) FROM Case WHERE Id = '${w.avaCase}'`,
    );
    assert.deepEqual(
      res.records[0]!.Sendbird_Messages__r!.records.map((r) => r.Body__c),
      ['body a1', 'body a2', 'body a3'],
    );
    assert.equal(res.records[0]!.Sendbird_Messages__r!.totalSize, 3);
  });

  it("follows the running user's sharing: an agent sees the children of the Cases she sees", async (t) => {
    const w = await world(t);
    const res = await w.ava.query<Row>(LAST_MESSAGE);
    assert.deepEqual(res.records.map((r) => r.Id).sort(), [w.queueCase, w.avaCase].sort(), "Ben's Case is not there for Ava");
  });

  it('an unknown relationship is INVALID_TYPE; a nested subquery and COUNT() in a subquery are MALFORMED_QUERY', async (t) => {
    const w = await world(t);
    const unknown = await refusal(w.admin.query('SELECT Id, (SELECT Id FROM Sendbird_Messages__c) FROM Case'));
    assert.equal(unknown.errorCode, 'INVALID_TYPE');
    assert.match(unknown.message, /Didn't understand relationship 'Sendbird_Messages__c'/);
    const nested = await refusal(
      w.admin.query('SELECT Id, (SELECT Id, (SELECT Id FROM CaseComments) FROM Sendbird_Messages__r) FROM Case'),
    );
    assert.equal(nested.errorCode, 'MALFORMED_QUERY');
    const count = await refusal(w.admin.query('SELECT Id, (SELECT COUNT() FROM Sendbird_Messages__r) FROM Case'));
    assert.equal(count.errorCode, 'MALFORMED_QUERY');
  });
});

interface Access {
  RecordId: string;
  HasReadAccess: boolean;
  HasEditAccess: boolean;
  MaxAccessLevel: string;
}

const accessQuery = (userId: string, ids: string[]) =>
  `SELECT RecordId, HasReadAccess, HasEditAccess, MaxAccessLevel FROM UserRecordAccess WHERE UserId = '${userId}' AND RecordId IN (${ids
    .map((id) => `'${id}'`)
    .join(',')})`;

describe('UserRecordAccess', () => {
  it("answers a user's access to Cases from the sharing model: owner All, queue member Edit, other agent's Case None", async (t) => {
    const w = await world(t);
    const ava = w.emu.seed.agents.ava;
    const res = await w.admin.query<Access>(accessQuery(ava, [w.avaCase, w.queueCase, w.benCase]));
    const byId = Object.fromEntries(res.records.map((r) => [r.RecordId, [r.HasReadAccess, r.HasEditAccess, r.MaxAccessLevel]]));
    assert.deepEqual(byId, {
      [w.avaCase]: [true, true, 'All'],
      [w.queueCase]: [true, true, 'Edit'],
      [w.benCase]: [false, false, 'None'],
    });
    assert.deepEqual(Object.keys(res.records[0]!), ['attributes', 'RecordId', 'HasReadAccess', 'HasEditAccess', 'MaxAccessLevel']);
  });

  it('follows a change of owner at once, takes 15-character Ids, filters on HasReadAccess, and has no row for an Id of no record', async (t) => {
    const w = await world(t);
    const ava = w.emu.seed.agents.ava;
    await w.admin.update('Case', w.benCase, { OwnerId: ava });
    const missing = `${w.benCase.slice(0, 3)}000000000000`;
    const res = await w.admin.query<Access>(
      `SELECT RecordId FROM UserRecordAccess WHERE UserId = '${ava.slice(0, 15)}' AND RecordId IN ('${w.benCase.slice(0, 15)}', '${missing}') AND HasReadAccess = true`,
    );
    assert.deepEqual(
      res.records.map((r) => r.RecordId),
      [w.benCase],
    );
  });

  it('refuses a query without UserId and RecordId filters, over 200 Ids, or without RecordId selected', async (t) => {
    const w = await world(t);
    const ava = w.emu.seed.agents.ava;
    const noUser = await refusal(w.admin.query(`SELECT RecordId, HasReadAccess FROM UserRecordAccess WHERE RecordId = '${w.avaCase}'`));
    assert.deepEqual([noUser.status, noUser.errorCode], [400, 'MALFORMED_QUERY']);
    const noRecord = await refusal(w.admin.query(`SELECT RecordId FROM UserRecordAccess WHERE UserId = '${ava}'`));
    assert.equal(noRecord.errorCode, 'MALFORMED_QUERY');
    const ids = Array.from({ length: 201 }, (_, i) => `500EM${String(i).padStart(10, '0')}`);
    const tooMany = await refusal(w.admin.query(accessQuery(ava, ids)));
    assert.match(tooMany.message, /up to 200/);
    const noRecordId = await refusal(
      w.admin.query(`SELECT HasReadAccess FROM UserRecordAccess WHERE UserId = '${ava}' AND RecordId = '${w.avaCase}'`),
    );
    assert.match(noRecordId.message, /RecordId field must be selected/);
  });
});
