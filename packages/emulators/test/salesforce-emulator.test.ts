/** The Salesforce emulator over raw HTTP: OAuth wire shapes, versions, sObject errors, admin API. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { isSalesforceId, to18 } from '@sbsf/salesforce';
import { V, api, firstError, raw, startSf, tokenFor } from './salesforce-helpers.js';

const form = (p: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(p),
});

describe('OAuth token endpoint', () => {
  it('answers the documented success shape', async (t) => {
    const emu = await startSf(t);
    const r = await raw(
      `${emu.url}/services/oauth2/token`,
      form({ grant_type: 'client_credentials', client_id: emu.options.clientId, client_secret: emu.options.clientSecret }),
    );
    assert.equal(r.status, 200);
    const b = r.body as Record<string, string>;
    assert.deepEqual(Object.keys(b).sort(), ['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
    assert.equal(b.instance_url, emu.url);
    assert.equal(b.token_type, 'Bearer');
    assert.equal(b.id, `${emu.url}/id/${emu.seed.orgId}/${emu.seed.integrationUserId}`);
    assert.match(b.issued_at!, /^\d{13}$/);
    assert.equal(
      b.signature,
      createHmac('sha256', emu.options.clientSecret)
        .update(b.id + b.issued_at)
        .digest('base64'),
    );
    assert.ok(b.access_token!.startsWith(emu.seed.orgId.slice(0, 15) + '!'));
  });

  it('accepts client credentials in an HTTP Basic header', async (t) => {
    const emu = await startSf(t);
    const basic = Buffer.from(`${emu.options.clientId}:${emu.options.clientSecret}`).toString('base64');
    const r = await raw(`${emu.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: 'grant_type=client_credentials',
    });
    assert.equal(r.status, 200);
  });

  it('answers {error, error_description} with 400', async (t) => {
    const emu = await startSf(t);
    const cases: [Record<string, string>, string][] = [
      [{ grant_type: 'client_credentials', client_id: emu.options.clientId, client_secret: 'nope' }, 'invalid_client'],
      [{ grant_type: 'client_credentials', client_id: 'who', client_secret: 'nope' }, 'invalid_client_id'],
      [{ grant_type: 'authorization_code' }, 'unsupported_grant_type'],
      [{}, 'unsupported_grant_type'],
      [{ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: 'a.b.c' }, 'invalid_grant'],
    ];
    for (const [params, error] of cases) {
      const r = await raw(`${emu.url}/services/oauth2/token`, form(params));
      assert.equal(r.status, 400, error);
      const b = r.body as { error: string; error_description: string };
      assert.equal(b.error, error);
      assert.equal(typeof b.error_description, 'string');
    }
  });
});

describe('REST basics', () => {
  it('lists versions without a session and without counting', async (t) => {
    const emu = await startSf(t);
    const r = await raw(`${emu.url}/services/data/`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('sforce-limit-info'), null);
    const list = r.body as { label: string; url: string; version: string }[];
    assert.deepEqual(list[0], { label: "Summer '14", url: '/services/data/v31.0', version: '31.0' });
    assert.ok(list.some((v) => v.version === '62.0' && v.label === "Winter '25"));
    assert.equal(emu.limits().used, 0);
  });

  it('accepts vNN.0 from 31 and answers 404 NOT_FOUND for other versions', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    for (const v of ['v31.0', 'v62.0', 'v67.0']) {
      assert.equal((await raw(`${emu.url}/services/data/${v}/limits`, { headers: { authorization: `Bearer ${tok}` } })).status, 200, v);
    }
    for (const v of ['v30.0', 'v62.1', 'v99.0', '62.0']) {
      const r = await raw(`${emu.url}/services/data/${v}/sobjects/Case`, { headers: { authorization: `Bearer ${tok}` } });
      assert.equal(r.status, 404, v);
      assert.equal(firstError(r).errorCode, 'NOT_FOUND');
    }
  });

  it('refuses missing, unknown and expired tokens with 401 INVALID_SESSION_ID', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    assert.equal((await api(emu, tok, 'GET', '/limits')).status, 200);
    for (const headers of [{}, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const r = await raw(`${emu.url}/services/data/v${V}/limits`, { headers });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    }
    const admin = await raw(`${emu.url}/__admin/tokens/expire`, { method: 'POST' });
    assert.deepEqual(admin.body, { expired: 1 });
    assert.equal((await api(emu, tok, 'GET', '/limits')).status, 401);
  });

  it('sends Sforce-Limit-Info on every call and REQUEST_LIMIT_EXCEEDED when spent', async (t) => {
    const emu = await startSf(t, { dailyApiLimit: 2 });
    const tok = await tokenFor(emu);
    assert.equal((await api(emu, tok, 'GET', '/limits')).headers.get('sforce-limit-info'), 'api-usage=1/2');
    assert.equal((await api(emu, tok, 'GET', '/nothing-here')).headers.get('sforce-limit-info'), 'api-usage=2/2');
    const r = await api(emu, tok, 'GET', '/limits');
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    const put = await raw(`${emu.url}/__admin/limits`, {
      method: 'PUT',
      body: JSON.stringify({ dailyLimit: 5, used: 4 }),
      headers: { 'content-type': 'application/json' },
    });
    assert.deepEqual(put.body, { dailyLimit: 5, used: 4 });
    const lim = await api(emu, tok, 'GET', '/limits');
    assert.deepEqual(lim.body, { DailyApiRequests: { Max: 5, Remaining: 0 } });
  });
});

describe('sObject rows', () => {
  it('creates with 201 {id, success, errors} and a Location; 15-char Ids work everywhere, 18 come back', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const r = await api(emu, tok, 'POST', '/sobjects/Case', { Subject: 'wire', OwnerId: emu.seed.queueId.slice(0, 15) });
    assert.equal(r.status, 201);
    const { id } = r.body as { id: string };
    assert.deepEqual(r.body, { id, success: true, errors: [] });
    assert.equal(r.headers.get('location'), `/services/data/v${V}/sobjects/Case/${id}`);
    assert.ok(isSalesforceId(id) && id.length === 18);
    const got = await api(emu, tok, 'GET', `/sobjects/Case/${id.slice(0, 15)}?fields=OwnerId`);
    assert.equal((got.body as { OwnerId: string }).OwnerId, emu.seed.queueId);
    assert.equal((await api(emu, tok, 'PATCH', `/sobjects/Case/${id.slice(0, 15)}`, { Status: 'Working' })).status, 204);
    const comment = await api(emu, tok, 'POST', '/sobjects/CaseComment', { ParentId: id.slice(0, 15), CommentBody: 'hi' });
    assert.equal(comment.status, 201);
    assert.ok((comment.body as { id: string }).id.startsWith('00a'));
    assert.equal((await api(emu, tok, 'DELETE', `/sobjects/Case/${id}`)).status, 204);
    assert.equal(emu.records('CaseComment').length, 0);
  });

  it('gives real Ids with the right prefixes', async (t) => {
    const emu = await startSf(t);
    const { seed } = emu;
    assert.ok(seed.orgId.startsWith('00D'));
    assert.ok(seed.integrationUserId.startsWith('005') && Object.values(seed.agents).every((a) => a.startsWith('005')));
    assert.ok(seed.queueId.startsWith('00G'));
    for (const id of [seed.orgId, seed.integrationUserId, seed.queueId, ...seed.caseIds]) assert.equal(to18(id.slice(0, 15)), id);
    const tok = await tokenFor(emu);
    const aw = await api(emu, tok, 'POST', '/sobjects/AgentWork', { WorkItemId: seed.caseIds[0], UserId: seed.agents.ava });
    assert.ok((aw.body as { id: string }).id.startsWith('0Bz'));
  });

  it('answers each error with the documented body', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const caseId = emu.seed.caseIds[0]!;
    const expect = async (p: Promise<{ status: number; body: unknown }>, status: number, item: Record<string, unknown>) => {
      const r = await p;
      assert.equal(r.status, status, JSON.stringify(item));
      assert.deepEqual((r.body as unknown[])[0], item);
    };
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { Id: caseId, Subject: 'x' }), 400, {
      message: 'The Id field should not be specified in the sobject data.',
      errorCode: 'INVALID_FIELD',
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { Nope__c: 1 }), 400, {
      message: "No such column 'Nope__c' on sobject of type Case",
      errorCode: 'INVALID_FIELD',
    });
    await expect(api(emu, tok, 'GET', '/sobjects/Case/xyz'), 400, {
      message: 'Case ID: id value of incorrect type: xyz',
      errorCode: 'MALFORMED_ID',
      fields: ['Id'],
    });
    await expect(api(emu, tok, 'PATCH', `/sobjects/Case/${caseId}`, { OwnerId: '123' }), 400, {
      message: 'Owner ID: id value of incorrect type: 123',
      errorCode: 'MALFORMED_ID',
      fields: ['OwnerId'],
    });
    await expect(api(emu, tok, 'PATCH', `/sobjects/Case/${caseId}`, { CaseNumber: '1', IsClosed: true }), 400, {
      message:
        'Unable to create/update fields: CaseNumber, IsClosed. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['CaseNumber', 'IsClosed'],
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Sendbird_Message__c', { Body__c: 'x' }), 400, {
      message: 'Required fields are missing: [Case__c]',
      errorCode: 'REQUIRED_FIELD_MISSING',
      fields: ['Case__c'],
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', '{"Subject": "x",'), 400, {
      message: 'Unexpected character in JSON body at [line:1, column:17]',
      errorCode: 'JSON_PARSER_ERROR',
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { IsEscalated: 1 }), 400, {
      message: "No such column 'IsEscalated' on sobject of type Case",
      errorCode: 'INVALID_FIELD',
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { Sendbird_Ticket_Id__c: 'SEED-TICKET-0001' }), 400, {
      message: `duplicate value found: Sendbird_Ticket_Id__c duplicates value on record with id: ${caseId}`,
      errorCode: 'DUPLICATE_VALUE',
      fields: [],
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { Sendbird_Ticket_Id__c: 't'.repeat(65) }), 400, {
      message: `Sendbird Ticket Id: data value too large: ${'t'.repeat(65)} (max length=64)`,
      errorCode: 'STRING_TOO_LONG',
      fields: ['Sendbird_Ticket_Id__c'],
    });
    await expect(api(emu, tok, 'PATCH', `/sobjects/Case/${caseId}`, { OwnerId: emu.seed.caseIds[1] }), 400, {
      message: `Owner ID: id value of incorrect type: ${emu.seed.caseIds[1]}`,
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      fields: ['OwnerId'],
    });
    const ghost = to18('005EM00000000ZZ');
    await expect(api(emu, tok, 'PATCH', `/sobjects/Case/${caseId}`, { OwnerId: ghost }), 400, {
      message: `Owner ID: ${ghost} is neither an active user nor a queue`,
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
      fields: ['OwnerId'],
    });
    await expect(api(emu, tok, 'PUT', `/sobjects/Case/${caseId}`, {}), 405, {
      message: "HTTP Method 'PUT' not allowed. Allowed are HEAD,GET,PATCH,DELETE",
      errorCode: 'METHOD_NOT_ALLOWED',
    });
    await expect(api(emu, tok, 'GET', '/sobjects/Ticket__c'), 404, {
      errorCode: 'NOT_FOUND',
      message: 'The requested resource does not exist',
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { IsClosed: 'maybe' }), 400, {
      message:
        'Unable to create/update fields: IsClosed. Please check the security settings of this field and verify that it is read/write for your profile or permission set.',
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['IsClosed'],
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Sendbird_Message__c', { Case__c: caseId, Is_Deleted_In_Chat__c: 'maybe' }), 400, {
      message: 'Cannot deserialize instance of boolean from VALUE_STRING value maybe or request may be missing a required field',
      errorCode: 'JSON_PARSER_ERROR',
    });
    await expect(api(emu, tok, 'POST', '/sobjects/Case', { SuppliedEmail: 'not-an-email' }), 400, {
      message: 'Email Address: invalid email address: not-an-email',
      errorCode: 'INVALID_EMAIL_ADDRESS',
      fields: ['SuppliedEmail'],
    });
  });

  it('upserts by External Id: 201 created:true with Location, then 200 created:false; unknown field 404', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    const a = await api(emu, tok, 'PATCH', '/sobjects/Case/Sendbird_Ticket_Id__c/T-1', { Subject: 'one' });
    assert.equal(a.status, 201);
    const id = (a.body as { id: string }).id;
    assert.deepEqual(a.body, { id, success: true, errors: [], created: true });
    const b = await api(emu, tok, 'PATCH', '/sobjects/Case/Sendbird_Ticket_Id__c/t-1', { Subject: 'two' });
    assert.equal(b.status, 200);
    assert.deepEqual(b.body, { id, success: true, errors: [], created: false });
    const got = await api(emu, tok, 'GET', '/sobjects/Case/Sendbird_Ticket_Id__c/T-1?fields=Subject');
    assert.equal((got.body as { Subject: string }).Subject, 'two');
    const nf = await api(emu, tok, 'PATCH', '/sobjects/Case/No_Such__c/1', { Subject: 'x' });
    assert.equal(nf.status, 404);
    assert.equal(firstError(nf).errorCode, 'NOT_FOUND');
    const notExt = await api(emu, tok, 'PATCH', '/sobjects/Case/Subject/x', { Description: 'x' });
    assert.equal(firstError(notExt).errorCode, 'INVALID_FIELD');
  });
});

describe('admin API', () => {
  it('state, reset, stats, faults', async (t) => {
    const emu = await startSf(t);
    const tok = await tokenFor(emu);
    await api(emu, tok, 'POST', '/sobjects/Case', { Subject: 'temporary' });
    const state = (await raw(`${emu.url}/__admin/state`)).body as { org: { Id: string }; records: Record<string, { Subject?: string }[]> };
    assert.equal(state.org.Id, emu.seed.orgId);
    assert.equal(state.records.Case!.length, 4);
    assert.equal(state.records.User!.length, 4);

    const stats = (await raw(`${emu.url}/__admin/stats`)).body as { total: number; byRoute: Record<string, number> };
    assert.deepEqual(stats, { total: 2, byRoute: { 'POST /services/oauth2/token': 1, 'POST /sobjects/{type}': 1 } });
    await raw(`${emu.url}/__admin/stats`, { method: 'DELETE' });
    assert.deepEqual(emu.stats(), { total: 0, byRoute: {} });

    const seedBefore = JSON.stringify(emu.seed);
    const reset = await raw(`${emu.url}/__admin/reset`, { method: 'POST' });
    assert.equal(reset.status, 200);
    assert.equal(emu.records('Case').length, 3);
    assert.equal(JSON.stringify(emu.seed), seedBefore, 'seed Ids are deterministic');
    assert.equal((await api(emu, tok, 'GET', '/limits')).status, 200, 'tokens survive a reset');

    const put = await raw(`${emu.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ rules: [{ action: 'error', times: 1 }] }) });
    assert.equal(put.status, 200);
    const faulted = await api(emu, tok, 'GET', '/limits');
    assert.equal(faulted.status, 503);
    assert.equal(firstError(faulted).errorCode, 'SERVER_UNAVAILABLE');
    assert.equal((await raw(`${emu.url}/__admin/faults`)).status, 200, 'admin is never faulted');
    const bad = await raw(`${emu.url}/__admin/faults`, { method: 'PUT', body: JSON.stringify({ rules: [{ action: 'explode' }] }) });
    assert.equal(bad.status, 400);
    await raw(`${emu.url}/__admin/faults`, {
      method: 'PUT',
      body: JSON.stringify({ rules: [{ action: 'rateLimit', retryAfterMs: 2500 }] }),
    });
    const limited = await api(emu, tok, 'GET', '/limits');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    await raw(`${emu.url}/__admin/faults`, { method: 'DELETE' });
    assert.equal((await api(emu, tok, 'GET', '/limits')).status, 200);

    // hold: the request waits for release(), then is answered as usual.
    emu.faults.set({ rules: [{ action: 'hold', path: '/limits', times: 1 }] });
    let answered = false;
    const held = api(emu, tok, 'GET', '/limits').then((r) => {
      answered = true;
      return r;
    });
    while (emu.faults.heldCount === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await api(emu, tok, 'GET', '/limits')).status, 200, 'the rule was spent: the next request goes through');
    assert.equal(answered, false, 'the held one waits');
    assert.equal(emu.faults.release(), 1);
    assert.equal((await held).status, 200);
    assert.equal(emu.faults.heldCount, 0);
  });

  it('seed: false keeps only the org and the integration user', async (t) => {
    const emu = await startSf(t, { seed: false });
    assert.equal(emu.records('User').length, 1);
    assert.equal(emu.records('Case').length, 0);
    assert.equal(emu.records('Group').length, 0);
  });
});

describe('field-level security (admin)', () => {
  it('hides fields from the describe until shown again or reset; refuses names that are not Object.Field', async (t) => {
    const emu = await startSf(t);
    const token = await tokenFor(emu);
    const caseFields = async () =>
      ((await api(emu, token, 'GET', '/sobjects/Case/describe')).body as { fields: { name: string }[] }).fields.map((f) => f.name);
    assert.ok((await caseFields()).includes('Sendbird_User_Id__c'));
    const put = (body: unknown) =>
      raw(`${emu.url}/__admin/fields/hidden`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.deepEqual((await put({ fields: ['Case.Sendbird_User_Id__c'] })).body, { fields: ['case.sendbird_user_id__c'] });
    const hidden = await caseFields();
    assert.ok(!hidden.includes('Sendbird_User_Id__c') && hidden.includes('Sendbird_Ticket_Id__c'));
    assert.equal((await put({ fields: ['Sendbird_User_Id__c'] })).status, 400);
    assert.equal((await put({ fields: 'Case.Subject' })).status, 400);
    emu.reset();
    assert.ok((await caseFields()).includes('Sendbird_User_Id__c'), 'a reset shows every field');
  });
});
