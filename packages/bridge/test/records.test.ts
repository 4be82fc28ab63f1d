// The Salesforce records a message becomes (pure): the Sendbird_Message__c of object mode, the
// CaseComment of case_comment mode; plus the per-record error rule and the budget rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TranscriptRecord } from '../src/store/types.js';
import { budgetOf } from '../src/transcript/budget.js';
import { commentBody, commentUpdate, LIMITS, messageRecord, newComment } from '../src/transcript/records.js';
import { recordFailure } from '../src/transcript/write-errors.js';

const CASE = '500EM0000000001YAA';
const SENT = Date.UTC(2026, 0, 31, 9, 15, 0);

function rec(over: Partial<TranscriptRecord> = {}, message: Partial<NonNullable<TranscriptRecord['message']>> = {}): TranscriptRecord {
  return {
    messageId: '42',
    caseId: CASE,
    channelUrl: CASE,
    version: 0,
    message: {
      type: 'MESG',
      body: 'Hello',
      senderId: 'customer-dana',
      senderName: 'Dana',
      senderRole: 'Customer',
      sentAt: SENT,
      editedAt: null,
      file: null,
      ...message,
    },
    deleted: false,
    state: 'pending',
    rev: 1,
    attempts: 0,
    receivedAt: SENT,
    pendingSince: SENT,
    nextAttemptAt: 0,
    salesforceId: null,
    lastError: null,
    syncedAt: null,
    ...over,
  };
}

test('object mode: every field of Sendbird_Message__c, keyed by Sendbird_Message_Id__c', () => {
  assert.deepEqual(messageRecord(rec()), {
    attributes: { type: 'Sendbird_Message__c' },
    Sendbird_Message_Id__c: '42',
    Case__c: CASE,
    Channel_Url__c: CASE,
    Is_Deleted_In_Chat__c: false,
    Message_Type__c: 'MESG',
    Body__c: 'Hello',
    Sender_Id__c: 'customer-dana',
    Sender_Name__c: 'Dana',
    Sender_Role__c: 'Customer',
    Sent_At__c: '2026-01-31T09:15:00.000Z',
    Edited_At__c: null,
    File_Url__c: null,
    File_Name__c: null,
    File_Type__c: null,
  });
  const file = messageRecord(
    rec(
      {},
      { type: 'FILE', body: '', file: { url: 'https://f.example.com/a.png', name: 'a.png', type: 'image/png' }, editedAt: SENT + 1000 },
    ),
  );
  assert.deepEqual(
    [file.Message_Type__c, file.File_Url__c, file.File_Name__c, file.File_Type__c, file.Edited_At__c],
    ['FILE', 'https://f.example.com/a.png', 'a.png', 'image/png', '2026-01-31T09:15:01.000Z'],
  );
  assert.deepEqual(
    messageRecord(rec({ message: null, deleted: true, version: -1 })),
    {
      attributes: { type: 'Sendbird_Message__c' },
      Sendbird_Message_Id__c: '42',
      Case__c: CASE,
      Channel_Url__c: CASE,
      Is_Deleted_In_Chat__c: true,
    },
    'a message known only as deleted carries only the deletion',
  );
  assert.equal(
    String(messageRecord(rec({}, { body: 'x'.repeat(LIMITS.body + 10) })).Body__c).length,
    LIMITS.body,
    'clipped to the field length',
  );
});

test('case_comment mode: one private comment per message, readable on its own, updated by Id', () => {
  assert.equal(commentBody(rec()), '[2026-01-31 09:15:00 UTC] Dana (customer): Hello\nSendbird message 42');
  const agentFile = rec(
    { deleted: true },
    {
      senderRole: 'Agent',
      senderName: 'Ava',
      editedAt: SENT + 60_000,
      body: 'see attached',
      file: { url: 'https://f.example.com/r.pdf', name: 'r.pdf', type: null },
    },
  );
  assert.equal(
    commentBody(agentFile),
    '[deleted in chat] [2026-01-31 09:15:00 UTC] Ava (agent) (edited 2026-01-31 09:16:00 UTC): see attached\nFile: r.pdf https://f.example.com/r.pdf\nSendbird message 42',
  );
  assert.equal(
    commentBody(rec({ message: null, deleted: true })),
    '[deleted in chat] (the message itself was not received)\nSendbird message 42',
  );
  assert.equal(commentBody(rec({}, { body: 'y'.repeat(5000) })).length, LIMITS.commentBody);
  assert.deepEqual(newComment(rec()), {
    attributes: { type: 'CaseComment' },
    ParentId: CASE,
    IsPublished: false,
    CommentBody: commentBody(rec()),
  });
  assert.deepEqual(commentUpdate(rec({ salesforceId: '00aEM0000000001AAA' })), {
    attributes: { type: 'CaseComment' },
    Id: '00aEM0000000001AAA',
    CommentBody: commentBody(rec()),
  });
});

test('a refused record is retried only for codes a retry can fix', () => {
  assert.deepEqual(recordFailure([{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access', fields: [] }]), {
    code: 'UNABLE_TO_LOCK_ROW',
    message: 'UNABLE_TO_LOCK_ROW: unable to obtain exclusive access',
    retryable: true,
  });
  const deleted = recordFailure([
    { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: ['Case__c'] },
  ]);
  assert.deepEqual([deleted.retryable, deleted.message], [false, 'INVALID_CROSS_REFERENCE_KEY: invalid cross reference id (Case__c)']);
  assert.equal(recordFailure(undefined).retryable, true, 'no answer for the record: try again');
});

test('the budget is low once the share left is under the reserve; unknown is normal', () => {
  assert.deepEqual(budgetOf(undefined, 0.1), { mode: 'normal', remaining: null });
  assert.deepEqual(budgetOf({ used: 50, limit: 100 }, 0.1), { mode: 'normal', remaining: 0.5 });
  assert.deepEqual(budgetOf({ used: 95, limit: 100 }, 0.1), { mode: 'low', remaining: 0.05 });
  assert.deepEqual(budgetOf({ used: 120, limit: 100 }, 0.1), { mode: 'low', remaining: 0 });
  assert.deepEqual(budgetOf({ used: 100, limit: 100 }, 0), { mode: 'normal', remaining: 0 }, 'a reserve of 0 never slows down');
});
