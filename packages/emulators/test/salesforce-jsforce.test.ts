/**
 * Wire fidelity: jsforce 3.10.16, a third-party client, drives the emulator unchanged. Client
 * credentials through `authorize({grant_type})`, a custom `refreshFn` that re-runs the grant (the
 * flow returns no refresh token), records, upsert, collections, query paging, error mapping.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Connection } from 'jsforce';
import type { RunningSalesforceEmulator } from '../src/salesforce/index.js';
import { startSf } from './salesforce-helpers.js';

function connect(emu: RunningSalesforceEmulator): Connection {
  return new Connection({
    loginUrl: emu.url,
    version: '62.0',
    oauth2: { loginUrl: emu.url, clientId: emu.options.clientId, clientSecret: emu.options.clientSecret },
    refreshFn: (conn, callback) => {
      conn.oauth2.requestToken({ grant_type: 'client_credentials' }).then(
        (res) => callback(null, res.access_token, res),
        (err: Error) => callback(err),
      );
    },
  });
}

describe('jsforce against the emulator', () => {
  it('logs in with client credentials and parses the identity URL', async (t) => {
    const emu = await startSf(t);
    const conn = connect(emu);
    const info = await conn.authorize({ grant_type: 'client_credentials' });
    assert.equal(info.id, emu.seed.integrationUserId);
    assert.equal(info.organizationId, emu.seed.orgId);
    assert.equal(conn.instanceUrl, emu.url);
  });

  it('creates a Case, refreshes after the token expires, and retries', async (t) => {
    const emu = await startSf(t);
    const conn = connect(emu);
    await conn.authorize({ grant_type: 'client_credentials' });
    const created = await conn.sobject('Case').create({ Subject: 'From jsforce', Origin: 'Web' });
    assert.equal(created.success, true);
    assert.equal(created.id?.length, 18);

    let refreshed = 0;
    conn.on('refresh', () => refreshed++);
    emu.expireTokens();
    const rec = (await conn.sobject('Case').retrieve(created.id!)) as unknown as { Subject: string; CaseNumber: string };
    assert.equal(rec.Subject, 'From jsforce');
    assert.match(rec.CaseNumber, /^\d{8}$/);
    assert.equal(refreshed, 1);
    assert.equal(emu.stats().byRoute['POST /services/oauth2/token'], 2);
    assert.deepEqual(conn.limitInfo.apiUsage, { used: emu.limits().used, limit: emu.limits().dailyLimit });
  });

  it('maps REST errors to jsforce errors with name / errorCode / data', async (t) => {
    const emu = await startSf(t);
    const conn = connect(emu);
    await conn.authorize({ grant_type: 'client_credentials' });
    const caseId = emu.seed.caseIds[0]!;
    const expectations: [() => Promise<unknown>, string, string[]?][] = [
      [() => conn.sobject('Case').update({ Id: caseId, OwnerId: 'not-an-id' }), 'MALFORMED_ID', ['OwnerId']],
      [() => conn.sobject('Case').retrieve('xyz'), 'MALFORMED_ID', ['Id']],
      [() => conn.sobject('Case').create({ Subjekt: 'typo' }), 'INVALID_FIELD'],
      [() => conn.sobject('CaseComment').create({ CommentBody: 'x' }), 'REQUIRED_FIELD_MISSING', ['ParentId']],
      [async () => await conn.query('SELECT Id FROM Case WHERE'), 'MALFORMED_QUERY'],
      [async () => await conn.query('SELECT Id FROM Nope__c'), 'INVALID_TYPE'],
    ];
    for (const [call, code, fields] of expectations) {
      await assert.rejects(call(), (err: Error & { errorCode?: string; data?: { fields?: string[] } }) => {
        assert.equal(err.name, code);
        assert.equal(err.errorCode, code);
        if (fields) assert.deepEqual(err.data?.fields, fields);
        return true;
      });
    }
  });

  it('upserts by External Id, creates a collection, and follows query paging', async (t) => {
    const emu = await startSf(t, { queryBatchSize: 5 });
    const conn = connect(emu);
    await conn.authorize({ grant_type: 'client_credentials' });
    const up1 = await conn.sobject('Case').upsert({ Subject: 'up', Sendbird_Ticket_Id__c: 'js-1' }, 'Sendbird_Ticket_Id__c');
    const up2 = await conn.sobject('Case').upsert({ Subject: 'up again', Sendbird_Ticket_Id__c: 'js-1' }, 'Sendbird_Ticket_Id__c');
    assert.equal(up1.success, true);
    assert.equal(up2.success, true);
    assert.equal(emu.records('Case').filter((c) => c.Sendbird_Ticket_Id__c === 'js-1').length, 1);

    const many = await conn.sobject('Case').create(
      Array.from({ length: 12 }, (_, i) => ({ Subject: `js many ${i}` })),
      { allOrNone: true },
    );
    assert.equal(many.length, 12);
    assert.ok(many.every((r) => r.success));
    assert.equal(emu.stats().byRoute['POST /composite/sobjects'], 1);

    const res = await conn.query<{ Subject: string }>("SELECT Subject FROM Case WHERE Subject LIKE 'js many%'", {
      autoFetch: true,
      maxFetch: 100,
    });
    assert.equal(res.totalSize, 12);
    assert.equal(res.records.length, 12);
    assert.ok((emu.stats().byRoute['GET /query/{locator}'] ?? 0) >= 2);
  });
});
