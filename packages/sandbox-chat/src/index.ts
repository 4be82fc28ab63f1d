/**
 * @sbsf/sandbox-chat: the sandbox chat pane (React) and a typed client for the Sendbird
 * emulator's sandbox feed. Used by the customer app and the agent panel when they run on the
 * emulators; with real Sendbird settings they render Sendbird UIKit instead.
 */
export * from './protocol.js';
export * from './errors.js';
export * from './backoff.js';
export { SandboxRestClient, shouldRetry, MAX_READ_ATTEMPTS, type SandboxRestOptions } from './rest-client.js';
export * from './feed-client.js';
export * from './state.js';
export * from './grouping.js';
export * from './format.js';
export * from './status.js';
export { useSandboxChat, type SandboxChatApi, type SandboxChatConnectionProps } from './use-sandbox-chat.js';
export { SandboxChatProvider, useSandboxChatContext } from './components/context.js';
export { SandboxChannelView, MAX_MESSAGE_LENGTH, type SandboxChannelViewProps } from './components/ChannelView.js';
export { SandboxChannelList, type SandboxChannelListProps } from './components/ChannelList.js';
export { SandboxChatPane, SandboxBanner, type SandboxChatPaneProps } from './components/SandboxChatPane.js';
export { SANDBOX_CHAT_CSS } from './components/styles.js';
export * from './csat.js';
export { CsatSurvey, CSAT_CSS, type CsatSurveyProps } from './components/CsatSurvey.js';
