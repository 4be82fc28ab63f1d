/** The ticket form's rules and the one-key-per-submission rule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCaseValues } from '../../../packages/bridge/src/tickets/case-input.js';
import { keyFor } from '../src/idempotency.js';
import { firstInvalid, formFieldFor, lengthCount, submissionFingerprint, toCaseFields, validateTicketForm } from '../src/validation.js';

const ok = { name: 'Jane Doe', email: 'jane@example.com', subject: 'Printer on fire', description: 'Smoke everywhere' };

test('an empty form: every field is required, the first one gets the focus', () => {
  const errors = validateTicketForm({ name: ' ', email: '', subject: '', description: '' });
  assert.deepEqual(Object.keys(errors), ['name', 'email', 'subject', 'description']);
  assert.equal(errors.name, 'Your name is required.');
  assert.equal(firstInvalid(errors), 'name');
  assert.deepEqual(validateTicketForm(ok), {});
});

test('email shape and the bridge length limits', () => {
  assert.match(validateTicketForm({ ...ok, email: 'jane@example' }).email ?? '', /email address like/);
  assert.match(validateTicketForm({ ...ok, email: 'ja ne@example.com' }).email ?? '', /email address like/);
  assert.match(validateTicketForm({ ...ok, subject: 'x'.repeat(256) }).subject ?? '', /at most 255 characters \(now 256\)/);
  assert.equal(validateTicketForm({ ...ok, subject: 'x'.repeat(255) }).subject, undefined);
  assert.match(validateTicketForm({ ...ok, name: 'n'.repeat(81) }).name ?? '', /at most 80/);
  assert.match(validateTicketForm({ ...ok, email: `${'e'.repeat(70)}@example.com` }).email ?? '', /at most 80/);
  assert.match(validateTicketForm({ ...ok, description: 'd'.repeat(32001) }).description ?? '', /at most 32000/);
  assert.equal(firstInvalid(validateTicketForm({ ...ok, description: '' })), 'description');
});

test('bridge field names map to form fields; values are trimmed into Case fields', () => {
  assert.equal(formFieldFor('case.Subject'), 'subject');
  assert.equal(formFieldFor('case.SuppliedEmail'), 'email');
  assert.equal(formFieldFor('customer.nickname'), 'name');
  assert.equal(formFieldFor('idempotency-key'), undefined);
  assert.deepEqual(toCaseFields({ ...ok, name: '  Jane Doe ' }), {
    Subject: 'Printer on fire',
    Description: 'Smoke everywhere',
    SuppliedName: 'Jane Doe',
    SuppliedEmail: 'jane@example.com',
  });
});

test('one Idempotency-Key per submission: kept for the same content, new for new content', () => {
  let n = 0;
  const uuid = () => `key-${++n}`;
  const first = keyFor(undefined, submissionFingerprint(ok), uuid);
  assert.equal(first.key, 'key-1');
  assert.equal(keyFor(first, submissionFingerprint({ ...ok, subject: ' Printer on fire ' }), uuid), first, 'whitespace is not a change');
  assert.equal(keyFor(first, submissionFingerprint({ ...ok, subject: 'Other' }), uuid).key, 'key-2');
});

test('the counter counts as the bridge and Salesforce do (UTF-16 units) and says why emoji count as 2', () => {
  const grin = '\u{1F600}';
  const plain = lengthCount('subject', '  Printer on fire  ');
  assert.deepEqual(plain, { used: 15, max: 255, over: false, doubled: 0, text: '15 / 255' });
  const emoji = lengthCount('subject', grin.repeat(300));
  assert.deepEqual([emoji.used, emoji.over, emoji.doubled], [600, true, 300]);
  assert.equal(emoji.text, '600 / 255 · 300 emoji or symbols count as 2 each');
  assert.equal(lengthCount('subject', `ok ${grin}`).text, '5 / 255 · 1 emoji or symbol counts as 2');
  assert.equal(lengthCount('description', 'd'.repeat(32000)).text, '32,000 / 32,000');
  // The limit is where the bridge's is: 127 emoji (254 units) fit in Subject, 128 (256 units) do not.
  assert.equal(validateTicketForm({ ...ok, subject: grin.repeat(127) }).subject, undefined);
  assert.equal(
    validateTicketForm({ ...ok, subject: grin.repeat(128) }).subject,
    'Subject must be at most 255 characters (now 256; an emoji counts as 2).',
  );
});

test('the form and the bridge agree on every length: what the form passes the bridge accepts, what it refuses the bridge refuses', () => {
  const grin = '\u{1F600}';
  const subjects = [
    grin.repeat(127),
    grin.repeat(128),
    `${'a'.repeat(253)}${grin}`,
    `${'a'.repeat(254)}${grin}`,
    'é'.repeat(255),
    '漢'.repeat(256),
  ];
  for (const subject of subjects) {
    const formSays = validateTicketForm({ ...ok, subject }).subject === undefined;
    const bridge = checkCaseValues(toCaseFields({ ...ok, subject }) as unknown as Record<string, unknown>);
    const bridgeSays = !bridge.problems.some((p) => p.field === 'case.Subject');
    assert.equal(formSays, bridgeSays, `${lengthCount('subject', subject).text}: form ${formSays}, bridge ${bridgeSays}`);
  }
});
