/**
 * The Sendbird emulator's sandbox feed: a small realtime protocol of OUR OWN design for the
 * sandbox chat pane (docs/emulator-sendbird.md, "Sandbox feed"). The real Sendbird client protocol
 * is undocumented and its SDK licence forbids reverse engineering, so it is not imitated. The
 * emulator (server) and the sandbox chat pane (browser) both import these shapes from here.
 *
 *   client -> server  {"type":"auth","token":"<session token>"}   (first frame, within 10 s)
 *                     {"type":"ping"}
 *   server -> client  {"type":"ready", user, expires_at, total_unread_count}
 *                     {"type":"message", event:"sent"|"updated"|"deleted", channel_url, message}
 *                     {"type":"channel", event, channel_url, user_ids, channel}
 *                     {"type":"unread", total_unread_count}
 *                     {"type":"pong"}
 *                     {"type":"error", code, message}
 */

/** The feed's WebSocket path and REST prefix on the emulator's origin. */
export const FEED_PATH = '/sandbox/feed';
export const FEED_REST_PREFIX = '/sandbox/v1';
/** The feed closes a connection that sends no auth frame within this time. */
export const AUTH_TIMEOUT_MS = 10_000;

/** Sendbird's "invalid or expired session token" code: renew the token, then reconnect or retry. */
export const SESSION_TOKEN_ERROR_CODE = 400302;

/** WebSocket close codes the feed uses (4000-4999 is the range left to applications). */
export const FeedCloseCode = {
  /** The first frame was not an auth frame or not JSON: a client bug, retrying will not help. */
  ProtocolError: 4000,
  /** Unknown token (never issued, or its user was deleted). */
  InvalidToken: 4001,
  /** The session token expired, at auth or while connected. */
  TokenExpired: 4002,
  /** No auth frame within 10 s (e.g. a stalled client): reconnect. */
  AuthTimeout: 4008,
  /** The emulator is shutting down or was reset: reconnect. */
  GoingAway: 1001,
} as const;

export interface FeedUser {
  user_id: string;
  nickname: string;
  profile_url: string;
}

/** A Platform API message object (the fields the pane reads). */
export interface FeedMessage {
  message_id: number;
  type: 'MESG' | 'FILE' | 'ADMM';
  message: string;
  channel_url: string;
  custom_type: string;
  data: string;
  created_at: number;
  updated_at: number;
  /** The sender; absent on admin messages (ADMM). */
  user?: FeedUser & { role?: string };
  file?: { url: string; name: string; type: string; size: number };
  /** Sent with `is_silent`: it changes neither the unread count nor the channel's last message. */
  silent?: boolean;
}

export interface FeedMember extends FeedUser {
  state: 'joined' | 'invited';
  /** When the member last read the channel (ms): read receipts. */
  read_ts?: number;
}

export interface FeedChannelSummary {
  channel_url: string;
  name: string;
  custom_type: string;
  data: string;
  freeze: boolean;
  created_at: number;
  member_count: number;
  members: FeedMember[];
  /** The caller's own state in the channel; `none` after leaving. */
  my_state: 'joined' | 'invited' | 'none';
  unread_message_count: number;
  last_message: FeedMessage | null;
  /**
   * The latest user message (MESG or FILE; admin messages skipped), so a list can tell who wrote
   * last although the newest message is an admin one. Absent from older emulators.
   */
  last_user_message?: FeedMessage | null;
}

export type FeedClientFrame =
  | { type: 'auth'; token: string }
  | { type: 'ping' }
  /** The person started (true) or stopped (false) typing in a channel they are a member of. */
  | { type: 'typing'; channel_url: string; typing: boolean };

/** A typing indicator lasts this long without another `typing: true` (a client that vanished stops typing). */
export const FEED_TYPING_TTL_MS = 10_000;

/** `updated`: the channel's properties changed (`PUT /v3/group_channels/{url}`: name, data, ...). */
export type FeedChannelEvent = 'joined' | 'invited' | 'left' | 'frozen' | 'unfrozen' | 'deleted' | 'updated';

export type FeedServerFrame =
  | { type: 'ready'; user: FeedUser; expires_at: number; total_unread_count: number }
  | { type: 'message'; event: 'sent' | 'updated' | 'deleted'; channel_url: string; message: FeedMessage }
  | { type: 'channel'; event: FeedChannelEvent; channel_url: string; user_ids: string[]; channel: FeedChannelSummary }
  | { type: 'unread'; total_unread_count: number }
  /** A member read the channel up to `read_ts` (ms): to the channel's other joined members. */
  | { type: 'read'; channel_url: string; user_id: string; read_ts: number }
  /** Who is typing in the channel now (never the recipient): to its joined members, on every change. */
  | { type: 'typing'; channel_url: string; user_ids: string[] }
  | { type: 'pong' }
  | { type: 'error'; code: number; message: string };
