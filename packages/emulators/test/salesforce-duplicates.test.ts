/**
 * Duplicate rules and Person Accounts in the Salesforce emulator: the DUPLICATES_DETECTED error as
 * the REST API returns it, block versus alert with Sforce-Duplicate-Rule-Header (top level and in a
 * Composite subrequest), the admin API that switches them, and a Person Account with its person
 * contact, in an org that has them and one that does not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, firstError, raw, startSf, tokenFor, V } from './salesforce-helpers.js';

test('a blocking rule refuses the insert with DUPLICATES_DETECTED and its duplicateResult; the header cannot save it', async (t) => {
  const emu = await startSf(t);
  const token = await tokenFor(emu);
  const first = await api(emu, token, 'POST', '/sobjects/Contact', { LastName: 'Lee', Email: 'kim@example.com' });
  assert.equal(first.status, 201);
  const id = (first.body as { id: string }).id;
  const set = await raw(`${emu.url}/__admin/duplicate-rules`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rules: [{ name: 'Contact_Email_Rule', object: 'Contact', matchOn: 'email', action: 'block' }] }),
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));

  for (const headers of [{}, { 'Sforce-Duplicate-Rule-Header': 'allowSave=true; includeRecordDetails=false' }] as Record<
    string,
    string
  >[]) {
    const res = await api(emu, token, 'POST', '/sobjects/Contact', { LastName: 'Other', Email: 'KIM@example.com' }, headers);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, [
      {
        duplicateResult: {
          allowSave: false,
          duplicateRule: 'Contact_Email_Rule',
          duplicateRuleEntityType: 'Contact',
          errorMessage: "You're creating a duplicate record. We recommend you use an existing record instead.",
          matchResults: [
            {
              entityType: 'Contact',
              errors: [],
              matchEngine: 'ExactMatchEngine',
              matchRecords: [
                {
                  additionalInformation: [],
                  fieldDiffs: [],
                  matchConfidence: 100,
                  record: { attributes: { type: 'Contact', url: `/services/data/v${V}/sobjects/Contact/${id}` }, Id: id },
                },
              ],
              rule: 'Contact_Email_Rule_Matching_Rule',
              size: 1,
              success: true,
            },
          ],
        },
        errorCode: 'DUPLICATES_DETECTED',
        message: "You're creating a duplicate record. We recommend you use an existing record instead.",
      },
    ]);
  }
  assert.equal(emu.records('Contact').length, 1, 'nothing saved');
  const upsert = await api(emu, token, 'PATCH', '/sobjects/Contact/Sendbird_User_Id__c/u-1', { LastName: 'Up', Email: 'kim@example.com' });
  assert.equal(firstError(upsert).errorCode, 'DUPLICATES_DETECTED', 'an upsert that inserts is checked too');
  const update = await api(emu, token, 'PATCH', `/sobjects/Contact/${id}`, { Email: 'kim@example.com' });
  assert.equal(update.status, 204, 'rules run on insert only');
});

test('an alert rule saves with allowSave=true, in a Composite subrequest too; without it, allowSave says it could', async (t) => {
  const emu = await startSf(t);
  const token = await tokenFor(emu);
  await api(emu, token, 'POST', '/sobjects/Contact', { FirstName: 'Kim', LastName: 'Lee' });
  emu.setDuplicateRules([
    { name: 'Name_Alert', object: 'Contact', matchOn: 'name', action: 'alert', message: 'Use one of these records?' },
  ]);
  const refused = await api(emu, token, 'POST', '/sobjects/Contact', { FirstName: 'kim', LastName: 'LEE' });
  const item = (refused.body as { duplicateResult: { allowSave: boolean }; message: string }[])[0]!;
  assert.deepEqual([refused.status, item.duplicateResult.allowSave, item.message], [400, true, 'Use one of these records?']);
  assert.equal((await api(emu, token, 'POST', '/sobjects/Contact', { FirstName: 'Jo', LastName: 'Lee' })).status, 201, 'another name');

  const composite = await api(emu, token, 'POST', '/composite', {
    allOrNone: true,
    compositeRequest: [
      {
        method: 'POST',
        url: `/services/data/v${V}/sobjects/Contact`,
        referenceId: 'c',
        body: { FirstName: 'Kim', LastName: 'Lee' },
        httpHeaders: { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' },
      },
    ],
  });
  assert.equal((composite.body as { compositeResponse: { httpStatusCode: number }[] }).compositeResponse[0]!.httpStatusCode, 201);
  assert.equal(
    (
      await api(
        emu,
        token,
        'POST',
        '/sobjects/Contact',
        { FirstName: 'Kim', LastName: 'Lee' },
        { 'Sforce-Duplicate-Rule-Header': 'allowSave=true' },
      )
    ).status,
    201,
  );
  assert.equal(emu.records('Contact').filter((c) => c.LastName === 'Lee').length, 4);
  emu.setDuplicateRules([]);
  assert.equal((await api(emu, token, 'POST', '/sobjects/Contact', { FirstName: 'Kim', LastName: 'Lee' })).status, 201, 'rules off');
  assert.throws(
    () => emu.setDuplicateRules([{ name: 'x', object: 'Lead', matchOn: 'email', action: 'block' } as never]),
    /object must be Contact or Account/,
  );
});

test('Person Accounts: only in an org that has them; an Account with LastName is a person account with its person contact', async (t) => {
  const emu = await startSf(t);
  const token = await tokenFor(emu);
  const body = { FirstName: 'Kim', LastName: 'Lee', PersonEmail: 'kim@example.com', Sendbird_User_Id__pc: 'cust-1' };
  const off = await api(emu, token, 'POST', '/sobjects/Account', body);
  assert.deepEqual([off.status, firstError(off).errorCode], [400, 'INVALID_FIELD'], 'no such fields without Person Accounts');
  const describeOff = await api(emu, token, 'GET', '/sobjects/Account/describe');
  assert.ok(!(describeOff.body as { fields: { name: string }[] }).fields.some((f) => f.name === 'PersonEmail'));

  const on = await raw(`${emu.url}/__admin/person-accounts`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true }),
  });
  assert.deepEqual(on.body, { enabled: true });
  const made = await api(emu, token, 'POST', '/sobjects/Account', { ...body, RecordTypeId: '012000000000001AAA' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const accountId = (made.body as { id: string }).id;
  const read = await api(emu, token, 'GET', `/sobjects/Account/${accountId}?fields=Name,IsPersonAccount,PersonContactId,PersonEmail`);
  const account = read.body as { Name: string; IsPersonAccount: boolean; PersonContactId: string; PersonEmail: string };
  assert.deepEqual([account.Name, account.IsPersonAccount, account.PersonEmail], ['Kim Lee', true, 'kim@example.com']);
  const q = await api(
    emu,
    token,
    'GET',
    `/query?q=${encodeURIComponent("SELECT Id, AccountId, Email, IsPersonAccount, Sendbird_User_Id__c FROM Contact WHERE Email = 'kim@example.com'")}`,
  );
  const [contact] = (q.body as { records: Record<string, unknown>[] }).records;
  assert.deepEqual(
    [contact?.Id, contact?.AccountId, contact?.IsPersonAccount, contact?.Sendbird_User_Id__c],
    [account.PersonContactId, accountId, true, 'cust-1'],
    'the person contact, with the __pc field as its custom field',
  );
  const business = await api(emu, token, 'POST', '/sobjects/Account', { Name: 'Acme' });
  assert.equal(business.status, 201);
  assert.equal(emu.records('Account').find((a) => a.Id === (business.body as { id: string }).id)?.IsPersonAccount, false);

  emu.setDuplicateRules([{ name: 'Person_Email', object: 'Account', matchOn: 'email', action: 'block' }]);
  const dup = await api(emu, token, 'POST', '/sobjects/Account', { LastName: 'Other', PersonEmail: 'KIM@example.com' });
  assert.equal(firstError(dup).errorCode, 'DUPLICATES_DETECTED');
  assert.equal(emu.records('Contact').length, 1, 'no person contact either');
});
