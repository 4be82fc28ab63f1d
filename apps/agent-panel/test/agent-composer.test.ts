/**
 * What the UIKit conversation offers the agent to write with, at UIKit's boundary: the chat SDK's
 * own MessageType and MemberState values, UIKit's own `renderMessageInput` slot and the modules
 * UIKitPanel takes the input and the channel state from (read from UIKit's declarations and
 * exports). UIKitPanel.tsx passes UIKit's `currentChannel` and `messages` straight in, so the
 * app's type-check proves the SDK's objects fit.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { MemberState } from '@sendbird/chat/groupChannel';
import { MessageType } from '@sendbird/chat/message';
import { BRIDGE_MESSAGE_CUSTOM_TYPE, type BridgeNotice } from '@sbsf/wire';
import { agentComposer, type ComposerMessage } from '../src/ui/agent-composer.js';

const ava = { id: '005EM0000000002YAA', name: 'Ava Agent' };
const ben = { id: '005EM0000000003YAA', name: 'Ben Agent' };
const notice = (n: BridgeNotice): ComposerMessage => ({
  messageType: MessageType.ADMIN,
  customType: BRIDGE_MESSAGE_CUSTOM_TYPE,
  data: JSON.stringify(n),
});
const said = (text: string): ComposerMessage => ({ messageType: MessageType.USER, customType: '', data: text });
const joined = { myMemberState: MemberState.JOINED };
const gone = { myMemberState: MemberState.NONE };
const READ_ONLY = 'This conversation is read-only now.';

const form = notice({ sbsf: 'ticket.form', subject: 'Printer on fire' });
const avaJoined = notice({ sbsf: 'agent.joined', agent: ava });
const benTookOver = notice({ sbsf: 'agent.handover', agent: ben, previous: [ava] });

test('UIKit offers the slot the panel fills, and the modules it takes the input and channel state from', () => {
  const pkgFile = createRequire(import.meta.url).resolve('@sendbird/uikit-react/package.json');
  const root = dirname(pkgFile);
  const view = readFileSync(join(root, 'types/modules/GroupChannel/components/GroupChannelUI/GroupChannelUIView.d.ts'), 'utf8');
  assert.match(view, /renderMessageInput\?: \(\) => React\.ReactElement;/, "GroupChannel's renderMessageInput takes no arguments");
  const exports = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, unknown> }).exports;
  for (const path of ['./GroupChannel/components/MessageInputWrapper', './GroupChannel/context']) assert.ok(exports[path], path);
  const state = readFileSync(join(root, 'types/modules/GroupChannel/context/types.d.ts'), 'utf8');
  assert.match(state, /currentChannel: GroupChannel \| null;/);
});

test('in the conversation: the input, also while the channel loads and after a Case given back', () => {
  assert.deepEqual(agentComposer(joined, [form, avaJoined, said('Hello')], ava.id), { kind: 'input' });
  assert.deepEqual(agentComposer(null, [], ava.id), { kind: 'input' }, 'UIKit shows its own placeholder while it loads');
  const givenBack = notice({ sbsf: 'agent.handover', agent: ava, previous: [ben] });
  assert.deepEqual(agentComposer(joined, [avaJoined, benTookOver, givenBack], ava.id), { kind: 'input' });
  assert.deepEqual(agentComposer(joined, [avaJoined, benTookOver], ben.id), { kind: 'input' }, 'the agent who took over');
});

test('taken over: read-only with who took over, from the notice on (before the leave) and after it', () => {
  const history = [form, avaJoined, said('Hi Jane'), benTookOver];
  const want = { kind: 'read-only', note: `Ben Agent took over. ${READ_ONLY}` };
  assert.deepEqual(agentComposer(joined, history, ava.id), want, 'the notice comes while she is still a member');
  assert.deepEqual(agentComposer(gone, history, ava.id), want);
});

test('the Case gone to a queue, or the membership gone without a notice: read-only, saying so', () => {
  const left = notice({ sbsf: 'agent.left', previous: [ava] });
  assert.deepEqual(agentComposer(gone, [avaJoined, left], ava.id), {
    kind: 'read-only',
    note: `You left; the Case went back to a queue. ${READ_ONLY}`,
  });
  assert.deepEqual(agentComposer(gone, [avaJoined], ava.id), {
    kind: 'read-only',
    note: 'You left this conversation. It is read-only now.',
  });
  assert.deepEqual(agentComposer({ myMemberState: MemberState.INVITED }, [], ava.id), {
    kind: 'read-only',
    note: 'You are not a member of this conversation.',
  });
});

test('only admin messages of the bridge count as notices', () => {
  const theirs = { ...benTookOver, customType: 'someone_else' };
  const asUser = { ...benTookOver, messageType: MessageType.USER };
  assert.deepEqual(agentComposer(joined, [avaJoined, theirs, asUser], ava.id), { kind: 'input' });
});
