/** Composite and sObject Collections on the wire: limits, references, allOrNone interplay. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { V, api, firstError, startSf, tokenFor } from './salesforce-helpers.js';

interface Sub {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const url = (p: string) => `/services/data/v${V}${p}`;

describe('composite', () => {
  it('refuses more than 25 subrequests, bad referenceIds and nesting', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const many = Array.from({ length: 26 }, (_, i) => ({ method: 'GET', url: url('/limits'), referenceId: `r${i}` }));
    const tooMany = await api(emu, tok, 'POST', '/composite', { compositeRequest: many });
    assert.equal(tooMany.status, 400);
    assert.match(firstError(tooMany).message, /at most 25/);
    assert.equal((await api(emu, tok, 'POST', '/composite', { compositeRequest: many.slice(0, 25) })).status, 200);
    const badRef = await api(emu, tok, 'POST', '/composite', {
      compositeRequest: [{ method: 'GET', url: url('/limits'), referenceId: 'a-b' }],
    });
    assert.equal(badRef.status, 400);
    const nested = await api(emu, tok, 'POST', '/composite', {
      compositeRequest: [{ method: 'POST', url: url('/composite'), referenceId: 'inner', body: { compositeRequest: [] } }],
    });
    const inner = (nested.body as { compositeResponse: Sub[] }).compositeResponse[0]!;
    assert.equal(inner.httpStatusCode, 400);
  });

  it('resolves references into query results and into bodies; unknown versions give a 404 subresponse', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const r = await api(emu, tok, 'POST', '/composite', {
      compositeRequest: [
        {
          method: 'GET',
          url: url(`/query?q=${encodeURIComponent("SELECT Id, Name FROM User WHERE Name = 'Cara Agent'")}`),
          referenceId: 'cara',
        },
        {
          method: 'POST',
          url: url('/sobjects/Case'),
          referenceId: 'newCase',
          body: { Subject: 'for @{cara.records[0].Name}', OwnerId: '@{cara.records[0].Id}' },
        },
        { method: 'GET', url: url('/sobjects/Case/@{newCase.id}?fields=Subject,OwnerId'), referenceId: 'check' },
        { method: 'GET', url: '/services/data/v20.0/limits', referenceId: 'old' },
      ],
    });
    assert.equal(r.status, 200);
    const [, created, check, old] = (r.body as { compositeResponse: Sub[] }).compositeResponse;
    assert.equal(created!.httpStatusCode, 201);
    assert.match(created!.httpHeaders.Location!, /^\/services\/data\/v62\.0\/sobjects\/Case\/500/);
    assert.deepEqual(
      { ...(check!.body as object), attributes: undefined },
      {
        attributes: undefined,
        Subject: 'for Cara Agent',
        OwnerId: emu.seed.agents.cara,
        Id: (created!.body as { id: string }).id,
      },
    );
    assert.equal(old!.httpStatusCode, 404);
    assert.equal(emu.stats().byRoute['POST /composite'], 1);
    assert.equal(emu.stats().byRoute['POST /sobjects/{type}'], undefined, 'subrequests are not separate API calls');
  });

  it("a composite allOrNone overrides the collection's own allOrNone", async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const before = emu.records('Case').length;
    const r = await api(emu, tok, 'POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: url('/composite/sobjects'),
          referenceId: 'batch',
          body: {
            allOrNone: false,
            records: [
              { attributes: { type: 'Case' }, Subject: 'ok' },
              { attributes: { type: 'Case' }, Bogus: 1 },
            ],
          },
        },
      ],
    });
    const [batch] = (r.body as { compositeResponse: Sub[] }).compositeResponse;
    const results = batch!.body as { success: boolean; errors: { statusCode: string }[] }[];
    assert.equal(results[0]!.errors[0]!.statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
    assert.equal(results[1]!.errors[0]!.statusCode, 'INVALID_FIELD');
    assert.equal(emu.records('Case').length, before);
  });
});

describe('sObject Collections', () => {
  it('refuses more than 200 records with EXCEEDED_ID_LIMIT', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const records = Array.from({ length: 201 }, () => ({ attributes: { type: 'Case' }, Subject: 'x' }));
    const r = await api(emu, tok, 'POST', '/composite/sobjects', { records });
    assert.equal(r.status, 400);
    assert.equal(firstError(r).errorCode, 'EXCEEDED_ID_LIMIT');
    assert.equal((await api(emu, tok, 'POST', '/composite/sobjects', { records: records.slice(1) })).status, 200);
  });

  it('per-record errors: Id on insert, unknown type, duplicate External Ids in one upsert', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const created = await api(emu, tok, 'POST', '/composite/sobjects', {
      records: [
        { attributes: { type: 'Case' }, Id: emu.seed.caseIds[0], Subject: 'x' },
        { attributes: { type: 'Ticket__c' }, Name: 'x' },
        { Subject: 'no attributes' },
      ],
    });
    const res = created.body as { success: boolean; errors: { statusCode: string; message: string; fields: string[] }[] }[];
    assert.deepEqual(res[0], {
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: 'cannot specify Id in an insert call', fields: ['Id'] }],
    });
    assert.equal(res[1]!.errors[0]!.statusCode, 'INVALID_TYPE');
    assert.equal(res[2]!.errors[0]!.statusCode, 'INVALID_TYPE');

    const caseId = emu.seed.caseIds[0];
    const up = await api(emu, tok, 'PATCH', '/composite/sobjects/Sendbird_Message__c/Sendbird_Message_Id__c', {
      records: [
        { attributes: { type: 'Sendbird_Message__c' }, Case__c: caseId, Sendbird_Message_Id__c: 'same' },
        { attributes: { type: 'Sendbird_Message__c' }, Case__c: caseId, Sendbird_Message_Id__c: 'SAME' },
        { attributes: { type: 'Sendbird_Message__c' }, Case__c: caseId, Sendbird_Message_Id__c: 'other' },
        { attributes: { type: 'Sendbird_Message__c' }, Case__c: caseId },
      ],
    });
    const ur = up.body as { success: boolean; created?: boolean; errors: { statusCode: string }[] }[];
    assert.deepEqual(
      ur.map((x) => x.errors[0]?.statusCode ?? 'ok'),
      ['DUPLICATE_EXTERNAL_ID', 'DUPLICATE_EXTERNAL_ID', 'ok', 'MISSING_ARGUMENT'],
    );
    assert.equal(ur[2]!.created, true);
    const wrongField = await api(emu, tok, 'PATCH', '/composite/sobjects/Sendbird_Message__c/Body__c', { records: [] });
    assert.equal(firstError(wrongField).errorCode, 'INVALID_FIELD');
  });
});
