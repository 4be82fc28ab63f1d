/** @sbsf/salesforce against the emulator: records, upsert, query paging, composite, collections, errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SalesforceError, SalesforceNotFoundError, SalesforceRequestLimitError, isSalesforceId, sameId } from '@sbsf/salesforce';
import type { CompositeSubrequest } from '@sbsf/salesforce';
import { V, clientFor, startSf } from './salesforce-helpers.js';

interface CaseRow {
  Id: string;
  CaseNumber: string;
  Subject: string | null;
  Status: string;
  IsClosed: boolean;
  OwnerId: string;
  Priority: string;
}

describe('records', () => {
  it('create, get (all fields or some), update, delete', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const { id } = await c.create('Case', { Subject: 'Printer on fire', Origin: 'Web', SuppliedEmail: 'pat@example.com' });
    assert.equal(id.length, 18);
    assert.ok(isSalesforceId(id) && id.startsWith('500'));

    const full = await c.get<CaseRow & { attributes: { type: string; url: string } }>('Case', id);
    assert.deepEqual(full.attributes, { type: 'Case', url: `/services/data/v${V}/sobjects/Case/${id}` });
    assert.match(full.CaseNumber, /^\d{8}$/);
    assert.equal(full.Status, 'New');
    assert.equal(full.Priority, 'Medium');
    assert.equal(full.IsClosed, false);

    const some = await c.get<Record<string, unknown>>('Case', id.slice(0, 15), ['Subject', 'Status']);
    assert.deepEqual(Object.keys(some).sort(), ['Id', 'Status', 'Subject', 'attributes']);
    assert.equal(some.Id, id);

    await c.update('Case', id, { Status: 'Closed', OwnerId: emu.seed.agents.ben });
    const closed = await c.get<CaseRow & { ClosedDate: string }>('Case', id, ['IsClosed', 'ClosedDate', 'OwnerId']);
    assert.equal(closed.IsClosed, true);
    assert.match(closed.ClosedDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    assert.equal(closed.OwnerId, emu.seed.agents.ben);

    await c.delete('Case', id);
    await assert.rejects(c.get('Case', id), SalesforceNotFoundError);
  });

  it('assigns CaseNumbers in sequence and refuses to set them', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const a = await c.get<CaseRow>('Case', (await c.create('Case', { Subject: 'a' })).id);
    const b = await c.get<CaseRow>('Case', (await c.create('Case', { Subject: 'b' })).id);
    assert.equal(Number(b.CaseNumber), Number(a.CaseNumber) + 1);
    await assert.rejects(c.update('Case', a.Id, { CaseNumber: '1' }), {
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['CaseNumber'],
    });
  });

  it('upsert on Sendbird_Ticket_Id__c: 201 created, then 200 updated, same Id', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const first = await c.upsert('Case', 'Sendbird_Ticket_Id__c', 'ticket-42', { Subject: 'Hello', Sendbird_User_Id__c: 'cust-1' });
    assert.equal(first.created, true);
    const second = await c.upsert('Case', 'Sendbird_Ticket_Id__c', 'ticket-42', { Subject: 'Hello again' });
    assert.deepEqual(second, { id: first.id, created: false });
    const rec = await c.get<Record<string, unknown>>('Case', first.id, ['Subject', 'Sendbird_Ticket_Id__c', 'Sendbird_User_Id__c']);
    assert.equal(rec.Subject, 'Hello again');
    assert.equal(rec.Sendbird_Ticket_Id__c, 'ticket-42');
    assert.equal(rec.Sendbird_User_Id__c, 'cust-1');
  });
});

describe('query', () => {
  it('runs the queries the product uses', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const ids = emu.seed.caseIds.map((id) => id.slice(0, 15));
    const byId = await c.query<CaseRow>(`SELECT Id, OwnerId, Status, IsClosed, CaseNumber FROM Case WHERE Id IN ('${ids.join("','")}')`);
    assert.equal(byId.totalSize, 3);
    assert.ok(byId.records.every((r, i) => sameId(r.Id, emu.seed.caseIds[i])));

    const agents = Object.values(emu.seed.agents);
    const users = await c.query<{ Id: string; Name: string }>(`SELECT Id, Name FROM User WHERE Id IN ('${agents.join("','")}')`);
    assert.deepEqual(users.records.map((u) => u.Name).sort(), ['Ava Agent', 'Ben Agent', 'Cara Agent']);

    const open = await c.query<CaseRow>(
      'SELECT Id, OwnerId FROM Case WHERE IsClosed = false AND Sendbird_Ticket_Id__c != null ORDER BY LastModifiedDate',
    );
    assert.deepEqual(
      open.records.map((r) => r.Id),
      emu.seed.caseIds.slice(0, 2),
    );

    const caseId = emu.seed.caseIds[0]!;
    const msgs = [3, 1, 2].map((n) => ({
      attributes: { type: 'Sendbird_Message__c' },
      Case__c: caseId,
      Sendbird_Message_Id__c: `m-${n}`,
      Sent_At__c: `2025-01-01T00:00:0${n}.000Z`,
      Body__c: `message ${n}`,
      Sender_Role__c: 'Customer',
      Message_Type__c: 'MESG',
    }));
    await c.collections.create(msgs, { allOrNone: true });
    const transcript = await c.query<{ Sendbird_Message_Id__c: string; Sent_At__c: string }>(
      `SELECT Sendbird_Message_Id__c, Sent_At__c FROM Sendbird_Message__c WHERE Case__c = '${caseId}' ORDER BY Sent_At__c`,
    );
    assert.deepEqual(
      transcript.records.map((m) => m.Sendbird_Message_Id__c),
      ['m-1', 'm-2', 'm-3'],
    );
    assert.equal(transcript.records[0]!.Sent_At__c, '2025-01-01T00:00:01.000+0000');
  });

  it('follows nextRecordsUrl across pages (emulator default batch size)', async (t) => {
    const emu = await startSf(t, { queryBatchSize: 4 });
    const c = clientFor(emu);
    const recs = Array.from({ length: 7 }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `paged ${i}` }));
    await c.collections.create(recs);
    const first = await c.queryPage<{ Subject: string }>("SELECT Subject FROM Case WHERE Subject LIKE 'paged%' ORDER BY Subject");
    assert.equal(first.done, false);
    assert.equal(first.totalSize, 7);
    assert.equal(first.records.length, 4);
    assert.match(first.nextRecordsUrl!, new RegExp(`^/services/data/v${V.replace('.', '\\.')}/query/01g[A-Za-z0-9]{15}-4$`));
    const all = await c.query<{ Subject: string }>("SELECT Subject FROM Case WHERE Subject LIKE 'paged%' ORDER BY Subject");
    assert.deepEqual(
      all.records.map((r) => r.Subject),
      recs.map((r) => r.Subject),
    );
    // queryPage() above left its cursor open; query() opened a second one and followed it once.
    assert.equal(emu.stats().byRoute['GET /query'], 2);
    assert.equal(emu.stats().byRoute['GET /query/{locator}'], 1);
  });

  it('honours batchSize (Sforce-Query-Options) across 450 records', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    for (let batch = 0; batch < 3; batch++) {
      await c.collections.create(Array.from({ length: 150 }, (_, i) => ({ attributes: { type: 'Case' }, Subject: `bulk ${batch}-${i}` })));
    }
    const page = await c.queryPage("SELECT Id FROM Case WHERE Subject LIKE 'bulk %'", { batchSize: 200 });
    assert.equal(page.records.length, 200);
    const all = await c.query<{ Id: string }>("SELECT Id FROM Case WHERE Subject LIKE 'bulk %'", { batchSize: 200 });
    assert.equal(all.records.length, 450);
    assert.equal(new Set(all.records.map((r) => r.Id)).size, 450);
  });
});

describe('composite', () => {
  it('upserts a Case on Sendbird_Ticket_Id__c and reads Id, CaseNumber through @{refCase.id}: one API call', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    await c.query('SELECT Id FROM Case'); // log in first, so only the composite call is counted below
    const before = emu.limits().used;
    const subs: CompositeSubrequest[] = [
      {
        method: 'PATCH',
        url: `/services/data/v${V}/sobjects/Case/Sendbird_Ticket_Id__c/tkt-9`,
        referenceId: 'refCase',
        body: { Subject: 'Chat ticket', Sendbird_User_Id__c: 'u-9' },
      },
      { method: 'GET', url: `/services/data/v${V}/sobjects/Case/@{refCase.id}?fields=Id,CaseNumber`, referenceId: 'getCase' },
    ];
    const [up, got] = await c.composite(subs, { allOrNone: true });
    assert.equal(up!.httpStatusCode, 201);
    assert.equal((up!.body as { created: boolean }).created, true);
    assert.equal(got!.httpStatusCode, 200);
    const rec = got!.body as { Id: string; CaseNumber: string };
    assert.equal(rec.Id, (up!.body as { id: string }).id);
    assert.match(rec.CaseNumber, /^\d{8}$/);
    assert.equal(emu.limits().used - before, 1);

    // Same again: the Case is found, not duplicated.
    const [again] = await c.composite(subs, { allOrNone: true });
    assert.equal(again!.httpStatusCode, 200);
    assert.equal(emu.records('Case').filter((r) => r.Sendbird_Ticket_Id__c === 'tkt-9').length, 1);
  });

  it('allOrNone rolls back; without it only dependants are skipped', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const count = () => emu.records('Case').length;
    const start = count();
    const subs: CompositeSubrequest[] = [
      { method: 'POST', url: `/services/data/v${V}/sobjects/Case`, referenceId: 'ok', body: { Subject: 'fine' } },
      { method: 'POST', url: `/services/data/v${V}/sobjects/CaseComment`, referenceId: 'bad', body: { CommentBody: 'no parent' } },
      { method: 'GET', url: `/services/data/v${V}/sobjects/CaseComment/@{bad.id}`, referenceId: 'dep' },
      { method: 'POST', url: `/services/data/v${V}/sobjects/Case`, referenceId: 'ok2', body: { Subject: 'fine too' } },
    ];
    const all = await c.composite(subs, { allOrNone: true });
    assert.deepEqual(
      all.map((r) => r.httpStatusCode),
      [400, 400, 400, 400],
    );
    assert.equal((all[1]!.body as { errorCode: string }[])[0]!.errorCode, 'REQUIRED_FIELD_MISSING');
    assert.equal((all[0]!.body as { errorCode: string }[])[0]!.errorCode, 'PROCESSING_HALTED');
    assert.equal(count(), start);

    const some = await c.composite(subs, { allOrNone: false });
    assert.deepEqual(
      some.map((r) => r.httpStatusCode),
      [201, 400, 400, 201],
    );
    assert.equal((some[2]!.body as { errorCode: string }[])[0]!.errorCode, 'PROCESSING_HALTED');
    assert.equal(count(), start + 2);
  });

  it('a rolled-back upsert leaves nothing to find by its External Id; a rolled-back change restores the old key', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const upsert = (ext: string, body: Record<string, unknown>): CompositeSubrequest => ({
      method: 'PATCH',
      url: `/services/data/v${V}/sobjects/Case/Sendbird_Ticket_Id__c/${ext}`,
      referenceId: `u${ext.replace(/\W/g, '')}`,
      body,
    });
    const failing: CompositeSubrequest = {
      method: 'POST',
      url: `/services/data/v${V}/sobjects/CaseComment`,
      referenceId: 'bad',
      body: { CommentBody: 'no parent' },
    };
    // Created, then rolled back: a later upsert with the same key creates it afresh (201), once.
    const rolled = await c.composite([upsert('tkt-rb', { Subject: 'first' }), failing], { allOrNone: true });
    assert.equal((rolled[0]!.body as { errorCode: string }[])[0]!.errorCode, 'PROCESSING_HALTED');
    const [made] = await c.composite([upsert('tkt-rb', { Subject: 'second' })], { allOrNone: true });
    assert.equal(made!.httpStatusCode, 201);
    assert.deepEqual(
      emu
        .records('Case')
        .filter((r) => r.Sendbird_Ticket_Id__c === 'tkt-rb')
        .map((r) => r.Subject),
      ['second'],
    );
    // Its key changed, then rolled back: the old key still finds it (200), the new one does not.
    const id = (made!.body as { id: string }).id;
    await c.composite(
      [
        {
          method: 'PATCH',
          url: `/services/data/v${V}/sobjects/Case/${id}`,
          referenceId: 'mv',
          body: { Sendbird_Ticket_Id__c: 'tkt-moved' },
        },
        failing,
      ],
      { allOrNone: true },
    );
    const [found] = await c.composite([upsert('TKT-RB', { Subject: 'third' })], { allOrNone: true });
    assert.equal(found!.httpStatusCode, 200, 'External Ids match case-insensitively, and the old key is back');
    const [fresh] = await c.composite([upsert('tkt-moved', { Subject: 'fourth' })], { allOrNone: true });
    assert.equal(fresh!.httpStatusCode, 201);
    assert.equal(emu.records('Case').filter((r) => r.Sendbird_Ticket_Id__c === 'tkt-rb').length, 1);
  });
});

describe('sObject collections', () => {
  it('creates 200 records in one call and refuses 201 before sending', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const caseId = emu.seed.caseIds[1]!;
    const msgs = Array.from({ length: 200 }, (_, i) => ({
      attributes: { type: 'Sendbird_Message__c' },
      Case__c: caseId,
      Sendbird_Message_Id__c: `msg-${i}`,
      Body__c: 'x'.repeat(1000),
    }));
    const res = await c.collections.create(msgs, { allOrNone: true });
    assert.equal(res.length, 200);
    assert.ok(res.every((r) => r.success && r.id?.startsWith('a01') && r.errors.length === 0));
    assert.equal(emu.stats().byRoute['POST /composite/sobjects'], 1);
    await assert.rejects(c.collections.create([...msgs, msgs[0]!]), /at most 200 records/);
    assert.equal(emu.stats().byRoute['POST /composite/sobjects'], 1);
  });

  it('upserts by Sendbird_Message_Id__c with per-record results and errors', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    const caseId = emu.seed.caseIds[0]!;
    const rows = [
      { Case__c: caseId, Sendbird_Message_Id__c: 'a', Body__c: 'one', Sender_Role__c: 'Customer' },
      { Case__c: caseId, Sendbird_Message_Id__c: 'b', Body__c: 'two', Sender_Role__c: 'Robot' },
      { Sendbird_Message_Id__c: 'c', Body__c: 'three' },
    ];
    const res = await c.collections.upsert('Sendbird_Message__c', 'Sendbird_Message_Id__c', rows);
    assert.equal(res[0]!.success, true);
    assert.equal(res[0]!.created, true);
    assert.deepEqual(res[1], {
      success: false,
      errors: [
        {
          statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          message: 'Sender Role: bad value for restricted picklist field: Robot',
          fields: ['Sender_Role__c'],
        },
      ],
    });
    assert.equal(res[2]!.errors[0]!.statusCode, 'REQUIRED_FIELD_MISSING');
    assert.deepEqual(res[2]!.errors[0]!.fields, ['Case__c']);

    const again = await c.collections.upsert('Sendbird_Message__c', 'Sendbird_Message_Id__c', [rows[0]!]);
    assert.deepEqual(again, [{ id: res[0]!.id, success: true, errors: [], created: false }]);

    const rolled = await c.collections.upsert(
      'Sendbird_Message__c',
      'Sendbird_Message_Id__c',
      [{ ...rows[0]!, Sendbird_Message_Id__c: 'd' }, rows[2]!],
      {
        allOrNone: true,
      },
    );
    assert.equal(rolled[0]!.errors[0]!.statusCode, 'ALL_OR_NONE_OPERATION_ROLLED_BACK');
    assert.equal(
      emu.records('Sendbird_Message__c').some((r) => r.Sendbird_Message_Id__c === 'd'),
      false,
    );
  });
});

describe('errors', () => {
  it('maps every documented error code to the right class with errorCode and fields', async (t) => {
    const emu = await startSf(t);
    const c = clientFor(emu);
    await c.upsert('Case', 'Sendbird_Ticket_Id__c', 'dup', { Subject: 'x' });
    const cases: [() => Promise<unknown>, number, string, string[]?][] = [
      [() => c.create('CaseComment', { CommentBody: 'orphan' }), 400, 'REQUIRED_FIELD_MISSING', ['ParentId']],
      [() => c.get('Case', '500nope'), 400, 'MALFORMED_ID', ['Id']],
      [() => c.update('Case', emu.seed.caseIds[0]!, { OwnerId: 'not-an-id' }), 400, 'MALFORMED_ID', ['OwnerId']],
      [() => c.create('Case', { Subjekt: 'typo' }), 400, 'INVALID_FIELD'],
      [() => c.update('Case', emu.seed.caseIds[0]!, { OwnerId: emu.seed.caseIds[1]! }), 400, 'FIELD_INTEGRITY_EXCEPTION', ['OwnerId']],
      [() => c.update('Case', emu.seed.caseIds[0]!, { OwnerId: '005EM00000000ZZ' }), 400, 'FIELD_INTEGRITY_EXCEPTION', ['OwnerId']],
      [() => c.query('SELECT Id FROM Ticket__c'), 400, 'INVALID_TYPE'],
      [() => c.get('Case', `500${'0'.repeat(12)}`), 404, 'NOT_FOUND'],
      [() => c.request('POST', '/sobjects/Case', '{"Subject": '), 400, 'JSON_PARSER_ERROR'],
      [() => c.create('Case', { Subject: 'x', Sendbird_Ticket_Id__c: 'DUP' }), 400, 'DUPLICATE_VALUE', []],
      [() => c.create('Case', { Subject: 's'.repeat(256) }), 400, 'STRING_TOO_LONG', ['Subject']],
      [() => c.update('Case', emu.seed.caseIds[0]!, { IsClosed: true }), 400, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['IsClosed']],
      [() => c.request('PUT', `/sobjects/Case/${emu.seed.caseIds[0]}`, {}), 405, 'METHOD_NOT_ALLOWED'],
      [() => c.query('SELECT Id FROM Case WHERE'), 400, 'MALFORMED_QUERY'],
    ];
    for (const [call, status, code, fields] of cases) {
      await assert.rejects(call(), (err: SalesforceError) => {
        assert.ok(err instanceof SalesforceError, code);
        assert.equal(err.status, status, code);
        assert.equal(err.errorCode, code);
        if (status === 404) assert.ok(err instanceof SalesforceNotFoundError);
        if (fields) assert.deepEqual(err.fields, fields, code);
        return true;
      });
    }
  });

  it('REQUEST_LIMIT_EXCEEDED is its own class, and limitInfo follows Sforce-Limit-Info', async (t) => {
    const emu = await startSf(t, { dailyApiLimit: 3 });
    const c = clientFor(emu);
    assert.equal(c.limitInfo, undefined);
    await c.query('SELECT Id FROM Case');
    assert.deepEqual(c.limitInfo, { used: 1, limit: 3 });
    await c.query('SELECT Id FROM Case');
    await c.query('SELECT Id FROM Case');
    assert.deepEqual(c.limitInfo, { used: 3, limit: 3 });
    await assert.rejects(c.query('SELECT Id FROM Case'), (err: SalesforceRequestLimitError) => {
      assert.ok(err instanceof SalesforceRequestLimitError);
      assert.equal(err.status, 403);
      assert.equal(err.errorCode, 'REQUEST_LIMIT_EXCEEDED');
      return true;
    });
    // Not retried: 403 is final.
    assert.equal(emu.stats().byRoute['GET (rejected: REQUEST_LIMIT_EXCEEDED)'], 1);
    emu.setLimits({ dailyLimit: 10 });
    await c.query('SELECT Id FROM Case');
    assert.deepEqual(c.limitInfo, { used: 4, limit: 10 });
  });
});
