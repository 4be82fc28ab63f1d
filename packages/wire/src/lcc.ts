/**
 * Lightning Container (LCC) messages between the `sendbird_utilities_bar` Aura component and the
 * agent panel running in the `SendBird_Bar` container.
 */
import type { CaseHistory, CaseHistoryError } from './history.js';

/** container -> Aura, re-sent on an interval until Aura answers. */
export const LCC_READY = 'READY';

/** Aura -> container: who the agent is and how to connect. */
export interface LccAgentSession {
  userId: string;
  nickname: string;
  accessToken: string;
  appId: string;
  /** Epoch ms when `accessToken` expires (optional for compatibility with the tutorial). */
  expiresAt?: number;
  /** Sandbox only: where the emulated Sendbird API lives. */
  apiHost?: string;
}

/**
 * Aura -> container: the session could not be fetched (the Apex action failed). `error` is the
 * safe message `SendbirdAgentSession` throws; the panel shows it and offers to try again.
 */
export interface LccSessionError {
  error: string;
}

/**
 * Aura -> container: the answer to a HISTORY request, for `caseId`: the customer's other Cases
 * the agent may see (`history`), or why not (`error`: the bridge's code and message, or
 * `unavailable` when the Apex call itself failed).
 */
export type LccHistoryAnswer =
  { event: 'HISTORY'; caseId: string; history: CaseHistory } | { event: 'HISTORY'; caseId: string; error: CaseHistoryError };

/** Everything Aura sends into the container. */
export type LccAuraMessage = LccAgentSession | LccSessionError | LccHistoryAnswer;

/**
 * container -> Aura: the total unread count of ALL the agent's support conversations changed, or
 * the highlight did. The label is "Chat (N)" while N > 0. `highlighted`: a message arrived since
 * the agent last looked at the panel (cleared when they look, and at 0). Without `highlighted`
 * (the tutorial's message), Aura highlights while N > 0.
 */
export interface LccNewMessage {
  event: 'NEWMESSAGE';
  unreadCount: number;
  highlighted?: boolean;
}

/** Why chat is unavailable (for the log and tests; the label says "Chat unavailable" for each). */
export type LccUnavailableReason =
  /** The chat connection (Sendbird's, or the sandbox feed) has been down for a while. */
  | 'disconnected'
  /** Aura answered with an error: the session could not be fetched (the bridge or Apex failed). */
  | 'session_failed'
  /** Aura never answered READY, or a renewal got no session. */
  | 'no_answer';

/**
 * container -> Aura: chat became unavailable (the label becomes "Chat unavailable" with a warning
 * icon, highlighted) or available again (the label, icon and highlight of the unread count come
 * back). Sent on changes only; Aura starts from available.
 */
export type LccAvailability =
  { event: 'AVAILABILITY'; available: true } | { event: 'AVAILABILITY'; available: false; reason: LccUnavailableReason };

/**
 * container -> Aura: the agent picked a channel; its URL is the Case Id. Sent on every pick by the
 * agent (the same channel again included, never on a re-render), so Aura opens the Case's tab
 * again after it was closed; `workspaceAPI.openTab` focuses the tab when it is open.
 */
export interface LccCurrentChannel {
  event: 'CURRENTCHANNEL';
  channelUrl: string;
}

/**
 * container -> Aura: the agent opened the conversation of Case `caseId`: Aura asks Apex for the
 * customer's other Cases (`SendbirdAgentSession.getCaseHistory`, through the bridge) and answers
 * with an LccHistoryAnswer. Sent again for "Try again".
 */
export interface LccHistoryRequest {
  event: 'HISTORY';
  caseId: string;
}

/**
 * container -> Aura: the agent picked one of the customer's other Cases: Aura opens it in a
 * console tab (as for CURRENTCHANNEL); the panel's conversation stays as it is.
 */
export interface LccOpenCase {
  event: 'OPENCASE';
  caseId: string;
}

/** container -> Aura: the session token expired; Aura fetches a new session and sends it. */
export interface LccSessionExpired {
  event: 'SESSION_EXPIRED';
}

export type LccContainerMessage =
  typeof LCC_READY | LccNewMessage | LccCurrentChannel | LccSessionExpired | LccAvailability | LccHistoryRequest | LccOpenCase;
