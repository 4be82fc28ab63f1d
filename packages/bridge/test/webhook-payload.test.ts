// What a Sendbird webhook means for the transcript (pure): which events are mirrored, who sent
// them, files, edits and deletes, and ids beyond 2^53.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseIdOfChannel, interpretWebhook, messageIdOf } from '../src/transcript/webhook-payload.js';
import { messageWebhook } from './transcript-helpers.js';

const CASE = '500EM0000000001YAA';
const AGENT = '005EM0000000002YAA';
const meaning = (body: unknown) => interpretWebhook(body, JSON.stringify(body));

test('a customer message as sent: version 0, the customer as sender, the send time', () => {
  const m = meaning(
    messageWebhook({ caseId: CASE, messageId: 42, userId: 'customer-dana', nickname: 'Dana', text: 'Hello', createdAt: 1_700_000_000_000 }),
  );
  assert.deepEqual(m, {
    kind: 'message',
    event: {
      messageId: '42',
      caseId: CASE,
      channelUrl: CASE,
      version: 0,
      deleted: false,
      message: {
        type: 'MESG',
        body: 'Hello',
        senderId: 'customer-dana',
        senderName: 'Dana',
        senderRole: 'Customer',
        sentAt: 1_700_000_000_000,
        editedAt: null,
        file: null,
      },
    },
  });
});

test('a sender whose user id is a Salesforce User Id is the agent (as its 18-character Id)', () => {
  for (const id of [AGENT, AGENT.slice(0, 15)]) {
    const m = meaning(messageWebhook({ caseId: CASE, messageId: 1, userId: id, nickname: 'Ava' }));
    assert.equal(m.kind, 'message');
    if (m.kind === 'message') assert.deepEqual([m.event.message?.senderRole, m.event.message?.senderId], ['Agent', AGENT]);
  }
  const notAUser = meaning(messageWebhook({ caseId: CASE, messageId: 1, userId: '00GEM00000000012AA' }));
  assert.ok(notAUser.kind === 'message' && notAUser.event.message?.senderRole === 'Customer', 'a queue-like id is not an agent');
});

test('files keep URL, name, type and size, whether flat (url, filename, file_type, file_size) or in a file object', () => {
  const flat = messageWebhook({ caseId: CASE, messageId: 5, type: 'FILE' });
  const payload = flat.payload as Record<string, unknown>;
  delete payload.message;
  Object.assign(payload, { url: 'https://f.example.com/a.png', filename: 'a.png', file_type: 'image/png', file_size: 10 });
  const nested = messageWebhook({ caseId: CASE, messageId: 6, type: 'FILE' });
  Object.assign(nested.payload as Record<string, unknown>, {
    message: 'the receipt',
    file: { url: 'https://f.example.com/r.pdf', name: 'r.pdf', type: 'application/pdf', size: 1 },
  });
  const files = [meaning(flat), meaning(nested)].map((m) =>
    m.kind === 'message' ? [m.event.message?.type, m.event.message?.body, m.event.message?.file] : m,
  );
  assert.deepEqual(files, [
    ['FILE', '', { url: 'https://f.example.com/a.png', name: 'a.png', type: 'image/png', size: 10 }],
    ['FILE', 'the receipt', { url: 'https://f.example.com/r.pdf', name: 'r.pdf', type: 'application/pdf', size: 1 }],
  ]);
});

test('an edit carries its updated_at as the version; a delete carries no text and marks the message', () => {
  const edit = meaning(
    messageWebhook({
      caseId: CASE,
      messageId: 7,
      category: 'group_channel:message_update',
      text: 'fixed',
      createdAt: 1000,
      updatedAt: 5000,
    }),
  );
  assert.ok(edit.kind === 'message');
  assert.deepEqual(
    [edit.event.version, edit.event.message?.body, edit.event.message?.editedAt, edit.event.deleted],
    [5000, 'fixed', 5000, false],
  );
  const noTime = meaning(
    messageWebhook({ caseId: CASE, messageId: 7, category: 'group_channel:message_update', createdAt: 1000, updatedAt: 0 }),
  );
  assert.ok(noTime.kind === 'message' && noTime.event.version > 0, 'an edit without updated_at still beats the text as sent');
  const del = messageWebhook({ caseId: CASE, messageId: 7, category: 'group_channel:message_delete' });
  delete del.type;
  delete del.sender;
  assert.deepEqual(meaning(del), {
    kind: 'message',
    event: { messageId: '7', caseId: CASE, channelUrl: CASE, version: -1, message: null, deleted: true },
  });
});

test('ignored, with the reason: other categories and channels, admin and bridge messages, malformed bodies', () => {
  const cases: [unknown, string][] = [
    [{ category: 'group_channel:message_read' }, 'category'],
    [messageWebhook({ caseId: CASE, messageId: 1, channelCustomType: '' }), 'not_support_channel'],
    [messageWebhook({ caseId: '500EM0000000001', messageId: 1 }), 'not_a_case'],
    [messageWebhook({ caseId: '001EM0000000001YAA', messageId: 1 }), 'not_a_case'],
    [messageWebhook({ caseId: CASE, messageId: 1, type: 'ADMM' }), 'admin_message'],
    [messageWebhook({ caseId: CASE, messageId: 1, customType: 'sbsf_bridge' }), 'bridge_message'],
    [
      messageWebhook({ caseId: CASE, messageId: 1, type: 'ADMM', customType: 'sbsf_bridge', data: '{"sbsf":"ticket.form","subject":"S"}' }),
      'admin_message',
    ],
    [
      messageWebhook({ caseId: CASE, messageId: 1, type: 'ADMM', customType: 'sbsf_bridge', data: '{"sbsf":"unknown.kind"}' }),
      'admin_message',
    ],
    [{ ...messageWebhook({ caseId: CASE, messageId: 1 }), type: 'MULTIPLE_FILES' }, 'message_type'],
    [{ ...messageWebhook({ caseId: CASE, messageId: 1 }), sender: undefined }, 'malformed'],
    [{ ...messageWebhook({ caseId: CASE, messageId: 1 }), payload: { message: 'no id' } }, 'malformed'],
    ['a string', 'malformed'],
  ];
  for (const [body, reason] of cases) assert.deepEqual(meaning(body), { kind: 'ignored', reason }, JSON.stringify(body).slice(0, 120));
});

test('message ids: exact up to 2^53 from the parsed body, beyond that from the raw digits', () => {
  assert.equal(messageIdOf({ message_id: 9007199254740991 }, ''), '9007199254740991');
  const raw = '{"payload":{"message_id":12345678901234567890,"message":"x"}}';
  assert.equal(messageIdOf(JSON.parse(raw).payload, raw), '12345678901234567890');
  assert.equal(messageIdOf({ message_id: -1 }, ''), null);
  assert.equal(caseIdOfChannel(CASE), CASE);
  assert.equal(caseIdOfChannel('500EM0000000001YAB'), null, 'a wrong checksum is no Case Id');
});

test("the bridge's notices are system entries: no sender, role System, type ADMM", () => {
  const data = JSON.stringify({ sbsf: 'agent.left', previous: [{ id: '005EM0000000001YAA', name: 'Ava Agent' }] });
  const body = messageWebhook({ caseId: CASE, messageId: 9, type: 'ADMM', customType: 'sbsf_bridge', data, text: 'Ava Agent left.' });
  const got = meaning(body);
  assert.equal(got.kind, 'message');
  assert.deepEqual(got.kind === 'message' && got.event.message, {
    type: 'ADMM',
    body: 'Ava Agent left.',
    senderId: '',
    senderName: 'System',
    senderRole: 'System',
    sentAt: (body.payload as { created_at: number }).created_at,
    editedAt: null,
    file: null,
  });
});
