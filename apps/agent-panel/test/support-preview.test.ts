/**
 * The UIKit channel list's preview of a support channel, at UIKit's boundary: the channel is an
 * object shaped as the chat SDK's GroupChannel (url, name, data, createdAt, unreadMessageCount,
 * lastMessage with messageType / sender / message), as UIKit's `renderChannelPreview` hands it.
 * UIKitPanel.tsx passes UIKit's channel straight in, so the app's type-check proves the SDK's
 * GroupChannel fits `PreviewChannel`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeSupportChannelData } from '@sbsf/wire';
import { supportPreview, type PreviewChannel } from '../src/ui/support-preview.js';

const CASE_ID = '500EM0000000001YAA';
const AGENT = '005EM0000000002YAA';
const MIN = 60_000;
const NOW = 1_800_000_000_000;

function channel(over: Partial<PreviewChannel> = {}): PreviewChannel {
  return {
    url: CASE_ID,
    name: 'Case 00001004',
    data: encodeSupportChannelData({
      caseId: CASE_ID,
      caseNumber: '00001004',
      ticketId: 't-1',
      subject: 'Cannot log in',
      customerName: 'Dana Diaz',
      customerId: 'cust-dana',
      status: 'New',
      closed: false,
    }),
    createdAt: NOW - 30 * MIN,
    unreadMessageCount: 2,
    lastMessage: {
      messageType: 'user',
      createdAt: NOW - 12 * MIN,
      message: 'Hello?',
      sender: { userId: 'cust-dana', nickname: 'Dana' },
    },
    ...over,
  };
}

test('the preview shows subject, customer, status, time waiting, last message and unread count', () => {
  const p = supportPreview(channel(), NOW);
  assert.equal(p.title, 'Cannot log in');
  assert.equal(p.customerName, 'Dana Diaz');
  assert.equal(p.status, 'New');
  assert.equal(p.waiting, 'waiting 12 min');
  assert.equal(p.lastText, 'Dana: Hello?');
  assert.equal(p.unread, 2);
  assert.equal(p.label, 'Cannot log in, Dana Diaz, New, waiting 12 minutes, 2 unread messages');
});

test('an agent answered last: no time waiting', () => {
  const p = supportPreview(
    channel({ lastMessage: { messageType: 'user', createdAt: NOW - MIN, message: 'On it', sender: { userId: AGENT, nickname: 'Ava' } } }),
    NOW,
  );
  assert.equal(p.waiting, undefined);
  assert.equal(p.lastText, 'Ava: On it');
});

test('no message yet: waiting since the channel was made; an admin message last: unknown, so not shown', () => {
  assert.equal(supportPreview(channel({ lastMessage: null }), NOW).waiting, 'waiting 30 min');
  assert.equal(supportPreview(channel({ lastMessage: null }), NOW).lastText, 'No messages yet');
  const admin = supportPreview(channel({ lastMessage: { messageType: 'admin', createdAt: NOW, message: 'Ben joined' } }), NOW);
  assert.equal(admin.waiting, undefined);
  assert.equal(admin.lastText, 'Ben joined');
});

test('an old channel (caseId, caseNumber, ticketId) shows "Case <number>"; a closed Case waits for nobody', () => {
  const old = supportPreview(channel({ data: JSON.stringify({ caseId: CASE_ID, caseNumber: '00001004', ticketId: 't-1' }) }), NOW);
  assert.equal(old.title, 'Case 00001004');
  assert.equal(old.customerName, undefined);
  assert.equal(old.waiting, 'waiting 12 min', 'the customer is not a Salesforce User Id');
  const closed = supportPreview(channel({ data: encodeSupportChannelData({ subject: 'Done', status: 'Closed', closed: true }) }), NOW);
  assert.deepEqual([closed.status, closed.closed, closed.waiting], ['Closed', true, undefined]);
});
