/** The ticket form's rules and the one-key-per-submission rule. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyFor } from '../src/idempotency.js';
import { firstInvalid, formFieldFor, submissionFingerprint, toCaseFields, validateTicketForm } from '../src/validation.js';

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
