/**
 * What the UIKit conversation offers the agent to write with (UIKitPanel's `renderMessageInput`):
 * UIKit's message input while the agent is in the conversation, and once they are not, a note
 * saying why instead of an input whose sends would fail. Out means the bridge's latest agent
 * notice names them as replaced or gone ("Ben Agent took over": it comes just before the bridge
 * takes them out) or the channel says they are no longer a member. The notice is read as the
 * sandbox pane reads it (@sbsf/wire `removalText`), the note worded as the pane words it.
 * Framework-free, so tests run it on Node with the chat SDK's own enums.
 */
import { MemberState } from '@sendbird/chat/groupChannel';
import { MessageType } from '@sendbird/chat/message';
// The pane's wording, without its components (this module also runs on Node).
import { readOnlyNote } from '@sbsf/sandbox-chat/status';
import { removalText, type NoticeCarrier } from '@sbsf/wire/notices';

/** The part of the SDK's GroupChannel read here (a GroupChannel is one). */
export interface ComposerChannel {
  myMemberState: `${MemberState}`;
}

/** The part of the SDK's messages (UserMessage, FileMessage, AdminMessage) read here. */
export interface ComposerMessage {
  messageType: `${MessageType}`;
  customType: string;
  data: string;
}

export type AgentComposer = { kind: 'input' } | { kind: 'read-only'; note: string };

/** An SDK message in the field names the notices are read with (the Platform API's). */
const carrier = (m: ComposerMessage): NoticeCarrier => ({
  type: m.messageType === MessageType.ADMIN ? 'ADMM' : m.messageType,
  custom_type: m.customType,
  data: m.data,
});

/**
 * The input, or the note that replaces it. `channel` is UIKit's current channel (null while it
 * loads: UIKit's own placeholder shows then), `messages` its loaded messages, oldest first.
 */
export function agentComposer(channel: ComposerChannel | null, messages: readonly ComposerMessage[], agentId: string): AgentComposer {
  const removed = removalText(messages.map(carrier), agentId);
  const state = channel?.myMemberState;
  if (!removed && (state === undefined || state === MemberState.JOINED)) return { kind: 'input' };
  // Invited but not joined (the bridge's invites join at once): not a member, not "left".
  const departed = removed !== null || state !== MemberState.INVITED;
  return { kind: 'read-only', note: readOnlyNote(departed, false, removed, 'agent') };
}
