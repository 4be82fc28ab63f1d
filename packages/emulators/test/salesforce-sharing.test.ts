/**
 * Sharing for a session's running user, over real HTTP: Case is Private (owner, the owning queue's
 * members, the integration user's View All), and Sendbird_Message__c, the detail of a
 * master-detail to Case, is visible exactly when its Case is. Agents Ava and Ben log in with the
 * password grant, through the project's client and through jsforce.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { Connection } from 'jsforce';
import { SalesforceClient, SalesforceError, SalesforceNotFoundError } from '@sbsf/salesforce';
import type { RunningSalesforceEmulator } from '../src/salesforce/index.js';
import { EMULATOR_DEFAULTS } from '../src/salesforce/options.js';
import { clientFor, startSf, V } from './salesforce-helpers.js';

const PASSWORD = 'agent-password';
const AVA = 'ava.agent@sbsf.example';
const BEN = 'ben.agent@sbsf.example';
const MSG = 'Sendbird_Message__c';

interface World {
  emu: RunningSalesforceEmulator;
  admin: SalesforceClient;
  ava: SalesforceClient;
  ben: SalesforceClient;
  avaCase: string;
  benCase: string;
  queueCase: string;
  avaMsg: string;
  benMsg: string;
}

function agentClient(emu: RunningSalesforceEmulator, username: string): SalesforceClient {
  return new SalesforceClient({
    loginUrl: emu.url,
    apiVersion: V,
    auth: { kind: 'password', clientId: emu.options.clientId, clientSecret: emu.options.clientSecret, username, password: PASSWORD },
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
  });
}

/** The seed org; one message on Ava's Case and one on Ben's, written by the integration user (the bridge). */
async function world(t: TestContext): Promise<World> {
  const emu = await startSf(t, {
    passwordUsers: [
      { username: EMULATOR_DEFAULTS.integrationUsername, password: EMULATOR_DEFAULTS.integrationPassword },
      { username: AVA, password: PASSWORD },
      { username: BEN, password: PASSWORD },
    ],
  });
  const admin = clientFor(emu);
  const [queueCase, avaCase, benCase] = emu.seed.caseIds as [string, string, string];
  const message = (caseId: string, id: string) => ({
    Case__c: caseId,
    Channel_Url__c: caseId,
    Sender_Role__c: 'Customer',
    Body__c: `hello ${id}`,
    Message_Type__c: 'MESG',
  });
  const avaMsg = (await admin.upsert(MSG, 'Sendbird_Message_Id__c', 'msg-ava', message(avaCase, 'msg-ava'))).id;
  const benMsg = (await admin.upsert(MSG, 'Sendbird_Message_Id__c', 'msg-ben', message(benCase, 'msg-ben'))).id;
  return { emu, admin, ava: agentClient(emu, AVA), ben: agentClient(emu, BEN), avaCase, benCase, queueCase, avaMsg, benMsg };
}

async function messageIds(client: SalesforceClient): Promise<string[]> {
  const res = await client.query<{ Id: string }>(`SELECT Id FROM ${MSG} ORDER BY Name`);
  return res.records.map((r) => r.Id);
}

/** What a call that Salesforce refuses answers: status and errorCode. */
async function refusal(p: Promise<unknown>): Promise<{ status: number; errorCode: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SalesforceError) return { status: err.status, errorCode: err.errorCode };
    throw err;
  }
  throw new Error('the call succeeded');
}

describe('sharing: Case is Private, Sendbird_Message__c is Controlled by Parent', () => {
  it("Ava sees her Case's messages and not Ben's: GET by Id, SOQL, External Id, composite", async (t) => {
    const w = await world(t);
    const mine = await w.ava.get<{ Id: string; Case__c: string }>(MSG, w.avaMsg);
    assert.equal(mine.Case__c, w.avaCase, 'Ava reads the message of the Case she owns');
    await assert.rejects(w.ava.get(MSG, w.benMsg), SalesforceNotFoundError, "Ben's message answers as a record that does not exist");
    await assert.rejects(w.ava.get('Case', w.benCase), SalesforceNotFoundError, "Ben's Case too");

    assert.deepEqual(await messageIds(w.ava), [w.avaMsg], 'the query returns only the messages of her Cases');
    const count = await w.ava.request<{ totalSize: number }>('GET', `/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${MSG}`)}`);
    assert.equal(count.totalSize, 1, 'COUNT() counts what she may see');
    const all = await w.ava.request<{ records: { Id: string }[] }>('GET', `/queryAll?q=${encodeURIComponent(`SELECT Id FROM ${MSG}`)}`);
    assert.deepEqual(
      all.records.map((r) => r.Id),
      [w.avaMsg],
      'queryAll is filtered the same way',
    );
    const cases = await w.ava.query<{ Id: string }>('SELECT Id FROM Case ORDER BY CaseNumber');
    assert.deepEqual(
      cases.records.map((r) => r.Id),
      [w.queueCase, w.avaCase],
      "her own Case and the queue's (she is a member), not Ben's",
    );

    const byExtId = await w.ava.request<{ Id: string }>('GET', `/sobjects/${MSG}/Sendbird_Message_Id__c/msg-ava`);
    assert.equal(byExtId.Id, w.avaMsg, 'her message by External Id');
    await assert.rejects(
      w.ava.request('GET', `/sobjects/${MSG}/Sendbird_Message_Id__c/msg-ben`),
      SalesforceNotFoundError,
      "Ben's message by External Id is not found",
    );

    const sub = await w.ava.composite([
      { method: 'GET', url: `/services/data/v${V}/sobjects/${MSG}/${w.avaMsg}`, referenceId: 'mine' },
      { method: 'GET', url: `/services/data/v${V}/sobjects/${MSG}/${w.benMsg}`, referenceId: 'bens' },
      { method: 'GET', url: `/services/data/v${V}/query?q=${encodeURIComponent(`SELECT Id FROM ${MSG}`)}`, referenceId: 'query' },
    ]);
    assert.deepEqual(
      sub.map((s) => s.httpStatusCode),
      [200, 404, 200],
      'composite subrequests run with her sharing',
    );
    assert.equal((sub[2]!.body as { totalSize: number }).totalSize, 1, 'the composite query is filtered too');

    assert.deepEqual(await messageIds(w.admin), [w.avaMsg, w.benMsg], 'the integration user (View All on Case) sees every message');
    assert.deepEqual(await messageIds(w.ben), [w.benMsg], 'Ben sees only his');
  });

  it('after the Case moves to Ben, Ava no longer sees its messages and Ben does', async (t) => {
    const w = await world(t);
    await w.admin.update('Case', w.avaCase, { OwnerId: w.emu.seed.agents.ben });
    await assert.rejects(w.ava.get(MSG, w.avaMsg), SalesforceNotFoundError, 'Ava lost the message with the Case');
    assert.deepEqual(await messageIds(w.ava), [], 'her query is empty');
    const now = await w.ben.get<{ Body__c: string }>(MSG, w.avaMsg);
    assert.equal(now.Body__c, 'hello msg-ava', 'Ben reads the transcript of the Case he now owns');
    assert.deepEqual(await messageIds(w.ben), [w.avaMsg, w.benMsg], "Ben's query has both");

    // Given to the queue, the Case is visible to every member again.
    await w.ben.update('Case', w.avaCase, { OwnerId: w.emu.seed.queueId });
    assert.deepEqual(await messageIds(w.ava), [w.avaMsg], 'Ava sees it as a member of the owning queue');
  });

  it('a user cannot change or delete a Case they cannot see; writing a message on it fails with INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', async (t) => {
    const w = await world(t);
    assert.deepEqual(
      await refusal(w.ava.update('Case', w.benCase, { Subject: 'mine now' })),
      { status: 400, errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' },
      "Ava cannot update Ben's Case",
    );
    assert.deepEqual(
      await refusal(w.ava.delete('Case', w.benCase)),
      { status: 400, errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' },
      'nor delete it',
    );
    assert.deepEqual(
      await refusal(w.ava.update(MSG, w.benMsg, { Body__c: 'changed' })),
      { status: 400, errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' },
      'nor change its message',
    );
    assert.equal(w.emu.state.get('Case', w.benCase)?.Subject, 'How do I export my data?', "Ben's Case is unchanged");

    const insert = await refusal(w.ava.create(MSG, { Case__c: w.benCase, Body__c: 'sneaky' }));
    assert.deepEqual(
      insert,
      { status: 400, errorCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY' },
      "a message on Ben's Case is refused",
    );
    const upsert = await refusal(w.ava.upsert(MSG, 'Sendbird_Message_Id__c', 'msg-new', { Case__c: w.benCase, Body__c: 'sneaky' }));
    assert.deepEqual(upsert, { status: 400, errorCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY' }, 'and through an upsert');
    const batch = await w.ava.request<{ success: boolean; errors: { statusCode: string }[] }[]>('POST', '/composite/sobjects', {
      records: [
        { attributes: { type: MSG }, Case__c: w.avaCase, Body__c: 'fine' },
        { attributes: { type: MSG }, Case__c: w.benCase, Body__c: 'sneaky' },
      ],
    });
    assert.deepEqual(
      batch.map((r) => r.success),
      [true, false],
      'in a collection only the record on her Case is written',
    );
    assert.equal(batch[1]!.errors[0]!.statusCode, 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY', 'with the same error');
    assert.equal(w.emu.state.all(MSG).filter((m) => m.Case__c === w.benCase).length, 1, "Ben's Case still has its one message");

    const own = await w.ava.create(MSG, { Case__c: w.avaCase, Body__c: 'noted' });
    assert.equal(w.emu.state.get(MSG, own.id)?.Case__c, w.avaCase, 'a message on her own Case is written');
  });

  it("CaseComments follow their Case too: Ava neither reads nor writes those of Ben's Case", async (t) => {
    const w = await world(t);
    const bens = await w.admin.create('CaseComment', { ParentId: w.benCase, CommentBody: 'internal note' });
    const hers = await w.ava.create('CaseComment', { ParentId: w.avaCase, CommentBody: 'my note' });
    await assert.rejects(w.ava.get('CaseComment', bens.id), SalesforceNotFoundError, "a comment on Ben's Case answers as missing");
    const seen = await w.ava.query<{ Id: string }>('SELECT Id FROM CaseComment');
    assert.deepEqual(
      seen.records.map((r) => r.Id),
      [hers.id],
      'her query returns only the comment on her Case',
    );
    const refused = await refusal(w.ava.create('CaseComment', { ParentId: w.benCase, CommentBody: 'sneaky' }));
    assert.deepEqual(
      refused,
      { status: 400, errorCode: 'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY' },
      "a comment on Ben's Case is refused",
    );
  });

  it('the detail has no owner, names its Case on every upsert, and goes with it (cascade delete)', async (t) => {
    const w = await world(t);
    const describe = await w.admin.request<{
      fields: { name: string; updateable: boolean; cascadeDelete: boolean; writeRequiresMasterRead: boolean }[];
    }>('GET', `/sobjects/${MSG}/describe`);
    assert.ok(!describe.fields.some((f) => f.name === 'OwnerId'), 'a detail of a master-detail has no OwnerId');
    const caseField = describe.fields.find((f) => f.name === 'Case__c');
    assert.deepEqual(
      caseField && {
        updateable: caseField.updateable,
        cascadeDelete: caseField.cascadeDelete,
        writeRequiresMasterRead: caseField.writeRequiresMasterRead,
      },
      { updateable: true, cascadeDelete: true, writeRequiresMasterRead: true },
      'describe shows a reparentable master-detail that needs read on the Case to write',
    );

    // The bridge's upsert sends Case__c on every write: an existing message is updated.
    const again = await w.admin.upsert(MSG, 'Sendbird_Message_Id__c', 'msg-ava', { Case__c: w.avaCase, Body__c: 'edited' });
    assert.equal(again.created, false, 'the upsert updated the message');
    assert.equal(w.emu.state.get(MSG, w.avaMsg)?.Body__c, 'edited', 'with the new body, on its Case');

    // CaseComment's ParentId is a master-detail that cannot be reparented.
    const note = await w.admin.create('CaseComment', { ParentId: w.avaCase, CommentBody: 'stays' });
    const moved = await refusal(w.admin.update('CaseComment', note.id, { ParentId: w.benCase }));
    assert.deepEqual(
      moved,
      { status: 400, errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' },
      'a master-detail that cannot be reparented is not updateable',
    );
    assert.equal(w.emu.state.get('CaseComment', note.id)?.ParentId, w.avaCase, 'the comment stays on its Case');

    const comment = await w.admin.create('CaseComment', { ParentId: w.benCase, CommentBody: 'note' });
    await w.admin.delete('Case', w.benCase);
    await assert.rejects(w.admin.get(MSG, w.benMsg), SalesforceNotFoundError, "the deleted Case's message is gone");
    await assert.rejects(w.admin.get('CaseComment', comment.id), SalesforceNotFoundError, 'and its comment');
    assert.deepEqual(await messageIds(w.admin), [w.avaMsg], 'only the other Case keeps its message');
  });

  it('jsforce logged in as Ava reads what the sharing lets her, and nothing else', async (t) => {
    const w = await world(t);
    const conn = new Connection({
      loginUrl: w.emu.url,
      version: V,
      oauth2: { loginUrl: w.emu.url, clientId: w.emu.options.clientId, clientSecret: w.emu.options.clientSecret },
    });
    const info = await conn.login(AVA, PASSWORD);
    assert.equal(info.id, w.emu.seed.agents.ava, 'jsforce runs as Ava');
    const mine = (await conn.sobject(MSG).retrieve(w.avaMsg)) as unknown as { Case__c: string };
    assert.equal(mine.Case__c, w.avaCase, 'her message');
    await assert.rejects(
      conn.sobject(MSG).retrieve(w.benMsg),
      (err: { errorCode?: string }) => err.errorCode === 'NOT_FOUND',
      "Ben's message is NOT_FOUND",
    );
    const res = await conn.query<{ Id: string }>(`SELECT Id FROM ${MSG}`);
    assert.deepEqual(
      res.records.map((r) => r.Id),
      [w.avaMsg],
      'the query is filtered',
    );
    const byExt = await conn.request<{ Id: string }>(`/services/data/v${V}/sobjects/${MSG}/Sendbird_Message_Id__c/msg-ava`);
    assert.equal(byExt.Id, w.avaMsg, 'her message by External Id');
    await assert.rejects(
      conn.request(`/services/data/v${V}/sobjects/${MSG}/Sendbird_Message_Id__c/msg-ben`),
      (err: { errorCode?: string }) => err.errorCode === 'NOT_FOUND',
      "Ben's by External Id is NOT_FOUND",
    );
  });
});
