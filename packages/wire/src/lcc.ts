/**
 * Lightning Container (LCC) messages between the `sendbird_utilities_bar` Aura component and the
 * agent panel running in the `SendBird_Bar` container.
 */

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

/** Everything Aura sends into the container. */
export type LccAuraMessage = LccAgentSession | LccSessionError;

/** container -> Aura: total unread count changed (0 when the panel is looked at). */
export interface LccNewMessage {
  event: 'NEWMESSAGE';
  unreadCount: number;
}

/**
 * container -> Aura: the agent picked a channel; its URL is the Case Id. Sent on every pick by the
 * agent (the same channel again included, never on a re-render), so Aura opens the Case's tab
 * again after it was closed; `workspaceAPI.openTab` focuses the tab when it is open.
 */
export interface LccCurrentChannel {
  event: 'CURRENTCHANNEL';
  channelUrl: string;
}

/** container -> Aura: the session token expired; Aura fetches a new session and sends it. */
export interface LccSessionExpired {
  event: 'SESSION_EXPIRED';
}

export type LccContainerMessage = typeof LCC_READY | LccNewMessage | LccCurrentChannel | LccSessionExpired;
