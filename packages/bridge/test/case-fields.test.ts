import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTutorialBody, TUTORIAL_CASE_EXAMPLE } from '../src/tickets/case-fields.js';

const validCase = { Subject: 'Broken', Description: 'It broke', SuppliedName: 'Jo', SuppliedEmail: 'jo@example.com' };

test('v2 body with the four required fields parses', () => {
  const r = parseTutorialBody({ token_type: 0, case: { ...validCase, Priority: 'High' } });
  assert.deepEqual(r, { shape: 'v2', tokenType: 0, caseFields: { ...validCase, Priority: 'High' } });
});

test('v1 body {user_id} parses', () => {
  assert.deepEqual(parseTutorialBody({ user_id: 'cust-1' }), { shape: 'v1', userId: 'cust-1' });
});

test("the tutorial's validation answers, in its order", () => {
  const cases: [unknown, string, boolean][] = [
    [{}, 'token_type required', false],
    [{ token_type: '0' }, 'token_type should be a number', false],
    [{ token_type: 2 }, 'token_type 0 or 1', false],
    [{ token_type: 1 }, 'A case object is required! See attached example', true],
    [{ token_type: 1, case: [] }, 'A case OBJECT is required! See attached example', true],
    [{ token_type: 1, case: 'x' }, 'A case OBJECT is required! See attached example', true],
    [{ token_type: 1, case: { Subject: 'a' } }, 'Missing required case key(s)! See attached example', true],
    [{ token_type: 1, case: { ...validCase, OwnerId: '005' } }, 'Invalid case key found! See attached example', true],
  ];
  for (const [body, message, example] of cases) {
    const r = parseTutorialBody(body);
    assert.ok('status' in r, `expected an error for ${JSON.stringify(body)}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.error, true);
    assert.equal(r.body.code, 400);
    assert.equal(r.body.message, message);
    assert.deepEqual(r.body.case, example ? TUTORIAL_CASE_EXAMPLE : undefined, `example attached for ${message}`);
  }
});

test('values must be strings within Salesforce limits, required ones non-empty', () => {
  const tooLong = parseTutorialBody({ token_type: 0, case: { ...validCase, Subject: 'x'.repeat(256) } });
  assert.ok('status' in tooLong);
  assert.equal(tooLong.body.field, 'case.Subject');
  const notString = parseTutorialBody({ token_type: 0, case: { ...validCase, Priority: 3 } });
  assert.ok('status' in notString);
  assert.equal(notString.body.field, 'case.Priority');
  const blank = parseTutorialBody({ token_type: 0, case: { ...validCase, SuppliedEmail: '  ' } });
  assert.ok('status' in blank);
  assert.equal(blank.body.field, 'case.SuppliedEmail');
});
