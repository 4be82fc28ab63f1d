/** The channel view's notice reader: one parse per message, again when its data changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BRIDGE_MESSAGE_CUSTOM_TYPE } from '@sbsf/wire';
import { noticeReader } from '../src/notice-reader.js';
import type { FeedMessage } from '../src/protocol.js';

const ava = { id: '005A', name: 'Ava Agent' };
const ben = { id: '005B', name: 'Ben Agent' };

function admm(id: number, data: unknown): FeedMessage {
  return {
    message_id: id,
    type: 'ADMM',
    message: 'notice',
    channel_url: 'case-1',
    custom_type: BRIDGE_MESSAGE_CUSTOM_TYPE,
    data: JSON.stringify(data),
    created_at: id,
    updated_at: 0,
  };
}

test('a message is parsed once: the same id and data give the same notice, whatever the copy', () => {
  const read = noticeReader();
  const joined = admm(1, { sbsf: 'agent.joined', agent: ava });
  const first = read(joined);
  assert.deepEqual(first, { sbsf: 'agent.joined', agent: ava });
  assert.equal(read(joined), first, 'the remembered notice, not a new parse');
  assert.equal(read({ ...joined }), first, 'a new copy of the message (a re-render after a reload) too');
  assert.equal(read({ ...joined, type: 'MESG', data: 'plain' }) === first, false, 'other data is read again');
});

test('changed data is read again, and each message keeps its own notice', () => {
  const read = noticeReader();
  const m = admm(2, { sbsf: 'agent.joined', agent: ava });
  read(m);
  const edited = { ...m, data: JSON.stringify({ sbsf: 'agent.handover', agent: ben, previous: [ava] }) };
  assert.deepEqual(read(edited), { sbsf: 'agent.handover', agent: ben, previous: [ava] });
  assert.deepEqual(read(admm(3, { sbsf: 'case.closed' })), { sbsf: 'case.closed' });
  assert.equal(read(admm(4, { sbsf: 'agent.teleported' })), null, 'not a notice: null, remembered as such');
  assert.deepEqual(read(edited), { sbsf: 'agent.handover', agent: ben, previous: [ava] });
});
