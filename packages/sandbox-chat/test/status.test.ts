/** The status line under a conversation's heading, for the customer and for an agent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelStatus, readByOthers, readOnlyNote, typingText } from '../src/status.js';

test('the customer is told where they stand: waiting, with whom, closed; an agent who left is told so', () => {
  const base = { others: [] as string[], frozen: false, departed: false };
  assert.match(channelStatus({ ...base, audience: 'customer' }), /^Waiting for an agent\. The next one free will join here/);
  assert.equal(channelStatus({ ...base, audience: 'customer', others: ['Ava Agent'] }), 'With Ava Agent');
  assert.equal(
    channelStatus({ ...base, audience: 'customer', others: ['Ava Agent'], frozen: true }),
    'With Ava Agent · closed for new messages',
  );
  assert.equal(channelStatus({ ...base, audience: 'agent', others: ['Kim'] }), 'With Kim');
  assert.equal(channelStatus({ ...base, audience: 'agent' }), 'The customer is not in this conversation');
  assert.equal(
    channelStatus({ ...base, audience: 'agent', others: ['Kim', 'Ben Agent'], departed: true }),
    'You are no longer in this conversation',
  );
});

test('the note instead of the composer: who took over, a closed ticket, not a member', () => {
  assert.equal(readOnlyNote(true, false, 'Ben Agent took over', 'agent'), 'Ben Agent took over. This conversation is read-only now.');
  assert.equal(readOnlyNote(true, false, null, 'agent'), 'You left this conversation. It is read-only now.');
  assert.equal(readOnlyNote(false, true, null, 'customer'), 'This ticket is closed.');
  assert.equal(readOnlyNote(false, true, null, 'agent'), 'This conversation is closed for new messages.');
  assert.equal(readOnlyNote(false, false, null, 'agent'), 'You are not a member of this conversation.');
});

test('typing and read receipts as the pane says them', () => {
  assert.equal(typingText([]), null);
  assert.equal(typingText(['Ava Agent']), 'Ava Agent is typing…');
  assert.equal(typingText(['Ava', 'Ben', 'Cy']), 'Ava, Ben and Cy are typing…');
  const members = [
    { user_id: 'me', state: 'joined', read_ts: 0 },
    { user_id: 'ava', state: 'joined', read_ts: 500 },
    { user_id: 'ben', state: 'invited' },
  ];
  assert.equal(readByOthers(members, 'me', 400), true, 'everyone joined has read past it (an invitee does not count)');
  assert.equal(readByOthers(members, 'me', 600), false);
  assert.equal(readByOthers([{ user_id: 'me', state: 'joined' }], 'me', 1), null, 'nobody else to read it');
});
