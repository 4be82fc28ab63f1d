/** The status line under a conversation's heading, for the customer and for an agent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelStatus, readOnlyNote } from '../src/status.js';

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
