/**
 * The Case input rules on their own (the HTTP side is in ticket-validation.test.ts): email syntax
 * as Salesforce accepts it, lengths in UTF-16 units, Ids, required fields, picklists, the describe
 * cache and the message that reaches answers and the store.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idProblem, SalesforceError } from '@sbsf/salesforce';
import { CaseDescribe } from '../src/tickets/case-describe.js';
import { checkCaseValues, checkPicklists } from '../src/tickets/case-input.js';
import { emailProblem } from '../src/tickets/email.js';
import { classifyFailure, MAX_FAILURE_MESSAGE } from '../src/upstream-failure.js';
import { requestHash } from '../src/tickets/flow.js';

const VALID = { Subject: 'Broken', Description: 'It broke', SuppliedName: 'Jo', SuppliedEmail: 'jo@example.com' };
const GRIN = '\u{1F600}';

test('email addresses people really have are accepted', () => {
  for (const address of [
    'jo@example.com',
    'first.last@sub.example.co.uk',
    'user+tag@example.com',
    "o'brien@example.ie",
    'UPPER.Case@Example.COM',
    '1234567890@example.com',
    'x@example.museum',
    "#!$%&'*+-/=?^_`{}|~@example.org",
    'a..a@test.jp',
    'a..@test.jp',
    'jo@xn--bcher-kva.example',
    'jörg@bücher.de',
    '用户@例子.广告',
    'john.doe@(comment)example.com',
    'john.doe@example.com(comment)',
    '"john..doe"@example.com',
    'jo@my-domain.example',
  ]) {
    assert.equal(emailProblem(address), null, `${address} is accepted`);
  }
});

test('addresses Salesforce refuses are refused, with what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['not-an-email', /exactly one @/],
    ['@example.com', /nothing before the @/],
    ['jo@', /no domain/],
    ['jo@@example.com', /exactly one @/],
    ['a@b@example.com', /exactly one @/],
    ['jo smith@example.com', /space/],
    ['jo@exa mple.com', /space/],
    [' jo@example.com', /space/],
    ['jo@example.com\n', /space/],
    ['.jo@example.com', /start with a dot/],
    ['jo@example..com', /empty part/],
    ['jo@.example.com', /empty part/],
    ['jo@example.com.', /empty part/],
    ['jo@-example.com', /domain part with a character/],
    ['jo@example-.com', /domain part with a character/],
    ['jo@exam_ple.com', /domain part with a character/],
    ['jo@example', /with a dot/],
    ['jo,al@example.com', /not allowed before the @/],
    ['jo<al>@example.com', /not allowed before the @/],
    ['jo@[192.0.2.1]', /brackets/],
    [`${'a'.repeat(65)}@example.com`, /64/],
    ['"jo@example.com', /exactly one @/],
    [`jo${GRIN}@example.com`, /not allowed before the @/],
  ];
  for (const [address, why] of cases) {
    const problem = emailProblem(address);
    assert.ok(problem, `${JSON.stringify(address)} is refused`);
    assert.match(problem, why, `${JSON.stringify(address)}: ${problem}`);
  }
});

test('required fields: present, not null, not blank (every problem is named)', () => {
  const nulls = checkCaseValues({ Subject: null, Description: null, SuppliedName: null, SuppliedEmail: null });
  assert.deepEqual(
    nulls.problems.map((p) => `${p.field} ${p.code}`),
    ['case.SuppliedName required', 'case.SuppliedEmail required', 'case.Subject required', 'case.Description required'],
    'all four named, in the allow-list order',
  );
  assert.match(nulls.problems[0]!.message, /must not be null/);
  const blank = checkCaseValues({ ...VALID, Subject: ' \t' });
  assert.deepEqual(
    blank.problems.map((p) => p.field),
    ['case.Subject'],
  );
  const missing = checkCaseValues({ Subject: 'x' });
  assert.equal(missing.problems.length, 3, 'three required fields missing');
  const optionalNull = checkCaseValues({ ...VALID, Priority: null, Comments: undefined });
  assert.deepEqual(optionalNull.problems, [], 'an optional null is left out');
  assert.equal('Priority' in optionalNull.fields, false);
});

test('lengths are counted in UTF-16 units, as Salesforce counts them', () => {
  const emoji128 = checkCaseValues({ ...VALID, Subject: GRIN.repeat(128) });
  assert.equal(emoji128.problems.length, 1, '128 emoji are 256 units, over 255');
  assert.equal(emoji128.problems[0]!.code, 'too_long');
  assert.match(emoji128.problems[0]!.message, /case\.Subject is 256 characters long .* at most 255/);
  const emoji127 = checkCaseValues({ ...VALID, Subject: `${GRIN.repeat(127)}a` });
  assert.deepEqual(emoji127.problems, [], '255 units fit');
  const name = checkCaseValues({ ...VALID, SuppliedName: GRIN.repeat(41) });
  assert.equal(name.problems[0]?.field, 'case.SuppliedName', '82 units are over 80');
});

test('text without a UTF-8 form is refused', () => {
  const r = checkCaseValues({ ...VALID, Description: 'half \uD83D emoji' });
  assert.equal(r.problems[0]?.code, 'invalid_text');
  assert.equal(r.problems[0]?.field, 'case.Description');
});

test('Ids: 15 or 18 characters of the right object, checksum and letter case checked, sent as 18', () => {
  const ok15 = checkCaseValues({ ...VALID, ContactId: '0032x000004fM8D', AccountId: '0012x0000082qL6AAI' });
  assert.deepEqual(ok15.problems, []);
  assert.equal(ok15.fields.ContactId, '0032x000004fM8DAAU', 'the 15-character form is sent as 18');
  assert.equal(ok15.fields.AccountId, '0012x0000082qL6AAI');
  assert.match(idProblem('0032X000004FM8DAAU', '003') ?? '', /letter case/, 'an 18-character Id in the wrong case');
  assert.match(idProblem('0032x000004fM8DAAA', '003') ?? '', /checksum/, 'a bad checksum');
  assert.match(idProblem('0012x0000082qL6AAI', '003') ?? '', /starts with 001, not 003/);
  assert.match(idProblem('not-an-id') ?? '', /15 or 18/);
  const wrongObject = checkCaseValues({ ...VALID, ContactId: '0012x0000082qL6AAI' });
  assert.equal(wrongObject.problems[0]?.code, 'invalid_id');
  const empty = checkCaseValues({ ...VALID, AssetId: '' });
  assert.deepEqual(empty.problems, [], "the tutorial's empty AssetId means no Asset");
});

test("picklists: the org's values, matched ignoring letter case and sent in the org's spelling", () => {
  const picklists = new Map([
    ['Priority', ['High', 'Medium', 'Low']],
    ['Origin', ['Phone', 'Email', 'Web']],
  ]);
  const ok = checkPicklists({ ...VALID, Priority: 'high', Origin: 'Web' }, picklists);
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.fields.Priority, 'High');
  const bad = checkPicklists({ ...VALID, Priority: 'Urgent', Type: 'Anything' }, picklists);
  assert.deepEqual(
    bad.problems.map((p) => p.field),
    ['case.Priority'],
    'a field the describe does not list is left to Salesforce',
  );
  assert.match(bad.problems[0]!.message, /must be one of the org's values: High, Medium, Low/);
});

test('the describe is cached, shared, refreshed after invalidate, and never in the way when it fails', async () => {
  let calls = 0;
  let fail = false;
  let now = 0;
  const describeBody = {
    fields: [
      {
        name: 'Priority',
        type: 'picklist',
        picklistValues: [
          { active: true, value: 'High' },
          { active: false, value: 'Old' },
          { active: true, value: 'Low' },
        ],
      },
    ],
  };
  const warnings: string[] = [];
  const d = new CaseDescribe({
    salesforce: {
      request: (async () => {
        calls++;
        if (fail) throw new SalesforceError('down', { status: 503, errorCode: 'SERVER_UNAVAILABLE' });
        return describeBody;
      }) as never,
    },
    logger: { warn: (_o: unknown, msg: string) => warnings.push(msg), info: () => {} } as never,
    clock: () => now,
    ttlMs: 1000,
    retryAfterMs: 500,
  });
  const [a, b] = await Promise.all([d.picklists(), d.picklists()]);
  assert.equal(calls, 1, 'concurrent callers share one describe');
  assert.deepEqual(a?.get('Priority'), ['High', 'Low'], 'inactive values do not count');
  assert.equal(a, b);
  now = 999;
  await d.picklists();
  assert.equal(calls, 1, 'cached within the TTL');
  d.invalidate();
  await d.picklists();
  assert.equal(calls, 2, 'read again after a picklist refusal');
  now = 5000;
  fail = true;
  assert.equal(await d.picklists(), null, 'unavailable: the values are left to Salesforce');
  assert.equal(warnings.length, 1, 'and it is said in the log');
  now = 5400;
  assert.equal(await d.picklists(), null);
  assert.equal(calls, 3, 'not tried again before retryAfterMs');
  fail = false;
  now = 5600;
  assert.deepEqual((await d.picklists())?.get('Priority'), ['High', 'Low']);
  assert.equal(calls, 4);
});

test('a slow describe does not hold the ticket: it goes on unchecked and the answer fills the cache', async () => {
  let release: (v: unknown) => void = () => {};
  const d = new CaseDescribe({
    salesforce: { request: (() => new Promise((r) => (release = r))) as never },
    logger: { warn: () => {}, info: () => {} } as never,
    waitMs: 20,
  });
  // (The describe's own timer does not hold the process open; this one does, for the test.)
  const [got] = await Promise.all([d.picklists(), new Promise((r) => setTimeout(r, 40))]);
  assert.equal(got, null);
  release({ fields: [{ name: 'Type', picklistValues: [{ active: true, value: 'Other' }] }] });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual((await d.picklists())?.get('Type'), ['Other']);
});

test('an upstream message is passed on whole characters only, never half an emoji', () => {
  const long = `Subject: data value too large: ${GRIN.repeat(400)}`;
  for (const cut of [0, 1]) {
    const message = long.slice(0, MAX_FAILURE_MESSAGE + 10 + cut);
    const failure = classifyFailure(new SalesforceError(message, { status: 400, errorCode: 'STRING_TOO_LONG' }));
    assert.ok(failure.message.length <= MAX_FAILURE_MESSAGE);
    assert.ok(failure.message.endsWith('...'));
    assert.equal(Buffer.from(failure.message, 'utf8').toString('utf8'), failure.message, 'valid UTF-8');
  }
  const broken = classifyFailure(new SalesforceError(`ends in half ${GRIN.slice(0, 1)}`, { status: 400, errorCode: 'X' }));
  assert.equal(broken.message, 'ends in half \uFFFD', 'an upstream half character becomes U+FFFD');
});

test("a retry's request hash does not depend on the describe: the fields as sent are hashed", () => {
  const identity = { userId: 'cust-1', nickname: 'Jo', verified: { via: 'jwt' as const } };
  const asSent = { ...VALID, Priority: 'high' };
  const unchecked = requestHash({ endpoint: 'tickets', identity, caseFields: asSent, idempotencyKey: 'k' });
  const checked = requestHash({
    endpoint: 'tickets',
    identity,
    caseFields: { ...asSent, Priority: 'High' },
    requestFields: asSent,
    idempotencyKey: 'k',
  });
  assert.equal(checked, unchecked, "with or without the org's spelling, the same request");
  assert.notEqual(
    requestHash({ endpoint: 'tickets', identity, caseFields: { ...asSent, Priority: 'Low' }, idempotencyKey: 'k' }),
    unchecked,
  );
});
